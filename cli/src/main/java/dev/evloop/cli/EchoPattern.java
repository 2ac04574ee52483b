package dev.evloop.cli;

import dev.evloop.server.echo.EchoHandler;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The messages of the echo protocol as the load client sends them: a 4-byte little-endian length,
 * then {@code size} payload bytes. The payload of message {@code seq} on connection {@code id} is
 * a window into one shared array of random bytes, at an offset derived from both, so payloads
 * differ per connection and per message (a stale, misrouted or corrupted echo shows) while
 * nothing is generated or allocated per message. Immutable; shared by every connection and loop.
 */
final class EchoPattern {
    static final int HEADER = EchoHandler.HEADER;
    /** Distinct window offsets: a prime, so {@code id * 131 + seq * 7} cycles through all of them. */
    private static final int SPAN = 4093;

    private final int size;
    private final byte[] header;
    private final byte[] bytes;

    EchoPattern(int size) {
        if (size < 0) throw new IllegalArgumentException("message size must not be negative: " + size);
        this.size = size;
        this.header = new byte[] {(byte) size, (byte) (size >>> 8), (byte) (size >>> 16), (byte) (size >>> 24)};
        this.bytes = new byte[SPAN + size];
        new SplittableRandom(0x5EED_EC40L).nextBytes(bytes);
    }

    int size() {
        return size;
    }

    /** Header plus payload. */
    int frameLength() {
        return HEADER + size;
    }

    /** Copies bytes {@code [from, from + length)} of frame {@code (id, seq)} to {@code dst[at..]}. */
    void copy(int id, long seq, int from, byte[] dst, int at, int length) {
        int headerPart = Math.max(0, Math.min(length, HEADER - from));
        if (headerPart > 0) System.arraycopy(header, from, dst, at, headerPart);
        if (length > headerPart) {
            int payloadFrom = from + headerPart - HEADER;
            System.arraycopy(bytes, offset(id, seq) + payloadFrom, dst, at + headerPart, length - headerPart);
        }
    }

    /** True if {@code src[at .. at + length)} equals bytes {@code [from, from + length)} of frame {@code (id, seq)}. */
    boolean matches(int id, long seq, int from, byte[] src, int at, int length) {
        int headerPart = Math.max(0, Math.min(length, HEADER - from));
        if (headerPart > 0 && Arrays.mismatch(header, from, from + headerPart, src, at, at + headerPart) >= 0) {
            return false;
        }
        if (length == headerPart) return true;
        int start = offset(id, seq) + from + headerPart - HEADER;
        return Arrays.mismatch(bytes, start, start + length - headerPart, src, at + headerPart, at + length) < 0;
    }

    private static int offset(int id, long seq) {
        return (int) Math.floorMod(id * 131L + seq * 7L, (long) SPAN);
    }
}
