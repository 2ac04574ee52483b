package dev.evloop.poll;

import static dev.evloop.os.PollAbi.POLLERR;
import static dev.evloop.os.PollAbi.POLLHUP;
import static dev.evloop.os.PollAbi.POLLIN;
import static dev.evloop.os.PollAbi.POLLNVAL;
import static dev.evloop.os.PollAbi.POLLOUT;
import static dev.evloop.os.PollAbi.POLLRDHUP;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import dev.evloop.os.PollAbi;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * poll(2): the fallback for any POSIX kernel. O(n) per wait in the number of registrations.
 *
 * <p>Level triggering only in the kernel; the rest is emulated in user space when an event is
 * delivered: ONESHOT unsubscribes the fired operations, DISPATCH disables them, EDGE suppresses
 * them until the application reports EAGAIN ({@link Registration#wouldBlock}) or subscribes
 * again. With the edge rule kept (drain until EAGAIN) the result matches EPOLLET; a program that
 * stops reading early sees no new edge for later arrivals until it drains, where epoll would
 * report one. None of the emulation costs a system call: it only changes the next pollfd array.
 *
 * <p>The pollfd array is kept in step with the registrations (entry 0 is the wakeup: an eventfd on
 * Linux, a pipe's read end on macOS and FreeBSD, see {@link EventFd}). A
 * registration with nothing enabled gets {@code fd = -1}, which poll(2) skips, since POLLHUP and
 * POLLERR are reported even for an empty events mask. A cancelled entry is blanked at once and
 * compacted after the batch, so indexes stay stable while a batch is dispatched.
 */
final class PollPoller extends PollerBase {
    private final EventFd wakeFd;
    private final Arena arena = Arena.ofShared();
    private MemorySegment fds;
    /** regs[i] owns pollfd entry i; regs[0] is null (the wakeup entry). */
    private Registration[] regs = new Registration[64];
    private int count = 1;
    private boolean needsCompaction;
    /** Which descriptors are registered, to refuse a second registration of the same number. */
    private final FdTable byFd = new FdTable();

    PollPoller() throws IOException {
        this(new EventFd());
    }

    /** Package-private so tests can run the BSDs' pipe wakeup on Linux. */
    PollPoller(EventFd wakeFd) {
        this.wakeFd = wakeFd;
        fds = arena.allocate(PollAbi.SIZE * regs.length, 8);
        setEntry(0, wakeFd.fd(), POLLIN);
    }

    @Override
    public Backend backend() {
        return Backend.POLL;
    }

    @Override
    public boolean isNative(Trigger trigger) {
        return trigger == Trigger.LEVEL;
    }

    @Override
    public void forEach(Consumer<Registration> action) {
        for (Registration r : Arrays.copyOf(regs, count)) {
            if (r != null && !r.cancelled) action.accept(r);
        }
    }

    @Override
    int checkSource(Pollable source) throws IOException {
        int fd = byFd.checkFree(source, "poll(2)");
        NativeException.check("register: fcntl(F_GETFD) fd " + fd, Libc.fcntl(fd, Libc.F_GETFD, 0));
        return fd;
    }

    @Override
    void add(Registration r) {
        if (count == regs.length) grow(); // no compaction here: a batch may be mid-dispatch
        r.index = count;
        r.kernelMask = -1;
        regs[count] = r;
        setEntry(count, -1, 0);
        count++;
        byFd.put(r.fd(), r);
        apply(r);
    }

    @Override
    void apply(Registration r) {
        int wanted = r.interest & ~r.disabled & ~r.suppressed;
        int mask = 0;
        if ((wanted & Events.READ) != 0) mask |= POLLIN | POLLRDHUP;
        if ((wanted & Events.WRITE) != 0) mask |= POLLOUT;
        if (mask == r.kernelMask && r.kernelMask != -1) return;
        kernelUpdates++;
        setEntry(r.index, mask == 0 ? -1 : r.fd(), mask);
        r.kernelMask = mask;
    }

    @Override
    void remove(Registration r) {
        setEntry(r.index, -1, 0);
        needsCompaction = true;
        byFd.remove(r.fd(), r);
    }

    @Override
    int waitAndDispatch(long timeoutNanos, ReadyHandler handler) throws IOException {
        if (needsCompaction) compact();
        int n = count;
        int ready = Libc.pollUncaptured(fds, n, timeoutMillis(timeoutNanos));
        if (ready < 0) {
            // As in EpollPoller: redo without blocking through the errno-capturing link.
            ready = Libc.poll(fds, n, 0);
            if (ready < 0) {
                if (ready == -Errno.EINTR) return 0;
                throw new NativeException("poll", -ready);
            }
        }
        int delivered = 0;
        for (int i = 0; i < n && ready > 0; i++) {
            long base = i * PollAbi.SIZE;
            int revents = Short.toUnsignedInt(fds.get(JAVA_SHORT, base + PollAbi.REVENTS_OFFSET));
            if (revents == 0) continue;
            ready--;
            fds.set(JAVA_SHORT, base + PollAbi.REVENTS_OFFSET, (short) 0);
            if (i == 0) {
                wakeFd.drain();
                wakeupConsumed();
                continue;
            }
            Registration r = regs[i];
            if (r == null || r.cancelled) continue; // cancelled during this batch
            if ((revents & POLLNVAL) != 0) {
                // The descriptor was closed without cancel(): report it as an error once and stop watching.
                delivered += deliver(r, Events.ERROR, handler) ? 1 : 0;
                cancel(r);
                continue;
            }
            if (deliver(r, ready(revents), handler)) delivered++;
        }
        return delivered;
    }

    @Override
    void signalWakeup() {
        wakeFd.signal();
    }

    @Override
    void closeKernel() {
        wakeFd.close();
        arena.close();
    }

    private static int ready(int revents) {
        int ops = 0;
        if ((revents & POLLIN) != 0) ops |= Events.READ;
        if ((revents & POLLOUT) != 0) ops |= Events.WRITE;
        if ((revents & POLLERR) != 0) ops |= Events.ERROR;
        if ((revents & (POLLHUP | POLLRDHUP)) != 0) ops |= Events.HANGUP;
        return ops;
    }

    private void setEntry(int i, int fd, int events) {
        long base = i * PollAbi.SIZE;
        fds.set(JAVA_INT, base + PollAbi.FD_OFFSET, fd);
        fds.set(JAVA_SHORT, base + PollAbi.EVENTS_OFFSET, (short) events);
        fds.set(JAVA_SHORT, base + PollAbi.REVENTS_OFFSET, (short) 0);
    }

    /** Drops cancelled entries, keeping the others' order. Never during a dispatch. */
    private void compact() {
        int w = 1;
        for (int i = 1; i < count; i++) {
            Registration r = regs[i];
            if (r == null || r.cancelled) continue;
            if (w != i) {
                regs[w] = r;
                r.index = w;
                MemorySegment.copy(fds, i * PollAbi.SIZE, fds, w * PollAbi.SIZE, PollAbi.SIZE);
            }
            w++;
        }
        Arrays.fill(regs, w, count, null);
        count = w;
        needsCompaction = false;
    }

    private void grow() {
        int n = regs.length * 2;
        MemorySegment bigger = arena.allocate(PollAbi.SIZE * n, 8);
        MemorySegment.copy(fds, 0, bigger, 0, PollAbi.SIZE * count);
        fds = bigger;
        regs = Arrays.copyOf(regs, n);
    }
}
