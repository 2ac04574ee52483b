package dev.evloop.poll;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import dev.evloop.os.Platform;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The wakeup source of the epoll, io_uring and poll(2) backends, non-blocking and close-on-exec.
 *
 * <p>On Linux an eventfd(2) counter: writing adds to it and makes it readable; one read returns
 * the sum and resets it, so any number of signals is consumed by a single read. Elsewhere (macOS,
 * FreeBSD, for the poll(2) backend; the kqueue backend wakes with EVFILT_USER instead) a pipe:
 * each signal writes one byte, and drain reads until the pipe is empty. Wakeups coalesce in
 * {@link PollerBase}, so the pipe holds at most a few bytes; a full pipe (EAGAIN) is already
 * readable, which is all a signal has to achieve. pipe2(2) where the C library has it (FreeBSD
 * 10+), else pipe(2) and fcntl(2) on both ends (macOS).
 *
 * <p>Public for the other modules' own wakeups (the HTTP engine's resolver notifications):
 * {@link #open}, {@link #fd} to watch, {@link #signal} from any thread, {@link #drain} on the
 * watching one.
 */
public final class EventFd implements AutoCloseable {
    private static final int DRAIN_BYTES = 64;

    /** The descriptor to watch for POLLIN. */
    private final int readFd;
    /** The descriptor signal() writes: the same eventfd, or the pipe's write end. */
    private final int writeFd;
    private final long unit;
    private final Arena arena = Arena.ofShared();
    /** Separate buffers: signal() runs on other threads while drain() runs on the loop thread. */
    private final MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
    private final MemorySegment sink = arena.allocate(DRAIN_BYTES, 8);

    /** The platform's kind: an eventfd on Linux, a pipe elsewhere. */
    public static EventFd open() throws NativeException {
        return new EventFd();
    }

    /** The platform's kind: an eventfd on Linux, a pipe elsewhere. */
    EventFd() throws NativeException {
        this(Platform.current() == Platform.LINUX ? Kind.EVENTFD : Libc.has("pipe2") ? Kind.PIPE2 : Kind.PIPE);
    }

    /** Package-private so tests can build the BSDs' kinds on Linux. */
    EventFd(Kind kind) throws NativeException {
        try {
            if (kind == Kind.EVENTFD) {
                readFd = NativeException.check("eventfd", Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC));
                writeFd = readFd;
                unit = 8;
            } else {
                int[] ends = pipe(kind == Kind.PIPE2);
                readFd = ends[0];
                writeFd = ends[1];
                unit = 1;
            }
        } catch (NativeException e) {
            arena.close();
            throw e;
        }
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    enum Kind { EVENTFD, PIPE2, PIPE }

    private static int[] pipe(boolean pipe2) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            if (pipe2) {
                NativeException.check("pipe2", Libc.pipe2(fds, Libc.O_NONBLOCK | Libc.O_CLOEXEC));
                return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
            }
            NativeException.check("pipe", Libc.pipe(fds));
            int[] ends = {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
            try {
                for (int fd : ends) {
                    int flags = NativeException.check("fcntl(F_GETFL)", Libc.fcntl(fd, Libc.F_GETFL, 0));
                    NativeException.check("fcntl(F_SETFL, O_NONBLOCK)",
                            Libc.fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK));
                    NativeException.check("fcntl(F_SETFD, FD_CLOEXEC)",
                            Libc.fcntl(fd, Libc.F_SETFD, Libc.FD_CLOEXEC));
                }
            } catch (NativeException e) {
                Libc.close(ends[0]);
                Libc.close(ends[1]);
                throw e;
            }
            return ends;
        }
    }

    /** The descriptor to watch for reading. */
    public int fd() {
        return readFd;
    }

    /** Package-private for tests: the descriptor signal() writes. */
    int writeFd() {
        return writeFd;
    }

    /** Adds one (eventfd) or writes a byte (pipe). EAGAIN means already signalled: fine. Any thread. */
    public void signal() {
        long r = Libc.write(writeFd, one, unit);
        if (r < 0 && r != -Errno.EAGAIN) {
            throw new IllegalStateException((readFd == writeFd ? "eventfd" : "wakeup pipe") + " write: "
                    + Errno.name((int) -r));
        }
    }

    /** Consumes every signal so far: the descriptor is no longer readable. */
    public void drain() {
        if (readFd == writeFd) {
            Libc.read(readFd, sink, 8);
            return;
        }
        while (Libc.read(readFd, sink, DRAIN_BYTES) == DRAIN_BYTES) {
            // a full buffer may have left bytes behind: read again until short or EAGAIN
        }
    }

    @Override
    public void close() {
        Libc.close(readFd);
        if (writeFd != readFd) Libc.close(writeFd);
        arena.close();
    }
}
