package dev.evloop.poll;

import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The wakeup source of the native backends: an eventfd(2) counter, non-blocking. Writing adds to
 * the counter and makes it readable; one read returns the sum and resets it, so any number of
 * signals is consumed by a single read.
 */
final class EventFd implements AutoCloseable {
    private final int fd;
    private final Arena arena = Arena.ofShared();
    /** Separate buffers: signal() runs on other threads while drain() runs on the loop thread. */
    private final MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
    private final MemorySegment sink = arena.allocate(ValueLayout.JAVA_LONG);

    EventFd() throws NativeException {
        fd = NativeException.check("eventfd", Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC));
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    int fd() {
        return fd;
    }

    /** Adds one. EAGAIN means the counter is near overflow, i.e. already signalled: fine. */
    void signal() {
        long r = Libc.write(fd, one, 8);
        if (r < 0 && r != -Errno.EAGAIN) {
            throw new IllegalStateException("eventfd write: " + Errno.name((int) -r));
        }
    }

    void drain() {
        Libc.read(fd, sink, 8);
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
