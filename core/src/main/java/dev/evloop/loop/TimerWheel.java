package dev.evloop.loop;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The event loop's timers: a hashed timing wheel with 1 ms ticks, O(1) schedule, cancel and
 * reschedule, and no allocation per timer once its arrays have grown to the working set
 * (the layout follows Agrona's {@code DeadlineTimerWheel}: timers are {@code long} ids into
 * parallel primitive arrays, not objects).
 *
 * <p>Not thread-safe: the event loop owns the wheel and calls it from its own thread only (the
 * loop checks the thread; the wheel does not, to stay cheap). Callbacks run on that thread, inside
 * {@link #expire}, and may schedule, cancel and reschedule; {@link #expire} itself is not
 * re-entrant.
 *
 * <p>Deadlines are absolute, in the timebase of the {@link Clock} the loop reads, and compared
 * directly ({@code deadline <= now}), so the timebase must not wrap; {@link System#nanoTime()}
 * does not in practice. The wheel's current time is the {@code now} of the latest {@link #expire}
 * (at first the {@code startNanos} given to the constructor).
 *
 * <p>What {@link #expire expire(now)} guarantees, in the spirit of libuv's {@code uv__run_timers}:
 * <ol>
 *   <li>Every timer whose deadline is {@code <= now} runs, and no other. Ticks only bucket the
 *       timers; the decision is made on the exact deadline.
 *   <li>They run in deadline order; equal deadlines run in schedule order (a {@link #reschedule}
 *       counts as a new schedule).
 *   <li>All due timers are collected before the first callback runs: a timer scheduled by a
 *       callback runs at the next {@code expire} at the earliest, even with a past deadline, and
 *       a collected timer cancelled or rescheduled by an earlier callback of the batch does not
 *       run in it.
 *   <li>A callback's exception goes to the error handler and the batch goes on.
 *   <li>A jump of {@code now} over many wheel revolutions (a long GC pause, a suspended machine)
 *       keeps 1 and 2: the batch is sorted by (deadline, sequence) before it runs.
 * </ol>
 *
 * <p>Ids: {@code (generation << 32) | index}, where {@code index} is the timer's row in the arrays
 * and {@code generation} changes each time the row is freed (fired or cancelled). An id whose
 * timer fired, was cancelled or whose row now holds another timer is therefore recognised as stale;
 * a generation wraps only after 2<sup>32</sup> reuses of one row. {@link #NO_TIMER} is never
 * returned, so callers may use it as "none".
 */
public final class TimerWheel {
    /** Never a valid id: generations skip 0. */
    public static final long NO_TIMER = 0L;

    static final long TICK_NANOS = 1_000_000L;
    private static final long MAX_TICK = Long.MAX_VALUE / TICK_NANOS;
    private static final int DEFAULT_WHEEL_SIZE = 4096;
    private static final int INITIAL_CAPACITY = 256;
    /** Rows are addressed by the low 32 bits of an id and by int indices; keep them non-negative. */
    private static final int MAX_CAPACITY = 1 << 30;

    /** End of a slot list or of the free list. */
    private static final int NONE = -1;
    /** {@link #slotOf} for a row on the free list. */
    private static final int FREE = -1;
    /** {@link #slotOf} for a due timer taken out of the wheel, waiting in {@link #batch} for its callback. */
    private static final int COLLECTED = -2;

    private final long startNanos;
    private final int wheelSize;
    private final int mask;
    private final Consumer<Throwable> errorHandler;

    // The wheel. Slot s holds the timers whose effective tick t has t & mask == s, where the
    // effective tick is the deadline's tick, or currentTick for a deadline already in the past.
    // Invariant: every timer in the wheel has effective tick >= currentTick, so a slot's first
    // occurrence at or after currentTick bounds all its timers from below.

    /** First row of each slot's list, or NONE. Lists are appended at the tail, so they are in schedule order. */
    private final int[] head;
    /** Last row of each slot's list, or NONE. */
    private final int[] tail;
    /** Bit s set iff slot s is non-empty; lets expire and nextDeadlineNanos skip empty slots 64 at a time. */
    private final long[] occupied;
    /**
     * A lower bound on the deadlines in each slot (Long.MAX_VALUE when empty). Exact after the slot
     * is walked by expire; a cancel or reschedule out of the slot leaves it lower than needed,
     * which only makes nextDeadlineNanos earlier, never later.
     */
    private final long[] slotMin;

    // The timers, one row each (struct of arrays). A row is FREE (on the free list, task null),
    // in the wheel (slotOf >= 0, linked in that slot's list) or COLLECTED (in batch, unlinked).

    private long[] deadline;
    /** Schedule order, the tie-breaker for equal deadlines; unique per schedule or reschedule. */
    private long[] seq;
    /** Next row in the slot list; for a FREE row, the next free row. */
    private int[] next;
    private int[] prev;
    /** The slot holding the row, or FREE, or COLLECTED. */
    private int[] slotOf;
    /** Null iff the row is FREE (released before its callback runs, so nothing is retained). */
    private Runnable[] task;
    /** The high half of the row's current id; never 0. */
    private int[] generation;

    /** Head of the free list threaded through {@link #next}, or NONE when every row is in use. */
    private int freeHead;
    /** Rows in the wheel or COLLECTED: the pending timers. */
    private int size;
    private long nextSeq;

    /** The tick of {@link #nowNanos}; every tick before it has been expired. Only grows. */
    private long currentTick;
    /** The wheel's current time: the latest expire's now (clamped to never go back). Only grows. */
    private long nowNanos;

    /** Rows collected by the running expire, sorted by (deadline, seq) before callbacks run; reused. */
    private int[] batch;
    /** True while expire runs callbacks; guards against re-entry, which would reuse {@link #batch}. */
    private boolean expiring;

    /** A wheel of 4096 slots (one revolution is about 4 s). */
    public TimerWheel(long startNanos, Consumer<Throwable> errorHandler) {
        this(startNanos, DEFAULT_WHEEL_SIZE, errorHandler);
    }

    /**
     * @param startNanos the clock's time now; tick 0 starts here
     * @param wheelSize slots, a power of two of at least 64; one revolution lasts {@code wheelSize} ms,
     *     and timers further out share slots with nearer ones (they are skipped until due)
     * @param errorHandler receives whatever a callback throws
     */
    public TimerWheel(long startNanos, int wheelSize, Consumer<Throwable> errorHandler) {
        if (wheelSize < 64 || Integer.bitCount(wheelSize) != 1) {
            throw new IllegalArgumentException("wheelSize must be a power of two >= 64: " + wheelSize);
        }
        this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler");
        this.startNanos = startNanos;
        this.nowNanos = startNanos;
        this.wheelSize = wheelSize;
        this.mask = wheelSize - 1;
        this.head = new int[wheelSize];
        this.tail = new int[wheelSize];
        this.occupied = new long[wheelSize >>> 6];
        this.slotMin = new long[wheelSize];
        Arrays.fill(head, NONE);
        Arrays.fill(tail, NONE);
        Arrays.fill(slotMin, Long.MAX_VALUE);

        deadline = new long[0];
        seq = new long[0];
        next = new int[0];
        prev = new int[0];
        slotOf = new int[0];
        task = new Runnable[0];
        generation = new int[0];
        batch = new int[0];
        freeHead = NONE;
        grow(INITIAL_CAPACITY);
    }

    /**
     * Schedules {@code task} to run at the first {@link #expire} whose now is at or after
     * {@code deadlineNanos}. A deadline at or before the wheel's current time runs at the next
     * {@link #expire} (not in the one running, if called from a callback).
     *
     * @return the timer's id, never {@link #NO_TIMER}
     * @throws IllegalStateException if a billion timers are already pending
     */
    public long schedule(long deadlineNanos, Runnable task) {
        Objects.requireNonNull(task, "TimerWheel.schedule: task is null");
        if (freeHead == NONE) {
            if (deadline.length == MAX_CAPACITY) {
                throw new IllegalStateException("TimerWheel is full: " + size + " timers pending");
            }
            grow(deadline.length * 2);
        }
        int i = freeHead;
        freeHead = next[i];
        this.task[i] = task;
        deadline[i] = deadlineNanos;
        seq[i] = nextSeq++;
        link(i, slotFor(deadlineNanos));
        size++;
        return ((long) generation[i] << 32) | i;
    }

    /**
     * Cancels a pending timer, including one already collected by the running {@link #expire}
     * whose callback has not run yet. O(1).
     *
     * @return true if the timer was pending; false for an id that fired, was cancelled, is running
     *     its callback now, or was never issued
     */
    public boolean cancel(long id) {
        int i = rowOf(id);
        if (i == NONE) {
            return false;
        }
        if (slotOf[i] >= 0) {
            unlink(i);
        }
        release(i);
        return true;
    }

    /**
     * Moves a pending timer to a new deadline, keeping its id. It then breaks ties as if scheduled
     * now. A timer collected by the running {@link #expire} leaves that batch. O(1). A callback
     * cannot reschedule its own timer (it is no longer pending); it schedules a new one.
     *
     * @return false if the id is not pending (nothing changes)
     */
    public boolean reschedule(long id, long deadlineNanos) {
        int i = rowOf(id);
        if (i == NONE) {
            return false;
        }
        if (slotOf[i] >= 0) {
            unlink(i);
        }
        deadline[i] = deadlineNanos;
        seq[i] = nextSeq++;
        link(i, slotFor(deadlineNanos));
        return true;
    }

    /** True from {@link #schedule} until the timer is cancelled or its callback starts. */
    public boolean isPending(long id) {
        return rowOf(id) != NONE;
    }

    /** The number of pending timers. */
    public int size() {
        return size;
    }

    /**
     * A time the loop may sleep until: {@link Long#MAX_VALUE} when no timer is pending, otherwise
     * never later than the earliest pending deadline, but possibly earlier (the next non-empty slot
     * may hold only timers of a later revolution, or a lower bound left by a cancel). Waking early
     * costs one {@link #expire} that runs nothing and moves on. Right after {@link #expire(long)
     * expire(now)} the answer is after {@code now} unless a timer with a deadline at or before now
     * was scheduled since, so the loop does not spin within a tick.
     *
     * <p>Cost: a scan of the occupancy bitmap, at most {@code wheelSize / 64} words, however many
     * timers are pending.
     */
    public long nextDeadlineNanos() {
        int from = (int) (currentTick & mask);
        int s = nextOccupied(from, wheelSize);
        long distance;
        if (s < wheelSize) {
            distance = s - from;
        } else {
            s = nextOccupied(0, from);
            if (s >= from) {
                return Long.MAX_VALUE;
            }
            distance = s + wheelSize - from;
        }
        // Every timer in slot s is at or after slotMin[s]; every timer in a later slot is at or
        // after the start of the tick following slot s's first occurrence.
        return Math.min(slotMin[s], tickStartNanos(currentTick + distance + 1));
    }

    /**
     * Runs every pending timer whose deadline is at or before {@code nowNanos}, in (deadline,
     * schedule order), collecting them all before the first callback runs (see the class doc).
     * A {@code nowNanos} earlier than the wheel's current time is taken as the current time.
     *
     * <p>Work: the slots between the previous and this {@code now} that hold timers (found through
     * the bitmap; all non-empty slots when the jump exceeds a revolution), plus sorting the batch
     * when it was not collected in order.
     *
     * @return the number of callbacks run (including those that threw)
     * @throws IllegalStateException if called from a timer callback
     */
    public int expire(long nowNanos) {
        if (expiring) {
            throw new IllegalStateException("TimerWheel.expire called from a timer callback; it is not re-entrant");
        }
        long now = Math.max(nowNanos, this.nowNanos);
        long nowTick = Math.max(tickOf(now), currentTick);
        if (size == 0) {
            currentTick = nowTick;
            this.nowNanos = now;
            return 0;
        }
        if (batch.length < deadline.length) {
            batch = new int[deadline.length];
        }

        int count = 0;
        if (nowTick - currentTick >= wheelSize) {
            count = collect(0, wheelSize, now, count);
        } else {
            int from = (int) (currentTick & mask);
            int to = (int) (nowTick & mask);
            if (from <= to) {
                count = collect(from, to + 1, now, count);
            } else {
                count = collect(from, wheelSize, now, count);
                count = collect(0, to + 1, now, count);
            }
        }
        // Every tick before nowTick is now empty: its timers were due. Advance before the callbacks
        // so that what they schedule lands relative to this now.
        currentTick = nowTick;
        this.nowNanos = now;
        if (count == 0) {
            return 0;
        }
        sortBatch(count);
        return runBatch(count);
    }

    private int runBatch(int count) {
        int[] rows = batch;
        int ran = 0;
        int k = 0;
        expiring = true;
        try {
            while (k < count) {
                int i = rows[k++];
                if (slotOf[i] != COLLECTED) {
                    continue; // cancelled or rescheduled by an earlier callback of this batch
                }
                Runnable t = task[i];
                release(i); // before run: the callback may schedule into this row, and its id is stale
                ran++;
                try {
                    t.run();
                } catch (Throwable e) {
                    errorHandler.accept(e);
                }
            }
        } finally {
            expiring = false;
            // Only reached with k < count if the error handler threw: keep the rest for the next expire.
            while (k < count) {
                int i = rows[k++];
                if (slotOf[i] == COLLECTED) {
                    link(i, slotFor(deadline[i]));
                }
            }
        }
        return ran;
    }

    /** Moves the due timers of the non-empty slots in [from, to) into the batch after {@code count}. */
    private int collect(int from, int to, long now, int count) {
        for (int s = nextOccupied(from, to); s < to; s = nextOccupied(s + 1, to)) {
            long min = Long.MAX_VALUE;
            int i = head[s];
            while (i != NONE) {
                int n = next[i];
                long d = deadline[i];
                if (d <= now) {
                    unlink(i);
                    slotOf[i] = COLLECTED;
                    batch[count++] = i;
                } else if (d < min) {
                    min = d;
                }
                i = n;
            }
            if (head[s] != NONE) {
                slotMin[s] = min; // the walk saw every remaining timer: the bound is exact again
            }
        }
        return count;
    }

    /** The first non-empty slot in [from, to), or {@code to}. */
    private int nextOccupied(int from, int to) {
        if (from >= to) {
            return to;
        }
        int word = from >>> 6;
        long bits = occupied[word] & (-1L << from); // shift counts are taken mod 64
        while (bits == 0) {
            if (++word << 6 >= to) {
                return to;
            }
            bits = occupied[word];
        }
        return Math.min((word << 6) | Long.numberOfTrailingZeros(bits), to);
    }

    private int slotFor(long deadlineNanos) {
        // A past deadline goes to the current tick's slot, which the next expire always walks.
        return (int) (Math.max(tickOf(deadlineNanos), currentTick) & mask);
    }

    /** The tick holding {@code nanos}; negative before {@code startNanos}; saturates instead of overflowing. */
    private long tickOf(long nanos) {
        long rel = nanos - startNanos;
        if (((nanos ^ startNanos) & (nanos ^ rel)) < 0) {
            rel = nanos < startNanos ? -1 : Long.MAX_VALUE;
        }
        return rel < 0 ? -1 : rel / TICK_NANOS;
    }

    private long tickStartNanos(long tick) {
        long t = startNanos + Math.min(tick, MAX_TICK) * TICK_NANOS;
        return startNanos > 0 && t < 0 ? Long.MAX_VALUE : t;
    }

    private void link(int i, int s) {
        int t = tail[s];
        prev[i] = t;
        next[i] = NONE;
        if (t == NONE) {
            head[s] = i;
            occupied[s >>> 6] |= 1L << s;
        } else {
            next[t] = i;
        }
        tail[s] = i;
        slotOf[i] = s;
        if (deadline[i] < slotMin[s]) {
            slotMin[s] = deadline[i];
        }
    }

    private void unlink(int i) {
        int s = slotOf[i];
        assert s >= 0 : "unlink of a row not in the wheel: " + s;
        int p = prev[i];
        int n = next[i];
        if (p == NONE) {
            head[s] = n;
        } else {
            next[p] = n;
        }
        if (n == NONE) {
            tail[s] = p;
        } else {
            prev[n] = p;
        }
        if (head[s] == NONE) {
            occupied[s >>> 6] &= ~(1L << s);
            slotMin[s] = Long.MAX_VALUE;
        }
    }

    /** Frees a pending row (unlinked by the caller): its id goes stale and the task is dropped. */
    private void release(int i) {
        task[i] = null;
        slotOf[i] = FREE;
        int g = generation[i] + 1;
        generation[i] = g == 0 ? 1 : g;
        prev[i] = NONE;
        next[i] = freeHead;
        freeHead = i;
        size--;
    }

    /** The row of a pending timer, or NONE for a stale, fired, running or forged id. */
    private int rowOf(long id) {
        int i = (int) id;
        if (i < 0 || i >= slotOf.length || generation[i] != (int) (id >>> 32) || slotOf[i] == FREE) {
            return NONE;
        }
        return i;
    }

    /** Doubles the rows; only when every row is in use, so steady state allocates nothing. */
    private void grow(int capacity) {
        int old = deadline.length;
        deadline = Arrays.copyOf(deadline, capacity);
        seq = Arrays.copyOf(seq, capacity);
        next = Arrays.copyOf(next, capacity);
        prev = Arrays.copyOf(prev, capacity);
        slotOf = Arrays.copyOf(slotOf, capacity);
        task = Arrays.copyOf(task, capacity);
        generation = Arrays.copyOf(generation, capacity);
        for (int i = capacity - 1; i >= old; i--) {
            generation[i] = 1;
            slotOf[i] = FREE;
            prev[i] = NONE;
            next[i] = freeHead;
            freeHead = i;
        }
    }

    // The batch comes out of the wheel in slot order, so usually already sorted; it is not after a
    // jump over a revolution, with sub-tick deadlines scheduled out of order, or with past
    // deadlines. Heapsort: in place, no recursion, no allocation, O(n log n) in the worst case.

    private void sortBatch(int n) {
        int[] a = batch;
        int k = 1;
        while (k < n && !before(a[k], a[k - 1])) {
            k++;
        }
        if (k == n) {
            return;
        }
        for (int i = (n >>> 1) - 1; i >= 0; i--) {
            siftDown(a, i, n);
        }
        for (int end = n - 1; end > 0; end--) {
            int t = a[0];
            a[0] = a[end];
            a[end] = t;
            siftDown(a, 0, end);
        }
    }

    /** Max-heap on (deadline, seq) over a[0, n). */
    private void siftDown(int[] a, int i, int n) {
        int x = a[i];
        int child;
        while ((child = 2 * i + 1) < n) {
            if (child + 1 < n && before(a[child], a[child + 1])) {
                child++;
            }
            if (!before(x, a[child])) {
                break;
            }
            a[i] = a[child];
            i = child;
        }
        a[i] = x;
    }

    private boolean before(int a, int b) {
        long da = deadline[a];
        long db = deadline[b];
        return da < db || (da == db && seq[a] < seq[b]);
    }

    @Override
    public String toString() {
        return "TimerWheel[" + size + " pending, now=" + nowNanos + ", slots=" + wheelSize + "]";
    }
}
