package dev.evloop.http;

import java.nio.ByteBuffer;

/**
 * Receives a connection the server switched to another protocol (RFC 9110 §7.8, {@code 101
 * Switching Protocols}): a WebSocket handshake, say. Set with {@link HttpRequest.Builder#upgrade}.
 * All calls come on the thread driving the engine, from inside a driving call; they may call the
 * {@link UpgradedStream}'s methods and the engine's {@code add} / {@code remove}.
 *
 * <p>Order: {@link #onUpgrade}, then {@link #onData} with any bytes the server sent together with
 * the 101 head, then the transfer's {@link TransferListener#onComplete} (with the 101 response) at
 * the end of that driving call; then {@link #onData} / {@link #onDrained} as the socket allows;
 * {@link #onClosed} last, once. A listener that throws is logged and its stream aborted (the
 * exception is then {@code onClosed}'s cause); it never breaks the engine.
 */
public interface UpgradeListener {
    /**
     * 101 received: the transfer completes with this response (status 101). From now on the
     * connection's bytes belong to the application through {@code stream}. Bytes the server sent
     * after the 101 head (already read with it) are delivered by {@link #onData} right after this
     * returns.
     */
    void onUpgrade(UpgradedStream stream, HttpResponse response) throws Exception;

    /**
     * Bytes arrived (decrypted when TLS). Valid only during the call; the listener consumes all
     * of it (copies what it keeps).
     */
    void onData(UpgradedStream stream, ByteBuffer data) throws Exception;

    /**
     * Everything queued by {@link UpgradedStream#write} has been handed to the kernel (and
     * TLS-wrapped). Called only after a write the socket could not take at once.
     */
    default void onDrained(UpgradedStream stream) throws Exception {}

    /**
     * The stream ended, called exactly once whatever ended it: {@code cause} null for the peer's
     * clean end (end of stream; with TLS close_notify or end of stream) and for the application's
     * own {@link UpgradedStream#close} / {@link UpgradedStream#abort}; an {@link java.io.IOException}
     * naming what failed for a read or write error; a
     * {@link java.util.concurrent.CancellationException} when the engine was closed; the
     * listener's own exception when a callback threw. It comes at the end of the driving call in
     * which the stream ended, never from inside one of the stream's own methods. The stream is no
     * longer open by then: its socket is already closed (REMOVE first), or, after a clean end or
     * {@code close()}, still writing its queued bytes within the close grace.
     */
    void onClosed(UpgradedStream stream, Throwable cause);
}
