package dev.evloop.loop;

import dev.evloop.poll.Backend;
import dev.evloop.poll.Pollable;
import dev.evloop.poll.Poller;
import dev.evloop.poll.Pollers;
import dev.evloop.poll.ReadyHandler;
import dev.evloop.poll.Registration;
import dev.evloop.poll.Trigger;
import dev.evloop.uring.IoUring;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One thread, one {@link Poller}, timers and a task queue.
 *
 * <p>One iteration ({@link #runOnce}; {@link #run} repeats it until closed), in this order:
 * <ol>
 *   <li>read the clock once ("now" for the whole iteration);
 *   <li>run due timers, in deadline order, ties in schedule order;
 *   <li>run the tasks other threads posted with {@link #execute} (at most {@value #TASK_BATCH});
 *   <li>run the attached {@link LoopStage}s (completion I/O delivers its ready completions);
 *   <li>wait for I/O: apply staged interest changes, then block until an event, a wakeup, the
 *       next timer deadline or the caller's timeout (no wait if tasks remain, a stage has work
 *       ready, or the loop is closing);
 *   <li>dispatch the I/O events (events for sources cancelled meanwhile are dropped), then run
 *       the stages again;
 *   <li>read the clock again and run the timers that came due during the wait;
 *   <li>if {@link #close} was called: run the tasks still queued, close the stages, cancel every
 *       registration and close its source (exactly once), close the poller.
 * </ol>
 *
 * <p>Threading: the loop belongs to one thread at a time, its owner: the thread that created it
 * until a thread calls {@link #run} or {@link #runOnce}, then that thread. Registration,
 * timers and {@link Registration} changes are owner-only and fail fast elsewhere with an
 * {@link IllegalStateException} naming both threads. {@link #execute}, {@link #wakeup},
 * {@link #close} and the queries are safe from any thread. The loop never starts a thread unless
 * asked ({@link #start}), so an application can drive it from its own.
 */
public final class EventLoop implements AutoCloseable {
    /** Tasks run per iteration at most, so I/O is not starved by a flood of posts. */
    public static final int TASK_BATCH = 1024;
    private static final System.Logger LOG = System.getLogger("dev.evloop.loop");
    private static final AtomicInteger NAMES = new AtomicInteger();

    private static final int OPEN = 0;
    private static final int CLOSING = 1;
    private static final int CLOSED = 2;

    private final String name;
    private final Poller poller;
    private final Clock clock;
    private final TimerWheel timers;
    private final Consumer<Throwable> errorHandler;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ReadyHandler dispatcher = this::dispatch;
    /** The thread currently inside run/runOnce, or null. */
    private final AtomicReference<Thread> runner = new AtomicReference<>();
    private final AtomicInteger state = new AtomicInteger(OPEN);
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** Owner thread (see class doc); written only by the thread entering run/runOnce. */
    private volatile Thread owner;
    /** Cached clock reading of the current iteration; owner thread only. */
    private long now;
    /** Attached stages in attach order, with their types; owner thread only. */
    private LoopStage[] stages = new LoopStage[0];
    private Class<?>[] stageTypes = new Class<?>[0];

    private EventLoop(Builder b) throws IOException {
        this.name = b.name != null ? b.name : "evloop-" + NAMES.incrementAndGet();
        this.clock = b.clock;
        this.errorHandler = b.errorHandler;
        this.poller = b.backend != null ? Pollers.open(b.backend) : Pollers.open();
        this.now = clock.nanoTime();
        this.timers = new TimerWheel(now, b.wheelSize, errorHandler);
        this.owner = Thread.currentThread();
        this.poller.confine(owner);
    }

    /** A loop on the default backend ({@link Pollers#defaultBackend()}). */
    public static EventLoop open() throws IOException {
        return builder().build();
    }

    public static EventLoop open(Backend backend) throws IOException {
        return builder().backend(backend).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public String name() {
        return name;
    }

    public Backend backend() {
        return poller.backend();
    }

    /** True if the calling thread owns the loop (see the class doc). */
    public boolean inLoop() {
        return Thread.currentThread() == owner;
    }

    public boolean isClosed() {
        return state.get() != OPEN;
    }

    /** True once {@link #close} has finished releasing everything. */
    public boolean isTerminated() {
        return state.get() == CLOSED;
    }

    // ---------------------------------------------------------------- any thread

    /** Runs {@code task} on the loop thread, in submission order, soon. Any thread. */
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (state.get() != OPEN) {
            throw new RejectedExecutionException("event loop " + name + " is closed");
        }
        tasks.offer(task);
        if (state.get() != OPEN && tasks.remove(task)) {
            // close() began between the check and the offer, and its final drain may already be
            // over: take the task back and refuse it rather than leave it queued forever.
            throw new RejectedExecutionException("event loop " + name + " is closed");
        }
        if (!inLoop()) {
            poller.wakeup();
        }
    }

    /** Makes a blocked or the next wait return at once. Any thread. */
    public void wakeup() {
        poller.wakeup();
    }

    /**
     * Closes the loop from any thread. A wait in progress ends at once. The owner of the loop
     * releases everything at the end of its current iteration: queued tasks run, every
     * registration is cancelled and its source closed exactly once, the poller is closed.
     * Called from another thread, this returns when that is done (or does it itself if no thread
     * is inside the loop); called from a handler on the loop thread, it returns at once.
     */
    @Override
    public void close() {
        if (state.compareAndSet(OPEN, CLOSING)) {
            poller.wakeup();
        }
        if (inLoop() && runner.get() == Thread.currentThread()) {
            return; // the iteration under way finishes the job
        }
        if (runner.compareAndSet(null, Thread.currentThread())) {
            owner = Thread.currentThread(); // queued tasks and closes run here, as the owner
            poller.confine(owner);
            try {
                if (state.get() == CLOSING) shutdown();
            } finally {
                runner.set(null);
            }
        }
        awaitTermination();
    }

    private void awaitTermination() {
        boolean interrupted = false;
        while (true) {
            try {
                terminated.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** Starts a thread, named after the loop, that calls {@link #run}. */
    public Thread start() {
        Thread t = new Thread(this::run, name);
        t.start();
        return t;
    }

    // ---------------------------------------------------------------- running

    /** Runs iterations until the loop is closed, then releases everything. */
    public void run() {
        enter("run");
        try {
            while (state.get() == OPEN) {
                iterate(-1);
            }
            shutdown();
        } finally {
            runner.set(null);
        }
    }

    /**
     * Runs one iteration, waiting at most {@code timeout} for I/O (0: do not block).
     *
     * @return the number of I/O events, timers and tasks handled
     */
    public int runOnce(long timeout, TimeUnit unit) {
        if (timeout < 0) {
            throw new IllegalArgumentException("negative timeout " + timeout + " " + unit);
        }
        enter("runOnce");
        try {
            int work = state.get() == OPEN ? iterate(unit.toNanos(timeout)) : 0;
            if (state.get() == CLOSING) shutdown();
            return work;
        } finally {
            runner.set(null);
        }
    }

    private void enter(String what) {
        Thread me = Thread.currentThread();
        if (!runner.compareAndSet(null, me)) {
            Thread other = runner.get();
            throw new IllegalStateException(what + "() on " + me.getName() + ": loop " + name
                    + " is already running on " + (other == me ? "this thread (re-entered from a callback)"
                    : other == null ? "another thread" : other.getName()));
        }
        if (state.get() == CLOSED) {
            runner.set(null);
            throw new IllegalStateException(what + "() on closed loop " + name);
        }
        owner = me;
        poller.confine(me);
    }

    private int iterate(long timeoutNanos) {
        now = clock.nanoTime();
        int work = timers.expire(now);
        work += runTasks();
        work += runStages();
        long wait = timeoutNanos;
        if (!tasks.isEmpty() || state.get() != OPEN || stageReady()) {
            wait = 0;
        } else {
            long next = timers.nextDeadlineNanos();
            if (next != Long.MAX_VALUE) {
                long untilTimer = next <= now ? 0 : next - now;
                wait = wait < 0 ? untilTimer : Math.min(wait, untilTimer);
            }
        }
        try {
            work += poller.poll(wait, dispatcher);
        } catch (IOException | RuntimeException e) {
            errorHandler.accept(e);
        }
        work += runStages();
        now = clock.nanoTime();
        work += timers.expire(now);
        return work;
    }

    private int runStages() {
        int n = 0;
        for (LoopStage s : stages) {
            try {
                n += s.run();
            } catch (RuntimeException e) {
                errorHandler.accept(e);
            }
        }
        return n;
    }

    private boolean stageReady() {
        for (LoopStage s : stages) {
            if (s.hasReadyWork()) return true;
        }
        return false;
    }

    private int runTasks() {
        int n = 0;
        Runnable t;
        while (n < TASK_BATCH && (t = tasks.poll()) != null) {
            n++;
            try {
                t.run();
            } catch (Throwable e) {
                errorHandler.accept(e);
            }
        }
        return n;
    }

    private void dispatch(Registration r, int ready) {
        try {
            ((IoHandler) r.attachment()).onReady(r, ready);
        } catch (Throwable e) {
            errorHandler.accept(e);
        }
    }

    /** Owner thread, once: the last step of the close described in the class doc. */
    private void shutdown() {
        if (state.get() == CLOSED) return;
        try {
            while (runTasks() > 0) {
                // tasks posted before close still run; execute() refuses new ones
            }
            for (LoopStage s : stages) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    errorHandler.accept(e);
                }
            }
            poller.forEach(r -> {
                r.cancel();
                try {
                    r.source().close();
                } catch (IOException | RuntimeException e) {
                    errorHandler.accept(e);
                }
            });
            try {
                poller.close();
            } catch (IOException e) {
                errorHandler.accept(e);
            }
        } finally {
            state.set(CLOSED);
            terminated.countDown();
        }
    }

    // ---------------------------------------------------------------- owner thread only

    /**
     * Watches {@code source}; the loop now owns it and closes it on {@link #close} unless it was
     * cancelled first. Owner thread only.
     *
     * @param handler also the registration's attachment ({@link Registration#attachment()})
     */
    public Registration register(Pollable source, int interest, Trigger trigger, IoHandler handler)
            throws IOException {
        checkInLoop("register");
        Objects.requireNonNull(handler, "handler");
        return poller.register(source, interest, trigger, handler);
    }

    /** {@link #register} with level triggering. */
    public Registration register(Pollable source, int interest, IoHandler handler) throws IOException {
        return register(source, interest, Trigger.LEVEL, handler);
    }

    /**
     * Runs {@code task} once, {@code delay} after this iteration's "now" (1 ms resolution: it runs
     * in the first iteration at or after its deadline). Owner thread only.
     *
     * @return an id for {@link #cancelTimer} and {@link #rescheduleTimer}
     */
    public long schedule(long delay, TimeUnit unit, Runnable task) {
        checkInLoop("schedule");
        return timers.schedule(deadline(delay, unit), Objects.requireNonNull(task, "task"));
    }

    /** @return true if the timer was pending (and now will not run) */
    public boolean cancelTimer(long id) {
        checkInLoop("cancelTimer");
        return timers.cancel(id);
    }

    /** Moves a pending timer to {@code delay} after now; false if it is no longer pending. */
    public boolean rescheduleTimer(long id, long delay, TimeUnit unit) {
        checkInLoop("rescheduleTimer");
        return timers.reschedule(id, deadline(delay, unit));
    }

    public boolean isTimerPending(long id) {
        checkInLoop("isTimerPending");
        return timers.isPending(id);
    }

    /**
     * The stage of type {@code type} attached to this loop, made by {@code factory} and attached
     * at the first call: one per loop and type, run in attach order. Owner thread only.
     */
    public <T extends LoopStage> T stage(Class<T> type, Function<EventLoop, T> factory) {
        checkInLoop("stage");
        Objects.requireNonNull(type, "type");
        for (int i = 0; i < stages.length; i++) {
            if (stageTypes[i] == type) return type.cast(stages[i]);
        }
        T s = Objects.requireNonNull(factory.apply(this), "stage made by factory");
        int n = stages.length;
        stages = Arrays.copyOf(stages, n + 1);
        stageTypes = Arrays.copyOf(stageTypes, n + 1);
        stages[n] = s;
        stageTypes[n] = type;
        return s;
    }

    /**
     * Hands {@code failure} to the loop's error handler, as the loop does with a handler, timer
     * or task that throws: for layers on the loop whose own callbacks throw. Any thread.
     */
    public void reportError(Throwable failure) {
        errorHandler.accept(Objects.requireNonNull(failure, "failure"));
    }

    /**
     * The io_uring the loop waits on when its backend is {@link Backend#IO_URING}, else null: for
     * completion I/O, which shares it (SQEs it prepares go out with the loop's wait). Owner thread only.
     */
    public IoUring ring() {
        checkInLoop("ring");
        return poller.ring();
    }

    /** The clock reading of the current iteration, in nanoseconds. Owner thread only. */
    public long nanoTime() {
        checkInLoop("nanoTime");
        return now;
    }

    /** The number of live registrations. Owner thread only. */
    public int registrations() {
        checkInLoop("registrations");
        return poller.size();
    }

    /** now + delay, saturating: a delay of Long.MAX_VALUE days must not wrap into the past. */
    private long deadline(long delay, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        if (delay < 0) {
            throw new IllegalArgumentException("negative timer delay: " + delay + " " + unit);
        }
        if (runner.get() == null) {
            now = clock.nanoTime(); // outside an iteration (setting up before run): the cached now is stale
        }
        long deadline = now + unit.toNanos(delay); // toNanos saturates; the sum may still wrap
        return deadline < now ? Long.MAX_VALUE : deadline;
    }

    private void checkInLoop(String what) {
        Thread me = Thread.currentThread();
        if (me != owner) {
            throw new IllegalStateException(what + "() called on thread " + me.getName() + "; loop " + name
                    + " belongs to thread " + owner.getName() + " (post work with execute())");
        }
        if (state.get() == CLOSED) {
            throw new IllegalStateException(what + "() on closed loop " + name);
        }
    }

    @Override
    public String toString() {
        return "EventLoop[" + name + ", " + poller.backend() + ", "
                + switch (state.get()) { case OPEN -> "open"; case CLOSING -> "closing"; default -> "closed"; } + "]";
    }

    /** Options for {@link EventLoop}. */
    public static final class Builder {
        private Backend backend;
        private Clock clock = Clock.system();
        private String name;
        private int wheelSize = 4096;
        private Consumer<Throwable> errorHandler =
                e -> LOG.log(System.Logger.Level.WARNING, "uncaught in event loop handler", e);

        private Builder() {}

        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** The time source for timers; tests pass a {@link ManualClock}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Where handler, timer and task exceptions go (default: a WARNING log record). */
        public Builder errorHandler(Consumer<Throwable> errorHandler) {
            this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler");
            return this;
        }

        /** Timer wheel slots (a power of two; one per millisecond of the wheel's span). */
        public Builder wheelSize(int slots) {
            if (slots < 64 || Integer.bitCount(slots) != 1) {
                throw new IllegalArgumentException("wheel size must be a power of two >= 64, got " + slots);
            }
            this.wheelSize = slots;
            return this;
        }

        public EventLoop build() throws IOException {
            return new EventLoop(this);
        }
    }
}
