package dev.evloop.http;

import dev.evloop.net.Transport;
import dev.evloop.os.Libc;
import dev.evloop.poll.Pollable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;

/**
 * The engine's notification socket: resolver threads {@link #signal} it, the engine drains it on
 * the driving thread. An eventfd on the native transport, a {@link Pipe} (its source channel is
 * what the application registers) on the NIO one. The engine announces it (IN) only while
 * resolutions are pending and REMOVEs it when none are, so no admin socket stays watched.
 */
final class WakeupChannel implements Pollable {
    private final int efd;
    private final Pipe pipe;
    private boolean closed;

    private WakeupChannel(int efd, Pipe pipe) {
        this.efd = efd;
        this.pipe = pipe;
    }

    static WakeupChannel open(Transport transport) throws IOException {
        if (transport == Transport.NATIVE) {
            int fd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
            if (fd < 0) throw new IOException("eventfd: " + Libc.strerror(-fd));
            return new WakeupChannel(fd, null);
        }
        Pipe p = Pipe.open();
        p.source().configureBlocking(false);
        p.sink().configureBlocking(false);
        return new WakeupChannel(-1, p);
    }

    @Override
    public int fd() {
        return efd;
    }

    @Override
    public SelectableChannel channel() {
        return pipe == null ? null : pipe.source();
    }

    /** Any thread: makes the channel readable. Nothing once closed (the number may be reused). */
    synchronized void signal() {
        if (closed) return;
        if (pipe == null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
                one.set(ValueLayout.JAVA_LONG, 0, 1L);
                Libc.write(efd, one, 8); // EAGAIN only at a counter near 2^64: already readable
            }
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
            try (Arena a = Arena.ofConfined()) {
                Libc.read(efd, a.allocate(ValueLayout.JAVA_LONG), 8); // EAGAIN: nothing pending
            }
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
            Libc.close(efd);
        } else {
            pipe.sink().close();
            pipe.source().close();
        }
    }

    @Override
    public String toString() {
        return "WakeupChannel[" + (pipe == null ? "eventfd " + efd : "pipe") + "]";
    }
}
