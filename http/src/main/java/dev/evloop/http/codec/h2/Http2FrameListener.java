package dev.evloop.http.codec.h2;

import java.nio.ByteBuffer;

/**
 * Receives the frames the reader decodes, in order. Buffers passed in are views valid only during
 * the call: their bytes lie between position and limit, and they may share their backing storage
 * with the reader's input or its internal buffers. Stream ids have the reserved bit cleared (§4.1).
 * An {@link Http2Exception} thrown here leaves {@link Http2FrameReader#read} as if the reader had
 * raised it (the frame is consumed; a connection error ends the reader).
 */
public interface Http2FrameListener {
    /** data: the payload without padding; flowControlled: the whole payload length, padding included (§6.9.1 counts it). */
    void onData(int streamId, ByteBuffer data, boolean endStream, int flowControlled) throws Http2Exception;

    /** The whole header block: HEADERS and its CONTINUATIONs concatenated, padding and priority fields removed. */
    void onHeaders(int streamId, ByteBuffer block, boolean endStream) throws Http2Exception;

    void onRstStream(int streamId, long errorCode) throws Http2Exception;

    /** A SETTINGS frame without ACK; only the parameters it carried are present (unknown ids dropped, §6.5.2). */
    void onSettings(Http2Settings settings) throws Http2Exception;

    void onSettingsAck() throws Http2Exception;

    /** The whole header block of a PUSH_PROMISE and its CONTINUATIONs; promisedStreamId has its reserved bit cleared. */
    void onPushPromise(int streamId, int promisedStreamId, ByteBuffer block) throws Http2Exception;

    void onPing(boolean ack, long payload) throws Http2Exception;

    void onGoAway(int lastStreamId, long errorCode, ByteBuffer debugData) throws Http2Exception;

    void onWindowUpdate(int streamId, int increment) throws Http2Exception;

    /** A valid PRIORITY frame; RFC 9113 deprecates the scheme (§5.3.2), so there is nothing in it to pass on. */
    default void onPriority(int streamId) throws Http2Exception {}

    /** A frame of a type RFC 9113 does not define, outside a header block (§4.1, §5.5). */
    default void onUnknown(int type, int streamId, int flags, ByteBuffer payload) throws Http2Exception {}
}
