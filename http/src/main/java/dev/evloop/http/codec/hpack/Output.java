package dev.evloop.http.codec.hpack;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** A growable byte array the encoder reuses from block to block. */
final class Output {
    private byte[] bytes = new byte[256];
    private int length;
    private ByteBuffer view = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    private byte[] viewed = bytes;

    void reset() {
        length = 0;
    }

    int length() {
        return length;
    }

    void put(int octet) {
        if (length == bytes.length) bytes = Arrays.copyOf(bytes, bytes.length * 2);
        bytes[length++] = (byte) octet;
    }

    /** §5.1: {@code value} with an N-bit prefix; {@code flags} holds the bits above the prefix. */
    void putInt(int flags, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            put(flags | value);
            return;
        }
        put(flags | max);
        value -= max;
        while (value >= 0x80) {
            put((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        put(value);
    }

    /**
     * Read-only view of what was written, valid until the next {@link #reset()}. The same buffer
     * object is returned each time until the array grows.
     */
    ByteBuffer view() {
        if (viewed != bytes) {
            view = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
            viewed = bytes;
        }
        return view.limit(length).position(0);
    }
}
