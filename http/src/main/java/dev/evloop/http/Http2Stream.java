package dev.evloop.http;

import java.nio.ByteBuffer;

/**
 * One transfer's stream on an {@link Http2Connection} (RFC 9113 §5.1, client side): open after
 * our HEADERS, half-closed (local) once our END_STREAM is queued, closed when the response ends or
 * either side resets it. Engine-thread state only.
 */
final class Http2Stream {
    final int id;
    final Transfer t;
    final Http2Connection conn;
    /** Bytes we may still send on this stream (RFC 9113 §6.9.1); may go negative after a SETTINGS change (§6.9.2). */
    long sendWindow;
    /** Bytes the peer may still send us on this stream. */
    long recvWindow;
    /** Bytes consumed (delivered, or padding) and not yet returned by a WINDOW_UPDATE. */
    long recvUnacked;
    /** Bytes received while the transfer was paused: returned to the window on resume. */
    long heldCredit;

    /** The request body still to send from memory, or null. */
    ByteBuffer body;
    /** Bytes of a {@link BodySource} of known length still owed; -1 when unknown. */
    long sourceRemaining = -1;
    /** A body is still to be sent (from {@link #body} or the transfer's source). */
    boolean sending;
    /** Blocked on its own window: back in the send queue on a WINDOW_UPDATE for it. */
    boolean windowBlocked;
    /** Waiting for 100 Continue (or the timer) before the body. */
    boolean holdingBody;
    long continueTimer;

    /** Our END_STREAM is queued, at output offset {@link #endStreamAt}. */
    boolean endStreamQueued;
    long endStreamAt;
    /** The peer's END_STREAM arrived (or the stream was reset). */
    boolean remoteEnded;
    /** The final (non-1xx) response head arrived. */
    boolean headReceived;
    /** The response has no content whatever its Content-Length says (HEAD, 204, 304). */
    boolean noContent;
    long contentLength = -1;
    long received;
    /** Streams opened on the connection before this one: above 0, the connection was reused. */
    final int opensBefore;

    Http2Stream(Http2Connection conn, int id, Transfer t, long sendWindow, long recvWindow, int opensBefore) {
        this.conn = conn;
        this.id = id;
        this.t = t;
        this.sendWindow = sendWindow;
        this.recvWindow = recvWindow;
        this.opensBefore = opensBefore;
    }

    @Override
    public String toString() {
        return "stream " + id + " of " + t.current;
    }
}
