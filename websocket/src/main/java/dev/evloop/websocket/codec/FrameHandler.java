package dev.evloop.websocket.codec;

import java.nio.ByteBuffer;

/**
 * Receives what {@link FrameReader} parses, in wire order: for each frame one
 * {@link #onFrameStart}, zero or more {@link #onPayload}, one {@link #onFrameEnd}. Payload is
 * already unmasked. A handler may throw {@link WebSocketException} to stop the reader (for
 * example on invalid UTF-8 or an oversized message); the reader is unusable afterwards.
 */
public interface FrameHandler {
    /**
     * A frame header was read (opcode as on the wire, 0 for continuation). payloadLength is the
     * frame's full length.
     */
    void onFrameStart(int opcode, boolean fin, boolean rsv1, long payloadLength) throws WebSocketException;

    /**
     * Next payload bytes of the current frame, in order; called zero or more times; {@code data}
     * is valid during the call only and the handler consumes all of it.
     */
    void onPayload(ByteBuffer data) throws WebSocketException;

    /** The current frame's payload is complete (called also for 0-length frames). */
    void onFrameEnd() throws WebSocketException;
}
