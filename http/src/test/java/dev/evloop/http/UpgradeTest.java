package dev.evloop.http;

import dev.evloop.testing.TestTls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.http.codec.HttpParseException;
import dev.evloop.net.Transport;
import dev.evloop.poll.Backend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Upgrade path (RFC 9110 §7.8): after {@code 101 Switching Protocols} the connection is an
 * {@link UpgradedStream}, still driven through the application's loop, checking mode on. Each
 * parameterized test runs on evloop's loop ({@link LoopHarness}, epoll) and on a plain JDK
 * Selector loop ({@link SelectorLoopDrivingTest.SelectorApp}, NIO transport), against a real
 * loopback peer ({@link UpgradeServer}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UpgradeTest {
    static final Duration MAX = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    static UpgradeServer plain;
    static UpgradeServer secure;
    static SSLContext clientTls;
    static JettyFixture jetty;

    @BeforeAll
    static void start() throws Exception {
        Path keyStore = TestTls.keyStore(dir);
        clientTls = TestTls.trusting(keyStore);
        plain = new UpgradeServer(null);
        secure = new UpgradeServer(TestTls.serving(keyStore));
        jetty = new JettyFixture();
    }

    @AfterAll
    static void stop() throws Exception {
        plain.close();
        secure.close();
        jetty.close();
    }

    // ---------------------------------------------------------------- two application loops

    /** An application loop driving the engine. */
    interface Driver extends AutoCloseable {
        HttpEngine engine();

        void runUntil(BooleanSupplier done, Duration max);

        /** The last action announced for {@code h}, or null if never. */
        SocketAction last(SocketHandle h);

        @Override
        void close();
    }

    static Driver driver(String kind, HttpEngine.Builder b) throws IOException {
        return kind.equals("loop") ? new HarnessDriver(b) : new SelectorDriver(b);
    }

    static final class HarnessDriver implements Driver {
        final LoopHarness h;

        HarnessDriver(HttpEngine.Builder b) throws IOException {
            h = new LoopHarness(Backend.EPOLL, b);
        }

        public HttpEngine engine() {
            return h.engine;
        }

        public void runUntil(BooleanSupplier done, Duration max) {
            h.runUntil(done, max);
        }

        public SocketAction last(SocketHandle s) {
            return h.last.get(s);
        }

        public void close() {
            h.close();
        }
    }

    static final class SelectorDriver implements Driver {
        final SelectorLoopDrivingTest.SelectorApp app;

        SelectorDriver(HttpEngine.Builder b) throws IOException {
            app = new SelectorLoopDrivingTest.SelectorApp();
            app.engine = b.socketCallback(app::onSocket).timerCallback(app::onTimer).transport(Transport.NIO)
                    .checking(true).build();
        }

        public HttpEngine engine() {
            return app.engine;
        }

        public void runUntil(BooleanSupplier done, Duration max) {
            long end = System.nanoTime() + max.toNanos();
            while (!done.getAsBoolean()) {
                if (System.nanoTime() - end > 0) throw new AssertionError("not done within " + max.toMillis() + " ms");
                try {
                    app.runOnce();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        public SocketAction last(SocketHandle s) {
            SocketAction a = null;
            for (SelectorLoopDrivingTest.Seen seen : app.seen) if (seen.handle() == s) a = seen.action();
            return a;
        }

        public void close() {
            app.engine.close();
            // REMOVE always came while the channel was still open, before the engine closed it.
            assertThat(app.seen).allSatisfy(s -> assertThat(s.channelOpen()).as("channel open at %s", s).isTrue());
            try {
                app.selector.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ---------------------------------------------------------------- a recording listener

    static final class Rec implements UpgradeListener {
        final List<String> events = new ArrayList<>();
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        /** False: onData bytes are counted and checked by {@link #onData} only, not kept. */
        boolean keep = true;
        UpgradedStream stream;
        HttpResponse response;
        int drained;
        int closed;
        Throwable cause;
        Consumer<ByteBuffer> onData = b -> { };
        Consumer<UpgradedStream> onUpgrade = s -> { };

        @Override
        public void onUpgrade(UpgradedStream s, HttpResponse r) {
            stream = s;
            response = r;
            events.add("upgrade " + r.status());
            onUpgrade.accept(s);
        }

        @Override
        public void onData(UpgradedStream s, ByteBuffer b) {
            assertThat(s).isSameAs(stream);
            if (b.remaining() <= 16) events.add("data " + StandardCharsets.US_ASCII.decode(b.duplicate()));
            else if (events.isEmpty() || !events.getLast().equals("data")) events.add("data");
            if (keep) {
                byte[] copy = new byte[b.remaining()];
                b.duplicate().get(copy);
                data.writeBytes(copy);
            }
            onData.accept(b);
            b.position(b.limit());
        }

        @Override
        public void onDrained(UpgradedStream s) {
            drained++;
            events.add("drained");
        }

        @Override
        public void onClosed(UpgradedStream s, Throwable c) {
            closed++;
            cause = c;
            events.add("closed " + c);
        }
    }

    static HttpRequest upgradeRequest(String uri, UpgradeListener l) {
        return HttpRequest.newBuilder(uri).header("Connection", "Upgrade").header("Upgrade", "test-echo")
                .upgrade(l).build();
    }

    /** Adds the upgrade request and runs until its transfer is done. */
    static TransferResult upgrade(Driver d, String uri, Rec rec) {
        Transfer t = Transfer.collecting(upgradeRequest(uri, rec), r -> rec.events.add("complete "
                + (r.error() == null ? r.response().status() : r.error().toString())));
        d.engine().add(t);
        d.runUntil(t::isDone, MAX);
        return t.result();
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /** Pauses every {@code step} bytes and resumes from a timer scheduled on the stream. */
    static int[] pauseEvery(Rec rec, int step) {
        int[] counts = new int[3]; // received since last pause, pauses, resumes
        Consumer<ByteBuffer> before = rec.onData;
        rec.onData = b -> {
            before.accept(b);
            counts[0] += b.remaining();
            if (counts[0] >= step) {
                counts[0] = 0;
                rec.stream.pauseReading();
                assertThat(rec.stream.isReadingPaused()).isTrue();
                counts[1]++;
                rec.stream.schedule(TimeUnit.MILLISECONDS.toNanos(2), () -> {
                    counts[2]++;
                    rec.stream.resumeReading();
                });
            }
        };
        return counts;
    }

    // ---------------------------------------------------------------- tests

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void echoesAtLeastOneMebibyteWithBackpressureThenEndsCleanly(String kind) throws Exception {
        int before = plain.heads.size();
        try (Driver d = driver(kind, HttpEngine.builder())) {
            Rec rec = new Rec();
            rec.keep = false;
            long[] got = {0, -1}; // bytes received, first one that differs
            rec.onData = b -> {
                for (int i = b.position(); i < b.limit(); i++, got[0]++) {
                    if (b.get(i) != UpgradeServer.pattern(got[0]) && got[1] < 0) got[1] = got[0];
                }
            };
            int[] counts = pauseEvery(rec, 128 * 1024);
            TransferResult r = upgrade(d, plain.uri("/echo"), rec);

            assertThat(r.error()).isNull();
            assertThat(r.response().status()).isEqualTo(101);
            assertThat(r.response().headers().first("Upgrade")).hasValue("test-echo");
            assertThat(rec.events).containsExactly("upgrade 101", "complete 101");
            assertThat(d.engine().connections()).as("left the pool").isZero();
            assertThat(d.engine().upgradedStreams()).isOne();
            assertThat(d.last(rec.stream.socket())).isEqualTo(SocketAction.IN);
            String head = plain.heads.get(before);
            assertThat(head).contains("Connection: Upgrade\r\n", "Upgrade: test-echo\r\n").doesNotContain("Accept-Encoding");

            // Loopback buffers take a lot (megabytes each way): with reading paused the echo
            // stalls, and writing on fills every buffer until the stream's queue takes the rest.
            rec.stream.pauseReading();
            assertThat(d.last(rec.stream.socket())).as("nothing watched while paused").isEqualTo(SocketAction.REMOVE);
            ByteBuffer chunk = ByteBuffer.allocate(256 * 1024);
            long sent = 0;
            for (int i = 0; sent < (1 << 20) || rec.stream.queuedBytes() == 0 && i < 256; i++) {
                chunk.clear();
                for (int j = 0; j < chunk.capacity(); j++) chunk.put(UpgradeServer.pattern(sent + j));
                rec.stream.write(chunk.flip());
                assertThat(chunk.hasRemaining()).as("write takes everything").isFalse();
                sent += chunk.capacity();
            }
            long total = sent;
            assertThat(rec.stream.queuedBytes()).as("the socket did not take %d bytes at once", total).isPositive();
            assertThat(d.last(rec.stream.socket())).isEqualTo(SocketAction.OUT);
            rec.stream.resumeReading();
            assertThat(d.last(rec.stream.socket())).isEqualTo(SocketAction.INOUT);
            d.runUntil(() -> got[0] >= total, MAX);

            assertThat(got[0]).isEqualTo(total);
            assertThat(got[1]).as("first byte that differs").isEqualTo(-1);
            assertThat(rec.drained).as("onDrained after the queue went out").isOne();
            assertThat(rec.stream.queuedBytes()).isZero();
            assertThat(counts[1]).as("pauses").isGreaterThanOrEqualTo(8);
            d.runUntil(() -> counts[2] == counts[1], MAX); // every resume came through the engine's timer
            assertThat(rec.closed).isZero();

            rec.stream.shutdownOutput();
            assertThatThrownBy(() -> rec.stream.write(ByteBuffer.allocate(1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("shutdownOutput");
            d.runUntil(() -> rec.closed > 0, MAX); // the server echoes the FIN
            assertThat(rec.cause).isNull();
            d.runUntil(() -> d.engine().upgradedStreams() == 0, MAX);
            assertThat(rec.stream.isOpen()).isFalse();
            assertThat(rec.stream.socket().isClosed()).isTrue();
            assertThat(d.last(rec.stream.socket())).isEqualTo(SocketAction.REMOVE);
            assertThat(rec.closed).as("onClosed once").isOne();
            assertThat(rec.events.getLast()).isEqualTo("closed null");
            while (d.engine().nextResult() != null) { } // the 101's result
            assertThat(d.engine().footprint()).as("engine state left").allSatisfy((k, v) -> assertThat(v).as(k).isZero());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void serverSendsBytesThenClosesAndOnClosedComesOnce(String kind) throws Exception {
        int n = 300_000;
        try (Driver d = driver(kind, HttpEngine.builder())) {
            Rec rec = new Rec();
            upgrade(d, plain.uri("/send/" + n), rec);
            d.runUntil(() -> rec.closed > 0, MAX);

            byte[] got = rec.data.toByteArray();
            assertThat(got).hasSize(n);
            for (int i = 0; i < n; i++) {
                if (got[i] != UpgradeServer.pattern(i)) throw new AssertionError("byte " + i + " differs");
            }
            assertThat(rec.cause).isNull();
            assertThat(d.engine().upgradedStreams()).isZero();
            assertThat(rec.stream.socket().isClosed()).isTrue();
            assertThatThrownBy(() -> rec.stream.write(ByteBuffer.allocate(1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("ended");
            assertThat(rec.closed).isOne();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void bytesInTheSamePacketAsThe101HeadComeRightAfterOnUpgrade(String kind) throws Exception {
        try (Driver d = driver(kind, HttpEngine.builder())) {
            Rec rec = new Rec();
            upgrade(d, plain.uri("/with-head"), rec);
            assertThat(rec.events).containsExactly("upgrade 101", "data hello", "complete 101");

            rec.stream.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
            d.runUntil(() -> rec.data.size() == 9, MAX);
            assertThat(rec.data.toString(StandardCharsets.US_ASCII)).isEqualTo("helloping");
            assertThat(rec.drained).as("nothing was queued").isZero();

            // Timers through the application's timer callback: one cancelled, one fired.
            boolean[] fired = new boolean[2];
            long t0 = rec.stream.nanoTime();
            long cancelled = rec.stream.schedule(TimeUnit.MILLISECONDS.toNanos(20), () -> fired[0] = true);
            long kept = rec.stream.schedule(TimeUnit.MILLISECONDS.toNanos(40), () -> fired[1] = true);
            assertThat(rec.stream.cancel(cancelled)).isTrue();
            assertThat(rec.stream.cancel(cancelled)).isFalse();
            d.runUntil(() -> fired[1], MAX);
            assertThat(rec.stream.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(40));
            assertThat(fired[0]).isFalse();
            assertThat(rec.stream.cancel(kept)).as("already ran").isFalse();
            assertThatThrownBy(() -> rec.stream.schedule(-1, () -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delayNanos");

            rec.stream.close();
            assertThat(rec.closed).as("onClosed at the end of close()'s driving call").isOne();
            assertThat(rec.cause).isNull();
            d.runUntil(() -> d.engine().upgradedStreams() == 0, MAX);
            assertThat(d.last(rec.stream.socket())).isEqualTo(SocketAction.REMOVE);
            assertThat(rec.stream.socket().isClosed()).isTrue();
            rec.stream.close(); // idempotent
            rec.stream.abort();
            assertThat(rec.closed).isOne();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "tls"})
    void bytesReadWithTheHeadWaitWhilePausedInOnUpgrade(String security) throws Exception {
        UpgradeServer server = security.equals("tls") ? secure : plain;
        try (Driver d = driver("loop", HttpEngine.builder().sslContext(clientTls))) {
            Rec rec = new Rec();
            rec.onUpgrade = UpgradedStream::pauseReading;
            upgrade(d, server.uri("/with-head"), rec);
            assertThat(rec.events).containsExactly("upgrade 101", "complete 101");
            assertThat(d.last(rec.stream.socket())).as("paused: nothing watched").isEqualTo(SocketAction.REMOVE);

            rec.stream.resumeReading(); // no socket event will come for "hello": delivered by this call
            assertThat(rec.events).containsExactly("upgrade 101", "complete 101", "data hello");
            assertThat(d.last(rec.stream.socket())).isEqualTo(SocketAction.IN);
            rec.stream.write(ByteBuffer.wrap("!".getBytes(StandardCharsets.US_ASCII)));
            d.runUntil(() -> rec.data.size() == 6, MAX);
            assertThat(rec.data.toString(StandardCharsets.US_ASCII)).isEqualTo("hello!");
        }
    }

    @Test
    void tlsBytesInTheSameRecordAsThe101Head() throws Exception {
        try (Driver d = driver("selector", HttpEngine.builder().sslContext(clientTls))) {
            Rec rec = new Rec();
            upgrade(d, secure.uri("/with-head"), rec);
            assertThat(rec.events).containsExactly("upgrade 101", "data hello", "complete 101");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void serverResetIsOnClosedWithAnIOException(String kind) throws Exception {
        try (Driver d = driver(kind, HttpEngine.builder())) {
            Rec rec = new Rec();
            upgrade(d, plain.uri("/rst"), rec);
            rec.stream.write(ByteBuffer.wrap(new byte[] {1}));
            d.runUntil(() -> rec.closed > 0, MAX);
            assertThat(rec.cause).isInstanceOf(IOException.class).hasMessageContaining("upgraded stream to")
                    .hasMessageMatching(".*(read|write) failed.*");
            assertThat(rec.stream.socket().isClosed()).isTrue();
            assertThat(d.engine().upgradedStreams()).isZero();
            assertThat(d.last(rec.stream.socket())).isEqualTo(SocketAction.REMOVE);
            assertThat(rec.closed).isOne();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void shutdownOutputSendsTheFinAfterTheQueuedBytes(String kind) throws Exception {
        try (Driver d = driver(kind, HttpEngine.builder())) {
            Rec rec = new Rec();
            upgrade(d, plain.uri("/sink"), rec);
            plain.sunk.set(-1);
            int n = 4 << 20;
            rec.stream.write(ByteBuffer.wrap(random(n)));
            rec.stream.shutdownOutput();
            assertThat(rec.stream.isOpen()).as("reading goes on").isTrue();
            d.runUntil(() -> rec.closed > 0, MAX); // the sink closes once it read the FIN
            assertThat(plain.sunk.get()).as("every byte before the end of stream").isEqualTo(n);
            assertThat(rec.cause).isNull();
            d.runUntil(() -> d.engine().upgradedStreams() == 0, MAX);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void closeWritesWhatIsQueuedAbortDropsIt(String kind) throws Exception {
        try (Driver d = driver(kind, HttpEngine.builder())) {
            Rec closing = new Rec();
            upgrade(d, plain.uri("/sink"), closing);
            plain.sunk.set(-1);
            int n = 512 * 1024;
            closing.stream.write(ByteBuffer.wrap(random(n)));
            closing.stream.close();
            assertThat(closing.stream.isOpen()).isFalse();
            assertThat(closing.closed).isOne();
            assertThatThrownBy(() -> closing.stream.write(ByteBuffer.allocate(1))).isInstanceOf(IllegalStateException.class);
            d.runUntil(() -> d.engine().upgradedStreams() == 0, MAX);
            assertThat(d.last(closing.stream.socket())).isEqualTo(SocketAction.REMOVE);
            long end = System.nanoTime() + MAX.toNanos();
            while (plain.sunk.get() < 0 && System.nanoTime() - end < 0) Thread.sleep(5);
            assertThat(plain.sunk.get()).as("the peer read every queued byte, then the end").isEqualTo(n);

            Rec aborted = new Rec();
            upgrade(d, plain.uri("/sink"), aborted);
            aborted.stream.write(ByteBuffer.wrap(random(n)));
            aborted.stream.abort();
            assertThat(aborted.stream.socket().isClosed()).as("closed at once").isTrue();
            assertThat(d.engine().upgradedStreams()).isZero();
            assertThat(aborted.closed).isOne();
            assertThat(aborted.cause).isNull();
            assertThat(aborted.events).doesNotContain("drained");
            assertThat(closing.closed).isOne();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void tlsUpgradeEchoesWithBackpressure(String kind) throws Exception {
        try (Driver d = driver(kind, HttpEngine.builder().sslContext(clientTls))) {
            Rec rec = new Rec();
            int[] counts = pauseEvery(rec, 32 * 1024);
            TransferResult r = upgrade(d, secure.uri("/echo"), rec);
            assertThat(r.error()).isNull();
            assertThat(rec.stream.isSecure()).isTrue();

            byte[] sent = random(256 * 1024);
            rec.stream.write(ByteBuffer.wrap(sent));
            d.runUntil(() -> rec.data.size() >= sent.length, MAX);
            assertThat(rec.data.toByteArray()).isEqualTo(sent);
            assertThat(counts[1]).isGreaterThanOrEqualTo(4);
            d.runUntil(() -> counts[2] == counts[1], MAX);

            rec.stream.close(); // close_notify: the server's read ends, it closes
            assertThat(rec.closed).isOne();
            d.runUntil(() -> d.engine().upgradedStreams() == 0, MAX);
            assertThat(rec.cause).isNull();
            assertThat(rec.stream.socket().isClosed()).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void tlsShutdownOutputSendsCloseNotifyAndTheStreamEndsWithThePeer(String kind) throws Exception {
        try (Driver d = driver(kind, HttpEngine.builder().sslContext(clientTls))) {
            Rec rec = new Rec();
            upgrade(d, secure.uri("/echo"), rec);
            rec.stream.write(ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)));
            d.runUntil(() -> rec.data.size() == 3, MAX);
            rec.stream.shutdownOutput(); // the server's read ends at close_notify; it closes in turn
            d.runUntil(() -> rec.closed > 0, MAX);
            assertThat(rec.cause).isNull();
            d.runUntil(() -> d.engine().upgradedStreams() == 0, MAX);
            assertThat(rec.data.toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
            assertThat(rec.closed).isOne();
        }
    }

    @Test
    void aPeerClosingATlsStreamIsACleanEnd() throws Exception {
        try (Driver d = driver("loop", HttpEngine.builder().sslContext(clientTls))) {
            Rec rec = new Rec();
            upgrade(d, secure.uri("/send/100000"), rec);
            d.runUntil(() -> rec.closed > 0, MAX);
            assertThat(rec.data.size()).isEqualTo(100_000);
            assertThat(rec.cause).isNull();
            d.runUntil(() -> d.engine().upgradedStreams() == 0, MAX);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void a101WithoutAnUpgradeListenerFailsTheTransfer(String kind) throws Exception {
        try (Driver d = driver(kind, HttpEngine.builder())) {
            HttpRequest req = HttpRequest.newBuilder(plain.uri("/echo")).header("Connection", "Upgrade")
                    .header("Upgrade", "test-echo").build();
            Transfer t = Transfer.collecting(req, r -> { });
            d.engine().add(t);
            d.runUntil(t::isDone, MAX);
            assertThat(t.result().error()).isInstanceOf(HttpParseException.class)
                    .hasMessageContaining("101 Switching Protocols").hasMessageContaining("asked for no upgrade");
            assertThat(d.engine().connections()).isZero();
            assertThat(d.engine().upgradedStreams()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void aFinalResponseToAnUpgradeRequestIsAnOrdinaryTransfer(String kind) throws Exception {
        try (Driver d = driver(kind, HttpEngine.builder())) {
            Rec rec = new Rec();
            TransferResult r = upgrade(d, jetty.uri("/hello").toString(), rec);
            assertThat(r.error()).isNull();
            assertThat(r.response().status()).isEqualTo(200);
            assertThat(r.response().bodyAsString()).isEqualTo("hello");
            assertThat(rec.events).containsExactly("complete 200");
            assertThat(d.engine().upgradedStreams()).isZero();
            assertThat(d.engine().connections()).as("kept alive in the pool as usual").isOne();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void engineCloseEndsOpenStreams(String kind) throws Exception {
        Driver d = driver(kind, HttpEngine.builder());
        Rec a = new Rec();
        Rec b = new Rec();
        try {
            upgrade(d, plain.uri("/echo"), a);
            upgrade(d, plain.uri("/echo"), b);
            b.stream.write(ByteBuffer.wrap(random(1 << 20))); // a queue that will never be written
            assertThat(d.engine().upgradedStreams()).isEqualTo(2);
        } finally {
            d.close();
        }
        for (Rec r : List.of(a, b)) {
            assertThat(r.closed).isOne();
            assertThat(r.cause).isInstanceOf(CancellationException.class).hasMessageContaining("engine closed");
            assertThat(r.stream.socket().isClosed()).isTrue();
        }
        assertThat(d.engine().upgradedStreams()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void anUpgradedConnectionNoLongerCountsTowardTheLimits(String kind) throws Exception {
        try (Driver d = driver(kind, HttpEngine.builder().maxConnectionsPerHost(1).maxConnections(1))) {
            Rec rec = new Rec();
            upgrade(d, plain.uri("/echo"), rec);
            Transfer t = Transfer.collecting(HttpRequest.get(plain.uri("/plain")), r -> { });
            d.engine().add(t);
            d.runUntil(t::isDone, MAX);
            assertThat(t.result().response().bodyAsString()).isEqualTo("plain");
            assertThat(t.result().reusedConnection()).isFalse();
            assertThat(d.engine().connections()).isOne();
            assertThat(d.engine().upgradedStreams()).isOne();

            rec.stream.write(ByteBuffer.wrap("still here".getBytes(StandardCharsets.US_ASCII)));
            d.runUntil(() -> rec.data.size() == 10, MAX);
            assertThat(rec.data.toString(StandardCharsets.US_ASCII)).isEqualTo("still here");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void theTransfersIdleAndTotalTimeoutsEndWithThe101(String kind) throws Exception {
        try (Driver d = driver(kind, HttpEngine.builder().idleTimeout(Duration.ofMillis(300))
                .totalTimeout(Duration.ofMillis(300)))) {
            Rec rec = new Rec();
            TransferResult r = upgrade(d, plain.uri("/echo"), rec);
            assertThat(r.error()).isNull();
            long quietUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700);
            d.runUntil(() -> System.nanoTime() - quietUntil > 0, MAX);
            assertThat(rec.closed).as("no timeout of the transfer reached the stream").isZero();
            rec.stream.write(ByteBuffer.wrap("late".getBytes(StandardCharsets.US_ASCII)));
            d.runUntil(() -> rec.data.size() == 4, MAX);
            assertThat(rec.stream.isOpen()).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "selector"})
    void aThrowingListenerAbortsItsStreamOnly(String kind) throws Exception {
        try (Driver d = driver(kind, HttpEngine.builder())) {
            Rec rec = new Rec();
            IllegalStateException boom = new IllegalStateException("listener bug");
            rec.onData = b -> {
                throw boom;
            };
            upgrade(d, plain.uri("/echo"), rec);
            rec.stream.write(ByteBuffer.wrap(new byte[] {42}));
            d.runUntil(() -> rec.closed > 0, MAX);
            assertThat(rec.cause).isSameAs(boom);
            assertThat(rec.stream.socket().isClosed()).isTrue();
            assertThat(d.last(rec.stream.socket())).isEqualTo(SocketAction.REMOVE);

            Transfer t = Transfer.collecting(HttpRequest.get(plain.uri("/plain")), r -> { });
            d.engine().add(t);
            d.runUntil(t::isDone, MAX);
            assertThat(t.result().response().bodyAsString()).isEqualTo("plain");
        }
    }

    @Test
    void anUpgradeRequestMustCarryItsHeaders() {
        Rec rec = new Rec();
        assertThatThrownBy(() -> HttpRequest.newBuilder("http://127.0.0.1:1/").upgrade(rec).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Upgrade header");
        assertThatThrownBy(() -> HttpRequest.newBuilder("http://127.0.0.1:1/").header("Upgrade", "websocket")
                .upgrade(rec).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Connection: Upgrade");
        HttpRequest ok = HttpRequest.newBuilder("http://127.0.0.1:1/").header("Upgrade", "websocket")
                .header("Connection", "keep-alive, Upgrade").upgrade(rec).build();
        assertThat(ok.upgradeListener()).isSameAs(rec);
    }
}
