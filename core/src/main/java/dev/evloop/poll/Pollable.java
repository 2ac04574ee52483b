package dev.evloop.poll;

import java.io.Closeable;
import java.nio.channels.SelectableChannel;

/**
 * Something a {@link Poller} can watch: a raw descriptor (the native backends) or a JDK channel
 * (the {@link Backend#NIO} backend, which cannot watch raw descriptors: the JDK offers no public
 * way to build a selectable channel from an int).
 */
public interface Pollable extends Closeable {
    /** The descriptor number, or -1 when this source is a JDK channel only. */
    int fd();

    /** The JDK channel, or null when this source is a raw descriptor only. */
    default SelectableChannel channel() {
        return null;
    }

    /**
     * Told when registered and (with null) when the registration ends, so the source can report
     * EAGAIN to {@link Registration#wouldBlock} for emulated edge triggering. Called on the
     * poller's thread.
     */
    default void registered(Registration registration) {}
}
