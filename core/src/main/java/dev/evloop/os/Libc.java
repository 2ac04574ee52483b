package dev.evloop.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Downcalls to the C library: one method per system call, nothing else.
 *
 * <p>Every method returns the call's result, or {@code -errno} when the call failed (errno is
 * captured with {@link Linker.Option#captureCallState}, into a segment allocated once per thread).
 * Decisions (retry on EINTR, EAGAIN as "would block", throwing) belong to the callers.
 *
 * <p>Short calls that never block on the descriptors this project uses (all non-blocking) are
 * linked with {@link Linker.Option#critical critical(true)}: it skips the thread-state transition
 * and lets heap segments (arrays, heap {@code ByteBuffer}s) be passed without a copy. It must never
 * be used on a call that can block, since a critical call holds off GC safepoints for the whole
 * JVM: {@code epoll_wait}, {@code poll} and {@code close} (which may linger, socket(7)
 * SO_LINGER) are linked without it. Passing a blocking descriptor to {@link #read} or
 * {@link #write} is therefore a misuse.
 *
 * <p>SIGPIPE: HotSpot ignores SIGPIPE, so {@code write} on a reset socket returns {@code -EPIPE}
 * instead of killing the process; callers also pass MSG_NOSIGNAL to {@link #send} (Linux, FreeBSD)
 * and set SO_NOSIGPIPE on each socket where the kernel has it (macOS, FreeBSD).
 *
 * <p>Portability: the calls linked when this class loads exist in the C library of Linux, macOS
 * and FreeBSD. The others (accept4, pipe2, eventfd, epoll_*, the io_uring system calls, kqueue and
 * kevent) are linked on first use, so loading Libc never touches a symbol the platform lacks.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final Linker.Option CRITICAL = Linker.Option.critical(true);

    /** One errno capture segment per thread; allocated once, reclaimed with the thread. */
    private static final ThreadLocal<MemorySegment> CAPTURE_SEGMENT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static final OsConstants OS = OsConstants.current();

    // fcntl(2): the commands are the same in Linux's asm-generic/fcntl.h and the BSDs' sys/fcntl.h.
    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int FD_CLOEXEC = OS.get("FD_CLOEXEC");
    public static final int O_NONBLOCK = OS.get("O_NONBLOCK");
    public static final int O_CLOEXEC = OS.get("O_CLOEXEC");
    // getrlimit(2)
    public static final int RLIMIT_NOFILE = OS.get("RLIMIT_NOFILE");
    /** Locked memory; kernels before 5.12 charge io_uring rings to it (io_uring_setup(2), ENOMEM). */
    public static final int RLIMIT_MEMLOCK = OS.get("RLIMIT_MEMLOCK");
    /** {@code struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }}: rlim_t is 64 bits on all three. */
    public static final StructLayout RLIMIT = MemoryLayout.structLayout(
            JAVA_LONG.withName("rlim_cur"), JAVA_LONG.withName("rlim_max"));
    // eventfd(2), Linux only
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;
    // ioctl_tty(2) / filio.h: bytes waiting in a socket's receive queue
    public static final long FIONREAD = OS.get("FIONREAD");

    private static final MethodHandle SOCKET = critical("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle BIND = critical("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle LISTEN = critical("listen", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle ACCEPT = critical("accept", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle CONNECT = critical("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle GETSOCKOPT =
            critical("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle SETSOCKOPT =
            critical("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle GETSOCKNAME = critical("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle GETPEERNAME = critical("getpeername", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle SHUTDOWN = critical("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle READ = critical("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle WRITE = critical("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle READV = critical("readv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle WRITEV = critical("writev", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SEND = critical("send", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle RECV = critical("recv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle CLOSE = plain("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle FCNTL = variadic("fcntl", JAVA_INT, 2, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle IOCTL_PTR = variadic("ioctl", JAVA_INT, 2, JAVA_INT, JAVA_LONG, ADDRESS);
    private static final MethodHandle PIPE = critical("pipe", JAVA_INT, ADDRESS);
    private static final MethodHandle GETRLIMIT = critical("getrlimit", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle SETRLIMIT = critical("setrlimit", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle POLL = plain("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle POLL_UNCAPTURED = LINKER.downcallHandle(find("poll"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MMAP =
            plain("mmap", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG);
    private static final MethodHandle MUNMAP = plain("munmap", JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle GETPID = Libc.LINKER.downcallHandle(
            find("getpid"), FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPID_CRITICAL = Libc.LINKER.downcallHandle(
            find("getpid"), FunctionDescriptor.of(JAVA_INT), CRITICAL);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            find("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /*
     * Calls that not every supported C library has are linked on first use, one holder class per
     * group, so that loading Libc never looks them up: macOS has none of these, FreeBSD (10+) has
     * accept4 and pipe2. Callers probe with has(symbol) and take their fallback; calling one where
     * it is missing throws an AssertionError naming the symbol.
     */

    /** accept4(2): Linux 2.6.28, FreeBSD 10. */
    private static final class Accept4 {
        static final MethodHandle ACCEPT4 = critical("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    }

    /** pipe2(2): Linux 2.6.27, FreeBSD 10. */
    private static final class Pipe2 {
        static final MethodHandle PIPE2 = critical("pipe2", JAVA_INT, ADDRESS, JAVA_INT);
    }

    /** eventfd(2): Linux. */
    private static final class EventFd {
        static final MethodHandle EVENTFD = critical("eventfd", JAVA_INT, JAVA_INT, JAVA_INT);
    }

    /** epoll(7): Linux. */
    private static final class Epoll {
        static final MethodHandle CREATE1 = critical("epoll_create1", JAVA_INT, JAVA_INT);
        static final MethodHandle CTL = critical("epoll_ctl", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle WAIT = plain("epoll_wait", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        static final MethodHandle WAIT_UNCAPTURED = LINKER.downcallHandle(find("epoll_wait"),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }

    /**
     * io_uring has no glibc wrapper: syscall(2), variadic after the number. Every argument is passed
     * as a long (a full register), which the kernel truncates to its declared type. The numbers are
     * Linux's; the BSDs' syscall(2) must never see them.
     */
    private static final class IoUringSyscalls {
        static final MethodHandle SYSCALL2 =
                variadicPlain("syscall", JAVA_LONG, 1, JAVA_LONG, JAVA_LONG, ADDRESS);
        static final MethodHandle SYSCALL4 =
                variadicPlain("syscall", JAVA_LONG, 1, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
        static final MethodHandle SYSCALL6 = variadicPlain("syscall", JAVA_LONG, 1,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
    }

    private Libc() {}

    /**
     * Whether the C library (or the process) exports {@code symbol}: how callers choose between a
     * call and its fallback (accept4 or accept + fcntl, pipe2 or pipe + fcntl).
     */
    public static boolean has(String symbol) {
        return LIBC.find(symbol).isPresent();
    }

    private static MemorySegment find(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    private static MethodHandle plain(String name, MemoryLayout ret, MemoryLayout... args) {
        return LINKER.downcallHandle(find(name), FunctionDescriptor.of(ret, args), CAPTURE);
    }

    private static MethodHandle critical(String name, MemoryLayout ret, MemoryLayout... args) {
        return LINKER.downcallHandle(find(name), FunctionDescriptor.of(ret, args), CAPTURE, CRITICAL);
    }

    private static MethodHandle variadic(String name, MemoryLayout ret, int firstVariadic, MemoryLayout... args) {
        return LINKER.downcallHandle(find(name), FunctionDescriptor.of(ret, args), CAPTURE, CRITICAL,
                Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** Variadic and not critical: for system calls that may block or take long. */
    private static MethodHandle variadicPlain(String name, MemoryLayout ret, int firstVariadic, MemoryLayout... args) {
        return LINKER.downcallHandle(find(name), FunctionDescriptor.of(ret, args), CAPTURE,
                Linker.Option.firstVariadicArg(firstVariadic));
    }

    private static MemorySegment capture() {
        return CAPTURE_SEGMENT.get();
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static int result(int r, MemorySegment capture) {
        return r < 0 ? -errno(capture) : r;
    }

    private static long result(long r, MemorySegment capture) {
        return r < 0 ? -errno(capture) : r;
    }

    private static AssertionError linkage(Throwable t) {
        return new AssertionError("downcall failed to link or invoke", t);
    }

    public static int socket(int domain, int type, int protocol) {
        MemorySegment c = capture();
        try {
            return result((int) SOCKET.invokeExact(c, domain, type, protocol), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int bind(int fd, MemorySegment addr, int addrLen) {
        MemorySegment c = capture();
        try {
            return result((int) BIND.invokeExact(c, fd, addr, addrLen), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int listen(int fd, int backlog) {
        MemorySegment c = capture();
        try {
            return result((int) LISTEN.invokeExact(c, fd, backlog), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** accept(2): the new descriptor is blocking and inherited across exec until fcntl says otherwise. */
    public static int accept(int fd, MemorySegment addr, MemorySegment addrLen) {
        MemorySegment c = capture();
        try {
            return result((int) ACCEPT.invokeExact(c, fd, addr, addrLen), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /**
     * accept4(2), Linux and FreeBSD only (see {@link #has}).
     *
     * @param addr a sockaddr buffer or {@link MemorySegment#NULL}; @param addrLen a socklen_t in/out or NULL
     */
    public static int accept4(int fd, MemorySegment addr, MemorySegment addrLen, int flags) {
        MemorySegment c = capture();
        try {
            return result((int) Accept4.ACCEPT4.invokeExact(c, fd, addr, addrLen, flags), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int connect(int fd, MemorySegment addr, int addrLen) {
        MemorySegment c = capture();
        try {
            return result((int) CONNECT.invokeExact(c, fd, addr, addrLen), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment len) {
        MemorySegment c = capture();
        try {
            return result((int) GETSOCKOPT.invokeExact(c, fd, level, name, value, len), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int setsockopt(int fd, int level, int name, MemorySegment value, int len) {
        MemorySegment c = capture();
        try {
            return result((int) SETSOCKOPT.invokeExact(c, fd, level, name, value, len), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int getsockname(int fd, MemorySegment addr, MemorySegment addrLen) {
        MemorySegment c = capture();
        try {
            return result((int) GETSOCKNAME.invokeExact(c, fd, addr, addrLen), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int getpeername(int fd, MemorySegment addr, MemorySegment addrLen) {
        MemorySegment c = capture();
        try {
            return result((int) GETPEERNAME.invokeExact(c, fd, addr, addrLen), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int shutdown(int fd, int how) {
        MemorySegment c = capture();
        try {
            return result((int) SHUTDOWN.invokeExact(c, fd, how), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static long read(int fd, MemorySegment buf, long len) {
        MemorySegment c = capture();
        try {
            return result((long) READ.invokeExact(c, fd, buf, len), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static long write(int fd, MemorySegment buf, long len) {
        MemorySegment c = capture();
        try {
            return result((long) WRITE.invokeExact(c, fd, buf, len), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** @param iov an array of {@link SocketAbi#IOVEC} */
    public static long readv(int fd, MemorySegment iov, int iovcnt) {
        MemorySegment c = capture();
        try {
            return result((long) READV.invokeExact(c, fd, iov, iovcnt), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** @param iov an array of {@link SocketAbi#IOVEC} */
    public static long writev(int fd, MemorySegment iov, int iovcnt) {
        MemorySegment c = capture();
        try {
            return result((long) WRITEV.invokeExact(c, fd, iov, iovcnt), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static long send(int fd, MemorySegment buf, long len, int flags) {
        MemorySegment c = capture();
        try {
            return result((long) SEND.invokeExact(c, fd, buf, len, flags), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static long recv(int fd, MemorySegment buf, long len, int flags) {
        MemorySegment c = capture();
        try {
            return result((long) RECV.invokeExact(c, fd, buf, len, flags), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int close(int fd) {
        MemorySegment c = capture();
        try {
            return result((int) CLOSE.invokeExact(c, fd), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int fcntl(int fd, int cmd, int arg) {
        MemorySegment c = capture();
        try {
            return result((int) FCNTL.invokeExact(c, fd, cmd, arg), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int ioctl(int fd, long request, MemorySegment arg) {
        MemorySegment c = capture();
        try {
            return result((int) IOCTL_PTR.invokeExact(c, fd, request, arg), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** pipe(2). @param fds room for two ints: the read end, then the write end */
    public static int pipe(MemorySegment fds) {
        MemorySegment c = capture();
        try {
            return result((int) PIPE.invokeExact(c, fds), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** pipe2(2), Linux and FreeBSD only. @param fds room for two ints: the read end, then the write end */
    public static int pipe2(MemorySegment fds, int flags) {
        MemorySegment c = capture();
        try {
            return result((int) Pipe2.PIPE2.invokeExact(c, fds, flags), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** eventfd(2), Linux only. */
    public static int eventfd(int initval, int flags) {
        MemorySegment c = capture();
        try {
            return result((int) EventFd.EVENTFD.invokeExact(c, initval, flags), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** @param rlimit a {@link #RLIMIT} */
    public static int getrlimit(int resource, MemorySegment rlimit) {
        MemorySegment c = capture();
        try {
            return result((int) GETRLIMIT.invokeExact(c, resource, rlimit), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** @param rlimit a {@link #RLIMIT} */
    public static int setrlimit(int resource, MemorySegment rlimit) {
        MemorySegment c = capture();
        try {
            return result((int) SETRLIMIT.invokeExact(c, resource, rlimit), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int epollCreate1(int flags) {
        MemorySegment c = capture();
        try {
            return result((int) Epoll.CREATE1.invokeExact(c, flags), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** @param event one {@link EpollAbi#EVENT}, or NULL for EPOLL_CTL_DEL */
    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        MemorySegment c = capture();
        try {
            return result((int) Epoll.CTL.invokeExact(c, epfd, op, fd, event), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** Blocks up to {@code timeoutMs} (-1: forever); linked without critical for that reason. */
    public static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMs) {
        MemorySegment c = capture();
        try {
            return result((int) Epoll.WAIT.invokeExact(c, epfd, events, maxEvents, timeoutMs), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /**
     * epoll_wait without errno capture: returns the count, or -1 with the errno lost. The
     * capturing link slices its capture segment on every call (JDK-8308445's check), and when C2
     * does not inline that check into a large caller the slice is a 40-byte allocation per wait;
     * this link has none. Callers redo a failed wait through {@link #epollWait} to learn errno.
     */
    public static int epollWaitUncaptured(int epfd, MemorySegment events, int maxEvents, int timeoutMs) {
        try {
            return (int) Epoll.WAIT_UNCAPTURED.invokeExact(epfd, events, maxEvents, timeoutMs);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** poll without errno capture; see {@link #epollWaitUncaptured}. */
    public static int pollUncaptured(MemorySegment fds, long nfds, int timeoutMs) {
        try {
            return (int) POLL_UNCAPTURED.invokeExact(fds, nfds, timeoutMs);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** Blocks up to {@code timeoutMs} (-1: forever); linked without critical for that reason. */
    public static int poll(MemorySegment fds, long nfds, int timeoutMs) {
        MemorySegment c = capture();
        try {
            return result((int) POLL.invokeExact(c, fds, nfds, timeoutMs), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /**
     * io_uring_setup(2): creates a ring of at least {@code entries} SQEs; {@code params} (an
     * {@link IoUringAbi#PARAMS}, zeroed but for flags and cq_entries) receives the sizes, features and
     * mmap offsets. Returns the ring's descriptor.
     */
    public static int ioUringSetup(int entries, MemorySegment params) {
        MemorySegment c = capture();
        try {
            return (int) result((long) IoUringSyscalls.SYSCALL2.invokeExact(c, IoUringAbi.SYS_IO_URING_SETUP,
                    entries & 0xFFFF_FFFFL, params), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /**
     * io_uring_enter(2): submits {@code toSubmit} SQEs and, with IORING_ENTER_GETEVENTS, waits for
     * {@code minComplete} completions. Blocks: linked without critical. Returns the number of SQEs
     * consumed.
     *
     * @param arg NULL, a sigset, or with IORING_ENTER_EXT_ARG an {@link IoUringAbi#GETEVENTS_ARG}
     */
    public static int ioUringEnter(int fd, int toSubmit, int minComplete, int flags, MemorySegment arg, long argSize) {
        MemorySegment c = capture();
        try {
            return (int) result((long) IoUringSyscalls.SYSCALL6.invokeExact(c, IoUringAbi.SYS_IO_URING_ENTER, fd & 0xFFFF_FFFFL,
                    toSubmit & 0xFFFF_FFFFL, minComplete & 0xFFFF_FFFFL, flags & 0xFFFF_FFFFL, arg, argSize), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** io_uring_register(2), e.g. IORING_REGISTER_PROBE with an {@link IoUringAbi#PROBE} buffer. */
    public static int ioUringRegister(int fd, int opcode, MemorySegment arg, int nrArgs) {
        MemorySegment c = capture();
        try {
            return (int) result((long) IoUringSyscalls.SYSCALL4.invokeExact(c, IoUringAbi.SYS_IO_URING_REGISTER, fd & 0xFFFF_FFFFL,
                    opcode & 0xFFFF_FFFFL, arg, nrArgs & 0xFFFF_FFFFL), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** mmap(2) with no address hint; returns the address, or {@code -errno} (never MAP_FAILED). */
    public static long mmap(long length, int prot, int flags, int fd, long offset) {
        MemorySegment c = capture();
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(c, MemorySegment.NULL, length, prot, flags, fd, offset);
            return p.address() == -1L ? -errno(c) : p.address();
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int munmap(long address, long length) {
        MemorySegment c = capture();
        try {
            return result((int) MUNMAP.invokeExact(c, MemorySegment.ofAddress(address), length), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** System property naming the shared library that provides kqueue/kevent (default: the C library). */
    public static final String KQUEUE_LIBRARY_PROPERTY = "evloop.kqueue.library";

    /**
     * kqueue(2) and kevent(2), linked on first use: Linux has neither unless
     * {@link #KQUEUE_LIBRARY_PROPERTY} names a userspace implementation, and a missing symbol must
     * not break this class for everything else.
     */
    private static final class Kqueue {
        static final MethodHandle KQUEUE;
        static final MethodHandle KEVENT;

        static {
            String library = System.getProperty(KQUEUE_LIBRARY_PROPERTY);
            SymbolLookup lookup = library == null || library.isBlank()
                    ? LIBC
                    : SymbolLookup.libraryLookup(java.nio.file.Path.of(library), Arena.global());
            String where = library == null || library.isBlank() ? "the C library" : library;
            KQUEUE = LINKER.downcallHandle(lookup.find("kqueue").orElseThrow(
                    () -> new UnsatisfiedLinkError(where + " has no symbol kqueue")),
                    FunctionDescriptor.of(JAVA_INT), CAPTURE);
            // kevent blocks until the timeout: never critical.
            KEVENT = LINKER.downcallHandle(lookup.find("kevent").orElseThrow(
                    () -> new UnsatisfiedLinkError(where + " has no symbol kevent")),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), CAPTURE);
        }
    }

    /**
     * Links kqueue and kevent if not yet done; throws {@link UnsatisfiedLinkError} (or
     * {@link IllegalArgumentException} for a library that cannot be opened) naming what is missing.
     */
    public static void linkKqueue() {
        try {
            java.util.Objects.requireNonNull(Kqueue.KEVENT);
        } catch (ExceptionInInitializerError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RuntimeException re) throw re;
            if (cause instanceof Error er) throw er;
            throw e;
        }
    }

    public static int kqueue() {
        MemorySegment c = capture();
        try {
            return result((int) Kqueue.KQUEUE.invokeExact(c), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /**
     * Submits {@code nchanges} kevents and waits up to {@code timeout} (a {@link KqueueAbi#TIMESPEC},
     * or NULL: no limit) for up to {@code nevents}. Linked without critical: it blocks.
     */
    public static int kevent(int kq, MemorySegment changelist, int nchanges, MemorySegment eventlist, int nevents,
            MemorySegment timeout) {
        MemorySegment c = capture();
        try {
            return result((int) Kqueue.KEVENT.invokeExact(c, kq, changelist, nchanges, eventlist, nevents, timeout), c);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** getpid(2), a plain downcall: the benchmarks' measure of a system call's cost. */
    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** getpid(2) linked with critical(true), for the benchmarks' comparison. */
    public static int getpidCritical() {
        try {
            return (int) GETPID_CRITICAL.invokeExact();
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** The C library's message for an errno; strerror(3) returns static strings for known values. */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(Math.abs(errno));
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }
}
