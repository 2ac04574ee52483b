package dev.evloop.http.codec;

import java.io.IOException;

/**
 * A received HTTP/1.x message is malformed, ambiguous (a request smuggling shape) or exceeds a
 * configured limit. The message says what was wrong and, for limits, the limit itself, e.g.
 * {@code "header section exceeds 65536 bytes"}.
 *
 * <p>The error is final for the connection: framing is lost, so the connection must be closed
 * (RFC 9112 §6.3: "the server MUST respond with a 400 ... and then close the connection").
 * {@link #suggestedStatus()} is the status a server should answer with before closing.
 */
public final class HttpParseException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int suggestedStatus;

    public HttpParseException(String message) {
        this(400, message);
    }

    /**
     * @param suggestedStatus 400 (malformed), 413 (body too large), 414 (request line too long),
     *     431 (header section too large or too many fields), 501 (unsupported transfer coding) or
     *     505 (unsupported HTTP version)
     */
    public HttpParseException(int suggestedStatus, String message) {
        super(message);
        this.suggestedStatus = suggestedStatus;
    }

    /** The response status a server should send for this error before closing the connection. */
    public int suggestedStatus() {
        return suggestedStatus;
    }
}
