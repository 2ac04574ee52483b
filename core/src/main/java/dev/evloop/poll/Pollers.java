package dev.evloop.poll;

import dev.evloop.os.Platform;
import java.io.IOException;

/** Opens pollers: the best available, or one by name. */
public final class Pollers {
    /** System property naming the backend to use by default ({@code epoll}, {@code kqueue}, {@code poll}, {@code nio}). */
    public static final String BACKEND_PROPERTY = "evloop.backend";

    private Pollers() {}

    /**
     * The backend {@link #open()} uses: the system property if set, else kqueue on macOS and
     * FreeBSD, epoll, poll, NIO in that order. A userspace kqueue on Linux is used only when asked for.
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

    /** @throws UnsupportedOperationException naming the cause when the backend is unavailable */
    public static Poller open(Backend backend) throws IOException {
        backend.unavailabilityCause().ifPresent(cause -> {
            throw new UnsupportedOperationException(backend + " backend unavailable: " + cause);
        });
        return switch (backend) {
            case EPOLL -> new EpollPoller();
            case KQUEUE -> new KqueuePoller();
            case POLL -> new PollPoller();
            case NIO -> new SelectorPoller();
        };
    }
}
