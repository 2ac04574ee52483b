package dev.evloop.http;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Async-action (completion) mode (seed 003): the application owns the sockets and performs the I/O;
 * the engine asks for each operation and the application reports its completion through
 * {@link HttpEngine#connected}, {@link HttpEngine#received} and {@link HttpEngine#sent}. Selected
 * with {@link HttpEngine.Builder#asyncIo}, in place of the {@link SocketCallback}; timers are
 * unchanged ({@link TimerCallback}, {@link HttpEngine#timeoutAction}).
 *
 * <p>Rules (docs/DRIVING.md, "Async-action (completion) mode"):
 * <ol>
 *   <li>Requests are made at the end of a driving call, like socket announcements, from the driving
 *       thread. They only start the operation: the callbacks may not call the engine (refused with
 *       an {@link IllegalStateException}) and must not throw; a failure is reported as the
 *       operation's completion, with its error.
 *   <li>Every connect, receive and send completes exactly once, with its driving call, from the
 *       driving thread (post completions from I/O threads to it). That holds after {@link #close}
 *       too: the engine ignores the completion of an operation outstanding when it asked to close.
 *   <li>At most one receive and one send are outstanding per socket; receive and send only after
 *       {@code connected} reported success, never after {@link #close}.
 *   <li>The buffers are lent: direct buffers whose contents and address the engine leaves alone
 *       until the completion, so a native driver (io_uring) may hand their address to the kernel.
 *       Use them only until then.
 * </ol>
 */
public interface AsyncIo {
    /** Open a TCP socket for {@code socket} and connect it; report with {@link HttpEngine#connected}. */
    void connect(SocketHandle socket, InetSocketAddress address);

    /**
     * Receive into {@code buffer} from its position up to its limit; report the bytes received
     * (1 up to the length lent), -1 at the end of the stream, or the error with
     * {@link HttpEngine#received}. Return once the receive is started; do not wait for bytes.
     */
    void receive(SocketHandle socket, ByteBuffer buffer);

    /**
     * Send {@code buffer} from its position up to its limit; report the bytes sent (1 up to the
     * length lent: fewer is a partial send, the engine asks for the rest) or the error with
     * {@link HttpEngine#sent}.
     */
    void send(SocketHandle socket, ByteBuffer buffer);

    /**
     * Shut down the sending direction (shutdown(2) with SHUT_WR: FIN after the bytes sent). Asked
     * by an {@link UpgradedStream} after every byte the engine wrote was sent; nothing is sent on
     * the socket after it. No completion is reported: a failure shows in the next receive.
     */
    void shutdownOutput(SocketHandle socket);

    /**
     * Close the socket. Operations still outstanding on it must still be completed (with an error,
     * typically); the engine ignores them. Requested once per socket, after every byte the engine
     * wrote was sent (or one second passed, or a send failed), and also for a socket whose
     * connect is still running: close it once connected.
     */
    void close(SocketHandle socket);
}
