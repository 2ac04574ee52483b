package dev.evloop.http;

import java.io.ByteArrayOutputStream;
import java.util.Objects;

/**
 * One request and what becomes of it, added to an {@link HttpEngine}. A transfer either collects
 * the response body into its {@link HttpResponse} ({@link #collecting}) or hands it to its
 * listener as it arrives ({@link #streaming}).
 *
 * <p>Lifecycle: 1. new 2. added (queued until a connection is free) 3. resolving (a name looked
 * up off the driving thread) 4. connecting 5. sending (a streamed body may stall until
 * {@link HttpEngine#resumeUpload}; with 100-continue the body waits for the server) 6. receiving
 * (a streaming transfer may be {@linkplain HttpEngine#pause paused}) 7. done, with a
 * {@link TransferResult} delivered once. A request with an {@link UpgradeListener} that gets
 * {@code 101 Switching Protocols} is done with that response, and its connection lives on as an
 * {@link UpgradedStream}. Engine-thread state only.
 */
public final class Transfer {
    enum State { NEW, QUEUED, RESOLVING, CONNECTING, SENDING, RECEIVING, DONE }

    private final HttpRequest request;
    private final TransferListener listener;
    private final boolean collect;
    private Object attachment;

    // Engine state (engine thread only).
    State state = State.NEW;
    /** The request being sent now: the original, or where a redirect led. */
    HttpRequest current;
    int redirects;
    /** The current response is a redirect being followed: its body is read and dropped. */
    boolean discarding;
    /** Body bytes of that redirect read and dropped so far. */
    long discarded;
    /** Decodes a gzip/deflate body; null when the body is not content-coded. */
    dev.evloop.http.codec.ContentDecoder decoder;
    Http1Connection connection;
    /** Its stream while on an HTTP/2 connection; null otherwise. */
    Http2Stream h2;
    /** The h2c connection being set up for it (it starts there once connected); null otherwise. */
    Http2Connection opening;
    /** Times an HTTP/2 server refused its stream (GOAWAY, REFUSED_STREAM) and it went again. */
    int refusals;
    /** The interest this transfer last reported to the socket table for its connection. */
    int interest;
    long addedNanos;
    long totalTimer;
    long idleTimer;
    boolean retried;
    boolean responseStarted;
    int status;
    String version;
    HttpHeaders.Builder headers;
    HttpHeaders.Builder trailers;
    ByteArrayOutputStream body;
    TransferResult result;

    // Upload (streamed body) state.
    /** The body source being sent, or null (no body, or a byte[] body sent with the head). */
    BodySource upload;
    /** Bytes still owed for a source of known length; -1 when chunked. */
    long uploadRemaining;
    dev.evloop.http.codec.ChunkedEncoder chunks;
    /** The source returned 0: waiting for {@link HttpEngine#resumeUpload}. */
    boolean uploadStalled;
    /** Any body byte was pulled from the source (it cannot be sent again). */
    boolean uploadStarted;
    /** The head went out with Expect: 100-continue; the body waits for 100, a final status or the timer. */
    boolean awaitingContinue;
    /** The body is still to be sent after the head (held for 100-continue). */
    byte[] heldBody;
    long continueTimer;
    /** 100 Continue arrived: send the body once the bytes read with it are parsed. */
    boolean continueNow;
    /** A final response came before the body was sent: the body is not sent at all. */
    boolean bodySkipped;

    // Pause (response backpressure) state.
    boolean paused;
    /** Decoded body bytes received while paused, delivered first on resume. */
    java.nio.ByteBuffer held;
    /** The response ended while paused: complete the exchange on resume. */
    boolean completePending;
    /** A 101 completed the head: the connection goes to the request's {@link UpgradeListener}. */
    boolean switching;
    /** A resolution in flight for this transfer holds a connection slot. */
    boolean resolving;

    private Transfer(HttpRequest request, TransferListener listener, boolean collect) {
        this.request = Objects.requireNonNull(request, "request");
        this.current = request;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.collect = collect;
    }

    /** The body is gathered into {@link HttpResponse#body()}. */
    public static Transfer collecting(HttpRequest request, TransferListener listener) {
        return new Transfer(request, listener, true);
    }

    /** The body goes to {@link TransferListener#onBody} as it arrives; the response's body is empty. */
    public static Transfer streaming(HttpRequest request, TransferListener listener) {
        return new Transfer(request, listener, false);
    }

    /** The request as added. */
    public HttpRequest request() {
        return request;
    }

    /** The request sent last: differs from {@link #request()} after a followed redirect. */
    public HttpRequest currentRequest() {
        return current;
    }

    /** Redirects followed so far. */
    public int redirects() {
        return redirects;
    }

    TransferListener listener() {
        return listener;
    }

    boolean collects() {
        return collect;
    }

    public Object attachment() {
        return attachment;
    }

    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    /** The result once done, else null. */
    public TransferResult result() {
        return result;
    }

    public boolean isDone() {
        return state == State.DONE;
    }

    @Override
    public String toString() {
        return "Transfer[" + request + ", " + state + "]";
    }
}
