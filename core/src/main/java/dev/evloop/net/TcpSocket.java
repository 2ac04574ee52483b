package dev.evloop.net;

import dev.evloop.poll.Events;
import dev.evloop.poll.Pollable;
import dev.evloop.poll.Registration;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A non-blocking TCP connection, made by {@link Transport#connect} or {@link TcpListener#accept}.
 * {@link Transport#NATIVE} sockets are raw descriptors for the epoll and poll(2) backends;
 * {@link Transport#NIO} sockets wrap a JDK {@code SocketChannel} for the Selector backend.
 *
 * <p>Lifecycle:
 * <ol>
 *   <li>Connecting: {@link Transport#connect} has started the handshake. Wait for
 *       {@link Events#WRITE}, then call {@link #finishConnect} until it returns true (or throws:
 *       refused, unreachable, timed out). Reads and writes before that are a misuse
 *       ({@link IllegalStateException}). Accepted sockets start connected.
 *   <li>Connected: read and write any number of times. {@link #shutdownOutput} ends the outgoing
 *       direction only; reading goes on until the peer's end of stream.
 *   <li>Closed: {@link #close} cancels the registration, then releases the descriptor. Every
 *       other call then throws a {@link java.nio.channels.ClosedChannelException} whose message
 *       says "socket closed" and names the call.
 * </ol>
 *
 * <p>Would-block is a return value, never an exception: reads and writes return 0 when the
 * kernel says EAGAIN, and tell the {@link Registration} last passed to {@link #registered} (its
 * {@link Registration#wouldBlock}), which the pollers that emulate edge triggering need to re-arm.
 * Other failures throw an {@link IOException} naming the call: natively a
 * {@link dev.evloop.os.NativeException} such as {@code read: ECONNRESET (Connection reset by
 * peer) [127.0.0.1:8080]}.
 *
 * <p>Threading: not thread-safe. A socket belongs to one thread at a time, the thread of the
 * poller it is registered with; {@link #close} included, since it cancels the registration.
 */
public sealed interface TcpSocket extends Pollable permits NativeTcpSocket, NioTcpSocket {

    /**
     * Completes a connect started by {@link Transport#connect}: true once connected (and on every
     * call after), false while the handshake is still running (wait for {@link Events#WRITE}).
     *
     * @throws IOException naming {@code connect} and the remote address if the connection failed
     *     (natively {@code connect: ECONNREFUSED (Connection refused) [127.0.0.1:1]}); a failed
     *     socket throws the same way on every later call, and must still be closed
     */
    boolean finishConnect() throws IOException;

    /** True once {@link #finishConnect} returned true (accepted sockets: from the start), until closed. */
    boolean isConnected();

    /** False once {@link #close} was called. */
    boolean isOpen();

    /**
     * Reads into {@code dst} from its position, advancing the position as NIO does.
     *
     * @return the bytes read (&gt; 0); 0 if nothing is there yet (would block) or {@code dst} has
     *     nothing remaining; -1 at the end of the stream (the peer shut down its output or closed)
     * @throws IllegalArgumentException if {@code dst} is read-only
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Reads up to {@code dst.byteSize()} bytes to the start of {@code dst}, heap or native.
     * Natively, nothing is allocated per call.
     *
     * @return as {@link #read(ByteBuffer)}
     */
    long read(MemorySegment dst) throws IOException;

    /**
     * Writes from {@code src}'s position, advancing it by the bytes written.
     *
     * @return the bytes written; 0 if the send buffer is full (would block, wait for
     *     {@link Events#WRITE}) or {@code src} has nothing remaining
     * @throws IOException when the connection is broken (EPIPE, ECONNRESET)
     */
    int write(ByteBuffer src) throws IOException;

    /** Writes up to {@code src.byteSize()} bytes from the start of {@code src}; returns as {@link #write(ByteBuffer)}. */
    long write(MemorySegment src) throws IOException;

    /**
     * Gathering write of {@code srcs[offset .. offset+length)}, in order, advancing each buffer's
     * position as {@link java.nio.channels.GatheringByteChannel} does: the buffers before the
     * last one touched are used up, the last one may be partly written.
     *
     * @return the bytes written, 0 if it would block or nothing remains
     */
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    /** {@link #write(ByteBuffer[], int, int)} over the whole array. */
    default long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    /**
     * Half-close: sends FIN after the queued data (shutdown(2) SHUT_WR). The peer reads end of
     * stream; this side can still read what the peer sends.
     */
    void shutdownOutput() throws IOException;

    /** The local address and port (getsockname(2)). */
    InetSocketAddress localAddress() throws IOException;

    /** The peer's address: the one connected to, or the one accept returned; kept, not asked again. */
    InetSocketAddress remoteAddress() throws IOException;

    /** TCP_NODELAY (tcp(7)): send small segments at once instead of coalescing them (Nagle). On by default. */
    void setNoDelay(boolean on) throws IOException;

    /** SO_KEEPALIVE (socket(7)): probe an idle connection, with the system's timings. */
    void setKeepAlive(boolean on) throws IOException;

    /** SO_RCVBUF (socket(7)). Linux doubles the value for bookkeeping; {@link #receiveBufferSize} shows the result. */
    void setReceiveBufferSize(int bytes) throws IOException;

    /** SO_SNDBUF (socket(7)). Linux doubles the value for bookkeeping; {@link #sendBufferSize} shows the result. */
    void setSendBufferSize(int bytes) throws IOException;

    int receiveBufferSize() throws IOException;

    int sendBufferSize() throws IOException;

    /**
     * SO_LINGER (socket(7)). {@code 0}: {@link #close} discards unsent data and resets the
     * connection, so the peer's next read fails with ECONNRESET. {@code > 0}: close blocks until
     * the data is acknowledged or that many seconds pass (even though the socket is
     * non-blocking: use it only off the loop thread). Negative: off, the default.
     */
    void setLinger(int seconds) throws IOException;

    /**
     * Cancels the registration this socket knows about (the poller must never watch a number the
     * OS may hand out again), then closes. Idempotent.
     */
    @Override
    void close() throws IOException;
}
