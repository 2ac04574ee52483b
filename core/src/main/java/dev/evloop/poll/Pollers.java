package dev.evloop.poll;

import dev.evloop.os.Platform;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Opens pollers: the best available, or one by name. */
public final class Pollers {
    /** System property naming the backend to use by default ({@code epoll}, {@code io_uring}, {@code kqueue}, {@code poll}, {@code nio}). */
    public static final String BACKEND_PROPERTY = "evloop.backend";

    /** Where the fallback warning goes; tests swap in a recorder. */
    static volatile System.Logger log = System.getLogger("dev.evloop.poll");
    /** Fallback causes already logged: each is logged once per JVM. */
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private Pollers() {}

    /**
     * The backend {@link #open()} uses: the system property if set, else kqueue on macOS and
     * FreeBSD, epoll, poll, NIO in that order. A userspace kqueue on Linux, and io_uring, are used
     * only when asked for.
     */
    public static Backend defaultBackend() {
        String forced = System.getProperty(BACKEND_PROPERTY);
        if (forced != null && !forced.isBlank()) {
            return Backend.parse(forced);
        }
        Platform os = Platform.current();
        if ((os == Platform.MACOS || os == Platform.FREEBSD) && Backend.KQUEUE.isAvailable()) {
            return Backend.KQUEUE;
        }
        for (Backend b : new Backend[] {Backend.EPOLL, Backend.POLL}) {
            if (b.isAvailable()) return b;
        }
        return Backend.NIO;
    }

    public static Poller open() throws IOException {
        return open(defaultBackend());
    }

    /**
     * A poller on {@code backend}. {@link Backend#IO_URING}, when unavailable, falls back to
     * {@link Backend#EPOLL} (check {@link Poller#backend()}), logging the cause once at WARNING on
     * the {@code dev.evloop.poll} logger.
     *
     * @throws UnsupportedOperationException naming the cause when another backend is unavailable
     */
    public static Poller open(Backend backend) throws IOException {
        if (backend == Backend.IO_URING) {
            var cause = backend.unavailabilityCause();
            if (cause.isEmpty()) return new IoUringPoller();
            if (LOGGED.add(cause.get())) {
                log.log(System.Logger.Level.WARNING, "io_uring unavailable, using epoll: {0}", cause.get());
            }
            return open(Backend.EPOLL);
        }
        backend.unavailabilityCause().ifPresent(cause -> {
            throw new UnsupportedOperationException(backend + " backend unavailable: " + cause);
        });
        return switch (backend) {
            case EPOLL -> new EpollPoller();
            case IO_URING -> new IoUringPoller();
            case KQUEUE -> new KqueuePoller();
            case POLL -> new PollPoller();
            case NIO -> new SelectorPoller();
        };
    }
}
