package dev.evloop.server;

/** Why a connection was closed. */
public enum CloseReason {
    /** The peer closed (end of stream); pending output was flushed first. */
    PEER_CLOSED,
    /** A read or write failed (reset, broken pipe, ...). */
    ERROR,
    /** Nothing was read for the configured read timeout. */
    READ_TIMEOUT,
    /** More unconsumed input than {@link ServerConfig#maxBufferedInput()}. */
    INPUT_LIMIT,
    /** More unwritten output than {@link ServerConfig#maxPendingOutput()}: a peer that does not read. */
    OUTPUT_LIMIT,
    /** The handler found the input invalid ({@link Connection#abort}). */
    PROTOCOL_ERROR,
    /** The application closed it ({@link Connection#close}). */
    LOCAL,
    /**
     * The server shut down: closed after {@link Handler#onShutdown} (by default, or by the handler
     * during the grace period), or cut when the grace period ended.
     */
    SHUTDOWN
}
