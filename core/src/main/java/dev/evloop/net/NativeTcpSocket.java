package dev.evloop.net;

import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import dev.evloop.os.SocketAbi;
import dev.evloop.poll.Events;
import dev.evloop.poll.Registration;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A TCP socket as a raw descriptor, through {@link Libc}: for the epoll and poll(2) backends.
 *
 * <p>Reads and writes make one system call each and allocate no native memory: {@code read(2)}
 * and {@code send(2)} are linked critical, so heap segments and heap buffers are passed in place.
 * A gathering write makes one {@code writev(2)} through an iovec array this socket keeps (grown
 * on demand, up to IOV_MAX entries); heap buffers, whose arrays have no address an iovec could
 * hold, are first copied to a per-thread staging area, as the JDK does.
 */
final class NativeTcpSocket implements TcpSocket {
    /** IOV_MAX (limits.h, UIO_MAXIOV in the kernel): writev(2) fails with EINVAL beyond it. */
    private static final int IOV_MAX = 1024;
    private static final int STAGING_SIZE = 64 * 1024;
    /** Copies of heap buffers for writev: one per thread, reused, reclaimed with the thread. */
    private static final ThreadLocal<MemorySegment> STAGING =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STAGING_SIZE, 64));

    private static final int CONNECTING = 0;
    private static final int CONNECTED = 1;
    private static final int FAILED = 2;
    private static final int CLOSED = 3;

    private final int fd;
    private final InetSocketAddress remote;
    /**
     * CONNECTING, then CONNECTED or FAILED (finishConnect), then CLOSED (close, from any state).
     * Owner thread only, like every field here.
     */
    private int state;
    /** The errno a failed connect reported, thrown again by later finishConnect calls. */
    private int connectErrno;
    /** The registration last passed to {@link #registered}; null when not registered. */
    private Registration registration;
    /** writev's iovec array, allocated at the first gathering write, grown by doubling. */
    private MemorySegment iov;
    private int iovCapacity;

    private NativeTcpSocket(int fd, InetSocketAddress remote, boolean connected) {
        this.fd = fd;
        this.remote = remote;
        this.state = connected ? CONNECTED : CONNECTING;
    }

    /** An accepted connection: {@code fd} is already non-blocking ({@link NativeSockets#accept}). */
    static NativeTcpSocket accepted(int fd, InetSocketAddress remote) {
        return new NativeTcpSocket(fd, remote, true);
    }

    /**
     * Starts a non-blocking connect. TCP_NODELAY is set first: request/response traffic would
     * otherwise wait for delayed ACKs (tcp(7)).
     */
    static NativeTcpSocket connect(InetSocketAddress remote) throws IOException {
        int fd = NativeSockets.open(remote);
        try {
            NativeSockets.setInt(fd, SocketAbi.IPPROTO_TCP, SocketAbi.TCP_NODELAY, 1, "TCP_NODELAY");
            boolean connected = NativeSockets.connect(fd, remote);
            return new NativeTcpSocket(fd, remote, connected);
        } catch (IOException | RuntimeException e) {
            NativeSockets.closeQuietly(fd);
            throw e;
        }
    }

    @Override
    public int fd() {
        return state == CLOSED ? -1 : fd;
    }

    @Override
    public void registered(Registration registration) {
        this.registration = registration;
    }

    /**
     * connect(2): "It is possible to select(2) or poll(2) for completion by selecting the socket
     * for writing. After select(2) indicates writability, use getsockopt(2) to read the SO_ERROR
     * option". SO_ERROR is 0 both while the handshake runs and once it succeeded, so
     * getpeername(2) (ENOTCONN until connected) tells those apart. Reading SO_ERROR clears it,
     * hence the failure is kept to be thrown again.
     */
    @Override
    public boolean finishConnect() throws IOException {
        switch (state) {
            case CONNECTED -> {
                return true;
            }
            case CLOSED -> throw closed("connect");
            case FAILED -> throw new NativeException("connect", connectErrno, Addresses.describe(remote));
            default -> { }
        }
        int err = NativeSockets.getInt(fd, SocketAbi.SOL_SOCKET, SocketAbi.SO_ERROR, "SO_ERROR");
        if (err != 0) {
            state = FAILED;
            connectErrno = err;
            throw new NativeException("connect", err, Addresses.describe(remote));
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = a.allocate(SocketAbi.SOCKADDR_STORAGE_SIZE, 8);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, SocketAbi.SOCKADDR_STORAGE_SIZE);
            int r = Libc.getpeername(fd, addr, len);
            if (r == -Errno.ENOTCONN) return false;
            if (r < 0) throw new NativeException("getpeername", -r, Addresses.describe(remote));
        }
        state = CONNECTED;
        return true;
    }

    @Override
    public boolean isConnected() {
        return state == CONNECTED;
    }

    @Override
    public boolean isOpen() {
        return state != CLOSED;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        checkConnected("read");
        if (dst.isReadOnly()) throw new IllegalArgumentException("read into a read-only buffer");
        int len = dst.remaining();
        if (len == 0) return 0;
        long r = Libc.read(fd, MemorySegment.ofBuffer(dst), len);
        int n = (int) readResult(r);
        if (n > 0) dst.position(dst.position() + n);
        return n;
    }

    @Override
    public long read(MemorySegment dst) throws IOException {
        checkConnected("read");
        if (dst.isReadOnly()) throw new IllegalArgumentException("read into a read-only segment");
        long len = dst.byteSize();
        if (len == 0) return 0;
        return readResult(Libc.read(fd, dst, len));
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        checkConnected("send");
        int len = src.remaining();
        if (len == 0) return 0;
        int n = (int) send(MemorySegment.ofBuffer(src), len);
        src.position(src.position() + n);
        return n;
    }

    @Override
    public long write(MemorySegment src) throws IOException {
        checkConnected("send");
        long len = src.byteSize();
        if (len == 0) return 0;
        return send(src, len);
    }

    /**
     * writev(2) takes no flags, so unlike {@link #send} it cannot ask for MSG_NOSIGNAL; it relies
     * on HotSpot ignoring SIGPIPE (see {@link Libc}), and a broken connection is EPIPE either way.
     */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        checkConnected("writev");
        int end = offset + length;
        int count = 0;
        long staged = 0;
        MemorySegment staging = null;
        for (int i = offset; i < end && count < IOV_MAX; i++) {
            ByteBuffer b = srcs[i];
            int remaining = b.remaining();
            if (remaining == 0) continue;
            MemorySegment base;
            long len = remaining;
            if (b.isDirect()) {
                base = MemorySegment.ofBuffer(b);
            } else {
                if (staging == null) staging = STAGING.get();
                len = Math.min(remaining, STAGING_SIZE - staged);
                if (len == 0) break;
                base = staging.asSlice(staged, len);
                MemorySegment.copy(MemorySegment.ofBuffer(b), 0, base, 0, len);
                staged += len;
            }
            if (count == iovCapacity) growIov();
            SocketAbi.IOV_BASE.set(iov, 0L, (long) count, base);
            SocketAbi.IOV_LEN.set(iov, 0L, (long) count, len);
            count++;
            // A partly staged buffer ends the batch: later buffers must not overtake its rest.
            if (len < remaining) break;
        }
        if (count == 0) return 0;
        long r = Libc.writev(fd, iov, count);
        // The iovec holds the direct buffers' addresses only, not the buffers: keep them (and so
        // their memory, freed by a Cleaner) reachable until writev has returned.
        Reference.reachabilityFence(srcs);
        long written = result("writev", r, Events.WRITE);
        long left = written;
        for (int i = offset; left > 0 && i < end; i++) {
            ByteBuffer b = srcs[i];
            int step = (int) Math.min(b.remaining(), left);
            b.position(b.position() + step);
            left -= step;
        }
        return written;
    }

    @Override
    public void shutdownOutput() throws IOException {
        checkConnected("shutdown");
        int r = Libc.shutdown(fd, SocketAbi.SHUT_WR);
        if (r < 0) throw new NativeException("shutdown", -r, Addresses.describe(remote));
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        checkOpen("getsockname");
        return NativeSockets.localAddress(fd);
    }

    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        checkOpen("getpeername");
        return remote;
    }

    @Override
    public void setNoDelay(boolean on) throws IOException {
        setOption(SocketAbi.IPPROTO_TCP, SocketAbi.TCP_NODELAY, on ? 1 : 0, "TCP_NODELAY");
    }

    @Override
    public void setKeepAlive(boolean on) throws IOException {
        setOption(SocketAbi.SOL_SOCKET, SocketAbi.SO_KEEPALIVE, on ? 1 : 0, "SO_KEEPALIVE");
    }

    @Override
    public void setReceiveBufferSize(int bytes) throws IOException {
        setOption(SocketAbi.SOL_SOCKET, SocketAbi.SO_RCVBUF, positive(bytes), "SO_RCVBUF");
    }

    @Override
    public void setSendBufferSize(int bytes) throws IOException {
        setOption(SocketAbi.SOL_SOCKET, SocketAbi.SO_SNDBUF, positive(bytes), "SO_SNDBUF");
    }

    @Override
    public int receiveBufferSize() throws IOException {
        checkOpen("getsockopt");
        return NativeSockets.getInt(fd, SocketAbi.SOL_SOCKET, SocketAbi.SO_RCVBUF, "SO_RCVBUF");
    }

    @Override
    public int sendBufferSize() throws IOException {
        checkOpen("getsockopt");
        return NativeSockets.getInt(fd, SocketAbi.SOL_SOCKET, SocketAbi.SO_SNDBUF, "SO_SNDBUF");
    }

    @Override
    public void setLinger(int seconds) throws IOException {
        checkOpen("setsockopt");
        NativeSockets.setLinger(fd, seconds);
    }

    /** Deregisters before closing: once closed, the number may be handed to a new descriptor at once. */
    @Override
    public void close() throws IOException {
        if (state == CLOSED) return;
        state = CLOSED;
        Registration r = registration;
        registration = null;
        if (r != null) r.cancel();
        NativeSockets.close(fd, Addresses.describe(remote));
    }

    @Override
    public String toString() {
        String s = switch (state) {
            case CONNECTING -> "connecting";
            case CONNECTED -> "connected";
            case FAILED -> "connect failed";
            default -> "closed";
        };
        return "TcpSocket[native fd " + fd + ", " + Addresses.describe(remote) + ", " + s + "]";
    }

    /** read(2) returns 0 only at end of stream here: a zero-length read never reaches it. */
    private long readResult(long r) throws NativeException {
        return r == 0 ? -1 : result("read", r, Events.READ);
    }

    /** send(2) with MSG_NOSIGNAL: a reset peer yields EPIPE, never SIGPIPE, whatever the JVM's signal setup. */
    private long send(MemorySegment src, long len) throws NativeException {
        return result("send", Libc.send(fd, src, len, SocketAbi.MSG_NOSIGNAL), Events.WRITE);
    }

    /**
     * The one place EAGAIN is handled. Would-block is a result (0), and the registration is told,
     * so backends emulating edge triggering re-arm (Registration#wouldBlock). Any other errno is
     * thrown naming the call and the peer. EINTR cannot occur: a non-blocking socket call never
     * sleeps, so no signal can interrupt it (signal(7)).
     */
    private long result(String call, long r, int op) throws NativeException {
        if (r >= 0) return r;
        if (r == -Errno.EAGAIN) {
            Registration reg = registration;
            if (reg != null) reg.wouldBlock(op);
            return 0;
        }
        throw new NativeException(call, (int) -r, Addresses.describe(remote));
    }

    /** Grows the iovec array mid-fill: the entries already written are carried over. */
    private void growIov() {
        int capacity = iovCapacity == 0 ? 8 : Math.min(iovCapacity * 2, IOV_MAX);
        MemorySegment bigger = Arena.ofAuto().allocate(SocketAbi.IOVEC, capacity);
        if (iov != null) MemorySegment.copy(iov, 0, bigger, 0, iov.byteSize());
        iov = bigger;
        iovCapacity = capacity;
    }

    private void setOption(int level, int name, int value, String option) throws IOException {
        checkOpen("setsockopt");
        NativeSockets.setInt(fd, level, name, value, option);
    }

    private static int positive(int bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("buffer size must be positive: " + bytes);
        return bytes;
    }

    private void checkOpen(String call) throws SocketClosedException {
        if (state == CLOSED) throw closed(call);
    }

    private void checkConnected(String call) throws SocketClosedException {
        if (state != CONNECTED) {
            if (state == CLOSED) throw closed(call);
            throw new IllegalStateException(call + " on a socket that is not connected ("
                    + (state == FAILED ? "its connect failed" : "call finishConnect() until it returns true first")
                    + "): " + this);
        }
    }

    private SocketClosedException closed(String call) {
        return new SocketClosedException(call, "socket", Addresses.describe(remote));
    }
}
