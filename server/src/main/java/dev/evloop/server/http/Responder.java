package dev.evloop.server.http;

import dev.evloop.loop.EventLoop;
import dev.evloop.server.Handler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * The way to answer one request, now or later: {@link #respond} with a whole response,
 * {@link #stream} for a body produced piece by piece, or {@link #upgrade} to switch the connection
 * to another protocol. One per request; exactly one of these, once (a second answer is an
 * {@link IllegalStateException}).
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

    /**
     * Answers {@code 101 Switching Protocols} with {@code headers} (no content, no Content-Length,
     * RFC 9110 §15.2.2; {@code Connection: Upgrade} is added when missing, RFC 9110 §7.8) and, once
     * the head is queued, hands the connection to {@code next} ({@link
     * dev.evloop.server.Connection#upgrade}): {@code next.onOpen}, then every byte the client sent
     * after this request, in order (a WebSocket client's first frames may come in the same packet
     * as its handshake), then whatever follows. The request was read whole first; a body it had is
     * in {@link Request#body()}. Loop thread.
     *
     * @param headers must include {@code Upgrade} naming the protocol switched to
     * @throws IllegalStateException if the request was already answered, is not HTTP/1.1, did not
     *     offer an upgrade ({@code Upgrade} plus {@code Connection: upgrade}) or asked to close
     * @throws IllegalArgumentException without an {@code Upgrade} field, with framing fields, or
     *     for a field the encoder refuses
     */
    public void upgrade(List<Map.Entry<String, String>> headers, Handler next) {
        handler.upgrade(exchange, headers, next);
    }

    @Override
    public String toString() {
        return "Responder[exchange " + exchange + " on " + handler + "]";
    }
}
