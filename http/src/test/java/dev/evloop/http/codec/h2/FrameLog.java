package dev.evloop.http.codec.h2;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A listener that writes each frame as one line ({@code "HEADERS 1 end=true 8286"}), and helpers
 * that build frames by hand and feed a reader in pieces, logging errors as lines too.
 */
class FrameLog implements Http2FrameListener {
    private static final HexFormat HEX = HexFormat.of();

    final List<String> lines = new ArrayList<>();

    static String hex(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return HEX.formatHex(bytes);
    }

    @Override
    public void onData(int streamId, ByteBuffer data, boolean endStream, int flowControlled) throws Http2Exception {
        lines.add("DATA " + streamId + " end=" + endStream + " fc=" + flowControlled + " " + hex(data));
    }

    @Override
    public void onHeaders(int streamId, ByteBuffer block, boolean endStream) {
        lines.add("HEADERS " + streamId + " end=" + endStream + " " + hex(block));
    }

    @Override
    public void onRstStream(int streamId, long errorCode) {
        lines.add("RST_STREAM " + streamId + " " + ErrorCode.describe(errorCode));
    }

    @Override
    public void onSettings(Http2Settings settings) {
        lines.add("SETTINGS " + settings);
    }

    @Override
    public void onSettingsAck() {
        lines.add("SETTINGS ACK");
    }

    @Override
    public void onPushPromise(int streamId, int promisedStreamId, ByteBuffer block) {
        lines.add("PUSH_PROMISE " + streamId + " promised=" + promisedStreamId + " " + hex(block));
    }

    @Override
    public void onPing(boolean ack, long payload) {
        lines.add("PING ack=" + ack + " " + Long.toHexString(payload));
    }

    @Override
    public void onGoAway(int lastStreamId, long errorCode, ByteBuffer debugData) {
        lines.add("GOAWAY " + lastStreamId + " " + ErrorCode.describe(errorCode) + " " + hex(debugData));
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) throws Http2Exception {
        lines.add("WINDOW_UPDATE " + streamId + " " + increment);
    }

    @Override
    public void onPriority(int streamId) {
        lines.add("PRIORITY " + streamId);
    }

    @Override
    public void onUnknown(int type, int streamId, int flags, ByteBuffer payload) {
        lines.add("UNKNOWN 0x" + Integer.toHexString(type) + " " + streamId + " flags=" + flags + " " + hex(payload));
    }

    static String error(Http2Exception e) {
        return "ERROR " + e.code() + " stream=" + e.streamId() + " " + e.getMessage();
    }

    /**
     * Feeds bytes to a reader in pieces ending at the given offsets (the last must be bytes.length),
     * going on after stream errors as the engine does, stopping at a connection error. Returns the
     * frames and errors, and "HELD" when the reader still holds part of a frame or block at the end.
     */
    static List<String> feed(Http2FrameReader reader, byte[] bytes, int[] ends, boolean direct) {
        return feed(reader, bytes, ends, direct, new FrameLog());
    }

    static List<String> feed(Http2FrameReader reader, byte[] bytes, int[] ends, boolean direct, FrameLog log) {
        int from = 0;
        pieces:
        for (int end : ends) {
            ByteBuffer piece = direct ? ByteBuffer.allocateDirect(end - from) : ByteBuffer.allocate(end - from);
            piece.put(bytes, from, end - from).flip();
            from = end;
            while (true) {
                try {
                    reader.read(piece, log);
                    if (piece.hasRemaining()) throw new AssertionError("read left " + piece.remaining() + " bytes");
                    break;
                } catch (Http2Exception e) {
                    log.lines.add(error(e));
                    if (e.isConnectionError()) break pieces;
                }
            }
        }
        if (reader.midFrame()) log.lines.add("HELD");
        return log.lines;
    }

    static List<String> feedWhole(Http2FrameReader reader, byte[] bytes) {
        return feed(reader, bytes, new int[] {bytes.length}, false);
    }

    static Http2FrameReader reader() {
        return new Http2FrameReader(Http2.DEFAULT_MAX_FRAME_SIZE, 64 * 1024, 64);
    }

    /** One frame: header (the stream id as given, reserved bit included) and payload. */
    static byte[] frame(int type, int flags, int streamId, byte... payload) {
        return frame(payload.length, type, flags, streamId, payload);
    }

    /** A frame whose length field says {@code length}, whatever the payload's size. */
    static byte[] frame(int length, int type, int flags, int streamId, byte... payload) {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        b.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length).put((byte) type).put((byte) flags);
        b.putInt(streamId).put(payload);
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    static byte[] u32(long v) {
        return bytes((int) (v >>> 24), (int) (v >>> 16), (int) (v >>> 8), (int) v);
    }

    static byte[] setting(int id, long value) {
        return concat(bytes(id >>> 8, id), u32(value));
    }

    static byte[] toArray(ByteBuffer written) {
        ByteBuffer b = written.duplicate().flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

}
