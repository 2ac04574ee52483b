package dev.evloop.http.codec;

import java.nio.ByteBuffer;

/**
 * Gathers one line across arbitrary input splits into a reusable array. The only place the
 * parsers look for line terminators, so CRLF and bare-LF handling is decided once.
 *
 * <p>A line ends at LF. A CR right before it belongs to the terminator; without that CR the line
 * has a bare LF, which the caller accepts or rejects (RFC 9112 §2.2). A CR anywhere else stays in
 * the line, where the caller's character checks reject it.
 */
final class LineReader {
    /** More input is needed; everything given so far has been consumed. */
    static final int NEED_MORE = -1;
    /** The line, terminator included, would exceed the caller's byte budget. */
    static final int TOO_LONG = -2;
    /** The line ended with a bare LF and the caller did not allow it. */
    static final int BARE_LF = -3;

    /** The current line; grows up to the largest budget ever asked for, then is reused. */
    private byte[] buf = new byte[256];
    /** Bytes of the current, unfinished line held in {@link #buf}. */
    private int len;
    /** Bytes the last completed line took on the wire, terminator included. */
    private int lastLineBytes;

    /**
     * Consumes input up to and including the next LF, or all of it if there is none.
     *
     * @param maxBytes the most bytes this line may take, terminator included
     * @return the line's length without terminator (the line is in {@link #array()}), or
     *     {@link #NEED_MORE}, {@link #TOO_LONG} or {@link #BARE_LF}
     */
    int read(ByteBuffer in, int maxBytes, boolean allowBareLf) {
        int pos = in.position();
        int lim = in.limit();
        int room = Math.max(0, maxBytes - len);
        int scanEnd = lim - pos > room ? pos + room : lim;
        int i = pos;
        while (i < scanEnd && in.get(i) != '\n') {
            i++;
        }
        if (i == scanEnd) {
            append(in, pos, scanEnd - pos);
            in.position(scanEnd);
            return scanEnd < lim ? TOO_LONG : NEED_MORE;
        }
        append(in, pos, i - pos);
        in.position(i + 1);
        int lineLen = len;
        lastLineBytes = len + 1;
        len = 0;
        if (lineLen > 0 && buf[lineLen - 1] == '\r') {
            return lineLen - 1;
        }
        return allowBareLf ? lineLen : BARE_LF;
    }

    byte[] array() {
        return buf;
    }

    int lastLineBytes() {
        return lastLineBytes;
    }

    /** Bytes of an unfinished line held so far. */
    int pending() {
        return len;
    }

    void reset() {
        len = 0;
    }

    private void append(ByteBuffer in, int from, int n) {
        if (n == 0) return;
        if (len + n > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
        in.get(from, buf, len, n);
        len += n;
    }
}
