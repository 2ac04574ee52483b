package dev.evloop.loop;

import java.util.concurrent.TimeUnit;

/**
 * A {@link Clock} that moves only when told to, for tests and simulations. Reads are safe from
 * any thread; writers serialise on this object so concurrent advances add up.
 */
public final class ManualClock implements Clock {
    /** Current time; only ever increases. Written under {@code this}, read by any thread. */
    private volatile long nanos;

    public ManualClock() {
        this(0L);
    }

    public ManualClock(long startNanos) {
        this.nanos = startNanos;
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    /**
     * Moves time forward by {@code amount} (0 allowed) and returns the new time.
     *
     * @throws IllegalArgumentException if {@code amount} is negative
     * @throws ArithmeticException if the time would overflow a {@code long}
     */
    public synchronized long advance(long amount, TimeUnit unit) {
        if (amount < 0) {
            throw new IllegalArgumentException("ManualClock cannot go backwards: advance(" + amount + ", " + unit + ")");
        }
        long delta = unit.toNanos(amount);
        if (delta == Long.MAX_VALUE && unit != TimeUnit.NANOSECONDS) {
            throw new ArithmeticException("advance(" + amount + ", " + unit + ") overflows nanoseconds");
        }
        nanos = Math.addExact(nanos, delta);
        return nanos;
    }

    /** {@link #advance(long, TimeUnit)} in milliseconds. */
    public long advanceMillis(long millis) {
        return advance(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Jumps to {@code newNanos}, which may equal but not precede the current time.
     *
     * @throws IllegalArgumentException if {@code newNanos} is earlier than the current time
     */
    public synchronized void set(long newNanos) {
        if (newNanos < nanos) {
            throw new IllegalArgumentException(
                    "ManualClock cannot go backwards: set(" + newNanos + ") while the time is " + nanos);
        }
        nanos = newNanos;
    }

    @Override
    public String toString() {
        return "ManualClock[" + nanos + " ns]";
    }
}
