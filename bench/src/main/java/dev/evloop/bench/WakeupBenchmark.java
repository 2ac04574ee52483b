package dev.evloop.bench;

import dev.evloop.poll.Backend;
import dev.evloop.poll.Poller;
import dev.evloop.poll.Pollers;
import dev.evloop.poll.ReadyHandler;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The wakeup round trip: another thread calls {@link Poller#wakeup()} and waits until the loop
 * thread has come back from its wait.
 *
 * <p>A loop thread repeats {@code poller.poll(-1, handler)} (no registrations, no timeout: only a
 * wakeup ends the wait) and bumps a volatile counter after each return. One operation: the
 * benchmark thread reads the counter, calls {@code wakeup()}, then spins
 * ({@link Thread#onSpinWait()}) until the counter moves. It therefore covers the waker's side
 * (the coalescing flag, the eventfd write, or {@code Selector.wakeup()}), the kernel waking the
 * blocked thread, the loop thread draining the wakeup source and returning, and the cache-line
 * trip back to the spinning thread.
 *
 * <p>Reading the score: microseconds per round trip, dominated by the scheduler's wake-up of a
 * sleeping thread, so it varies with the machine (on 2 cores the spinning benchmark thread and
 * the loop thread each hold one). Sometimes the loop thread has not yet gone back to sleep when
 * the next wakeup comes, which makes that round trip cheaper; the average includes both. The
 * backends differ by their wakeup source: an eventfd (EPOLL, POLL) against the JDK Selector's
 * own (an eventfd too on Linux, behind a lock). {@code gc.alloc.rate.norm} is per round trip,
 * both threads' allocation included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class WakeupBenchmark {
    private static final VarHandle RETURNS;

    static {
        try {
            RETURNS = MethodHandles.lookup().findVarHandle(WakeupBenchmark.class, "returns", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Param({"EPOLL", "POLL", "NIO"})
    public Backend backend;

    private Poller poller;
    private Thread loopThread;
    /** Returns from {@code poll}, written by the loop thread only. */
    private volatile long returns;
    private volatile boolean running;
    private volatile Throwable loopFailure;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        poller = Pollers.open(backend);
        running = true;
        ReadyHandler handler = (registration, ready) -> {
            throw new AssertionError("no registrations, yet an event for " + registration);
        };
        loopThread = new Thread(() -> {
            try {
                while (running) {
                    poller.poll(-1, handler);
                    RETURNS.setRelease(this, returns + 1);
                }
            } catch (Throwable t) {
                loopFailure = t;
                RETURNS.setRelease(this, Long.MAX_VALUE / 2); // unblocks a spinning benchmark thread
            }
        }, "wakeup-bench-loop");
        loopThread.setDaemon(true); // never keeps the fork alive if tearDown is not reached
        loopThread.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        running = false;
        poller.wakeup();
        loopThread.join(TimeUnit.SECONDS.toMillis(10));
        boolean stopped = !loopThread.isAlive();
        if (stopped) {
            poller.close(); // only once the loop thread is out of poll: the poller is single-threaded
        }
        if (loopFailure != null) {
            throw new IllegalStateException("loop thread failed", loopFailure);
        }
        if (!stopped) {
            throw new IllegalStateException("loop thread did not stop within 10 s: " + loopThread);
        }
    }

    @Benchmark
    public long wakeupRoundTrip() {
        long before = returns;
        poller.wakeup();
        long now;
        while ((now = returns) == before) {
            Thread.onSpinWait();
        }
        return now;
    }
}
