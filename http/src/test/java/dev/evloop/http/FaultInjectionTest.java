package dev.evloop.http;

import dev.evloop.testing.TestTls;
import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.http.driver.LoopDriver;
import dev.evloop.loop.EventLoop;
import dev.evloop.net.Transport;
import dev.evloop.testing.FaultProxy;
import dev.evloop.testing.FaultProxy.Cut;
import dev.evloop.testing.FaultProxy.Direction;
import dev.evloop.testing.FaultProxy.Fault;
import dev.evloop.testing.FaultProxy.Flow;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The engine against Jetty 12 through a {@link FaultProxy}, over HTTP/1.1 and TLS: every transfer
 * ends with its exact body or a clear error, within a bound far below the class timeout (a hang
 * fails as "no result within"); after a failure the same engine completes a new transfer on a new
 * connection; the loop's error handler (where a {@link ContractViolation} of the checking mode
 * would land) stays silent.
 *
 * <p>Transfers: a small GET, a 1 MiB GET and a 256 KiB POST echoed back. Cuts mid-transfer are
 * placed after {@value #MID} bytes of a direction: past any TLS handshake, inside any body.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultInjectionTest {
    enum Scheme { HTTP, HTTPS }

    private static final int MID = 20_000;
    private static final int LARGE = 1 << 20;
    private static final byte[] UPLOAD = payload(256 * 1024);
    /** Every transfer here ends (with a result or an error) well within this. */
    private static final Duration BOUND = Duration.ofSeconds(15);
    private static final Duration SHORT = Duration.ofMillis(300);

    @TempDir
    static Path dir;
    static Path keyStore;
    static JettyFixture jetty;

    @BeforeAll
    static void start() throws Exception {
        keyStore = TestTls.keyStore(dir);
        jetty = new JettyFixture(keyStore, TestTls.PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        jetty.close();
    }

    // ---------------------------------------------------------------- bytes delayed or split: exact results

    @ParameterizedTest
    @EnumSource(Scheme.class)
    void delayedChunksArriveIntactOnOneKeptAliveConnection(Scheme scheme) throws Exception {
        try (FaultProxy proxy = proxy(scheme, i -> Fault.both(Flow.PASS.delay(Duration.ofMillis(2))));
                Driven e = new Driven(scheme, b -> b)) {
            expectAllThree(e, scheme, proxy);
            assertThat(proxy.accepted()).as("one connection, kept alive").isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Scheme.class)
    void oneBytePiecesArriveIntact(Scheme scheme) throws Exception {
        byte[] upload = payload(16 * 1024);
        try (FaultProxy proxy = proxy(scheme, i -> Fault.both(Flow.PASS.oneByteWrites()));
                Driven e = new Driven(scheme, b -> b)) {
            expectBody(e.run(get(scheme, proxy, "/hello")), "hello".getBytes());
            expectBody(e.run(get(scheme, proxy, "/bytes/32768")), JettyFixture.letters(32768));
            expectBody(e.run(post(scheme, proxy, upload)), upload);
            assertThat(proxy.writes(Direction.DOWN)).as("one write per byte").isEqualTo(proxy.bytes(Direction.DOWN));
            assertThat(proxy.bytes(Direction.DOWN)).isGreaterThan(32768 + upload.length);
            assertThat(proxy.accepted()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Scheme.class)
    void stallsShorterThanTheIdleTimeoutOnlyDelay(Scheme scheme) throws Exception {
        Flow stall = Flow.PASS.stallAfter(MID, SHORT);
        try (FaultProxy proxy = proxy(scheme, i -> new Fault(stall, stall));
                Driven e = new Driven(scheme, b -> b.idleTimeout(Duration.ofSeconds(3)))) {
            expectBody(e.run(get(scheme, proxy, "/bytes/" + LARGE)), JettyFixture.letters(LARGE));
            expectBody(e.run(post(scheme, proxy, UPLOAD)), UPLOAD);
            assertThat(proxy.cuts(Cut.STALL)).as("both directions stalled once").isEqualTo(2);
            assertThat(proxy.accepted()).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------- stalls: the engine's timeouts fire

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"HTTP, DOWN", "HTTP, UP", "HTTPS, DOWN", "HTTPS, UP"})
    void aStallMidTransferEndsInTheIdleTimeout(Scheme scheme, Direction direction) throws Exception {
        Flow stall = Flow.PASS.stallForeverAfter(MID);
        try (FaultProxy proxy = proxy(scheme, i -> i == 0 ? faultOn(direction, stall) : Fault.NONE);
                Driven e = new Driven(scheme, b -> b.idleTimeout(SHORT))) {
            TransferResult r = e.run(direction == Direction.DOWN ? get(scheme, proxy, "/bytes/" + LARGE) : post(scheme, proxy, UPLOAD));
            expectError(r, HttpTimeoutException.class, "no bytes for 300 ms");
            assertThat(proxy.cuts(Cut.STALL)).isEqualTo(1);
            expectRecovery(e, scheme, proxy);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"HTTP, DOWN", "HTTP, UP", "HTTPS, DOWN", "HTTPS, UP"})
    void aStallBeforeTheFirstByteEndsInATimeout(Scheme scheme, Direction direction) throws Exception {
        try (FaultProxy proxy = proxy(scheme, i -> i == 0 ? faultOn(direction, Flow.PASS.stallForeverAfter(0)) : Fault.NONE);
                Driven e = new Driven(scheme, b -> b.idleTimeout(SHORT).connectTimeout(SHORT))) {
            TransferResult r = e.run(get(scheme, proxy, "/hello"));
            // TCP connects to the proxy at once; the connect timeout covers the TLS handshake.
            if (scheme == Scheme.HTTPS) expectError(r, HttpTimeoutException.class, "timed out after 300 ms");
            else expectError(r, HttpTimeoutException.class, "no bytes for 300 ms");
            expectRecovery(e, scheme, proxy);
        }
    }

    // ---------------------------------------------------------------- resets, drops, half-closes mid-transfer

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "HTTP, DOWN, RESET", "HTTP, UP, RESET", "HTTPS, DOWN, RESET", "HTTPS, UP, RESET",
        "HTTP, DOWN, DROP", "HTTP, UP, DROP", "HTTPS, DOWN, DROP", "HTTPS, UP, DROP",
        "HTTP, DOWN, HALF_CLOSE", "HTTPS, DOWN, HALF_CLOSE",
    })
    void aCutMidTransferIsAClearError(Scheme scheme, Direction direction, Cut cut) throws Exception {
        try (FaultProxy proxy = proxy(scheme, i -> i == 0 ? faultOn(direction, cutAfter(cut, MID)) : Fault.NONE);
                Driven e = new Driven(scheme, b -> b)) {
            TransferResult r = e.run(direction == Direction.DOWN ? get(scheme, proxy, "/bytes/" + LARGE) : post(scheme, proxy, UPLOAD));
            switch (cut) {
                case RESET -> expectError(r, IOException.class, "ECONNRESET");
                // A plain close: end of stream mid-body, or, for an upload, a write into a closed
                // socket (EPIPE), or RST when the proxy closed with the upload unread (RFC 1122 §4.2.2.13).
                case DROP -> assertThat(describe(r)).matches(direction == Direction.DOWN
                        ? ".*HttpParseException: connection closed before the end of the message: after \\d+ of 1048576 body bytes"
                        : ".*(connection closed before the response to POST started|EPIPE|ECONNRESET).*");
                case HALF_CLOSE -> expectError(r, IOException.class, "connection closed before the end of the message");
                default -> throw new AssertionError(cut);
            }
            assertThat(proxy.cuts(cut)).isEqualTo(1);
            expectRecovery(e, scheme, proxy);
        }
    }

    /**
     * The request body stops halfway with end of stream: Jetty answers 400 (RFC 9112 §8: an
     * incomplete message), which the engine delivers if it already sent all it had, or the engine
     * fails writing into the connection the proxy then closes. Never a 200.
     */
    @ParameterizedTest
    @EnumSource(Scheme.class)
    void anUploadCutShortByAHalfCloseIsA400OrAClearError(Scheme scheme) throws Exception {
        try (FaultProxy proxy = proxy(scheme, i -> i == 0 ? Fault.up(Flow.PASS.halfCloseAfter(MID)) : Fault.NONE);
                Driven e = new Driven(scheme, b -> b)) {
            TransferResult r = e.run(post(scheme, proxy, UPLOAD));
            if (r.isSuccess()) assertThat(r.response().status()).as(describe(r)).isEqualTo(400);
            else assertThat(describe(r)).matches(".*(EPIPE|ECONNRESET|connection closed).*");
            assertThat(proxy.cuts(Cut.HALF_CLOSE)).isEqualTo(1);
            expectRecovery(e, scheme, proxy);
        }
    }

    // ---------------------------------------------------------------- cuts between exchanges

    /**
     * End of stream right after a complete exchange (the budget is the exact byte count of a
     * fault-free run): the result stands, and the dead connection is not used again. TLS only
     * upward: the server's handshake length varies with its ECDSA signature (DER, 70 to 72 bytes).
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"HTTP, UP", "HTTP, DOWN", "HTTPS, UP"})
    void aHalfCloseRightAfterTheExchangeKeepsTheResultAndTheDeadConnectionIsNotReused(Scheme scheme, Direction direction)
            throws Exception {
        long n = bytesAfterEach(scheme, direction, List.of(p -> get(scheme, p, "/hello")))[0];
        try (FaultProxy proxy = proxy(scheme, i -> i == 0 ? faultOn(direction, Flow.PASS.halfCloseAfter(n)) : Fault.NONE);
                Driven e = new Driven(scheme, b -> b)) {
            expectBody(e.run(get(scheme, proxy, "/hello")), "hello".getBytes());
            expectBody(e.run(get(scheme, proxy, "/bytes/5000")), JettyFixture.letters(5000));
            assertThat(proxy.cuts(Cut.HALF_CLOSE)).isEqualTo(1);
            assertThat(proxy.accepted()).as("the half-closed connection was not reused").isEqualTo(2);
        }
    }

    /**
     * A kept-alive connection dies (reset or closed) after the first bytes of the next request,
     * before any response byte: the engine sends a GET once more on a fresh connection.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"HTTP, RESET", "HTTP, DROP", "HTTPS, RESET", "HTTPS, DROP"})
    void aGetOnAReusedConnectionThatDiesIsRetriedOnAFreshOne(Scheme scheme, Cut cut) throws Exception {
        long[] at = bytesAfterEach(scheme, Direction.UP,
                List.of(p -> get(scheme, p, "/hello"), p -> get(scheme, p, "/bytes/5000")));
        long n = at[0] + (at[1] - at[0]) / 2; // inside the second request
        try (FaultProxy proxy = proxy(scheme, i -> i == 0 ? Fault.up(cutAfter(cut, n)) : Fault.NONE);
                Driven e = new Driven(scheme, b -> b)) {
            expectBody(e.run(get(scheme, proxy, "/hello")), "hello".getBytes());
            TransferResult second = e.run(get(scheme, proxy, "/bytes/5000"));
            expectBody(second, JettyFixture.letters(5000));
            assertThat(second.reusedConnection()).as("completed on the fresh connection").isFalse();
            assertThat(proxy.cuts(cut)).isEqualTo(1);
            assertThat(proxy.accepted()).isEqualTo(2);
        }
    }

    /** The same death under a POST: not idempotent (RFC 9110 §9.2.2), so never sent twice. */
    @ParameterizedTest
    @EnumSource(Scheme.class)
    void aPostOnAReusedConnectionThatDiesFailsAndIsNotRepeated(Scheme scheme) throws Exception {
        byte[] body = payload(2000);
        long[] at = bytesAfterEach(scheme, Direction.UP,
                List.of(p -> get(scheme, p, "/hello"), p -> post(scheme, p, body)));
        long n = at[0] + (at[1] - at[0]) / 2;
        try (FaultProxy proxy = proxy(scheme, i -> i == 0 ? Fault.up(Flow.PASS.resetAfter(n)) : Fault.NONE);
                Driven e = new Driven(scheme, b -> b)) {
            expectBody(e.run(get(scheme, proxy, "/hello")), "hello".getBytes());
            expectError(e.run(post(scheme, proxy, body)), IOException.class, "ECONNRESET");
            assertThat(proxy.accepted()).as("no second attempt").isEqualTo(1);
            expectRecovery(e, scheme, proxy);
        }
    }

    /** Eight transfers at once over four connections, two of which are reset mid-response. */
    @ParameterizedTest
    @EnumSource(Scheme.class)
    void resetsOnSomeConnectionsLeaveTheOthersIntact(Scheme scheme) throws Exception {
        try (FaultProxy proxy = proxy(scheme, i -> i == 1 || i == 2 ? Fault.down(Flow.PASS.resetAfter(MID)) : Fault.NONE);
                Driven e = new Driven(scheme, b -> b.maxConnectionsPerHost(4))) {
            List<TransferResult> all = e.runAll(java.util.stream.IntStream.range(0, 8)
                    .mapToObj(i -> get(scheme, proxy, "/bytes/" + (200_000 + i))).toList());
            int failed = 0;
            for (int i = 0; i < all.size(); i++) {
                TransferResult r = all.get(i);
                if (r.isSuccess()) {
                    expectBody(r, JettyFixture.letters(200_000 + i));
                } else {
                    expectError(r, IOException.class, "ECONNRESET");
                    failed++;
                }
            }
            assertThat(failed).as("one transfer per reset connection").isEqualTo(proxy.cuts(Cut.RESET)).isEqualTo(2);
            expectBody(e.run(get(scheme, proxy, "/bytes/5000")), JettyFixture.letters(5000)); // on a surviving connection
        }
    }

    /**
     * A body delimited by the close of the connection (RFC 9112 §6.3 rule 8) over TLS: complete
     * only when the close is TLS's close_notify. A bare end of stream in the middle (the proxy drops
     * the connection) is an incomplete close, a possible truncation attack (RFC 8446 §6.1, RFC 9112
     * §9.8): an error, never a shorter 200.
     */
    @Test
    void aCloseDelimitedTlsBodyCutWithoutCloseNotifyIsAnError() throws Exception {
        byte[] body = JettyFixture.letters(100_000);
        try (CloseDelimitedTlsServer server = new CloseDelimitedTlsServer(body);
                FaultProxy proxy = FaultProxy.start(server.address(), i -> i == 0 ? Fault.down(Flow.PASS.dropAfter(MID)) : Fault.NONE);
                Driven e = new Driven(Scheme.HTTPS, b -> b)) {
            TransferResult cut = e.run(get(Scheme.HTTPS, proxy, "/close-delimited"));
            expectError(cut, IOException.class, "close_notify");
            assertThat(proxy.cuts(Cut.DROP)).isEqualTo(1);
            // The same response ended by close_notify is whole.
            expectBody(e.run(get(Scheme.HTTPS, proxy, "/close-delimited")), body);
        }
    }

    /** Answers each connection's request with a close-delimited body, then close_notify and close. */
    static final class CloseDelimitedTlsServer implements AutoCloseable {
        final javax.net.ssl.SSLServerSocket socket;
        final Thread acceptor;

        CloseDelimitedTlsServer(byte[] body) throws Exception {
            socket = (javax.net.ssl.SSLServerSocket) TestTls.serving(keyStore).getServerSocketFactory()
                    .createServerSocket(0, 10, java.net.InetAddress.getByName("127.0.0.1"));
            acceptor = Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    try (java.net.Socket s = socket.accept()) {
                        HttpClientTest.readHead(s.getInputStream());
                        s.getOutputStream().write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".getBytes());
                        s.getOutputStream().write(body);
                        s.getOutputStream().flush();
                    } catch (IOException e) {
                        if (socket.isClosed()) return; // else: a connection the proxy cut; next
                    }
                }
            });
        }

        InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", socket.getLocalPort());
        }

        @Override
        public void close() throws Exception {
            socket.close();
            acceptor.join(5000);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The three transfers, in order, each with its exact body. */
    private static void expectAllThree(Driven e, Scheme scheme, FaultProxy proxy) {
        expectBody(e.run(get(scheme, proxy, "/hello")), "hello".getBytes());
        expectBody(e.run(get(scheme, proxy, "/bytes/" + LARGE)), JettyFixture.letters(LARGE));
        expectBody(e.run(post(scheme, proxy, UPLOAD)), UPLOAD);
    }

    /** After a failure: the same engine completes a transfer, on a new connection. */
    private static void expectRecovery(Driven e, Scheme scheme, FaultProxy proxy) {
        int before = proxy.accepted();
        expectBody(e.run(get(scheme, proxy, "/bytes/5000")), JettyFixture.letters(5000));
        assertThat(proxy.accepted()).as("a new connection, not the broken one").isEqualTo(before + 1);
    }

    static Flow cutAfter(Cut cut, long n) {
        return switch (cut) {
            case RESET -> Flow.PASS.resetAfter(n);
            case DROP -> Flow.PASS.dropAfter(n);
            case HALF_CLOSE -> Flow.PASS.halfCloseAfter(n);
            default -> throw new IllegalArgumentException("not a cut after N bytes: " + cut);
        };
    }

    /**
     * A fault-free run of {@code requests} on one connection by a fresh engine (a fresh TLS
     * context: a full handshake, as in the run under test): the bytes {@code d} had carried after
     * each. The budgets of cuts between exchanges come from here.
     */
    static long[] bytesAfterEach(Scheme scheme, Direction d, List<java.util.function.Function<FaultProxy, HttpRequest>> requests)
            throws Exception {
        try (FaultProxy p = proxy(scheme, i -> Fault.NONE); Driven e = new Driven(scheme, b -> b)) {
            long[] at = new long[requests.size()];
            for (int i = 0; i < at.length; i++) {
                TransferResult r = e.run(requests.get(i).apply(p));
                assertThat(r.isSuccess()).as("fault-free run: %s", describe(r)).isTrue();
                at[i] = p.bytes(0, d);
            }
            assertThat(p.accepted()).isEqualTo(1);
            return at;
        }
    }

    static Fault faultOn(Direction d, Flow f) {
        return d == Direction.UP ? Fault.up(f) : Fault.down(f);
    }

    private static void expectBody(TransferResult r, byte[] body) {
        assertThat(r.isSuccess()).as("%s", describe(r)).isTrue();
        assertThat(r.response().status()).isEqualTo(200);
        assertThat(r.response().body()).isEqualTo(body);
    }

    private static void expectError(TransferResult r, Class<? extends IOException> type, String message) {
        assertThat(r.error()).as("%s", describe(r)).isInstanceOf(type).hasMessageContaining(message);
    }

    static String describe(TransferResult r) {
        if (r.isSuccess()) return "status " + r.response().status() + ", " + r.response().body().length + " bytes";
        return String.valueOf(r.error());
    }

    static FaultProxy proxy(Scheme scheme, IntFunction<Fault> plan) throws IOException {
        int port = scheme == Scheme.HTTP ? jetty.connector.getLocalPort() : jetty.tls.getLocalPort();
        return FaultProxy.start(new InetSocketAddress("127.0.0.1", port), plan);
    }

    static String uri(Scheme scheme, FaultProxy proxy, String path) {
        // The test certificate names localhost; the engine reaches localhost as 127.0.0.1.
        return (scheme == Scheme.HTTP ? "http://127.0.0.1:" : "https://localhost:") + proxy.port() + path;
    }

    static HttpRequest get(Scheme scheme, FaultProxy proxy, String path) {
        return HttpRequest.get(uri(scheme, proxy, path));
    }

    static HttpRequest post(Scheme scheme, FaultProxy proxy, byte[] body) {
        return HttpRequest.newBuilder(uri(scheme, proxy, "/echo")).POST(body).build();
    }

    static byte[] payload(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 7 + (i >>> 10));
        return b;
    }

    /** What the fixture's /bytes/N sends. */
    /**
     * The engine in checking mode on an {@link EventLoop} the test thread runs, through the real
     * {@link LoopDriver}; whatever reaches the loop's error handler (a contract violation, a
     * failing callback) is kept and fails the test.
     */
    static final class Driven implements AutoCloseable {
        final EventLoop loop;
        final HttpEngine engine;
        final List<Throwable> loopErrors = Collections.synchronizedList(new ArrayList<>());

        Driven(Scheme scheme, UnaryOperator<HttpEngine.Builder> options) throws Exception {
            loop = EventLoop.builder().name("fault-injection").errorHandler(loopErrors::add).build();
            LoopDriver driver = new LoopDriver(loop);
            HttpEngine.Builder b = HttpEngine.builder().socketCallback(driver.socketCallback())
                    .timerCallback(driver.timerCallback()).transport(Transport.forBackend(loop.backend()))
                    .checking(true);
            if (scheme == Scheme.HTTPS) b.sslContext(TestTls.trusting(keyStore)); // fresh: no session to resume
            engine = options.apply(b).build();
            driver.bind(engine);
        }

        /** Runs {@code request} to its end; fails if it has none within {@link #BOUND}. */
        TransferResult run(HttpRequest request) {
            Transfer t = Transfer.collecting(request, r -> { });
            engine.add(t);
            long end = System.nanoTime() + BOUND.toNanos();
            while (!t.isDone()) {
                if (System.nanoTime() - end > 0) {
                    throw new AssertionError("no result within " + BOUND.toMillis() + " ms for " + request + ": a hang");
                }
                loop.runOnce(10, TimeUnit.MILLISECONDS);
            }
            assertThat(loopErrors).as("errors in the loop (contract violations land here)").isEmpty();
            return t.result();
        }

        /** Runs {@code requests} at once; each must end within {@link #BOUND}. */
        List<TransferResult> runAll(List<HttpRequest> requests) {
            List<Transfer> ts = new ArrayList<>();
            for (HttpRequest r : requests) {
                Transfer t = Transfer.collecting(r, x -> { });
                ts.add(t);
                engine.add(t);
            }
            long end = System.nanoTime() + BOUND.toNanos();
            while (!ts.stream().allMatch(Transfer::isDone)) {
                if (System.nanoTime() - end > 0) {
                    throw new AssertionError("not all done within " + BOUND.toMillis() + " ms: a hang; running " + engine.running());
                }
                loop.runOnce(10, TimeUnit.MILLISECONDS);
            }
            assertThat(loopErrors).as("errors in the loop (contract violations land here)").isEmpty();
            return ts.stream().map(Transfer::result).toList();
        }

        @Override
        public void close() {
            engine.close();
            loop.close();
            assertThat(loopErrors).as("errors in the loop (contract violations land here)").isEmpty();
            assertThat(engine.connections()).isZero();
        }
    }
}
