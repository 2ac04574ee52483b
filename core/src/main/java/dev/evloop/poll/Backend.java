package dev.evloop.poll;

import dev.evloop.os.Platform;
import java.util.Locale;
import java.util.Optional;

/** The readiness mechanisms evloop can use, each probed once for availability. */
public enum Backend {
    /** Linux epoll(7): native level, edge (EPOLLET) and dispatch (EPOLLONESHOT). */
    EPOLL,
    /** poll(2): level only; edge, oneshot and dispatch emulated. Any POSIX system. */
    POLL,
    /** The JDK {@link java.nio.channels.Selector}: portable, channels only; modes emulated. */
    NIO;

    /** Why this backend cannot be used here, or empty if it can. */
    public Optional<String> unavailabilityCause() {
        return switch (this) {
            case EPOLL -> Platform.current() == Platform.LINUX
                    ? Optional.empty()
                    : Optional.of("epoll is Linux only; this is " + Platform.current());
            case POLL -> Platform.current() == Platform.LINUX
                    ? Optional.empty()
                    : Optional.of("the poll(2) backend's socket bindings are Linux only so far; this is "
                            + Platform.current());
            case NIO -> Optional.empty();
        };
    }

    public boolean isAvailable() {
        return unavailabilityCause().isEmpty();
    }

    /** Parses {@code epoll}, {@code poll}, {@code nio} (any case). */
    public static Backend parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown backend '" + name + "'; expected epoll, poll or nio", e);
        }
    }
}
