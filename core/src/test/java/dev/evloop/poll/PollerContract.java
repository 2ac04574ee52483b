package dev.evloop.poll;

import static dev.evloop.poll.Events.HANGUP;
import static dev.evloop.poll.Events.READ;
import static dev.evloop.poll.Events.READ_WRITE;
import static dev.evloop.poll.Events.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.net.TcpSocket;
import dev.evloop.net.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Poller} contract, written once; each backend runs it through a three-line subclass.
 * Real TCP sockets on loopback. Waits are bounded; "no event" is checked with a short poll, which
 * is exact on loopback where a write is queued at the peer before it returns.
 */
abstract class PollerContract {
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(5);

    Poller poller;
    Transport transport;
    private final List<TcpSocket> sockets = new ArrayList<>();

    abstract Backend backend();

    /** Whether this backend's edge triggering is the kernel's own (not emulated) on this host. */
    boolean nativeEdge() {
        return backend() == Backend.EPOLL || backend() == Backend.KQUEUE;
    }

    /** What a record of one delivered event looks like. */
    record Event(Registration registration, int ready) {
        @Override
        public String toString() {
            return registration.attachment() + ":" + Events.toString(ready);
        }
    }

    /** The poller under test; subclasses may build one with a non-default part. */
    Poller openPoller() throws IOException {
        return Pollers.open(backend());
    }

    @BeforeEach
    void open() throws IOException {
        poller = openPoller();
        transport = Transport.forBackend(backend());
    }

    @AfterEach
    void closeAll() throws IOException {
        for (TcpSocket s : sockets) s.close();
        poller.close();
    }

    /** {client, server}, both non-blocking, closed after the test. */
    TcpSocket[] pair() throws IOException {
        TcpSocket[] p = transport.connectedPair(InetAddress.getLoopbackAddress());
        sockets.add(p[0]);
        sockets.add(p[1]);
        return p;
    }

    static void send(TcpSocket s, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            assertThat(s.write(b)).as("loopback write of a few bytes never blocks").isPositive();
        }
    }

    /** Reads until EAGAIN; returns what was read (and so reports the would-block to the poller). */
    static String drain(TcpSocket s) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        StringBuilder out = new StringBuilder();
        int n;
        while ((n = s.read(b)) > 0) {
            out.append(new String(b.array(), 0, n, StandardCharsets.US_ASCII));
            b.clear();
        }
        return out.toString();
    }

    List<Event> pollOnce(long timeoutNanos) throws IOException {
        List<Event> events = new ArrayList<>();
        poller.poll(timeoutNanos, (r, ready) -> events.add(new Event(r, ready)));
        return events;
    }

    List<Event> quiet() throws IOException {
        return pollOnce(QUIET_NANOS);
    }

    /** Polls until some event arrives (bounded), returning that batch. */
    List<Event> awaitEvents() throws IOException {
        long deadline = System.nanoTime() + PATIENCE_NANOS;
        while (System.nanoTime() < deadline) {
            List<Event> events = pollOnce(TimeUnit.MILLISECONDS.toNanos(100));
            if (!events.isEmpty()) return events;
        }
        throw new AssertionError("no event within 5 s");
    }

    Event awaitOne(Registration r) throws IOException {
        List<Event> events = awaitEvents();
        assertThat(events).as("events").hasSize(1);
        assertThat(events.getFirst().registration()).isSameAs(r);
        return events.getFirst();
    }

    // ------------------------------------------------------------------ interest

    @Test
    void readInterestReportsArrivedData() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        assertThat(quiet()).isEmpty();
        send(p[0], "hello");
        assertThat(awaitOne(r).ready() & READ).isEqualTo(READ);
        assertThat(drain(p[1])).isEqualTo("hello");
        assertThat(quiet()).isEmpty();
    }

    @Test
    void writeInterestReportsWritable() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[0], WRITE, Trigger.LEVEL, "client");
        assertThat(awaitOne(r).ready()).isEqualTo(WRITE);
    }

    @Test
    void changeFromReadToWriteRemovesRead() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        send(p[0], "x");
        assertThat(awaitOne(r).ready() & READ).isEqualTo(READ);
        r.interest(WRITE);
        assertThat(r.isSubscribedRead()).isFalse();
        assertThat(r.isSubscribedWrite()).isTrue();
        for (int i = 0; i < 3; i++) {
            Event e = awaitOne(r);
            assertThat(e.ready()).as("data is unread, but READ was replaced by WRITE").isEqualTo(WRITE);
        }
    }

    @Test
    void everyInterestTransition() throws IOException {
        TcpSocket[] p = pair();
        send(p[0], "unread"); // the server side stays readable and writable throughout
        int[] sets = {0, READ, WRITE, READ_WRITE};
        Registration r = poller.register(p[1], 0, Trigger.LEVEL, "server");
        for (int from : sets) {
            for (int to : sets) {
                r.interest(from);
                expectExactly(r, from);
                r.interest(to);
                assertThat(r.interest()).isEqualTo(to);
                expectExactly(r, to);
            }
        }
    }

    private void expectExactly(Registration r, int interest) throws IOException {
        if (interest == 0) {
            assertThat(quiet()).as("nothing subscribed").isEmpty();
            return;
        }
        Event e = awaitOne(r);
        assertThat(e.ready() & READ_WRITE).as("ready with interest " + Events.toString(interest)).isEqualTo(interest);
    }

    @Test
    void changesAreAppliedOncePerWaitAndNotAtAllWhenNothingChanged() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        PollerBase base = (PollerBase) poller;
        quiet();
        long before = base.kernelUpdates;
        r.interest(WRITE);
        r.interest(READ_WRITE);
        r.interest(READ); // back where the kernel already is
        r.disable(READ);
        r.enable(READ);
        quiet();
        assertThat(base.kernelUpdates - before).as("no net change, no kernel update").isZero();
        r.interest(WRITE);
        r.interest(READ_WRITE);
        quiet();
        assertThat(base.kernelUpdates - before).as("two changes to one source, one update").isEqualTo(1);
    }

    // ------------------------------------------------------------------ disable / queries

    @Test
    void disableKeepsSubscriptionAndSilences() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        r.disable(READ);
        assertThat(r.isSubscribedRead()).isTrue();
        assertThat(r.isDisabledRead()).isTrue();
        assertThat(r.enabledInterest()).isZero();
        send(p[0], "data");
        assertThat(quiet()).isEmpty();
        r.enable(READ);
        assertThat(r.isDisabledRead()).isFalse();
        assertThat(awaitOne(r).ready() & READ).isEqualTo(READ);
    }

    @Test
    void disableOneOfTwo() throws IOException {
        TcpSocket[] p = pair();
        send(p[0], "data");
        Registration r = poller.register(p[1], READ_WRITE, Trigger.LEVEL, "server");
        r.disable(WRITE);
        assertThat(awaitOne(r).ready() & READ_WRITE).isEqualTo(READ);
        assertThat(r.isDisabledWrite()).isTrue();
        assertThat(r.isDisabledRead()).isFalse();
        assertThat(r.isSubscribed(READ_WRITE)).isTrue();
        assertThat(r.isDisabled(READ_WRITE)).isFalse();
    }

    @Test
    void queriesAndMisuse() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        assertThat(r.isSubscribedRead()).isTrue();
        assertThat(r.isSubscribedWrite()).isFalse();
        assertThat(r.isDisabledRead()).isFalse();
        assertThatThrownBy(() -> r.disable(WRITE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not subscribed");
        assertThatThrownBy(() -> r.interest(4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interest");
        r.interest(WRITE);
        assertThat(r.isSubscribedRead()).isFalse();
        assertThat(r.isDisabledRead()).as("not subscribed is not disabled").isFalse();
        r.cancel();
        assertThat(r.isValid()).isFalse();
        assertThatThrownBy(() -> r.interest(READ))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cancelled");
        r.cancel(); // idempotent
    }

    // ------------------------------------------------------------------ trigger modes

    @Test
    void levelRepeatsWhileUnread() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        send(p[0], "abc");
        for (int i = 0; i < 3; i++) {
            assertThat(awaitOne(r).ready() & READ).isEqualTo(READ);
        }
        drain(p[1]);
        assertThat(quiet()).isEmpty();
    }

    @Test
    void edgeFiresOncePerArrival() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.EDGE, "server");
        assertThat(poller.isNative(Trigger.EDGE)).isEqualTo(nativeEdge());
        for (int round = 0; round < 3; round++) {
            send(p[0], "msg" + round);
            assertThat(awaitOne(r).ready() & READ).isEqualTo(READ);
            assertThat(quiet()).as("same data, no new edge").isEmpty();
            assertThat(drain(p[1])).isEqualTo("msg" + round);
            assertThat(quiet()).as("drained, nothing new").isEmpty();
        }
    }

    @Test
    void edgeWriteFiresAgainAfterBufferDrains() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[0], WRITE, Trigger.EDGE, "client");
        assertThat(awaitOne(r).ready()).isEqualTo(WRITE);
        assertThat(quiet()).as("still writable, no new edge").isEmpty();
        fillUntilWouldBlock(p[0]);
        assertThat(quiet()).as("full").isEmpty();
        while (!drain(p[1]).isEmpty()) {
            // the peer reads everything; space frees up: a new edge
        }
        assertThat(awaitOne(r).ready() & WRITE).isEqualTo(WRITE);
    }

    static void fillUntilWouldBlock(TcpSocket s) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        for (int i = 0; i < 100_000; i++) {
            chunk.clear();
            if (s.write(chunk) == 0) return;
        }
        throw new AssertionError("socket never filled up");
    }

    @Test
    void oneshotFiresOnceUntilRearmed() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.ONESHOT, "server");
        send(p[0], "data");
        assertThat(awaitOne(r).ready() & READ).isEqualTo(READ);
        assertThat(r.interest()).as("oneshot unsubscribes what fired").isZero();
        assertThat(r.isSubscribedRead()).isFalse();
        assertThat(quiet()).as("data unread, but not re-armed").isEmpty();
        r.interest(READ);
        assertThat(awaitOne(r).ready() & READ).isEqualTo(READ);
        assertThat(quiet()).isEmpty();
    }

    @Test
    void oneshotKeepsTheOperationThatDidNotFire() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.ONESHOT, "server");
        r.interest(READ_WRITE);
        disableNothing(r);
        Event e = awaitOne(r);
        assertThat(e.ready() & READ_WRITE).isEqualTo(WRITE); // nothing to read yet
        assertThat(r.interest()).isEqualTo(READ);
        send(p[0], "late");
        assertThat(awaitOne(r).ready() & READ_WRITE).isEqualTo(READ);
        assertThat(r.interest()).isZero();
    }

    private static void disableNothing(Registration r) {
        assertThat(r.enabledInterest()).isEqualTo(r.interest());
    }

    @Test
    void dispatchDisablesUntilEnabled() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.DISPATCH, "server");
        send(p[0], "data");
        assertThat(awaitOne(r).ready() & READ).isEqualTo(READ);
        assertThat(r.isSubscribedRead()).as("dispatch keeps the subscription").isTrue();
        assertThat(r.isDisabledRead()).as("and disables it").isTrue();
        assertThat(quiet()).isEmpty();
        r.enable(READ);
        assertThat(awaitOne(r).ready() & READ).isEqualTo(READ);
        assertThat(r.isDisabledRead()).isTrue();
        drain(p[1]);
        r.enable(READ);
        assertThat(quiet()).isEmpty();
    }

    // ------------------------------------------------------------------ peer close / reset

    @Test
    void hangupWhenPeerCloses() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        send(p[0], "last words");
        p[0].close();
        Event e = awaitOne(r);
        assertThat(e.ready() & READ).isEqualTo(READ);
        if (backend() != Backend.NIO) {
            assertThat(e.ready() & HANGUP).as("native backends report the hang-up").isEqualTo(HANGUP);
        }
        assertThat(drainToEof(p[1])).isEqualTo("last words");
    }

    @Test
    void hangupReportedWithWriteInterestAfterPeerHalfCloses() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ_WRITE, Trigger.LEVEL, "server");
        p[0].shutdownOutput();
        Event e = awaitOne(r);
        assertThat(e.ready() & READ_WRITE).isEqualTo(READ_WRITE);
        assertThat(drainToEof(p[1])).isEmpty();
        send(p[1], "still open this way");
        assertThat(drain(p[0])).isEqualTo("still open this way");
    }

    static String drainToEof(TcpSocket s) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1024);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            int n = s.read(b);
            if (n < 0) return out.toString();
            out.append(new String(b.array(), 0, n, StandardCharsets.US_ASCII));
            b.clear();
        }
        throw new AssertionError("no end of stream");
    }

    @Test
    void errorWhenPeerResets() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        p[0].setLinger(0);
        p[0].close(); // RST, socket(7) SO_LINGER with a zero timeout
        Event e = awaitOne(r);
        assertThat(e.ready() & READ).isEqualTo(READ);
        if (backend() != Backend.NIO) {
            assertThat(e.ready() & (Events.ERROR | HANGUP)).as("native backends flag it").isNotZero();
        }
        assertThatThrownBy(() -> p[1].read(ByteBuffer.allocate(16)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(backend() == Backend.NIO ? "reset" : "ECONNRESET");
    }

    // ------------------------------------------------------------------ wakeup

    @Test
    void wakeupFromAnotherThreadEndsAnUnboundedWait() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        Thread waker = Thread.ofPlatform().start(() -> {
            try {
                waiting.await();
                Thread.sleep(50); // let the poller block; correctness does not depend on it
            } catch (InterruptedException e) {
                return;
            }
            poller.wakeup();
        });
        waiting.countDown();
        assertThat(poller.poll(-1, (r, ready) -> { throw new AssertionError("no source"); })).isZero();
        waker.join(5000);
    }

    @Test
    void wakeupBeforeWaitIsNotLostAndManyWakeupsCoalesce() throws IOException {
        PollerBase base = (PollerBase) poller;
        long signals = base.wakeupSignals;
        for (int i = 0; i < 1000; i++) poller.wakeup();
        assertThat(base.wakeupSignals - signals).as("one system call for 1000 wakeups").isEqualTo(1);
        assertThat(poller.poll(-1, (r, ready) -> { throw new AssertionError(); })).isZero();
        poller.wakeup();
        assertThat(base.wakeupSignals - signals).as("consumed by the wait, so the next wakeup signals").isEqualTo(2);
        assertThat(poller.poll(-1, (r, ready) -> { throw new AssertionError(); })).isZero();
        // consumed: the next wait honours its timeout instead of returning on a stale signal
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        send(p[0], "x");
        assertThat(awaitOne(r).registration()).isSameAs(r);
        poller.wakeup();
        assertThat(poller.poll(-1, (reg, ready) -> { })).isEqualTo(1);
    }

    // ------------------------------------------------------------------ cancel and reuse

    @Test
    void cancelDuringDispatchDropsThePendingEvent() throws IOException {
        TcpSocket[] a = pair();
        TcpSocket[] b = pair();
        List<String> seen = new ArrayList<>();
        Registration ra = poller.register(a[1], READ, Trigger.LEVEL, "a");
        Registration rb = poller.register(b[1], READ, Trigger.LEVEL, "b");
        send(a[0], "1");
        send(b[0], "2");
        poller.poll(PATIENCE_NANOS, (r, ready) -> {
            seen.add((String) r.attachment());
            (r == ra ? rb : ra).cancel(); // whichever runs first cancels the other
        });
        assertThat(seen).hasSize(1);
        assertThat(quiet()).as("one cancelled, the other level-triggered and unread")
                .extracting(Event::registration).containsExactly(ra.isValid() ? ra : rb);
    }

    @Test
    void descriptorReusedInsideOneBatchNeverReachesTheOldHandler() throws IOException {
        TcpSocket[] x = pair();
        TcpSocket[] a = pair();
        var listener = transport.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16, false);
        List<String> seen = new ArrayList<>();
        TcpSocket[] reused = new TcpSocket[1];
        Registration[] regB = new Registration[1];
        int[] oldFd = {-2};
        Registration rx = poller.register(x[1], READ, Trigger.LEVEL, "x");
        Registration ra = poller.register(a[1], READ, Trigger.LEVEL, "a");
        send(x[0], "for x");
        send(a[0], "for a");
        poller.poll(PATIENCE_NANOS, (r, ready) -> {
            seen.add((String) r.attachment());
            if (reused[0] != null) return;
            // The first handler closes the other source and opens a new one, which the OS gives
            // the lowest free number: the one just closed.
            TcpSocket victim = r == rx ? a[1] : x[1];
            try {
                oldFd[0] = victim.fd();
                victim.close(); // cancels its registration, then closes
                TcpSocket b = transport.connect(listener.localAddress());
                reused[0] = b;
                sockets.add(b);
                regB[0] = poller.register(b, READ, Trigger.LEVEL, "b");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(seen).as("the closed source's pending event was dropped; b has nothing to read").hasSize(1);
        if (backend() != Backend.NIO) {
            assertThat(reused[0].fd()).as("the scenario needs the number reused").isEqualTo(oldFd[0]);
        }
        TcpSocket bPeer = null;
        for (int i = 0; i < 100 && bPeer == null; i++) bPeer = listener.accept();
        assertThat(bPeer).isNotNull();
        sockets.add(bPeer);
        listener.close();
        while (!reused[0].finishConnect()) {
            Thread.onSpinWait();
        }
        send(bPeer, "for b");
        List<Event> events = awaitEvents();
        List<String> names = events.stream().map(e -> (String) e.registration().attachment()).toList();
        assertThat(names).contains("b").doesNotContain(seen.getFirst().equals("x") ? "a" : "x");
        assertThat(regB[0].isValid()).isTrue();
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void registerRejectsNegativeClosedAndDuplicateSources() throws IOException {
        TcpSocket[] p = pair();
        poller.register(p[1], READ, Trigger.LEVEL, "first");
        assertThatThrownBy(() -> poller.register(p[1], READ, Trigger.LEVEL, "again"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already registered");
        TcpSocket[] q = pair();
        q[0].close();
        assertThatThrownBy(() -> poller.register(q[0], READ, Trigger.LEVEL, "closed"))
                .isInstanceOfAny(IOException.class, IllegalArgumentException.class)
                .hasMessageContaining("closed");
        if (backend() != Backend.NIO) {
            // A number far above anything open (the soft limit here is 20,000): EBADF, at register time.
            assertThatThrownBy(() -> poller.register(new RawFd(65_000), READ, Trigger.LEVEL, "not open"))
                    .isInstanceOf(IOException.class).hasMessageContaining("EBADF").hasMessageContaining("65000");
            assertThatThrownBy(() -> poller.register(new RawFd(65_000), 0, Trigger.LEVEL, "not open"))
                    .isInstanceOf(IOException.class).hasMessageContaining("EBADF");
            assertThatThrownBy(() -> poller.register(new RawFd(-1), READ, Trigger.LEVEL, "negative"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        } else {
            assertThatThrownBy(() -> poller.register(new RawFd(0), READ, Trigger.LEVEL, "raw"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("raw descriptor");
        }
    }

    @Test
    void closedPollerRefusesWorkButToleratesWakeup() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        poller.close();
        assertThat(r.isValid()).isFalse();
        assertThat(poller.isOpen()).isFalse();
        poller.wakeup();
        assertThatThrownBy(() -> poller.poll(0, (x, y) -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> poller.register(p[0], READ, Trigger.LEVEL, "late"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        poller.close(); // idempotent
    }

    @Test
    void cancelThenCloseThenPollIsClean() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        send(p[0], "x");
        r.cancel();
        p[1].close();
        assertThat(quiet()).isEmpty();
        assertThat(poller.size()).isZero();
    }

    @Test
    void confinedPollerRefusesChangesFromOtherThreads() throws Exception {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        poller.confine(Thread.currentThread());
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread other = Thread.ofPlatform().name("intruder").start(() -> {
            for (Runnable misuse : List.<Runnable>of(
                    () -> r.interest(WRITE),
                    () -> r.disable(READ),
                    r::cancel,
                    () -> {
                        try {
                            poller.register(p[0], READ, Trigger.LEVEL, "other");
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    })) {
                try {
                    misuse.run();
                } catch (IllegalStateException e) {
                    errors.add(e);
                }
            }
        });
        other.join(5000);
        assertThat(errors).hasSize(4).allSatisfy(e -> assertThat(e.getMessage())
                .contains("called on thread intruder").contains(Thread.currentThread().getName()));
        assertThat(r.isValid()).isTrue();
        assertThat(r.interest()).isEqualTo(READ);
        poller.confine(null);
        Thread.ofPlatform().start(() -> r.interest(WRITE)).join(5000);
        assertThat(r.interest()).as("unconfined: the caller keeps the rule itself").isEqualTo(WRITE);
    }

    /** A bare descriptor number, for the bad-input cases. */
    record RawFd(int fd) implements Pollable {
        @Override
        public void close() {}
    }
}
