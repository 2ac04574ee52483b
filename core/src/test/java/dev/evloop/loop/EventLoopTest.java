package dev.evloop.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.net.TcpSocket;
import dev.evloop.net.Transport;
import dev.evloop.poll.Backend;
import dev.evloop.poll.Events;
import dev.evloop.poll.Pollable;
import dev.evloop.poll.Registration;
import dev.evloop.poll.Trigger;
import dev.evloop.testing.Backends;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventLoopTest {

    /** Wraps a socket and counts closes, to check the loop closes what it owns exactly once. */
    static final class CountingSource implements Pollable {
        final TcpSocket socket;
        final AtomicInteger closes = new AtomicInteger();

        CountingSource(TcpSocket socket) {
            this.socket = socket;
        }

        @Override
        public int fd() {
            return socket.fd();
        }

        @Override
        public SelectableChannel channel() {
            return socket.channel();
        }

        @Override
        public void close() throws IOException {
            closes.incrementAndGet();
            socket.close();
        }
    }

    /** Every backend is listed; one this host lacks (kqueue on Linux) is reported skipped, with why. */
    private static void assumeAvailable(Backend backend) {
        Backends.assumeAvailable(backend);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void closeFromAnotherThreadEndsAWaitWithNoTimeout(Backend backend) throws Exception {
        assumeAvailable(backend);
        EventLoop loop = EventLoop.open(backend);
        TcpSocket[] p = Transport.forBackend(backend).connectedPair(InetAddress.getLoopbackAddress());
        CountingSource owned = new CountingSource(p[1]);
        // Set up on the creating thread (the owner until run() starts), then hand the loop over.
        loop.register(owned, Events.READ, (r, ready) -> { });
        CountDownLatch running = new CountDownLatch(1);
        loop.execute(running::countDown);
        Thread t = new Thread(loop::run, "loop-under-test");
        t.start();
        running.await(); // the loop thread has run an iteration; next it blocks with no timeout
        loop.close(); // returns once the loop released everything
        assertThat(loop.isTerminated()).isTrue();
        t.join(10_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(owned.closes.get()).as("owned source closed exactly once").isEqualTo(1);
        assertThat(p[1].isOpen()).isFalse();
        p[0].close();
        loop.close(); // idempotent
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void closeFromAHandlerFinishesAfterTheIteration(Backend backend) throws Exception {
        assumeAvailable(backend);
        try (EventLoop loop = EventLoop.open(backend)) {
            TcpSocket[] p = Transport.forBackend(backend).connectedPair(InetAddress.getLoopbackAddress());
            CountingSource a = new CountingSource(p[0]);
            CountingSource b = new CountingSource(p[1]);
            loop.register(a, Events.WRITE, (r, ready) -> loop.close());
            loop.register(b, Events.WRITE, (r, ready) -> loop.close());
            loop.run();
            assertThat(loop.isTerminated()).isTrue();
            assertThat(a.closes.get()).isEqualTo(1);
            assertThat(b.closes.get()).isEqualTo(1);
        }
    }

    @Test
    void tasksPostedFromOtherThreadsRunInOrderOnTheLoopThread() throws Exception {
        EventLoop loop = EventLoop.open();
        Thread t = loop.start();
        List<Integer> seen = new CopyOnWriteArrayList<>();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        for (int i = 0; i < 5000; i++) {
            int n = i;
            loop.execute(() -> {
                seen.add(n);
                threads.add(Thread.currentThread());
            });
        }
        loop.execute(done::countDown);
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).hasSize(5000).isSorted();
        assertThat(threads).containsOnly(t);
        loop.close();
        t.join(10_000);
        assertThatThrownBy(() -> loop.execute(() -> { }))
                .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("closed");
    }

    @Test
    void tasksQueuedBeforeCloseStillRun() throws Exception {
        EventLoop loop = EventLoop.open();
        AtomicInteger ran = new AtomicInteger();
        CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 10; i++) loop.execute(ran::incrementAndGet);
        }).get();
        loop.close();
        assertThat(ran.get()).isEqualTo(10);
    }

    @Test
    void ownerOnlyMethodsFailFastOnOtherThreads() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            TcpSocket[] p = Transport.NATIVE.connectedPair(InetAddress.getLoopbackAddress());
            try {
                CompletableFuture<Throwable> f = CompletableFuture.supplyAsync(() -> {
                    try {
                        loop.schedule(1, TimeUnit.MILLISECONDS, () -> { });
                        return null;
                    } catch (Throwable e) {
                        return e;
                    }
                });
                assertThat(f.get()).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("schedule()").hasMessageContaining(loop.name())
                        .hasMessageContaining("execute()");
                CompletableFuture<Throwable> g = CompletableFuture.supplyAsync(() -> {
                    try {
                        loop.register(p[0], Events.READ, (r, ready) -> { });
                        return null;
                    } catch (Throwable e) {
                        return e;
                    }
                });
                assertThat(g.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("register()");
            } finally {
                p[0].close();
                p[1].close();
            }
        }
    }

    @Test
    void registrationChangesFromAnotherThreadAreRefusedOnceTheLoopRuns() throws Exception {
        EventLoop loop = EventLoop.open();
        TcpSocket[] p = Transport.NATIVE.connectedPair(InetAddress.getLoopbackAddress());
        Registration r = loop.register(p[1], Events.READ, (reg, ready) -> { });
        r.interest(Events.READ_WRITE); // the creating thread owns the loop until it runs
        Thread t = loop.start();
        CountDownLatch running = new CountDownLatch(1);
        loop.execute(running::countDown);
        running.await();
        assertThatThrownBy(() -> r.interest(Events.READ))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Registration.interest()").hasMessageContaining(loop.name());
        CompletableFuture<Integer> viaTask = new CompletableFuture<>();
        loop.execute(() -> {
            r.interest(Events.READ);
            viaTask.complete(r.interest());
        });
        assertThat(viaTask.get(10, TimeUnit.SECONDS)).isEqualTo(Events.READ);
        loop.close();
        t.join(10_000);
        p[0].close();
        assertThat(p[1].isOpen()).as("owned by the loop, closed with it").isFalse();
    }

    @Test
    void badArguments() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            assertThatThrownBy(() -> loop.schedule(-1, TimeUnit.MILLISECONDS, () -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative timer delay: -1");
            assertThatThrownBy(() -> loop.runOnce(-5, TimeUnit.MILLISECONDS))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative timeout");
            assertThatThrownBy(() -> loop.execute(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> EventLoop.builder().wheelSize(100))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        }
    }

    @Test
    void reenteringTheLoopFromAHandlerIsRejected() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<Throwable> errors = new ArrayList<>();
            loop.execute(() -> {
                try {
                    loop.runOnce(0, TimeUnit.MILLISECONDS);
                } catch (IllegalStateException e) {
                    errors.add(e);
                }
            });
            loop.runOnce(0, TimeUnit.MILLISECONDS);
            assertThat(errors).singleElement().extracting(Throwable::getMessage).asString()
                    .contains("re-entered");
        }
    }

    @Test
    void timersFollowTheInjectedClock() throws Exception {
        ManualClock clock = new ManualClock();
        try (EventLoop loop = EventLoop.builder().clock(clock).build()) {
            List<String> fired = new ArrayList<>();
            loop.schedule(10, TimeUnit.MILLISECONDS, () -> fired.add("b"));
            loop.schedule(5, TimeUnit.MILLISECONDS, () -> fired.add("a"));
            long c = loop.schedule(7, TimeUnit.MILLISECONDS, () -> fired.add("cancelled"));
            loop.schedule(10, TimeUnit.MILLISECONDS, () -> fired.add("b2"));
            long d = loop.schedule(1, TimeUnit.MILLISECONDS, () -> fired.add("moved"));
            assertThat(loop.cancelTimer(c)).isTrue();
            assertThat(loop.rescheduleTimer(d, 20, TimeUnit.MILLISECONDS)).isTrue();
            loop.runOnce(0, TimeUnit.MILLISECONDS);
            assertThat(fired).isEmpty();
            clock.advanceMillis(5);
            loop.runOnce(0, TimeUnit.MILLISECONDS);
            assertThat(fired).containsExactly("a");
            clock.advanceMillis(100);
            loop.runOnce(0, TimeUnit.MILLISECONDS);
            assertThat(fired).containsExactly("a", "b", "b2", "moved");
            assertThat(loop.cancelTimer(c)).isFalse();
            assertThat(loop.isTimerPending(d)).isFalse();
        }
    }

    @Test
    void handlerExceptionsGoToTheErrorHandlerAndTheLoopGoesOn() throws Exception {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (EventLoop loop = EventLoop.builder().errorHandler(errors::add).build()) {
            TcpSocket[] p = Transport.NATIVE.connectedPair(InetAddress.getLoopbackAddress());
            AtomicInteger calls = new AtomicInteger();
            loop.register(p[1], Events.READ, (r, ready) -> {
                calls.incrementAndGet();
                throw new IOException("boom from handler");
            });
            loop.execute(() -> { throw new IllegalStateException("boom from task"); });
            loop.schedule(0, TimeUnit.MILLISECONDS, () -> { throw new IllegalStateException("boom from timer"); });
            p[0].write(ByteBuffer.wrap(new byte[] {1}));
            for (int i = 0; i < 100 && calls.get() < 2; i++) loop.runOnce(50, TimeUnit.MILLISECONDS);
            assertThat(calls.get()).as("level-triggered and unread: reported again").isGreaterThanOrEqualTo(2);
            assertThat(errors).extracting(Throwable::getMessage)
                    .contains("boom from handler", "boom from task", "boom from timer");
            p[0].close();
        }
    }

    @Test
    void runOnceLetsTheApplicationDriveTheLoopFromItsOwnThread() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            TcpSocket[] p = Transport.NATIVE.connectedPair(InetAddress.getLoopbackAddress());
            List<Integer> ready = new ArrayList<>();
            Registration r = loop.register(p[1], Events.READ, Trigger.EDGE, (reg, ops) -> ready.add(ops));
            assertThat(loop.runOnce(0, TimeUnit.MILLISECONDS)).isZero();
            p[0].write(ByteBuffer.wrap("hi".getBytes()));
            int work = 0;
            for (int i = 0; i < 100 && work == 0; i++) work = loop.runOnce(50, TimeUnit.MILLISECONDS);
            assertThat(ready).hasSize(1);
            assertThat(ready.getFirst() & Events.READ).isEqualTo(Events.READ);
            assertThat(r.isValid()).isTrue();
            assertThat(loop.registrations()).isEqualTo(1);
            p[0].close();
        }
    }

    /** A stage that records when it runs and can claim ready work. */
    static final class RecordingStage implements LoopStage {
        final List<String> log = new ArrayList<>();
        boolean ready;

        @Override
        public int run() {
            log.add("run");
            return 0;
        }

        @Override
        public boolean hasReadyWork() {
            return ready;
        }

        @Override
        public void close() {
            log.add("close");
        }
    }

    @Test
    void aStageIsAttachedOncePerTypeRunsAroundTheWaitAndIsClosedWithTheLoop() throws IOException {
        EventLoop loop = EventLoop.open(Backend.POLL);
        RecordingStage stage = loop.stage(RecordingStage.class, l -> new RecordingStage());
        assertThat(loop.stage(RecordingStage.class, l -> { throw new AssertionError("made twice"); })).isSameAs(stage);
        loop.execute(() -> stage.log.add("task"));
        loop.runOnce(0, TimeUnit.MILLISECONDS);
        assertThat(stage.log).containsExactly("task", "run", "run");

        // Ready work means no blocking: a wait of an hour returns at once.
        stage.ready = true;
        long start = System.nanoTime();
        loop.runOnce(1, TimeUnit.HOURS);
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(20));
        stage.ready = false;

        loop.close();
        assertThat(stage.log).endsWith("close");
        assertThat(stage.log.stream().filter("close"::equals).count()).isEqualTo(1);
    }

    @Test
    void reportErrorReachesTheErrorHandler() throws IOException {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (EventLoop loop = EventLoop.builder().backend(Backend.POLL).errorHandler(errors::add).build()) {
            RuntimeException e = new RuntimeException("from a layer on the loop");
            loop.reportError(e);
            assertThat(errors).containsExactly(e);
        }
    }
}
