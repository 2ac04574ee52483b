package dev.evloop.bench;

import dev.evloop.loop.TimerWheel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link TimerWheel} operations with {@code liveTimers} timers already pending.
 *
 * <p>Setup: a wheel of the default 4096 one-millisecond slots, at time 0, holding
 * {@code liveTimers} timers with deadlines drawn uniformly from (0, 10 min] by a fixed seed. All
 * timers share one static no-op {@link Runnable}, so no operation allocates a task; the deltas
 * cycle through a precomputed array, so none computes a random number.
 *
 * <ul>
 *   <li>{@link #scheduleCancel}: {@code id = schedule(now + delta, TASK); cancel(id)} with a delta
 *       between 1 ms and 10 min: the cost of arming and disarming an I/O timeout. Both steps are
 *       O(1) (a free-list pop, an append to the slot's list, an unlink), so the score should not
 *       move with {@code liveTimers} beyond cache effects, and {@code gc.alloc.rate.norm} should
 *       be 0 B/op: the rows are reused.
 *   <li>{@link #scheduleExpire}: schedules a timer due now and calls {@code expire(now)}, which
 *       runs it. Time does not advance, so every call walks the current slot, which also holds
 *       the pending timers of later revolutions whose deadline maps to it (about
 *       {@code liveTimers / 4096} of them, about 244 at a million). This one therefore grows
 *       with {@code liveTimers}: it shows the hashed wheel's per-tick walk, not a flaw in the
 *       bookkeeping.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class TimerBenchmark {
    private static final Runnable TASK = () -> { };
    private static final long SEED = 0x5EED_7133L;
    private static final long SPREAD_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final int DELTAS = 4096;

    @Param({"1000", "100000", "1000000"})
    public int liveTimers;

    private TimerWheel wheel;
    private final long[] deltas = new long[DELTAS];
    private int next;
    private final long now = 0L;

    @Setup(Level.Trial)
    public void setUp() {
        wheel = new TimerWheel(now, e -> { throw new AssertionError("timer task failed", e); });
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < liveTimers; i++) {
            wheel.schedule(now + 1 + random.nextLong(SPREAD_NANOS), TASK);
        }
        for (int i = 0; i < DELTAS; i++) {
            deltas[i] = TimeUnit.MILLISECONDS.toNanos(1) + random.nextLong(SPREAD_NANOS);
        }
        // The rows for the benchmark's own timer exist before the first measured call.
        wheel.cancel(wheel.schedule(now + deltas[0], TASK));
        if (wheel.size() != liveTimers) throw new AssertionError(wheel);
    }

    @Benchmark
    public long scheduleCancel() {
        long id = wheel.schedule(now + deltas[next++ & (DELTAS - 1)], TASK);
        wheel.cancel(id);
        return id;
    }

    @Benchmark
    public int scheduleExpire() {
        wheel.schedule(now, TASK);
        return wheel.expire(now);
    }
}
