package dev.evloop.net;

import java.nio.channels.ClosedChannelException;

/**
 * A call on a socket or listener after its {@code close()}. A {@link ClosedChannelException}, as
 * the JDK channels throw, so callers catch one type for both transports; unlike the JDK's, it
 * says which call and which socket, e.g. {@code read: socket closed [127.0.0.1:8080]}.
 */
final class SocketClosedException extends ClosedChannelException {
    private static final long serialVersionUID = 1L;

    private final String message;

    SocketClosedException(String call, String what, String detail) {
        this.message = call + ": " + what + " closed" + (detail == null ? "" : " [" + detail + "]");
    }

    @Override
    public String getMessage() {
        return message;
    }
}
