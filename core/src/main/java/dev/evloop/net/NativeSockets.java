package dev.evloop.net;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import dev.evloop.os.SocketAbi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * The control path shared by the native socket and listener: socket options, addresses, opening
 * and closing descriptors. Nothing here runs per read or write, so each call takes scratch memory
 * from a confined arena and frees it on return; no native memory stays behind per connection.
 */
final class NativeSockets {
    private static final VarHandle L_ONOFF =
            SocketAbi.LINGER.varHandle(MemoryLayout.PathElement.groupElement("l_onoff"));
    private static final VarHandle L_LINGER =
            SocketAbi.LINGER.varHandle(MemoryLayout.PathElement.groupElement("l_linger"));

    /**
     * socket(2) and accept4(2) take SOCK_NONBLOCK | SOCK_CLOEXEC on Linux (2.6.27) and FreeBSD (10.0),
     * so the descriptor is never blocking and never inheritable. macOS has neither the flags nor
     * accept4: there both are set with fcntl(2) right after, and a fork+exec by native code on
     * another thread in between could inherit the descriptor (the JDK's own launcher closes
     * inherited descriptors in the child).
     */
    private static final boolean ATOMIC_FLAGS = SocketAbi.SOCK_NONBLOCK != 0 && Libc.has("accept4");

    /** Test hook: take the macOS path (socket / accept, then fcntl) on any platform. */
    static volatile boolean forceFcntlFallback;

    private NativeSockets() {}

    /** Whether the next {@link #open} and {@link #accept} use the fcntl fallback. */
    static boolean usesFcntlFallback() {
        return !ATOMIC_FLAGS || forceFcntlFallback;
    }

    /**
     * A non-blocking, close-on-exec TCP socket of {@code address}'s family, with SO_NOSIGPIPE where
     * the kernel has it.
     */
    static int open(InetSocketAddress address) throws NativeException {
        int family = Addresses.resolve(address) instanceof Inet6Address ? SocketAbi.AF_INET6 : SocketAbi.AF_INET;
        int fd;
        boolean fallback = usesFcntlFallback(); // read once: a test may flip it meanwhile
        if (fallback) {
            fd = NativeException.check("socket", Libc.socket(family, SocketAbi.SOCK_STREAM, 0));
        } else {
            fd = NativeException.check("socket",
                    Libc.socket(family, SocketAbi.SOCK_STREAM | SocketAbi.SOCK_NONBLOCK | SocketAbi.SOCK_CLOEXEC, 0));
        }
        try {
            if (fallback) nonBlockingCloseOnExec(fd);
            noSigpipe(fd);
            return fd;
        } catch (NativeException | RuntimeException e) {
            closeQuietly(fd);
            throw e;
        }
    }

    /**
     * accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC, or accept(2) and fcntl(2) where accept4 is
     * missing (macOS); SO_NOSIGPIPE where the kernel has it. Returns the descriptor or
     * {@code -errno} of accept; a failure after accept closes the new descriptor and is thrown.
     */
    static int accept(int listener, MemorySegment peer, MemorySegment peerLen) throws NativeException {
        boolean fallback = usesFcntlFallback();
        int fd = fallback
                ? Libc.accept(listener, peer, peerLen)
                : Libc.accept4(listener, peer, peerLen, SocketAbi.SOCK_NONBLOCK | SocketAbi.SOCK_CLOEXEC);
        if (fd < 0) return fd;
        try {
            if (fallback) nonBlockingCloseOnExec(fd);
            noSigpipe(fd);
            return fd;
        } catch (NativeException | RuntimeException e) {
            closeQuietly(fd);
            throw e;
        }
    }

    /** fcntl(2): O_NONBLOCK added to the status flags, FD_CLOEXEC as the descriptor flags. */
    static void nonBlockingCloseOnExec(int fd) throws NativeException {
        int flags = NativeException.check("fcntl(F_GETFL)", Libc.fcntl(fd, Libc.F_GETFL, 0));
        NativeException.check("fcntl(F_SETFL, O_NONBLOCK)", Libc.fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK));
        NativeException.check("fcntl(F_SETFD, FD_CLOEXEC)", Libc.fcntl(fd, Libc.F_SETFD, Libc.FD_CLOEXEC));
    }

    /**
     * SO_NOSIGPIPE (macOS, FreeBSD): a write to a connection the peer reset returns EPIPE without
     * raising SIGPIPE. macOS has no MSG_NOSIGNAL, and the option also covers write(2) and writev(2),
     * which no flag reaches. Linux has no such option; its {@code send} passes MSG_NOSIGNAL, and
     * HotSpot ignores SIGPIPE for the rest.
     */
    static void noSigpipe(int fd) throws NativeException {
        if (SocketAbi.SO_NOSIGPIPE >= 0) {
            setInt(fd, SocketAbi.SOL_SOCKET, SocketAbi.SO_NOSIGPIPE, 1, "SO_NOSIGPIPE");
        }
    }

    /**
     * Closes a descriptor after a failed setup step; the setup failure is what the caller reports.
     * close(2): the number is released even when close reports an error, so nothing is lost.
     */
    static void closeQuietly(int fd) {
        Libc.close(fd);
    }

    /**
     * Closes a descriptor this process owns. Linux frees the number even when close(2) fails
     * (EINTR included; retrying could close a number another thread just got), so only errors
     * other than EINTR are reported.
     */
    static void close(int fd, String detail) throws NativeException {
        int r = Libc.close(fd);
        if (r < 0 && r != -Errno.EINTR) {
            throw new NativeException("close", -r, detail);
        }
    }

    static void setInt(int fd, int level, int name, int value, String option) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            int r = Libc.setsockopt(fd, level, name, v, (int) JAVA_INT.byteSize());
            if (r < 0) throw new NativeException("setsockopt", -r, option);
        }
    }

    static int getInt(int fd, int level, int name, String option) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) JAVA_INT.byteSize());
            int r = Libc.getsockopt(fd, level, name, v, len);
            if (r < 0) throw new NativeException("getsockopt", -r, option);
            return v.get(JAVA_INT, 0);
        }
    }

    /**
     * socket(7) SO_LINGER. {@code seconds < 0}: off, close(2) returns at once and the kernel sends
     * what is queued in the background. {@code 0}: close(2) discards unsent data and sends a
     * reset, so the peer's next read fails with ECONNRESET. {@code > 0}: close(2) blocks up to
     * that long for the data to be acknowledged, even on a non-blocking socket.
     */
    static void setLinger(int fd, int seconds) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment l = a.allocate(SocketAbi.LINGER);
            L_ONOFF.set(l, 0L, seconds < 0 ? 0 : 1);
            L_LINGER.set(l, 0L, Math.max(seconds, 0));
            int r = Libc.setsockopt(fd, SocketAbi.SOL_SOCKET, SocketAbi.SO_LINGER, l, (int) l.byteSize());
            if (r < 0) throw new NativeException("setsockopt", -r, "SO_LINGER " + seconds);
        }
    }

    /** getsockname(2). */
    static InetSocketAddress localAddress(int fd) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = a.allocate(SocketAbi.SOCKADDR_STORAGE_SIZE, 8);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, SocketAbi.SOCKADDR_STORAGE_SIZE);
            NativeException.check("getsockname", Libc.getsockname(fd, addr, len));
            return SocketAbi.decode(addr);
        }
    }

    /** bind(2) then listen(2); the failure names the call and the address. */
    static void bindAndListen(int fd, InetSocketAddress local, int backlog) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = a.allocate(SocketAbi.SOCKADDR_STORAGE_SIZE, 8);
            int len = SocketAbi.encode(local, addr);
            int r = Libc.bind(fd, addr, len);
            if (r < 0) throw new NativeException("bind", -r, Addresses.describe(local));
        }
        int r = Libc.listen(fd, backlog);
        if (r < 0) throw new NativeException("listen", -r, Addresses.describe(local));
    }

    /**
     * connect(2) on a non-blocking socket: returns true if the connection is already made (a
     * loopback connect can complete inside the call), false if it is in progress (EINPROGRESS,
     * the normal case: completion is signalled by writability and SO_ERROR, see connect(2)).
     */
    static boolean connect(int fd, InetSocketAddress remote) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = a.allocate(SocketAbi.SOCKADDR_STORAGE_SIZE, 8);
            int len = SocketAbi.encode(remote, addr);
            int r = Libc.connect(fd, addr, len);
            if (r == 0) return true;
            if (r == -Errno.EINPROGRESS) return false;
            throw new NativeException("connect", -r, Addresses.describe(remote));
        }
    }
}
