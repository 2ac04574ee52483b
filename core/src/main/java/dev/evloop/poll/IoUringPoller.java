package dev.evloop.poll;

import static dev.evloop.os.PollAbi.POLLERR;
import static dev.evloop.os.PollAbi.POLLHUP;
import static dev.evloop.os.PollAbi.POLLIN;
import static dev.evloop.os.PollAbi.POLLOUT;
import static dev.evloop.os.PollAbi.POLLRDHUP;

import dev.evloop.os.Errno;
import dev.evloop.os.IoUringAbi;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import dev.evloop.uring.CqeHandler;
import dev.evloop.uring.IoUring;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Readiness on io_uring(7): one IORING_OP_POLL_ADD per registration, its completion read as the
 * event.
 *
 * <p>Modes: LEVEL, ONESHOT and DISPATCH use one-shot polls. A one-shot poll is done once it
 * completes; the poller re-arms what is still wanted at the next wait (LEVEL: the same mask;
 * ONESHOT: without what fired; DISPATCH: nothing until enabled). A poll armed on a descriptor that
 * is still ready completes during submission, so level triggering holds: an unread socket is
 * reported by every wait. EDGE is a multishot poll (IORING_POLL_ADD_MULTI, Linux 5.13+), which the
 * kernel makes edge-triggered (io_uring/poll.c, io_poll_parse_events, adds EPOLLET unless
 * IORING_POLL_ADD_LEVEL): one completion per wakeup of the descriptor, flagged IORING_CQE_F_MORE
 * while it stays armed; when the kernel ends it (no F_MORE: cancelled, or the CQ overflowed) it is
 * re-armed at the next wait. Without multishot, EDGE is emulated like poll(2)'s.
 *
 * <p>Interest changes are staged; at the next wait a changed mask is a POLL_REMOVE of the armed
 * poll plus a POLL_ADD, both in the wait's own io_uring_enter. Nothing changed, nothing sent.
 *
 * <p>user_data is {@code (arm << 32) | fd} with {@code arm} a 31-bit number new for every POLL_ADD
 * (bit 63 stays clear: the ring's other consumer, the completion layer, tags its own). The
 * registration table by descriptor keeps the user_data of the armed poll; a completion whose
 * user_data differs is stale (a removed poll, a cancelled registration whose number was reused)
 * and dropped. Cancel submits its POLL_REMOVE at once, since an armed poll holds a reference to
 * the file and the caller closes the descriptor next.
 *
 * <p>Wakeup: an eventfd with a one-shot poll, re-armed after each drain. Timeouts go to
 * io_uring_enter (IORING_ENTER_EXT_ARG). Registering checks the descriptor with fcntl(F_GETFD)
 * first, since a POLL_ADD's EBADF would only come back at the next wait.
 *
 * <p>Thread: a poll's completion is posted by task work of the thread that submitted it, so the
 * thread that waits must be the one that submits (an event loop's thread).
 */
final class IoUringPoller extends PollerBase {
    private static final int FD_MASK_BITS = 32;
    /** The wakeup eventfd's poll. */
    private static final long WAKEUP_DATA = 0xFFFF_FFFFL;
    /** Completions of POLL_REMOVE requests: nothing to do with them. */
    private static final long REMOVE_DATA = 0xFFFF_FFFEL;
    private static final int SQ_ENTRIES = 256;
    private static final int CQ_ENTRIES = 4096;

    private final IoUring ring;
    private final EventFd wakeFd;
    private final boolean multishot;
    /** Live registrations by descriptor. */
    private final FdTable byFd = new FdTable();
    /** The user_data of the poll armed for the registration at the same index; 0: none. */
    private long[] armed = new long[256];
    /** Made once: the reap runs per wait. */
    private final CqeHandler completer = this::complete;
    private int nextArm = 1;
    private boolean wakeArmed;
    /** A POLL_ADD refused asynchronously; thrown by the wait that reaped it. */
    private IOException pendingFailure;
    private ReadyHandler handler;
    private int delivered;

    IoUringPoller() throws IOException {
        ring = IoUring.open(SQ_ENTRIES, CQ_ENTRIES);
        try {
            wakeFd = new EventFd();
        } catch (IOException e) {
            ring.close();
            throw e;
        }
        // No feature bit says "multishot poll"; IORING_FEAT_RSRC_TAGS came with it in 5.13.
        multishot = ring.hasFeature(IoUringAbi.IORING_FEAT_RSRC_TAGS);
    }

    /** The ring, for a second consumer (completion I/O) that tags its user_data with {@link IoUring#COMPLETION_TAG}. */
    @Override
    public IoUring ring() {
        return ring;
    }

    @Override
    public Backend backend() {
        return Backend.IO_URING;
    }

    @Override
    public boolean isNative(Trigger trigger) {
        return trigger != Trigger.EDGE || multishot;
    }

    @Override
    public void forEach(Consumer<Registration> action) {
        byFd.forEachLive(action);
    }

    @Override
    int checkSource(Pollable source) throws IOException {
        int fd = byFd.checkFree(source, "io_uring");
        return fd;
    }

    @Override
    void add(Registration r) throws IOException {
        int fd = r.fd();
        NativeException.check("register: fcntl(F_GETFD) fd " + fd, Libc.fcntl(fd, Libc.F_GETFD, 0));
        if (fd >= armed.length) armed = Arrays.copyOf(armed, Math.max(fd + 1, armed.length * 2));
        byFd.put(fd, r);
        armed[fd] = 0;
        apply(r);
    }

    @Override
    void apply(Registration r) throws IOException {
        int fd = r.fd();
        int wanted = r.interest & ~r.disabled & ~r.suppressed;
        long current = armed[fd];
        if (wanted == 0) {
            if (current != 0) {
                kernelUpdates++;
                ring.pollRemove(current, REMOVE_DATA);
                armed[fd] = 0;
            }
            return;
        }
        int mask = mask(wanted);
        if (current != 0 && mask == r.kernelMask) return;
        kernelUpdates++;
        if (current != 0) ring.pollRemove(current, REMOVE_DATA);
        long data = ((long) nextArm() << FD_MASK_BITS) | (fd & 0xFFFF_FFFFL);
        ring.pollAdd(fd, mask, multishot && r.trigger() == Trigger.EDGE, data);
        armed[fd] = data;
        r.kernelMask = mask;
    }

    private int nextArm() {
        int a = nextArm;
        nextArm = a == Integer.MAX_VALUE ? 1 : a + 1;
        return a;
    }

    @Override
    void remove(Registration r) {
        int fd = r.fd();
        if (byFd.remove(fd, r)) {
            long current = armed[fd];
            armed[fd] = 0;
            if (current != 0) {
                try {
                    // At once: the armed poll holds the file, and the caller closes the descriptor next.
                    ring.pollRemove(current, REMOVE_DATA);
                    ring.submit();
                } catch (IOException | RuntimeException e) {
                    // The ring is unusable; the descriptor's close still frees its number, and the
                    // ring's own close (or exit) drops the poll.
                }
            }
        }
    }

    @Override
    int waitAndDispatch(long timeoutNanos, ReadyHandler handler) throws IOException {
        if (!wakeArmed) {
            ring.pollAdd(wakeFd.fd(), POLLIN, false, WAKEUP_DATA);
            wakeArmed = true;
        }
        ring.submitAndWait(ring.ready() > 0 ? 0 : timeoutNanos);
        this.handler = handler;
        delivered = 0;
        try {
            ring.reap(completer);
        } finally {
            this.handler = null;
        }
        IOException failure = pendingFailure;
        if (failure != null) {
            pendingFailure = null;
            throw failure;
        }
        return delivered;
    }

    private void complete(long userData, int res, int flags) {
        if (userData == WAKEUP_DATA) {
            wakeFd.drain();
            wakeupConsumed();
            wakeArmed = false; // re-armed by the next wait, after the drain: a later signal is not lost
            return;
        }
        if (userData == REMOVE_DATA || isClosedOrStale(userData)) return;
        int fd = (int) userData;
        Registration r = byFd.get(fd);
        if ((flags & IoUringAbi.IORING_CQE_F_MORE) == 0) {
            armed[fd] = 0;
            stage(r); // re-arm what is still wanted at the next wait
        }
        if (res < 0) {
            if (res == -Errno.ECANCELED) return;
            NativeException e = new NativeException("io_uring POLL_ADD", -res, "fd " + fd);
            if (pendingFailure == null) pendingFailure = e; else pendingFailure.addSuppressed(e);
            cancel(r);
            return;
        }
        if (deliver(r, ready(res), handler)) delivered++;
    }

    private boolean isClosedOrStale(long userData) {
        int fd = (int) userData;
        Registration r = byFd.get(fd);
        return r == null || fd >= armed.length || armed[fd] != userData || r.cancelled;
    }

    @Override
    void signalWakeup() {
        wakeFd.signal();
    }

    @Override
    void closeKernel() {
        // Closing the ring cancels every poll too, but its teardown runs later in a kernel worker
        // (io_ring_exit_work); removing them first releases the sources' files now.
        try {
            for (int fd = 0; fd < armed.length; fd++) {
                if (armed[fd] != 0) ring.pollRemove(armed[fd], REMOVE_DATA);
                byFd.remove(fd, byFd.get(fd));
                armed[fd] = 0;
            }
            ring.submit();
        } catch (IOException | RuntimeException e) {
            // Nothing more to do: the ring's close below drops them anyway.
        }
        ring.close();
        wakeFd.close();
    }

    /** poll(2) bits for an interest set; POLLRDHUP so a peer's half-close is a hang-up. */
    private static int mask(int wanted) {
        int m = 0;
        if ((wanted & Events.READ) != 0) m |= POLLIN | POLLRDHUP;
        if ((wanted & Events.WRITE) != 0) m |= POLLOUT;
        return m;
    }

    private static int ready(int bits) {
        int ops = 0;
        if ((bits & POLLIN) != 0) ops |= Events.READ;
        if ((bits & POLLOUT) != 0) ops |= Events.WRITE;
        if ((bits & POLLERR) != 0) ops |= Events.ERROR;
        if ((bits & (POLLHUP | POLLRDHUP)) != 0) ops |= Events.HANGUP;
        return ops;
    }
}
