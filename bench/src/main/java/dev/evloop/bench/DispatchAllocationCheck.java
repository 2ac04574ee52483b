package dev.evloop.bench;

import dev.evloop.poll.Backend;
import java.lang.management.ManagementFactory;

/**
 * Bytes allocated by the dispatching thread alone, per {@code poller.poll} call, for the
 * {@link DispatchBenchmark} setups. Not a JMH benchmark: a plain program, since JMH's
 * {@code -prof gc} sums every thread of the fork and normalises per event, which can hide a
 * per-wait allocation (40 B per wait is 0.08 B per event at 512 ready sockets).
 *
 * <p>Each case warms up for 4 s, then reports three 1 s rounds of
 * {@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes} for the current thread.
 * Run: {@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * dev.evloop.bench.DispatchAllocationCheck BACKENDS SIZES}, e.g. {@code EPOLL 512}. Give one
 * backend and one size per JVM start, as JMH forks do: cases run earlier in the same JVM shape
 * the profile C2 compiles the later ones with, and can hide what a fresh start shows. Whether C2
 * removes an allocation can also differ from one start to the next, so run each case a few times.
 */
public final class DispatchAllocationCheck {
    private DispatchAllocationCheck() {}

    public static void main(String[] args) throws Exception {
        String backends = args.length > 0 ? args[0] : "EPOLL,POLL,NIO";
        String sizes = args.length > 1 ? args[1] : "1,64,512";
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().threadId();
        for (String backend : backends.split(",")) {
            for (String size : sizes.split(",")) {
                DispatchBenchmark bench = new DispatchBenchmark();
                bench.backend = Backend.parse(backend);
                bench.readySockets = Integer.parseInt(size.trim());
                bench.setUp();
                try {
                    int pollsPerInvocation = DispatchBenchmark.EVENTS / bench.readySockets;
                    runFor(bench, 4_000_000_000L);
                    for (int round = 1; round <= 3; round++) {
                        long before = threads.getThreadAllocatedBytes(self);
                        long invocations = runFor(bench, 1_000_000_000L);
                        long bytes = threads.getThreadAllocatedBytes(self) - before;
                        double perPoll = bytes / (double) (invocations * pollsPerInvocation);
                        System.out.printf("%-5s readySockets=%-4d round %d: %8.3f B/poll, %8.5f B/event (%d polls)%n",
                                bench.backend, bench.readySockets, round, perPoll,
                                bytes / (double) (invocations * DispatchBenchmark.EVENTS),
                                invocations * pollsPerInvocation);
                    }
                } finally {
                    bench.tearDown();
                }
            }
        }
    }

    private static long runFor(DispatchBenchmark bench, long nanos) throws Exception {
        long invocations = 0;
        long sink = 0;
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            sink += bench.dispatch();
            invocations++;
        }
        if (sink == 42) System.out.print(""); // keeps the results alive
        return invocations;
    }
}
