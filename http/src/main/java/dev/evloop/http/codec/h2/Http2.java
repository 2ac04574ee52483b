package dev.evloop.http.codec.h2;

import static java.nio.charset.StandardCharsets.US_ASCII;

/** Constants of RFC 9113. */
public final class Http2 {
    /**
     * The client connection preface (§3.4). Shared: do not write into it; {@link #preface()}
     * returns a copy.
     */
    public static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(US_ASCII);

    /** Length (24 bits), type, flags, reserved bit and stream id (31 bits): §4.1. */
    public static final int FRAME_HEADER_LENGTH = 9;

    /** Frame types, §6 (§11.2 registry). */
    public static final int DATA = 0, HEADERS = 1, PRIORITY = 2, RST_STREAM = 3, SETTINGS = 4, PUSH_PROMISE = 5,
            PING = 6, GOAWAY = 7, WINDOW_UPDATE = 8, CONTINUATION = 9;

    /** Flags; END_STREAM (DATA, HEADERS) and ACK (SETTINGS, PING) share bit 0x1. */
    public static final int FLAG_END_STREAM = 0x1, FLAG_ACK = 0x1, FLAG_END_HEADERS = 0x4, FLAG_PADDED = 0x8,
            FLAG_PRIORITY = 0x20;

    /** SETTINGS_MAX_FRAME_SIZE: initial value and the largest allowed (§6.5.2). */
    public static final int DEFAULT_MAX_FRAME_SIZE = 16_384, MAX_FRAME_SIZE_LIMIT = (1 << 24) - 1;

    /** SETTINGS_INITIAL_WINDOW_SIZE's initial value, and the largest window (§6.9.1, §6.9.2). */
    public static final int DEFAULT_INITIAL_WINDOW = 65_535, MAX_WINDOW = Integer.MAX_VALUE;

    /** SETTINGS_HEADER_TABLE_SIZE's initial value (§6.5.2). */
    public static final int DEFAULT_HEADER_TABLE_SIZE = 4096;

    private static final String[] NAMES = {
        "DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE",
        "CONTINUATION",
    };

    private Http2() {}

    /** A copy of {@link #PREFACE}. */
    public static byte[] preface() {
        return PREFACE.clone();
    }

    /** "DATA", "HEADERS", ..., or "type 0x2a" for an unknown type. */
    public static String frameName(int type) {
        return type >= 0 && type < NAMES.length ? NAMES[type] : "type 0x" + Integer.toHexString(type);
    }
}
