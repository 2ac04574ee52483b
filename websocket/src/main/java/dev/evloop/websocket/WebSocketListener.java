package dev.evloop.websocket;

import java.nio.ByteBuffer;

/**
 * What happens on a {@link WebSocket}. Every call comes on the thread that drives the connection
 * (the server connection's loop, or the thread that drives the HTTP engine), one at a time.
 * A listener that throws has its session failed with status 1011 (internal error).
 */
public interface WebSocketListener {

    /** The opening handshake is complete; messages may be sent. */
    default void onOpen(WebSocket ws) throws Exception {}

    /** A whole text message, validated as UTF-8 (RFC 6455 §8.1), reassembled from its fragments. */
    default void onText(WebSocket ws, String text) throws Exception {}

    /**
     * A whole binary message, reassembled from its fragments. The buffer is only valid during the
     * call (the session reuses it): copy what must outlive it.
     */
    default void onBinary(WebSocket ws, ByteBuffer data) throws Exception {}

    /** A ping arrived; the session has already answered it with a pong (RFC 6455 §5.5.2). Valid during the call only. */
    default void onPing(WebSocket ws, ByteBuffer payload) throws Exception {}

    /** A pong arrived (an answer, or unsolicited as a heartbeat: RFC 6455 §5.5.3). Valid during the call only. */
    default void onPong(WebSocket ws, ByteBuffer payload) throws Exception {}

    /** Everything queued for sending has been handed to the kernel ({@link WebSocket#queuedBytes} is 0). */
    default void onDrained(WebSocket ws) throws Exception {}

    /**
     * The session failed: a protocol violation by the peer (a {@link
     * dev.evloop.websocket.codec.WebSocketException} naming it and its status), an I/O error, a
     * close-handshake timeout or the idle timeout. {@link #onClose} follows.
     */
    default void onError(WebSocket ws, Throwable error) {}

    /**
     * The session is over; called once. {@code code} and {@code reason} are the peer's close frame
     * when the closing handshake took place (1005 if it had no status), the status this side
     * closed with after a failure, or 1006 when the connection ended without a close frame
     * (RFC 6455 §7.1.5, §7.4.1).
     */
    default void onClose(WebSocket ws, int code, String reason) {}
}
