package dev.evloop.poll;

/**
 * One source watched by one {@link Poller}: what the application wants (interest, disabled
 * operations, trigger mode) and, apart from it, what the backend last told the kernel.
 *
 * <p>Changes made through this object are staged and applied once per descriptor right before the
 * next wait, with no system call when the result equals what the kernel already has. A change
 * from READ to WRITE removes READ: interest is a set, replaced whole (seed 000).
 *
 * <p>Threading: this object is part of its single-threaded poller; changing it from another thread
 * is a misuse, refused with an {@link IllegalStateException} when the poller is
 * {@linkplain Poller#confine confined} (an event loop's always is).
 *
 * <p>Lifecycle: 1. {@link Poller#register} creates it, valid. 2. Interest, disable, enable any
 * number of times. 3. {@link #cancel} removes it from the kernel at once (before the caller
 * closes the descriptor), marks it invalid and makes the poller drop any event for it still
 * pending in the current batch, even if the OS hands its descriptor number to a new source
 * meanwhile: each registration carries a generation, and a stale event's generation does not
 * match.
 */
public final class Registration {
    private final PollerBase poller;
    private final Pollable source;
    private final int fd;
    private final int generation;
    private final Trigger trigger;
    private Object attachment;

    /** Subscribed operations (READ|WRITE). */
    int interest;
    /** Subscribed but disabled operations: a subset of {@link #interest}. */
    int disabled;
    /** Emulated edge: operations that fired and wait for EAGAIN before they may fire again. */
    int suppressed;
    /** Queued in the poller's change list. */
    boolean dirty;
    boolean cancelled;

    // Backend scratch state; each backend documents its use.
    /** What the kernel has: the epoll mask, the pollfd events. */
    int kernelMask;
    /** epoll: added to the interest list. */
    boolean inKernel;
    /** epoll: an EPOLLONESHOT registration fired and the kernel disarmed it. */
    boolean disarmed;
    /** poll(2): index in the pollfd array. */
    int index = -1;
    /** NIO: the SelectionKey. */
    Object key;

    Registration(PollerBase poller, Pollable source, int fd, int generation, int interest, Trigger trigger,
            Object attachment) {
        this.poller = poller;
        this.source = source;
        this.fd = fd;
        this.generation = generation;
        this.interest = interest;
        this.trigger = trigger;
        this.attachment = attachment;
    }

    public Pollable source() {
        return source;
    }

    /** The descriptor number, or -1 for a JDK channel. */
    public int fd() {
        return fd;
    }

    /** A number unique to this registration within its poller (wraps after 2^32 registrations). */
    public int generation() {
        return generation;
    }

    public Trigger trigger() {
        return trigger;
    }

    public Object attachment() {
        return attachment;
    }

    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    /** Subscribed operations ({@link Events#READ}, {@link Events#WRITE}), whether disabled or not. */
    public int interest() {
        return interest;
    }

    /** Subscribed and not disabled: what can fire. */
    public int enabledInterest() {
        return interest & ~disabled;
    }

    /** Replaces the subscribed set (0 keeps the registration with nothing subscribed). Re-arms
     *  oneshot and emulated-edge operations it names; keeps disabled flags for operations still subscribed. */
    public void interest(int ops) {
        Events.checkInterest(ops);
        checkValid("interest");
        interest = ops;
        disabled &= ops;
        suppressed &= ~ops;
        poller.stage(this);
    }

    public boolean isSubscribed(int op) {
        return (interest & op) == op && op != 0;
    }

    public boolean isSubscribedRead() {
        return isSubscribed(Events.READ);
    }

    public boolean isSubscribedWrite() {
        return isSubscribed(Events.WRITE);
    }

    /** True if every operation in {@code op} is subscribed and disabled. */
    public boolean isDisabled(int op) {
        return (disabled & op) == op && op != 0;
    }

    public boolean isDisabledRead() {
        return isDisabled(Events.READ);
    }

    public boolean isDisabledWrite() {
        return isDisabled(Events.WRITE);
    }

    /**
     * Stops reporting {@code ops} without unsubscribing them (seed 002's "disable without
     * removing"). Operations not subscribed are rejected: disabling what is not there hides a bug.
     */
    public void disable(int ops) {
        Events.checkInterest(ops);
        checkValid("disable");
        if ((ops & ~interest) != 0) {
            throw new IllegalStateException("cannot disable " + Events.toString(ops & ~interest)
                    + ": not subscribed (interest " + Events.toString(interest) + ") on " + this);
        }
        disabled |= ops;
        poller.stage(this);
    }

    /** Reports {@code ops} again after {@link #disable} or a {@link Trigger#DISPATCH} event. */
    public void enable(int ops) {
        Events.checkInterest(ops);
        checkValid("enable");
        if ((ops & ~interest) != 0) {
            throw new IllegalStateException("cannot enable " + Events.toString(ops & ~interest)
                    + ": not subscribed (interest " + Events.toString(interest) + ") on " + this);
        }
        disabled &= ~ops;
        suppressed &= ~ops;
        poller.stage(this);
    }

    /**
     * Says a read ({@link Events#READ}) or write ({@link Events#WRITE}) on the source returned
     * EAGAIN. Backends with native edge triggering ignore it; emulated edge uses it to know the
     * application drained the source, so the next readiness is a new edge. evloop's sockets call
     * it themselves; code doing its own I/O on a raw descriptor should too.
     */
    public void wouldBlock(int ops) {
        if ((suppressed & ops) != 0 && !cancelled) {
            poller.checkThread("Registration.wouldBlock");
            suppressed &= ~ops;
            poller.stage(this);
        }
    }

    /**
     * Removes the source from the poller now (before the caller closes it). Idempotent. No event
     * is delivered for this registration afterwards, not even one already in the current batch.
     */
    public void cancel() {
        poller.checkThread("Registration.cancel");
        if (!cancelled) {
            poller.cancel(this);
        }
    }

    public boolean isValid() {
        return !cancelled;
    }

    private void checkValid(String what) {
        poller.checkThread("Registration." + what);
        if (cancelled) {
            throw new IllegalStateException(what + "() on a cancelled registration: " + this);
        }
    }

    @Override
    public String toString() {
        return "Registration[" + (fd >= 0 ? "fd " + fd : String.valueOf(source)) + ", gen " + generation
                + ", " + trigger + ", interest " + Events.toString(interest)
                + (disabled != 0 ? ", disabled " + Events.toString(disabled) : "")
                + (cancelled ? ", cancelled" : "") + "]";
    }
}
