package dev.evloop.http.codec;

import java.nio.ByteBuffer;
import java.util.Map;

/** Writing helpers shared by the encoders: growing the caller's buffer and putting ASCII. */
final class Wire {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Wire() {}

    /**
     * Returns {@code dst} if it has {@code n} bytes of room, else a larger buffer of the same kind
     * (heap or direct) holding {@code dst}'s bytes before its position, positioned after them.
     * A null {@code dst} gets a fresh heap buffer.
     */
    static ByteBuffer ensure(ByteBuffer dst, int n) {
        if (dst == null) {
            return ByteBuffer.allocate(Math.max(n, 256));
        }
        if (dst.remaining() >= n) {
            return dst;
        }
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(2L * dst.capacity(), (long) dst.position() + n));
        if (capacity - dst.position() < n) {
            throw new IllegalArgumentException("cannot grow a buffer to hold " + n + " more bytes");
        }
        ByteBuffer grown = dst.isDirect() ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        grown.put(dst.flip());
        return grown;
    }

    /** Writes a string already checked to hold only ISO-8859-1 characters. */
    static void putLatin1(ByteBuffer dst, String s) {
        for (int i = 0; i < s.length(); i++) {
            dst.put((byte) s.charAt(i));
        }
    }

    static void crlf(ByteBuffer dst) {
        dst.put((byte) '\r').put((byte) '\n');
    }

    static int fieldBytes(String name, String value) {
        return name.length() + 2 + value.length() + 2;
    }

    static void putField(ByteBuffer dst, String name, String value) {
        putLatin1(dst, name);
        dst.put((byte) ':').put((byte) ' ');
        putLatin1(dst, value);
        crlf(dst);
    }

    static int decimalDigits(long v) {
        int n = 1;
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }

    static void putDecimal(ByteBuffer dst, long v) {
        int n = decimalDigits(v);
        int end = dst.position() + n;
        for (int i = end - 1; i >= dst.position(); i--) {
            dst.put(i, (byte) ('0' + v % 10));
            v /= 10;
        }
        dst.position(end);
    }

    static int hexDigits(long v) {
        return v == 0 ? 1 : (64 - Long.numberOfLeadingZeros(v) + 3) / 4;
    }

    static void putHex(ByteBuffer dst, long v) {
        for (int shift = (hexDigits(v) - 1) * 4; shift >= 0; shift -= 4) {
            dst.put(HEX[(int) (v >>> shift) & 0xF]);
        }
    }

    /**
     * Sums the wire size of caller-supplied fields after checking each (token name, no CR/LF/NUL in
     * values) and refusing the framing fields, which the encoders write themselves.
     */
    static int checkedFieldBytes(Iterable<? extends Map.Entry<String, String>> fields, String skipName) {
        int size = 0;
        for (Map.Entry<String, String> f : fields) {
            String name = f.getKey();
            HttpTokens.checkField(name, f.getValue());
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")) {
                throw new IllegalArgumentException("header \"" + name
                        + "\" is written by the encoder from the body length; pass the length instead (request smuggling guard)");
            }
            if (skipName != null && name.equalsIgnoreCase(skipName)) continue;
            size += fieldBytes(name, f.getValue());
        }
        return size;
    }

    /** The framing field for a body length: Content-Length, Transfer-Encoding: chunked or none. */
    static int framingBytes(long bodyLength) {
        if (bodyLength >= 0) return fieldBytes("Content-Length", "") + decimalDigits(bodyLength);
        if (bodyLength == Http1RequestEncoder.CHUNKED) return fieldBytes("Transfer-Encoding", "chunked");
        return 0;
    }

    static void putFraming(ByteBuffer dst, long bodyLength) {
        if (bodyLength >= 0) {
            putLatin1(dst, "Content-Length: ");
            putDecimal(dst, bodyLength);
            crlf(dst);
        } else if (bodyLength == Http1RequestEncoder.CHUNKED) {
            putField(dst, "Transfer-Encoding", "chunked");
        }
    }

    static void checkBodyLength(long bodyLength) {
        if (bodyLength < Http1RequestEncoder.CHUNKED) {
            throw new IllegalArgumentException("body length " + bodyLength + " is neither >= 0, NO_BODY nor CHUNKED");
        }
    }
}
