package dev.evloop.http.codec.h2;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;

/**
 * Encodes frames (RFC 9113 §4.1, §6) into a ByteBuffer in write mode; each returns the buffer to
 * use from then on (grown when needed, contents kept). A grown buffer is of the same kind (heap or
 * direct) as the one passed in. Bad arguments (our own mistakes) are an
 * {@link IllegalArgumentException} naming the value.
 */
public final class Http2FrameWriter {
    private Http2FrameWriter() {}

    /** The client connection preface (§3.4); the SETTINGS frame must follow it. */
    public static ByteBuffer preface(ByteBuffer out) {
        return ensure(out, Http2.PREFACE.length).put(Http2.PREFACE);
    }

    public static ByteBuffer frameHeader(ByteBuffer out, int length, int type, int flags, int streamId) {
        if (length < 0 || length > Http2.MAX_FRAME_SIZE_LIMIT) {
            throw new IllegalArgumentException("frame length " + length + " outside 0..16777215 (RFC 9113 §4.1)");
        }
        if (type < 0 || type > 0xFF) throw new IllegalArgumentException("frame type " + type + " outside 0..255");
        if (flags < 0 || flags > 0xFF) throw new IllegalArgumentException("frame flags " + flags + " outside 0..255");
        if (streamId < 0) throw new IllegalArgumentException("stream id " + streamId + " < 0");
        return header(out, length, type, flags, streamId, 0);
    }

    /** A frame header, with room after it for {@code reserve} bytes of payload. */
    private static ByteBuffer header(ByteBuffer out, int length, int type, int flags, int streamId, int reserve) {
        out = ensure(out, Http2.FRAME_HEADER_LENGTH + reserve);
        out.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length).put((byte) type).put((byte) flags);
        return put32(out, streamId);
    }

    // Network byte order (§4.1) whatever order the caller's buffer is set to.
    private static ByteBuffer put32(ByteBuffer out, int v) {
        return out.put((byte) (v >>> 24)).put((byte) (v >>> 16)).put((byte) (v >>> 8)).put((byte) v);
    }

    /** ids 1..6 in order. */
    public static ByteBuffer settings(ByteBuffer out, Http2Settings settings) {
        int length = 6 * settings.count();
        out = header(out, length, Http2.SETTINGS, 0, 0, length);
        for (int id = 1; id <= Http2Settings.MAX_ID; id++) {
            if (settings.has(id)) put32(out.put((byte) 0).put((byte) id), (int) settings.get(id, 0));
        }
        return out;
    }

    public static ByteBuffer settingsAck(ByteBuffer out) {
        return frameHeader(out, 0, Http2.SETTINGS, Http2.FLAG_ACK, 0);
    }

    /**
     * HEADERS, split into HEADERS + CONTINUATION frames of at most maxFrameSize payload; END_HEADERS
     * on the last. The block is consumed (its position moves to its limit).
     */
    public static ByteBuffer headers(ByteBuffer out, int streamId, ByteBuffer block, boolean endStream, int maxFrameSize) {
        requireStream(streamId, "HEADERS");
        java.util.Objects.requireNonNull(block, "block");
        if (maxFrameSize < 1 || maxFrameSize > Http2.MAX_FRAME_SIZE_LIMIT) {
            throw new IllegalArgumentException("maxFrameSize " + maxFrameSize + " outside 1..16777215");
        }
        int type = Http2.HEADERS;
        // END_STREAM belongs on HEADERS only; CONTINUATION has END_HEADERS alone (§6.2, §6.10).
        int flags = endStream ? Http2.FLAG_END_STREAM : 0;
        do {
            int n = Math.min(block.remaining(), maxFrameSize);
            boolean last = n == block.remaining();
            out = frameHeader(out, n, type, flags | (last ? Http2.FLAG_END_HEADERS : 0), streamId);
            out = copy(out, block, n);
            type = Http2.CONTINUATION;
            flags = 0;
        } while (block.hasRemaining());
        return out;
    }

    /** One DATA frame carrying the next {@code length} bytes of data (data's position advances). */
    public static ByteBuffer data(ByteBuffer out, int streamId, ByteBuffer data, int length, boolean endStream) {
        requireStream(streamId, "DATA");
        if (length < 0 || length > data.remaining()) {
            throw new IllegalArgumentException("DATA length " + length + " outside 0.." + data.remaining()
                    + " (the bytes remaining in data)");
        }
        out = frameHeader(out, length, Http2.DATA, endStream ? Http2.FLAG_END_STREAM : 0, streamId);
        return copy(out, data, length);
    }

    /** streamId 0 for the connection's window; increment within 1..2^31-1 (§6.9). */
    public static ByteBuffer windowUpdate(ByteBuffer out, int streamId, int increment) {
        if (streamId < 0) throw new IllegalArgumentException("stream id " + streamId + " < 0");
        if (increment < 1) {
            throw new IllegalArgumentException("WINDOW_UPDATE increment " + increment + " outside 1..2^31-1 (RFC 9113 §6.9)");
        }
        return put32(header(out, 4, Http2.WINDOW_UPDATE, 0, streamId, 4), increment);
    }

    public static ByteBuffer rstStream(ByteBuffer out, int streamId, ErrorCode code) {
        requireStream(streamId, "RST_STREAM");
        return put32(header(out, 4, Http2.RST_STREAM, 0, streamId, 4), (int) code.code());
    }

    public static ByteBuffer ping(ByteBuffer out, boolean ack, long payload) {
        out = header(out, 8, Http2.PING, ack ? Http2.FLAG_ACK : 0, 0, 8);
        return put32(put32(out, (int) (payload >>> 32)), (int) payload);
    }

    /** debug may be null (none); it is sent as UTF-8. */
    public static ByteBuffer goAway(ByteBuffer out, int lastStreamId, ErrorCode code, String debug) {
        if (lastStreamId < 0) throw new IllegalArgumentException("GOAWAY last stream id " + lastStreamId + " < 0");
        byte[] text = debug == null ? new byte[0] : debug.getBytes(UTF_8);
        out = header(out, 8 + text.length, Http2.GOAWAY, 0, 0, 8 + text.length);
        return put32(put32(out, lastStreamId), (int) code.code()).put(text);
    }

    private static void requireStream(int streamId, String frame) {
        if (streamId <= 0) throw new IllegalArgumentException(frame + " frame needs a stream id > 0, got " + streamId);
    }

    private static ByteBuffer copy(ByteBuffer out, ByteBuffer from, int n) {
        out = ensure(out, n);
        out.put(out.position(), from, from.position(), n);
        out.position(out.position() + n);
        from.position(from.position() + n);
        return out;
    }

    /** out, or a larger copy of it, with room for n more bytes. */
    private static ByteBuffer ensure(ByteBuffer out, int n) {
        if (out.remaining() >= n) return out;
        long wanted = Math.max((long) out.position() + n, 2L * out.capacity());
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(wanted, 64));
        ByteBuffer grown = out.isDirect() ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        out.flip();
        return grown.put(out);
    }
}
