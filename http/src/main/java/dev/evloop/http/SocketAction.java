package dev.evloop.http;

/**
 * What the engine asks the application to watch on one socket (libcurl's CURL_POLL_IN / OUT /
 * INOUT / REMOVE). Each announcement replaces the previous one for that socket: a change from IN to
 * OUT means "stop watching for reading" as well as "watch for writing" (seed 000).
 */
public enum SocketAction {
    /** Watch for readability only. */
    IN,
    /** Watch for writability only. */
    OUT,
    /** Watch for both. */
    INOUT,
    /**
     * Stop watching and forget the socket. Always announced before the engine closes it, so the
     * application can deregister it while the descriptor is still valid; the same descriptor
     * number may be announced again right after, for a new socket.
     */
    REMOVE;

    /** The action for a pair of wants; null when neither (nothing to watch). */
    static SocketAction of(boolean read, boolean write) {
        if (read) return write ? INOUT : IN;
        return write ? OUT : null;
    }

    /** evloop {@link dev.evloop.poll.Events} interest bits for this action (0 for REMOVE). */
    public int interest() {
        return switch (this) {
            case IN -> dev.evloop.poll.Events.READ;
            case OUT -> dev.evloop.poll.Events.WRITE;
            case INOUT -> dev.evloop.poll.Events.READ_WRITE;
            case REMOVE -> 0;
        };
    }
}
