package dev.evloop.poll;

import java.io.IOException;

/** Opens pollers: the best available, or one by name. */
public final class Pollers {
    /** System property naming the backend to use by default ({@code epoll}, {@code poll}, {@code nio}). */
    public static final String BACKEND_PROPERTY = "evloop.backend";

    private Pollers() {}

    /** The backend {@link #open()} uses: the system property if set, else epoll, poll, NIO in that order. */
    public static Backend defaultBackend() {
        String forced = System.getProperty(BACKEND_PROPERTY);
        if (forced != null && !forced.isBlank()) {
            return Backend.parse(forced);
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
            case POLL -> new PollPoller();
            case NIO -> new SelectorPoller();
        };
    }
}
