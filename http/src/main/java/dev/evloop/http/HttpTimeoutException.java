package dev.evloop.http;

import java.io.IOException;

/** A transfer ran out of time: connect, idle (no bytes) or total. The message says which. */
public final class HttpTimeoutException extends IOException {
    private static final long serialVersionUID = 1L;

    public HttpTimeoutException(String message) {
        super(message);
    }
}
