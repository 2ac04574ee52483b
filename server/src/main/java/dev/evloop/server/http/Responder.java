package dev.evloop.server.http;

import dev.evloop.loop.EventLoop;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * The way to answer one request, now or later: {@link #respond} with a whole response, or
 * {@link #stream} for a body produced piece by piece. One per request; exactly one of the two,
 * once (a second answer is an {@link IllegalStateException}).
 *
 * <p>Threads: {@link #respond} may be called from any thread (it is posted to the loop when
 * called elsewhere); everything else runs on the connection's loop thread, which is also where
 * {@link #loop()} timers run, e.g. {@code responder.loop().schedule(ms, MILLISECONDS, () ->
 * responder.respond(r))}.
 *
 * <p>If the connection closed meanwhile, an answer is dropped without error.
 */
public final class Responder {
    private final HttpServerHandler handler;
    /** Which exchange of the connection this answers; a stale responder cannot answer a later request. */
    private final long exchange;

    Responder(HttpServerHandler handler, long exchange) {
        this.handler = handler;
        this.exchange = exchange;
    }

    /** The connection's loop, for timers and for posting work back from other threads. */
    public EventLoop loop() {
        return handler.loop();
    }

    /** True while the connection is open and this request is not answered yet. Loop thread. */
    public boolean isPending() {
        return handler.isPending(exchange);
    }

    /**
     * Sends {@code response} (Content-Length framing). Any thread.
     *
     * @throws IllegalStateException on the loop thread, if the request was already answered
     * @throws IllegalArgumentException on the loop thread, for a field the encoder refuses
     */
    public void respond(Response response) {
        if (handler.loop().inLoop()) {
            handler.respond(exchange, response);
            return;
        }
        try {
            handler.loop().execute(() -> handler.respond(exchange, response));
        } catch (RejectedExecutionException e) {
            // the loop is closed, and with it the connection: nobody to answer
        }
    }

    /**
     * Starts a streamed response. Loop thread.
     *
     * @param contentLength the body length if known ({@code Content-Length}); -1 if not: chunked
     *     for an HTTP/1.1 client, close-delimited for an HTTP/1.0 one (RFC 9112 §6.1)
     * @return the stream to write the body to and end
     * @throws IllegalStateException if the request was already answered
     */
    public ResponseStream stream(int status, List<Map.Entry<String, String>> headers, long contentLength) {
        return handler.stream(exchange, status, headers, contentLength);
    }

    @Override
    public String toString() {
        return "Responder[exchange " + exchange + " on " + handler + "]";
    }
}
