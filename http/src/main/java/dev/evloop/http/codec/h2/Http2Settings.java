package dev.evloop.http.codec.h2;

/**
 * SETTINGS parameters (§6.5.2): the values present in one frame, or a full set. Mutable, small;
 * only the six ids of RFC 9113 are kept (the reader drops the others, as §6.5.2 asks).
 */
public final class Http2Settings {
    public static final int HEADER_TABLE_SIZE = 1, ENABLE_PUSH = 2, MAX_CONCURRENT_STREAMS = 3,
            INITIAL_WINDOW_SIZE = 4, MAX_FRAME_SIZE = 5, MAX_HEADER_LIST_SIZE = 6;

    static final int MAX_ID = 6;
    private static final String[] NAMES = {
        null, "HEADER_TABLE_SIZE", "ENABLE_PUSH", "MAX_CONCURRENT_STREAMS", "INITIAL_WINDOW_SIZE", "MAX_FRAME_SIZE",
        "MAX_HEADER_LIST_SIZE",
    };

    private final long[] values = new long[MAX_ID + 1];
    private int present; // bit i set: values[i] holds the value of id i

    /** No value present. */
    public Http2Settings() {}

    /**
     * Sets a value, checked as the reader checks a peer's (§6.5.2).
     *
     * @throws IllegalArgumentException for an id other than 1..6 or a value out of its range
     */
    public Http2Settings set(int id, long value) {
        if (!known(id)) throw new IllegalArgumentException("unknown SETTINGS id " + id + " (known: 1..6)");
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(name(id) + " " + value + " is not a 32-bit unsigned value");
        }
        if (violation(id, value) != null) throw new IllegalArgumentException(rule(id, value));
        put(id, value);
        return this;
    }

    public boolean has(int id) {
        return known(id) && (present & (1 << id)) != 0;
    }

    public long get(int id, long orElse) {
        return has(id) ? values[id] : orElse;
    }

    /** Parameters present (known ids). */
    public int count() {
        return Integer.bitCount(present);
    }

    public void clear() {
        present = 0;
    }

    /** {@code "{ENABLE_PUSH=0, INITIAL_WINDOW_SIZE=1048576}"}, in id order. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("{");
        for (int id = 1; id <= MAX_ID; id++) {
            if (!has(id)) continue;
            if (s.length() > 1) s.append(", ");
            s.append(NAMES[id]).append('=').append(values[id]);
        }
        return s.append('}').toString();
    }

    void put(int id, long value) {
        values[id] = value;
        present |= 1 << id;
    }

    static boolean known(int id) {
        return id >= 1 && id <= MAX_ID;
    }

    static String name(int id) {
        return known(id) ? "SETTINGS_" + NAMES[id] : "SETTINGS id 0x" + Integer.toHexString(id);
    }

    /** The error a peer's value earns (§6.5.2), or null when it is allowed. value is a uint32. */
    static ErrorCode violation(int id, long value) {
        return switch (id) {
            case ENABLE_PUSH -> value > 1 ? ErrorCode.PROTOCOL_ERROR : null;
            case INITIAL_WINDOW_SIZE -> value > Http2.MAX_WINDOW ? ErrorCode.FLOW_CONTROL_ERROR : null;
            case MAX_FRAME_SIZE -> value < Http2.DEFAULT_MAX_FRAME_SIZE || value > Http2.MAX_FRAME_SIZE_LIMIT
                    ? ErrorCode.PROTOCOL_ERROR : null;
            default -> null;
        };
    }

    static String rule(int id, long value) {
        String allowed = switch (id) {
            case ENABLE_PUSH -> "must be 0 or 1";
            case INITIAL_WINDOW_SIZE -> "must not exceed 2^31-1";
            case MAX_FRAME_SIZE -> "must be within 16384..16777215";
            default -> "is out of range";
        };
        return name(id) + " " + value + " " + allowed + " (RFC 9113 §6.5.2)";
    }
}
