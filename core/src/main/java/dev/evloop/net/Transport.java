package dev.evloop.net;

import dev.evloop.poll.Backend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * How sockets are made: {@link #NATIVE} descriptors through java.lang.foreign, for the epoll and
 * poll(2) backends, or JDK channels ({@link #NIO}), the only sources the Selector backend can
 * watch. {@link #forBackend} picks the one a poller needs.
 */
public enum Transport {
    /** Raw descriptors: socket(2), accept4(2), read(2), send(2), writev(2). */
    NATIVE,
    /** JDK {@code SocketChannel} and {@code ServerSocketChannel}. */
    NIO;

    private static final long PAIR_TIMEOUT_NANOS = 10_000_000_000L;

    /** The transport whose sockets {@code backend} can watch: NIO for the Selector, native otherwise. */
    public static Transport forBackend(Backend backend) {
        return switch (backend) {
            case NIO -> NIO;
            case EPOLL, IO_URING, KQUEUE, POLL -> NATIVE;
        };
    }

    /**
     * Starts a non-blocking connect; {@link TcpSocket#finishConnect} completes it. A loopback
     * connect may complete at once, which finishConnect then reports. TCP_NODELAY is on.
     *
     * @throws IllegalArgumentException if {@code remote} is unresolved
     * @throws IOException if the connect fails at once (natively e.g. {@code connect:
     *     ENETUNREACH}); later failures come from finishConnect
     */
    public TcpSocket connect(InetSocketAddress remote) throws IOException {
        Addresses.resolve(remote);
        return switch (this) {
            case NATIVE -> NativeTcpSocket.connect(remote);
            case NIO -> NioTcpSocket.connect(remote);
        };
    }

    /**
     * Takes ownership of a connected, non-blocking TCP descriptor made elsewhere (completion I/O's
     * io_uring accept and connect) as a {@link TcpSocket}. {@link #NATIVE} only.
     *
     * @throws IllegalArgumentException for a negative descriptor
     * @throws UnsupportedOperationException on {@link #NIO}, which has no way to wrap a descriptor
     */
    public TcpSocket adopt(int fd, InetSocketAddress remote) {
        if (fd < 0) throw new IllegalArgumentException("adopt: negative descriptor " + fd);
        if (this != NATIVE) throw new UnsupportedOperationException("adopt: the NIO transport cannot wrap descriptor " + fd);
        return NativeTcpSocket.accepted(fd, java.util.Objects.requireNonNull(remote, "remote"));
    }

    /**
     * A listening socket on {@code local} (port 0: the kernel picks one, see
     * {@link TcpListener#localAddress}), with SO_REUSEADDR on. An IPv6 address binds an IPv6
     * socket; whether it also takes IPv4 connections (IPV6_V6ONLY) is left to the OS default.
     *
     * @param backlog the accept queue's length; 0 or less means the system maximum (Linux caps any
     *     value at net.core.somaxconn, listen(2))
     * @param reusePort SO_REUSEPORT: several listeners may bind the same port and the kernel
     *     spreads connections among them (socket(7))
     * @throws IOException naming bind and the address, natively {@code bind: EADDRINUSE (Address
     *     already in use) [127.0.0.1:8080]}
     */
    public TcpListener listen(InetSocketAddress local, int backlog, boolean reusePort) throws IOException {
        Addresses.resolve(local);
        int queue = backlog > 0 ? backlog : Integer.MAX_VALUE;
        return switch (this) {
            case NATIVE -> NativeTcpListener.listen(local, queue, reusePort);
            case NIO -> NioTcpListener.listen(local, queue, reusePort);
        };
    }

    /**
     * A connected {@code {client, server}} pair on {@code loopback}: a convenience for tests and
     * demos, not for servers. It listens on an ephemeral port, connects, accepts and closes the
     * listener, spinning (bounded, 10 s) instead of using a poller: on loopback the handshake
     * completes within the connect call, so the first accept nearly always succeeds.
     */
    public TcpSocket[] connectedPair(InetAddress loopback) throws IOException {
        try (TcpListener listener = listen(new InetSocketAddress(loopback, 0), 1, false)) {
            TcpSocket client = connect(listener.localAddress());
            TcpSocket server = null;
            try {
                long deadline = System.nanoTime() + PAIR_TIMEOUT_NANOS;
                while ((server = listener.accept()) == null) {
                    checkDeadline(deadline, "accept", listener);
                    Thread.yield();
                }
                while (!client.finishConnect()) {
                    checkDeadline(deadline, "connect", listener);
                    Thread.yield();
                }
                return new TcpSocket[] {client, server};
            } catch (IOException | RuntimeException e) {
                closeAfterFailure(server, e);
                closeAfterFailure(client, e);
                throw e;
            }
        }
    }

    private static void checkDeadline(long deadline, String step, TcpListener listener) throws IOException {
        if (System.nanoTime() - deadline > 0) {
            throw new IOException("connectedPair: " + step + " did not complete within "
                    + PAIR_TIMEOUT_NANOS / 1_000_000_000L + " s on " + listener);
        }
    }

    private static void closeAfterFailure(TcpSocket socket, Exception failure) {
        if (socket == null) return;
        try {
            socket.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
