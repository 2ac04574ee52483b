package dev.evloop.http;

import dev.evloop.net.Transport;
import dev.evloop.poll.EventFd;
import dev.evloop.poll.Pollable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;

/**
 * The engine's notification socket: resolver threads {@link #signal} it, the engine drains it on
 * the driving thread. Core's {@link EventFd} on the native transport (an eventfd on Linux, a pipe
 * on macOS and FreeBSD), a {@link Pipe} (its source channel is
 * what the application registers) on the NIO one. The engine announces it (IN) only while
 * resolutions are pending and REMOVEs it when none are, so no admin socket stays watched.
 */
final class WakeupChannel implements Pollable {
    private final EventFd efd;
    private final Pipe pipe;
    private boolean closed;

    private WakeupChannel(EventFd efd, Pipe pipe) {
        this.efd = efd;
        this.pipe = pipe;
    }

    static WakeupChannel open(Transport transport) throws IOException {
        if (transport == Transport.NATIVE) {
            return new WakeupChannel(EventFd.open(), null);
        }
        Pipe p = Pipe.open();
        p.source().configureBlocking(false);
        p.sink().configureBlocking(false);
        return new WakeupChannel(null, p);
    }

    @Override
    public int fd() {
        return efd == null ? -1 : efd.fd();
    }

    @Override
    public SelectableChannel channel() {
        return pipe == null ? null : pipe.source();
    }

    /** Any thread: makes the channel readable. Nothing once closed (the number may be reused). */
    synchronized void signal() {
        if (closed) return;
        if (pipe == null) {
            efd.signal();
        } else {
            try {
                pipe.sink().write(ByteBuffer.wrap(new byte[] {1})); // 0 when full: already readable
            } catch (IOException ignored) {
                // closed meanwhile: nobody to wake
            }
        }
    }

    /** Driving thread: consumes the signals, so the channel is no longer readable. */
    synchronized void drain() {
        if (closed) return;
        if (pipe == null) {
            efd.drain();
        } else {
            ByteBuffer b = ByteBuffer.allocate(64);
            try {
                while (pipe.source().read(b.clear()) > 0) {
                    // discard
                }
            } catch (IOException ignored) {
                // closed meanwhile
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        if (pipe == null) {
            efd.close();
        } else {
            pipe.sink().close();
            pipe.source().close();
        }
    }

    @Override
    public String toString() {
        return "WakeupChannel[" + (pipe == null ? "wakeup fd " + efd.fd() : "pipe") + "]";
    }
}
