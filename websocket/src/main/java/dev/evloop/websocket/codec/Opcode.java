package dev.evloop.websocket.codec;

import java.util.Locale;

/**
 * The frame opcodes of RFC 6455 §5.2 (IANA "WebSocket Opcode Registry", §11.8). Opcodes 0x3-0x7
 * are reserved for further non-control frames and 0xB-0xF for further control frames; a reader
 * that meets one fails the connection (§5.2: "If an unknown opcode is received, the receiving
 * endpoint MUST Fail the WebSocket Connection").
 */
public final class Opcode {
    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    private Opcode() {}

    /** Control frames have the most significant opcode bit set (RFC 6455 §5.5). */
    public static boolean isControl(int opcode) {
        return (opcode & 0x8) != 0;
    }

    /** True for the six opcodes RFC 6455 defines; false for reserved and out-of-range values. */
    public static boolean isDefined(int opcode) {
        return switch (opcode) {
            case CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG -> true;
            default -> false;
        };
    }

    /** The opcode's name ({@code "TEXT"}), or its hexadecimal value ({@code "0x3"}) when reserved. */
    public static String name(int opcode) {
        return switch (opcode) {
            case CONTINUATION -> "CONTINUATION";
            case TEXT -> "TEXT";
            case BINARY -> "BINARY";
            case CLOSE -> "CLOSE";
            case PING -> "PING";
            case PONG -> "PONG";
            default -> "0x" + Integer.toHexString(opcode).toUpperCase(Locale.ROOT);
        };
    }
}
