package dev.evloop.poll;

import static dev.evloop.poll.Events.ERROR;
import static dev.evloop.poll.Events.HANGUP;
import static dev.evloop.poll.Events.READ;
import static dev.evloop.poll.Events.READ_WRITE;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * What every backend shares: the change list, generations, the trigger-mode bookkeeping done when
 * an event is delivered, stale-event filtering and wakeup coalescing. Backends implement the
 * kernel side in five methods ({@link #checkSource}, {@link #add}, {@link #apply}, {@link #remove},
 * {@link #waitAndDispatch}) plus wakeup and close.
 */
abstract sealed class PollerBase implements Poller permits EpollPoller, IoUringPoller, KqueuePoller, PollPoller, SelectorPoller {
    private static final VarHandle WAKEUP_PENDING;

    static {
        try {
            WAKEUP_PENDING = MethodHandles.lookup().findVarHandle(PollerBase.class, "wakeupPending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 1 from the first {@link #wakeup} until the poller consumed it; written by any thread. */
    @SuppressWarnings("unused")
    private volatile int wakeupPending;
    /** Guards the wakeup source against {@link #close} from another thread (no write to a closed, reused fd). */
    private final Object wakeupLock = new Object();
    private volatile boolean closed;
    /** See {@link #confine}; null when unconfined. */
    private volatile Thread confinedTo;

    /** Registrations with staged changes, each once (its {@code dirty} flag). Poller thread only. */
    private Registration[] changes = new Registration[64];
    private int changeCount;
    private int nextGeneration = 1;
    private int size;
    /** Kernel-side changes made (epoll_ctl calls, pollfd rewrites, interestOps calls); for tests. */
    long kernelUpdates;
    /** Wakeup system calls made; for tests of coalescing. Written under the wakeup lock. */
    volatile long wakeupSignals;

    @Override
    public final Registration register(Pollable source, int interest, Trigger trigger, Object attachment)
            throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(trigger, "trigger");
        Events.checkInterest(interest);
        checkThread("register");
        checkOpen("register");
        int fd = checkSource(source);
        Registration r = new Registration(this, source, fd, nextGeneration++, interest, trigger, attachment);
        add(r);
        size++;
        source.registered(r);
        return r;
    }

    @Override
    public final int poll(long timeoutNanos, ReadyHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        checkThread("poll");
        checkOpen("poll");
        flush();
        return waitAndDispatch(timeoutNanos, handler);
    }

    @Override
    public final void wakeup() {
        if ((int) WAKEUP_PENDING.getAndSet(this, 1) == 0) {
            synchronized (wakeupLock) {
                if (!closed) {
                    wakeupSignals++;
                    signalWakeup();
                }
            }
        }
    }

    /** Called by the backend once it consumed the wakeup signal; later wakeups signal again. */
    final void wakeupConsumed() {
        WAKEUP_PENDING.setVolatile(this, 0);
    }

    @Override
    public final void confine(Thread thread) {
        confinedTo = thread;
    }

    /** Throws if this poller is confined to another thread. */
    final void checkThread(String what) {
        Thread owner = confinedTo;
        if (owner != null && owner != Thread.currentThread()) {
            throw new IllegalStateException(what + "() called on thread " + Thread.currentThread().getName()
                    + "; this " + backend() + " poller belongs to thread " + owner.getName()
                    + " (post the change to that thread)");
        }
    }

    @Override
    public final int size() {
        return size;
    }

    @Override
    public final boolean isOpen() {
        return !closed;
    }

    @Override
    public final void close() throws IOException {
        if (closed) return;
        forEach(r -> {
            r.cancelled = true;
            r.source().registered(null);
        });
        size = 0;
        synchronized (wakeupLock) {
            closed = true;
            closeKernel();
        }
    }

    final void checkOpen(String what) {
        if (closed) {
            throw new IllegalStateException(what + "() on a closed " + backend() + " poller");
        }
    }

    /** Queues {@code r} for {@link #apply} before the next wait. */
    final void stage(Registration r) {
        if (r.dirty || r.cancelled) return;
        r.dirty = true;
        if (changeCount == changes.length) {
            changes = java.util.Arrays.copyOf(changes, changeCount * 2);
        }
        changes[changeCount++] = r;
    }

    /**
     * Applies every staged change. A change the kernel refuses (typically a descriptor closed
     * without {@link Registration#cancel}) cancels that registration and is thrown after the rest
     * of the list is applied.
     */
    private void flush() throws IOException {
        IOException failure = null;
        for (int i = 0; i < changeCount; i++) {
            Registration r = changes[i];
            changes[i] = null;
            r.dirty = false;
            if (r.cancelled) continue;
            try {
                apply(r);
            } catch (IOException e) {
                cancel(r);
                if (failure == null) failure = e; else failure.addSuppressed(e);
            }
        }
        changeCount = 0;
        if (failure != null) throw failure;
    }

    final void cancel(Registration r) {
        if (r.cancelled) return;
        r.cancelled = true;
        size--;
        remove(r);
        r.source().registered(null);
    }

    /**
     * Delivers one kernel event, after checking it is still wanted, and does the trigger mode's
     * bookkeeping. Returns true if the handler was called.
     */
    final boolean deliver(Registration r, int ready, ReadyHandler handler) {
        if (r.cancelled) return false;
        int wanted = r.interest & ~r.disabled & ~r.suppressed;
        if (wanted == 0) return false;
        int ops = ready & (wanted | ERROR | HANGUP);
        if ((ready & ERROR) != 0) {
            ops |= wanted;
        } else if ((ready & HANGUP) != 0) {
            ops |= wanted & READ;
        }
        if (ops == 0) return false;
        int fired = (ops & ERROR) != 0 ? wanted : ops & READ_WRITE;
        if (fired == 0) fired = wanted;
        switch (r.trigger()) {
            case LEVEL -> { }
            case EDGE -> {
                if (!isNative(Trigger.EDGE)) {
                    r.suppressed |= fired;
                    stage(r);
                }
            }
            case ONESHOT -> {
                r.interest &= ~fired;
                r.disabled &= r.interest;
                stage(r);
            }
            case DISPATCH -> {
                r.disabled |= fired;
                stage(r);
            }
        }
        handler.ready(r, ops);
        return true;
    }

    /** Round sub-millisecond waits up (never spin on a 0.5 ms timeout), clamp to int; -1 = no limit. */
    static int timeoutMillis(long timeoutNanos) {
        if (timeoutNanos < 0) return -1;
        if (timeoutNanos == 0) return 0;
        long ms = (timeoutNanos + 999_999L) / 1_000_000L;
        return ms > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) ms;
    }

    /** Validates the source for this backend; returns its descriptor (or -1 for channels). */
    abstract int checkSource(Pollable source) throws IOException;

    /** Makes the new registration known, applying its initial interest now so errors surface here. */
    abstract void add(Registration r) throws IOException;

    /** Brings the kernel in line with the registration's wanted interest; no syscall if equal. */
    abstract void apply(Registration r) throws IOException;

    /** Removes a cancelled registration from the kernel and the tables, now. Never throws. */
    abstract void remove(Registration r);

    abstract int waitAndDispatch(long timeoutNanos, ReadyHandler handler) throws IOException;

    /** Makes the wait return; called at most once per consumed wakeup, under the wakeup lock. */
    abstract void signalWakeup();

    /** Frees kernel resources; called once, under the wakeup lock. */
    abstract void closeKernel() throws IOException;
}
