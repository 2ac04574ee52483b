package dev.evloop.websocket;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * What a {@link WebSocket} needs from the byte stream under it: the server framework's
 * connection on one side, the HTTP engine's upgraded stream on the other. One per connection;
 * every method but {@link #inLoop} and {@link #execute} is called on the thread that drives the
 * connection.
 */
interface Transport {

    /** Sends a copy of {@code bytes} (position to limit); what the kernel does not take waits in order. */
    void send(ByteBuffer bytes);

    /** Bytes accepted by {@link #send} and not yet handed to the kernel. */
    long queuedBytes();

    /** Stops or restarts reading from the socket (receiver-side backpressure). */
    void pauseReading(boolean paused);

    /** Writes what is queued, then closes the connection. */
    void closeAfterFlush();

    /** Closes the connection at once, dropping what is queued. */
    void abort();

    /** The connection's clock, in nanoseconds. */
    long nanoTime();

    /** Runs {@code task} once after {@code delayNanos} on the connection's thread; an id for {@link #cancel}. */
    long schedule(long delayNanos, Runnable task);

    void cancel(long timerId);

    /** True on the thread that drives the connection. Any thread. */
    boolean inLoop();

    /** Runs {@code task} on the thread that drives the connection. Any thread. */
    void execute(Runnable task);

    InetSocketAddress remoteAddress();
}
