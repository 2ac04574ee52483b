package dev.evloop.http.codec.h2;

/** Error codes of RST_STREAM and GOAWAY (RFC 9113 §7). */
public enum ErrorCode {
    NO_ERROR(0x0), PROTOCOL_ERROR(0x1), INTERNAL_ERROR(0x2), FLOW_CONTROL_ERROR(0x3), SETTINGS_TIMEOUT(0x4),
    STREAM_CLOSED(0x5), FRAME_SIZE_ERROR(0x6), REFUSED_STREAM(0x7), CANCEL(0x8), COMPRESSION_ERROR(0x9),
    CONNECT_ERROR(0xa), ENHANCE_YOUR_CALM(0xb), INADEQUATE_SECURITY(0xc), HTTP_1_1_REQUIRED(0xd);

    private static final ErrorCode[] BY_CODE = values();

    private final long code;

    ErrorCode(long code) {
        this.code = code;
    }

    /** The 32-bit code sent on the wire. */
    public long code() {
        return code;
    }

    /** The constant, or null for a code this list does not know (§7: unknown codes are not errors). */
    public static ErrorCode of(long code) {
        // The constants are declared in code order, 0x0 to 0xd.
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }

    /** "PROTOCOL_ERROR", or "0x1f (unknown)". */
    public static String describe(long code) {
        ErrorCode known = of(code);
        return known != null ? known.name() : "0x" + Long.toHexString(code) + " (unknown)";
    }
}
