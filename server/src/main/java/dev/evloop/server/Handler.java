package dev.evloop.server;

import java.nio.ByteBuffer;

/**
 * A protocol on the server: one instance per connection (see {@link TcpServer}), called on the
 * connection's loop thread only. An exception closes that connection with {@link CloseReason#ERROR}
 * and is reported; other connections are not affected.
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

    /** Output that had to wait was all written; the connection is reading again. */
    default void onDrained(Connection connection) throws Exception {}

    /** The connection is closed; called once. {@code cause} is null unless an error closed it. */
    default void onClose(Connection connection, CloseReason reason, Throwable cause) {}
}
