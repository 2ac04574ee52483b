package dev.evloop.server;

import java.nio.ByteBuffer;

/**
 * A protocol on the server: one instance per connection (see {@link TcpServer}), called on the
 * connection's loop thread only. An exception closes that connection with {@link CloseReason#ERROR}
 * and is reported; other connections are not affected.
 *
 * <p>Calls, in order: {@link #onOpen} once; then {@link #onData}, {@link #onDrained} any number of
 * times; {@link #onShutdown} at most once; {@link #onClose} once. After
 * {@link Connection#upgrade} the new handler gets the same sequence from its own onOpen on, and
 * the old one gets nothing more (no onClose).
 */
public interface Handler {

    /** The connection is accepted and registered; the handler may write a greeting. */
    default void onOpen(Connection connection) throws Exception {}

    /**
     * Bytes arrived. {@code in} is readable from its position to its limit and holds what earlier
     * calls left unconsumed followed by the new bytes. Consume whole messages by advancing the
     * position; what is left is kept and offered again with the next bytes (partial reads are the
     * normal case). The buffer is only valid during the call.
     */
    void onData(Connection connection, ByteBuffer in) throws Exception;

    /**
     * Output that had to wait was all written; the connection is reading again (unless
     * {@link Connection#pauseReading paused}). Not called for writes the kernel took at once.
     */
    default void onDrained(Connection connection) throws Exception {}

    /**
     * The server is shutting down ({@link TcpServer#shutdown}): no more connections are accepted,
     * and this one is closed at once when the grace period ends. The default closes it as soon as
     * its output is written. A protocol with a closing handshake of its own (WebSocket: a close
     * frame with 1001, then wait for the peer's) writes its goodbye here and closes when the
     * handshake is done; the connection keeps reading meanwhile. Called at most once.
     */
    default void onShutdown(Connection connection) throws Exception {
        connection.close();
    }

    /** The connection is closed; called once. {@code cause} is null unless an error closed it. */
    default void onClose(Connection connection, CloseReason reason, Throwable cause) {}
}
