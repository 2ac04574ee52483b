package dev.evloop.poll;

import dev.evloop.os.Errno;
import dev.evloop.os.KqueueAbi;
import dev.evloop.os.Libc;
import dev.evloop.os.Platform;
import dev.evloop.uring.IoUringSupport;
import java.util.Locale;
import java.util.Optional;

/** The readiness mechanisms evloop can use, each probed once for availability. */
public enum Backend {
    /** Linux epoll(7): native level, edge (EPOLLET) and dispatch (EPOLLONESHOT). */
    EPOLL,
    /**
     * kqueue(2) on macOS and FreeBSD: native level, edge (EV_CLEAR), oneshot (EV_ONESHOT) and
     * dispatch (EV_DISPATCH). Elsewhere only with {@code -Devloop.kqueue.library} naming a
     * userspace implementation and {@code -Devloop.kqueue.abi} its ABI.
     */
    KQUEUE,
    /**
     * Linux io_uring(7): one IORING_OP_POLL_ADD per registration on a ring the completion layer can
     * share. Level, oneshot and dispatch by re-arming one-shot polls (native), edge by multishot
     * polls (native on Linux 5.13+, emulated before). Needs Linux 5.11+; {@link Pollers#open(Backend)}
     * falls back to {@link #EPOLL}, with a logged warning, when it is unavailable.
     */
    IO_URING,
    /**
     * poll(2): level only; edge, oneshot and dispatch emulated. Linux, macOS and FreeBSD (the
     * socket bindings' platforms); its wakeup is an eventfd on Linux, a pipe on the BSDs.
     */
    POLL,
    /** The JDK {@link java.nio.channels.Selector}: portable, channels only; modes emulated. */
    NIO;

    /** Why this backend cannot be used here, or empty if it can. */
    public Optional<String> unavailabilityCause() {
        return switch (this) {
            case EPOLL -> Platform.current() == Platform.LINUX
                    ? Optional.empty()
                    : Optional.of("epoll is Linux only; this is " + Platform.current());
            case POLL -> switch (Platform.current()) {
                case LINUX, MACOS, FREEBSD -> Optional.empty();
                default -> Optional.of("the poll(2) backend's socket bindings cover Linux, macOS and FreeBSD; this is "
                        + Platform.current());
            };
            case KQUEUE -> KqueueProbe.CAUSE;
            case IO_URING -> IoUringSupport.unavailabilityCause();
            case NIO -> Optional.empty();
        };
    }

    /** Probed once: links kqueue/kevent and opens (and closes) one kqueue. */
    private static final class KqueueProbe {
        static final Optional<String> CAUSE = probe();

        private static Optional<String> probe() {
            String library = System.getProperty(Libc.KQUEUE_LIBRARY_PROPERTY);
            boolean kernelHasIt = Platform.current() == Platform.MACOS || Platform.current() == Platform.FREEBSD;
            if (!kernelHasIt && (library == null || library.isBlank())) {
                return Optional.of("kqueue is not available on " + Platform.current() + " unless -D"
                        + Libc.KQUEUE_LIBRARY_PROPERTY + " names a userspace implementation (e.g. libkqueue's "
                        + "libkqueue.so.0, with -D" + KqueueAbi.ABI_PROPERTY + "=freebsd11)");
            }
            try {
                KqueueAbi abi = KqueueAbi.current();
                Libc.linkKqueue();
                int kq = Libc.kqueue();
                if (kq < 0) {
                    return Optional.of("kqueue() failed: " + Errno.name(-kq) + " (ABI " + abi + ")");
                }
                Libc.close(kq);
                return Optional.empty();
            } catch (ExceptionInInitializerError e) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                return Optional.of("cannot link kqueue/kevent: " + c.getMessage());
            } catch (LinkageError | IllegalArgumentException e) {
                return Optional.of("cannot link kqueue/kevent: " + e.getMessage());
            }
        }
    }

    public boolean isAvailable() {
        return unavailabilityCause().isEmpty();
    }

    /** Parses {@code epoll}, {@code io_uring} (or {@code iouring}), {@code kqueue}, {@code poll}, {@code nio} (any case). */
    public static Backend parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.equals("IOURING")) return IO_URING;
        try {
            return valueOf(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown backend '" + name
                    + "'; expected epoll, io_uring, kqueue, poll or nio", e);
        }
    }
}
