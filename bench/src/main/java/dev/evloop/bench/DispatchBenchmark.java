package dev.evloop.bench;

import dev.evloop.net.TcpSocket;
import dev.evloop.net.Transport;
import dev.evloop.poll.Backend;
import dev.evloop.poll.Events;
import dev.evloop.poll.Poller;
import dev.evloop.poll.Pollers;
import dev.evloop.poll.ReadyHandler;
import dev.evloop.poll.Trigger;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of dispatching one ready event: one kernel wait that returns at once, plus the
 * poller's bookkeeping and the call to the {@link ReadyHandler}, divided by the events it
 * delivered.
 *
 * <p>Setup: {@code readySockets} connected loopback pairs; each server side is registered for
 * {@link Events#READ}, {@link Trigger#LEVEL level-triggered}, and has one unread byte waiting, so
 * every {@code poller.poll(0, handler)} delivers exactly {@code readySockets} events and nothing
 * is ever consumed. The handler is one preallocated object that adds the ready bits to a field.
 *
 * <p>Reading the score: ns per event ({@link OperationsPerInvocation} {@value #EVENTS}: each
 * invocation makes {@value #EVENTS}{@code / readySockets} poll calls, so every size reports the
 * same unit). With {@code readySockets = 1} the system call dominates (one {@code epoll_wait} or
 * {@code poll} per event); at 512 it is spread over the batch and what remains is the per-event
 * path. poll(2) also pays the kernel's O(n) scan of the pollfd array, which here is all ready
 * anyway. {@code gc.alloc.rate.norm} is bytes per event, summed over every thread of the fork
 * (JMH's gc profiler), so JMH's own background shows as a few thousandths of a byte, and an
 * allocation made once per wait shows divided by {@code readySockets}: 40 B per wait is
 * 0.08 B/event at 512. The EPOLL and POLL dispatch paths are meant to allocate nothing once warm;
 * {@link DispatchAllocationCheck} measures the dispatching thread alone, per wait.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DispatchBenchmark {
    /** Events per invocation; every {@link #readySockets} value divides it. */
    static final int EVENTS = 512;

    @Param({"EPOLL", "POLL", "NIO"})
    public Backend backend;

    @Param({"1", "64", "512"})
    public int readySockets;

    private Poller poller;
    private TcpSocket[] sockets;
    private int pollsPerInvocation;
    private long readyBits;
    private final ReadyHandler handler = (registration, ready) -> readyBits += ready;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        if (EVENTS % readySockets != 0) {
            throw new IllegalArgumentException("readySockets must divide " + EVENTS + ": " + readySockets);
        }
        pollsPerInvocation = EVENTS / readySockets;
        poller = Pollers.open(backend);
        Transport transport = Transport.forBackend(backend);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        sockets = new TcpSocket[2 * readySockets];
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        for (int i = 0; i < readySockets; i++) {
            TcpSocket[] pair = transport.connectedPair(loopback);
            sockets[2 * i] = pair[0];
            sockets[2 * i + 1] = pair[1];
            one.clear();
            if (pair[0].write(one) != 1) {
                throw new IllegalStateException("could not write the byte on " + pair[0]);
            }
            poller.register(pair[1], Events.READ, Trigger.LEVEL, null);
        }
        // Loopback delivery is immediate in practice; wait for it rather than assume it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int delivered;
        while ((delivered = poller.poll(0, handler)) != readySockets) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("expected " + readySockets + " ready sockets, got " + delivered);
            }
            Thread.onSpinWait();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        // Check the invariant once: every poll still delivered every socket.
        int delivered = poller.poll(0, handler);
        for (TcpSocket s : sockets) {
            if (s != null) s.close();
        }
        poller.close();
        if (delivered != readySockets) {
            throw new IllegalStateException("the last poll delivered " + delivered + " of " + readySockets);
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long dispatch() throws IOException {
        Poller p = poller;
        ReadyHandler h = handler;
        for (int i = pollsPerInvocation; i > 0; i--) {
            p.poll(0, h);
        }
        return readyBits;
    }
}
