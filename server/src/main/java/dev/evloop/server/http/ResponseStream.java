package dev.evloop.server.http;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * The body of a streamed response, from {@link Responder#stream}. Loop thread only.
 *
 * <p>Lifecycle:
 * <ol>
 *   <li>{@link #write} any number of times: one chunk each when chunked, raw bytes otherwise.
 *       Writes are copied, so the caller may reuse its buffer at once.
 *   <li>{@link #end()} (or {@link #end(List)} with trailer fields, sent only when chunked). With a
 *       declared length, exactly that many bytes must have been written.
 * </ol>
 *
 * <p>Backpressure: the connection holds what the peer does not take yet, up to the server's
 * {@code maxPendingOutput} (more closes the connection). A producer of large bodies writes while
 * {@link #isReady()} and otherwise asks {@link #whenReady} to be called back:
 * <pre>{@code
 * void produce() {
 *     while (stream.isReady() && more()) stream.write(next());
 *     if (!more()) stream.end(); else if (stream.isOpen()) stream.whenReady(this::produce);
 * }
 * }</pre>
 */
public final class ResponseStream {
    private final HttpServerHandler handler;
    private final long exchange;

    ResponseStream(HttpServerHandler handler, long exchange) {
        this.handler = handler;
        this.exchange = exchange;
    }

    /**
     * Sends {@code data}'s remaining bytes, consuming them; nothing when empty.
     *
     * @return false if the connection is closed (stop producing)
     * @throws IllegalStateException after {@link #end}, or past the declared length
     */
    public boolean write(ByteBuffer data) {
        return handler.streamWrite(exchange, data);
    }

    /** {@link #write(ByteBuffer)} for a whole array. */
    public boolean write(byte[] data) {
        return write(ByteBuffer.wrap(data));
    }

    /** Ends the body. */
    public void end() {
        end(List.of());
    }

    /**
     * Ends the body with trailer fields (RFC 9112 §7.1.2), sent only when the body is chunked and
     * dropped otherwise.
     *
     * @throws IllegalStateException if called twice, or if fewer bytes than declared were written
     *     (the connection is then closed, since its framing is broken)
     */
    public void end(List<Map.Entry<String, String>> trailers) {
        handler.streamEnd(exchange, trailers);
    }

    /** True while the connection is open and the body not ended. */
    public boolean isOpen() {
        return handler.streamOpen(exchange);
    }

    /**
     * False when the body is not sent at all (a HEAD request, a 204 or 304 status): writes are
     * dropped, and the producer may {@link #end()} at once, whatever length it declared.
     */
    public boolean wantsBody() {
        return !handler.streamDiscards(exchange);
    }

    /** True while open and nothing waits for the peer: a write now goes out rather than queueing. */
    public boolean isReady() {
        return handler.streamOpen(exchange) && !handler.outputBackedUp();
    }

    /**
     * Runs {@code task} on the loop once the stream {@link #isReady()}: soon if it is now, else
     * when the waiting output has been written. Only the latest task is kept; none runs if the
     * connection closes first.
     */
    public void whenReady(Runnable task) {
        handler.whenReady(exchange, task);
    }
}
