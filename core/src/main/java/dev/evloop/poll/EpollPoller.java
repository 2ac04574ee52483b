package dev.evloop.poll;

import static dev.evloop.os.EpollAbi.EPOLLERR;
import static dev.evloop.os.EpollAbi.EPOLLET;
import static dev.evloop.os.EpollAbi.EPOLLHUP;
import static dev.evloop.os.EpollAbi.EPOLLIN;
import static dev.evloop.os.EpollAbi.EPOLLONESHOT;
import static dev.evloop.os.EpollAbi.EPOLLOUT;
import static dev.evloop.os.EpollAbi.EPOLLRDHUP;
import static dev.evloop.os.EpollAbi.EPOLL_CTL_ADD;
import static dev.evloop.os.EpollAbi.EPOLL_CTL_DEL;
import static dev.evloop.os.EpollAbi.EPOLL_CTL_MOD;

import dev.evloop.os.EpollAbi;
import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * Linux epoll(7).
 *
 * <p>Modes: LEVEL is the default; EDGE is EPOLLET; ONESHOT and DISPATCH are both EPOLLONESHOT,
 * which disarms the whole descriptor after one event: the poller then re-arms what is still
 * wanted (ONESHOT drops the fired operations, DISPATCH disables them) with one EPOLL_CTL_MOD at
 * the next wait. Nothing is emulated.
 *
 * <p>Registrations sit in a table indexed by descriptor; {@code epoll_data} carries the descriptor
 * and the registration's generation, so an event still in the batch for a registration that was
 * cancelled, whose descriptor number now belongs to a new registration, is recognised and dropped.
 *
 * <p>A registration with nothing enabled is removed from the kernel (EPOLL_CTL_DEL) rather than
 * modified to an empty mask: epoll always reports EPOLLHUP and EPOLLERR (epoll_ctl(2)), and a
 * level-triggered hang-up on a descriptor nobody wants would wake the loop forever.
 *
 * <p>Wakeup: an eventfd, level-triggered, read once per wakeup.
 */
final class EpollPoller extends PollerBase {
    private static final long WAKEUP_DATA = -1L;
    private static final int MAX_EVENTS_CAP = 4096;

    private final int epfd;
    private final EventFd wakeFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ctlEvent = arena.allocate(EpollAbi.EVENT);
    private MemorySegment events;
    private int maxEvents = 256;
    /** Live registrations by descriptor. */
    private final FdTable byFd = new FdTable();

    EpollPoller() throws IOException {
        epfd = NativeException.check("epoll_create1", Libc.epollCreate1(EpollAbi.EPOLL_CLOEXEC));
        try {
            wakeFd = new EventFd();
            ctl(EPOLL_CTL_ADD, wakeFd.fd(), EPOLLIN, WAKEUP_DATA);
        } catch (IOException e) {
            Libc.close(epfd);
            throw e;
        }
        events = arena.allocate(EpollAbi.SIZE * maxEvents, 8);
    }

    @Override
    public Backend backend() {
        return Backend.EPOLL;
    }

    @Override
    public boolean isNative(Trigger trigger) {
        return true;
    }

    @Override
    public void forEach(Consumer<Registration> action) {
        byFd.forEachLive(action);
    }

    @Override
    int checkSource(Pollable source) throws IOException {
        int fd = byFd.checkFree(source, "epoll");
        return fd;
    }

    @Override
    void add(Registration r) throws IOException {
        int fd = r.fd();
        if (r.interest == 0) {
            // Nothing to ADD yet; still refuse a closed descriptor now rather than at the next wait.
            NativeException.check("register: fcntl(F_GETFD) fd " + fd, Libc.fcntl(fd, Libc.F_GETFD, 0));
        } else {
            apply(r);
        }
        byFd.put(fd, r);
    }

    @Override
    void apply(Registration r) throws IOException {
        int wanted = r.interest & ~r.disabled;
        if (wanted == 0) {
            if (r.inKernel && !r.disarmed) {
                ctl(EPOLL_CTL_DEL, r.fd(), 0, 0);
                r.inKernel = false;
            }
            return;
        }
        int mask = mask(wanted, r.trigger());
        if (!r.inKernel) {
            ctl(EPOLL_CTL_ADD, r.fd(), mask, data(r));
        } else if (r.disarmed || mask != r.kernelMask) {
            ctl(EPOLL_CTL_MOD, r.fd(), mask, data(r));
        } else {
            return;
        }
        r.inKernel = true;
        r.disarmed = false;
        r.kernelMask = mask;
    }

    @Override
    void remove(Registration r) {
        int fd = r.fd();
        if (r.inKernel) {
            // ENOENT / EBADF: the descriptor was closed first and the kernel already dropped it.
            Libc.epollCtl(epfd, EPOLL_CTL_DEL, fd, MemorySegment.NULL);
            r.inKernel = false;
        }
        byFd.remove(fd, r);
    }

    @Override
    int waitAndDispatch(long timeoutNanos, ReadyHandler handler) throws IOException {
        int n = Libc.epollWaitUncaptured(epfd, events, maxEvents, timeoutMillis(timeoutNanos));
        if (n < 0) {
            // No errno on the allocation-free link: ask again without blocking, capturing it. A
            // signal (EINTR) does not repeat; an error of the call itself (EBADF, EINVAL) does.
            n = Libc.epollWait(epfd, events, maxEvents, 0);
            if (n < 0) {
                if (n == -Errno.EINTR) return 0;
                throw new NativeException("epoll_wait", -n);
            }
        }
        int delivered = 0;
        for (int i = 0; i < n; i++) {
            long base = i * EpollAbi.SIZE;
            int bits = events.get(EpollAbi.EVENTS_LAYOUT, base + EpollAbi.EVENTS_OFFSET);
            long data = events.get(EpollAbi.DATA_LAYOUT, base + EpollAbi.DATA_OFFSET);
            if (data == WAKEUP_DATA) {
                wakeFd.drain();
                wakeupConsumed();
                continue;
            }
            int fd = (int) data;
            int generation = (int) (data >>> 32);
            Registration r = byFd.get(fd);
            if (r == null || r.generation() != generation) {
                continue; // stale: cancelled during this batch, maybe its number reused
            }
            if (r.trigger() == Trigger.ONESHOT || r.trigger() == Trigger.DISPATCH) {
                r.disarmed = true;
                stage(r);
            }
            if (deliver(r, ready(bits), handler)) delivered++;
        }
        if (n == maxEvents && maxEvents < MAX_EVENTS_CAP) {
            maxEvents *= 2;
            events = arena.allocate(EpollAbi.SIZE * maxEvents, 8);
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
        Libc.close(epfd);
        arena.close();
    }

    private static long data(Registration r) {
        return ((long) r.generation() << 32) | (r.fd() & 0xFFFF_FFFFL);
    }

    private static int mask(int wanted, Trigger trigger) {
        int m = 0;
        if ((wanted & Events.READ) != 0) m |= EPOLLIN | EPOLLRDHUP;
        if ((wanted & Events.WRITE) != 0) m |= EPOLLOUT;
        return switch (trigger) {
            case LEVEL -> m;
            case EDGE -> m | EPOLLET;
            case ONESHOT, DISPATCH -> m | EPOLLONESHOT;
        };
    }

    private static int ready(int bits) {
        int ops = 0;
        if ((bits & EPOLLIN) != 0) ops |= Events.READ;
        if ((bits & EPOLLOUT) != 0) ops |= Events.WRITE;
        if ((bits & EPOLLERR) != 0) ops |= Events.ERROR;
        if ((bits & (EPOLLHUP | EPOLLRDHUP)) != 0) ops |= Events.HANGUP;
        return ops;
    }

    private void ctl(int op, int fd, int mask, long data) throws NativeException {
        ctlEvent.set(EpollAbi.EVENTS_LAYOUT, EpollAbi.EVENTS_OFFSET, mask);
        ctlEvent.set(EpollAbi.DATA_LAYOUT, EpollAbi.DATA_OFFSET, data);
        kernelUpdates++;
        int r = Libc.epollCtl(epfd, op, fd, ctlEvent);
        if (r < 0) {
            String name = op == EPOLL_CTL_ADD ? "ADD" : op == EPOLL_CTL_MOD ? "MOD" : "DEL";
            throw new NativeException("epoll_ctl(" + name + ")", -r, "fd " + fd);
        }
    }
}
