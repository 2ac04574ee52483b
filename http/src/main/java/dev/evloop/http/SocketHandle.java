package dev.evloop.http;

import dev.evloop.poll.Pollable;

/**
 * A socket the engine asks the application to watch. The handle is an object, not a bare
 * descriptor number: it carries the number and a generation, so an event the application delivers
 * late, for a socket the engine already removed and closed, is recognised and ignored even when the
 * OS has given the same number to a new socket (seed 001, curl #14976).
 *
 * <p>{@link #pollable()} is what the application registers with its poller: a raw descriptor on
 * the native transport, a JDK channel on the NIO one. In async-action mode ({@link AsyncIo}) the
 * application owns the socket: the handle has no pollable ({@code null}, {@link #fd()} -1) and
 * names the socket the engine asked it to {@linkplain AsyncIo#connect connect}.
 */
public final class SocketHandle {
    private final Pollable pollable;
    private final int fd;
    private final long generation;
    private volatile boolean closed;
    /** Checking mode: the application was told about this socket at least once. */
    boolean announcedOnce;

    SocketHandle(Pollable pollable, long generation) {
        this.pollable = pollable;
        this.fd = pollable.fd();
        this.generation = generation;
    }

    /** Async-action mode: a socket the application opens and owns. */
    SocketHandle(long generation) {
        this.pollable = null;
        this.fd = -1;
        this.generation = generation;
    }

    /** Register this with the application's poller; null in async-action mode. */
    public Pollable pollable() {
        return pollable;
    }

    /** The descriptor number (-1 for a JDK channel). */
    public int fd() {
        return fd;
    }

    /** Unique per engine: tells two sockets that shared a descriptor number apart. */
    public long generation() {
        return generation;
    }

    /** True once the engine closed the socket (after announcing REMOVE). */
    public boolean isClosed() {
        return closed;
    }

    void markClosed() {
        closed = true;
    }

    @Override
    public String toString() {
        return "socket#" + generation + (fd >= 0 ? "(fd " + fd + ")" : "") + (closed ? " closed" : "");
    }
}
