package dev.evloop.net;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import dev.evloop.os.SocketAbi;
import dev.evloop.poll.Events;
import dev.evloop.poll.Registration;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/** A listening socket as a raw descriptor, for the epoll and poll(2) backends. */
final class NativeTcpListener implements TcpListener {
    private final int fd;
    private final InetSocketAddress local;
    /** accept's peer address out-parameters, reused; GC-managed since any thread may own the listener. */
    private final MemorySegment peer;
    private final MemorySegment peerLen;
    /** Owner thread only. */
    private boolean closed;
    private Registration registration;

    private NativeTcpListener(int fd, InetSocketAddress local) {
        this.fd = fd;
        this.local = local;
        Arena arena = Arena.ofAuto();
        this.peer = arena.allocate(SocketAbi.SOCKADDR_STORAGE_SIZE, 8);
        this.peerLen = arena.allocate(JAVA_INT);
    }

    /**
     * socket, SO_REUSEADDR (rebind while old connections sit in TIME_WAIT), SO_REUSEPORT if asked
     * (several listeners share the port, the kernel spreads connections), TCP_NODELAY (Linux
     * copies it to accepted sockets, saving a setsockopt per connection; so do FreeBSD's syncache
     * and XNU's tcp_input, which copy TF_NODELAY from the listener), bind, listen. SO_REUSEPORT on
     * the BSDs shares the port without spreading connections (FreeBSD's SO_REUSEPORT_LB would).
     */
    static NativeTcpListener listen(InetSocketAddress local, int backlog, boolean reusePort) throws IOException {
        int fd = NativeSockets.open(local);
        try {
            NativeSockets.setInt(fd, SocketAbi.SOL_SOCKET, SocketAbi.SO_REUSEADDR, 1, "SO_REUSEADDR");
            if (reusePort) {
                NativeSockets.setInt(fd, SocketAbi.SOL_SOCKET, SocketAbi.SO_REUSEPORT, 1, "SO_REUSEPORT");
            }
            NativeSockets.setInt(fd, SocketAbi.IPPROTO_TCP, SocketAbi.TCP_NODELAY, 1, "TCP_NODELAY");
            NativeSockets.bindAndListen(fd, local, backlog);
            return new NativeTcpListener(fd, NativeSockets.localAddress(fd));
        } catch (IOException | RuntimeException e) {
            NativeSockets.closeQuietly(fd);
            throw e;
        }
    }

    @Override
    public int fd() {
        return closed ? -1 : fd;
    }

    @Override
    public void registered(Registration registration) {
        this.registration = registration;
    }

    /**
     * accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC where the kernel has it, so the new socket is
     * non-blocking from the start with no window in which a fork could inherit it; accept(2) and
     * fcntl(2) on macOS ({@link NativeSockets#accept}).
     */
    @Override
    public TcpSocket accept() throws IOException {
        if (closed) throw new SocketClosedException("accept", "listener", Addresses.describe(local));
        int r;
        do {
            peerLen.set(JAVA_INT, 0, SocketAbi.SOCKADDR_STORAGE_SIZE);
            r = NativeSockets.accept(fd, peer, peerLen);
        } while (r < 0 && abortedConnection(-r));
        if (r < 0) return failed(r);
        try {
            return NativeTcpSocket.accepted(r, SocketAbi.decode(peer));
        } catch (RuntimeException e) {
            NativeSockets.closeQuietly(r);
            throw e;
        }
    }

    /**
     * accept(2), "Error handling": Linux passes errors of the pending connection to accept, and
     * "the application should detect the network errors defined for the protocol after accept()
     * and treat them like EAGAIN by retrying"; for TCP these, plus ECONNABORTED (the peer reset
     * it while queued; the BSDs' accept(2) reports only this one). Each failure dequeues that
     * connection, so retrying ends. Errors a platform lacks are {@link Errno#ABSENT} and never match.
     */
    private static boolean abortedConnection(int errno) {
        return errno == Errno.ECONNABORTED || errno == Errno.ENETDOWN || errno == Errno.EPROTO
                || errno == Errno.ENOPROTOOPT || errno == Errno.EHOSTDOWN || errno == Errno.ENONET
                || errno == Errno.EHOSTUNREACH || errno == Errno.EOPNOTSUPP || errno == Errno.ENETUNREACH;
    }

    /**
     * The one place EAGAIN is handled: nothing pending is a null result, reported to the
     * registration for emulated edge triggering. Anything else (EMFILE, ENFILE, ENOBUFS, ...)
     * is thrown: the connection stays queued, and retrying now would spin.
     */
    private TcpSocket failed(int r) throws NativeException {
        if (r == -Errno.EAGAIN) {
            Registration reg = registration;
            if (reg != null) reg.wouldBlock(Events.READ);
            return null;
        }
        throw new NativeException("accept", -r, Addresses.describe(local));
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        if (closed) throw new SocketClosedException("getsockname", "listener", Addresses.describe(local));
        return local;
    }

    /** Deregisters before closing: once closed, the number may be handed to a new descriptor at once. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        Registration r = registration;
        registration = null;
        if (r != null) r.cancel();
        NativeSockets.close(fd, Addresses.describe(local));
    }

    @Override
    public String toString() {
        return "TcpListener[native fd " + fd + ", " + Addresses.describe(local) + (closed ? ", closed]" : "]");
    }
}
