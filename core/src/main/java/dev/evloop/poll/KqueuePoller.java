package dev.evloop.poll;

import static dev.evloop.os.KqueueAbi.EV_EOF;
import static dev.evloop.os.KqueueAbi.EV_ERROR;
import static dev.evloop.os.KqueueAbi.EV_RECEIPT;
import static dev.evloop.os.KqueueAbi.EVFILT_READ;
import static dev.evloop.os.KqueueAbi.EVFILT_WRITE;

import dev.evloop.os.Errno;
import dev.evloop.os.KqueueAbi;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

/**
 * kqueue(2), macOS and FreeBSD (or a userspace implementation named by
 * {@code -Devloop.kqueue.library}), with the {@link KqueueAbi} variant of the platform.
 *
 * <p>Modes, all native: LEVEL is the default; EDGE is EV_CLEAR; ONESHOT is EV_ONESHOT (the kernel
 * deletes the filter after one event); DISPATCH is EV_DISPATCH (the kernel disables it). Disable
 * and enable are EV_DISABLE / EV_ENABLE. Each filter (EVFILT_READ, EVFILT_WRITE) is its own knote
 * and its own kevent ({@link KeventChanges}).
 *
 * <p>Changes are appended to a change list and submitted by the kevent() call that waits, so a
 * wait with changes costs one system call; when the list fills up first it is submitted early,
 * with EV_RECEIPT so that the call reports each change and returns without draining events
 * (kqueue(2), EV_RECEIPT). The waiting call is submitted without EV_RECEIPT: a receipt for every
 * change would make it return at once instead of waiting. A change the kernel refuses comes back
 * as an EV_ERROR entry with the errno in {@code data} (kqueue(2): the event list always has room
 * for every change here, so kevent() never fails the whole call for one change); it cancels that
 * registration and is thrown from {@link #poll} after the rest of the batch. ENOENT / EBADF on
 * EV_DELETE mean the descriptor was closed first and its knotes are gone: ignored.
 *
 * <p>{@code udata} carries the registration's generation, so an event still in the batch for a
 * cancelled registration whose descriptor number now belongs to a new one is dropped.
 *
 * <p>Deregistration (cancel) submits EV_DELETE at once, not staged, so it happens before the
 * caller closes the descriptor. Wakeup: an EVFILT_USER event added with EV_CLEAR, fired with
 * NOTE_TRIGGER from any thread (kevent(2) is thread-safe on one kqueue).
 *
 * <p>EV_EOF on an event is a hang-up; with a non-zero {@code fflags} (the socket error, kqueue(2)
 * EVFILT_READ / EVFILT_WRITE) it is also an error.
 */
final class KqueuePoller extends PollerBase {
    private static final long WAKEUP_UDATA = -1L;
    private static final long WAKEUP_IDENT = 0;
    private static final int CHANGES = 64;
    private static final int MAX_EVENTS_CAP = 4096;

    private final KqueueAbi abi;
    private final int kq;
    private final Arena arena = Arena.ofShared();
    private final KeventChanges changes;
    /** Cancel's immediate EV_DELETEs and their receipts (apart from the early flush's: a refusal
     *  found while reading those receipts cancels, and so deletes, while they are still being read). */
    private final KeventChanges deletes;
    private final MemorySegment deleteReceipts;
    private final MemorySegment receipts;
    /** The wakeup trigger, written under the wakeup lock by any thread. */
    private final MemorySegment trigger;
    private final MemorySegment timeout = arena.allocate(KqueueAbi.TIMESPEC);
    private MemorySegment events;
    private int maxEvents = 256;
    /** Live registrations by descriptor. */
    private final FdTable byFd = new FdTable();
    /** Refusals reported by an early flush, thrown by the next {@link #poll}. */
    private IOException pendingFailure;

    KqueuePoller() throws IOException {
        abi = KqueueAbi.current();
        try {
            Libc.linkKqueue();
        } catch (RuntimeException | LinkageError e) {
            arena.close();
            throw e;
        }
        changes = new KeventChanges(abi, CHANGES, arena);
        deletes = new KeventChanges(abi, 2, arena);
        deleteReceipts = arena.allocate(abi.size() * 2, 8);
        receipts = arena.allocate(abi.size() * CHANGES, 8);
        trigger = arena.allocate(abi.size(), 8);
        events = arena.allocate(abi.size() * maxEvents, 8);
        int fd;
        try {
            fd = NativeException.check("kqueue", Libc.kqueue());
        } catch (IOException e) {
            arena.close();
            throw e;
        }
        kq = fd;
        MemorySegment add = arena.allocate(abi.size(), 8);
        KeventChanges.userEventAdd(abi, add, WAKEUP_IDENT, WAKEUP_UDATA);
        int r = Libc.kevent(kq, add, 1, MemorySegment.NULL, 0, MemorySegment.NULL);
        if (r < 0) {
            Libc.close(kq);
            arena.close();
            throw new NativeException("kevent(EVFILT_USER, EV_ADD)", -r, "wakeup event, ABI " + abi);
        }
        KeventChanges.userEventTrigger(abi, trigger, WAKEUP_IDENT, WAKEUP_UDATA);
    }

    @Override
    public Backend backend() {
        return Backend.KQUEUE;
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
    int checkSource(Pollable source) {
        int fd = byFd.checkFree(source, "kqueue");
        return fd;
    }

    @Override
    void add(Registration r) throws IOException {
        int fd = r.fd();
        // The EV_ADD waits for the next kevent() call; refuse a closed descriptor now, not then.
        NativeException.check("register: fcntl(F_GETFD) fd " + fd, Libc.fcntl(fd, Libc.F_GETFD, 0));
        byFd.put(fd, r);
        stage(r);
    }

    @Override
    void apply(Registration r) throws IOException {
        if (changes.remaining() < 2) flushEarly();
        int before = changes.count();
        r.kernelMask = changes.transition(r.fd(), r.generation(), r.interest, r.disabled, r.trigger(), r.kernelMask);
        kernelUpdates += changes.count() - before;
    }

    @Override
    void remove(Registration r) {
        int fd = r.fd();
        if ((r.kernelMask & KeventChanges.ADDED) != 0) {
            deletes.clear();
            deletes.deleteAll(fd, r.generation(), r.kernelMask);
            deletes.addFlag(EV_RECEIPT);
            kernelUpdates += deletes.count();
            // Receipts only: ENOENT / EBADF when the descriptor was closed first, nothing to undo.
            Libc.kevent(kq, deletes.segment(), deletes.count(), deleteReceipts, deletes.count(), MemorySegment.NULL);
            r.kernelMask = 0;
        }
        byFd.remove(fd, r);
    }

    @Override
    int waitAndDispatch(long timeoutNanos, ReadyHandler handler) throws IOException {
        MemorySegment ts = MemorySegment.NULL;
        if (timeoutNanos >= 0) {
            timeout.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            timeout.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            ts = timeout;
        }
        int nchanges = changes.count();
        int n = Libc.kevent(kq, changes.segment(), nchanges, events, maxEvents, ts);
        // The changes were applied before the wait, even when it ended in EINTR (kqueue(2)).
        changes.clear();
        IOException failure = pendingFailure;
        pendingFailure = null;
        if (n < 0) {
            if (n == -Errno.EINTR) {
                if (failure != null) throw failure;
                return 0;
            }
            throw new NativeException("kevent", -n, nchanges + " changes, ABI " + abi);
        }
        int delivered = 0;
        long size = abi.size();
        for (int i = 0; i < n; i++) {
            long base = i * size;
            long ident = events.get(ValueLayout.JAVA_LONG, base + KqueueAbi.IDENT_OFFSET);
            short filter = events.get(ValueLayout.JAVA_SHORT, base + KqueueAbi.FILTER_OFFSET);
            int flags = events.get(ValueLayout.JAVA_SHORT, base + KqueueAbi.FLAGS_OFFSET) & 0xFFFF;
            int fflags = events.get(ValueLayout.JAVA_INT, base + KqueueAbi.FFLAGS_OFFSET);
            long data = events.get(ValueLayout.JAVA_LONG, base + KqueueAbi.DATA_OFFSET);
            long udata = events.get(ValueLayout.JAVA_LONG, base + KqueueAbi.UDATA_OFFSET);
            if (filter == abi.evfiltUser() && udata == WAKEUP_UDATA) {
                wakeupConsumed();
                continue;
            }
            if ((flags & EV_ERROR) != 0) {
                failure = refused(ident, filter, (int) data, udata, failure);
                continue;
            }
            Registration r = live(ident, udata);
            if (r == null) continue; // stale: cancelled during this batch, maybe its number reused
            int op = filter == EVFILT_READ ? Events.READ : filter == EVFILT_WRITE ? Events.WRITE : 0;
            if (op == 0) continue;
            switch (r.trigger()) {
                case ONESHOT -> {
                    r.kernelMask &= ~(op | op << 2); // EV_ONESHOT: the kernel deleted the knote
                    stage(r);
                }
                case DISPATCH -> {
                    r.kernelMask |= op << 2; // EV_DISPATCH: the kernel disabled it
                    stage(r);
                }
                default -> { }
            }
            if (deliver(r, ready(op, flags, fflags), handler)) delivered++;
        }
        if (n == maxEvents && maxEvents < MAX_EVENTS_CAP) {
            maxEvents *= 2;
            events = arena.allocate(size * maxEvents, 8);
        }
        if (failure != null) throw failure;
        return delivered;
    }

    @Override
    void signalWakeup() {
        Libc.kevent(kq, trigger, 1, MemorySegment.NULL, 0, MemorySegment.NULL);
    }

    @Override
    void closeKernel() {
        Libc.close(kq);
        arena.close();
    }

    /** Submits a full change list now, with receipts, so no event is drained outside a wait. */
    private void flushEarly() {
        int n = changes.count();
        changes.addFlag(EV_RECEIPT);
        timeout.set(ValueLayout.JAVA_LONG, 0, 0L);
        timeout.set(ValueLayout.JAVA_LONG, 8, 0L);
        int got = Libc.kevent(kq, changes.segment(), n, receipts, n, timeout);
        changes.clear();
        IOException failure = pendingFailure;
        if (got < 0) {
            NativeException e = new NativeException("kevent", -got, n + " changes (early flush), ABI " + abi);
            if (failure == null) failure = e; else failure.addSuppressed(e);
        }
        long size = abi.size();
        for (int i = 0; i < got; i++) {
            long base = i * size;
            int flags = receipts.get(ValueLayout.JAVA_SHORT, base + KqueueAbi.FLAGS_OFFSET) & 0xFFFF;
            long data = receipts.get(ValueLayout.JAVA_LONG, base + KqueueAbi.DATA_OFFSET);
            if ((flags & EV_ERROR) == 0 || data == 0) continue;
            failure = refused(receipts.get(ValueLayout.JAVA_LONG, base + KqueueAbi.IDENT_OFFSET),
                    receipts.get(ValueLayout.JAVA_SHORT, base + KqueueAbi.FILTER_OFFSET), (int) data,
                    receipts.get(ValueLayout.JAVA_LONG, base + KqueueAbi.UDATA_OFFSET), failure);
        }
        pendingFailure = failure;
    }

    /**
     * A change the kernel refused. Deleting a filter that is gone (ENOENT, or EBADF after a close)
     * is what was wanted; anything else cancels the registration and becomes the error.
     */
    private IOException refused(long ident, short filter, int errno, long udata, IOException failure) {
        if (errno == 0) return failure;
        Registration r = live(ident, udata);
        if (r == null) return failure;
        int op = filter == EVFILT_READ ? Events.READ : Events.WRITE;
        if ((r.kernelMask & op) == 0 && (errno == Errno.ENOENT || errno == Errno.EBADF)) return failure;
        cancel(r);
        NativeException e = new NativeException("kevent(" + (op == Events.READ ? "EVFILT_READ" : "EVFILT_WRITE") + ")",
                errno, "fd " + ident + ", " + r);
        if (failure == null) return e;
        failure.addSuppressed(e);
        return failure;
    }

    private Registration live(long ident, long udata) {
        if (ident < 0 || ident > Integer.MAX_VALUE) return null;
        Registration r = byFd.get((int) ident);
        return r != null && r.generation() == (int) udata ? r : null;
    }

    private static int ready(int op, int flags, int fflags) {
        int ops = op;
        if ((flags & EV_EOF) != 0) {
            ops |= Events.HANGUP;
            if (fflags != 0) ops |= Events.ERROR;
        }
        return ops;
    }
}
