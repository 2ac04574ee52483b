package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.testing.TestTls;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Async-action (completion) mode against Jetty: the engine asks {@link BlockingThreadsApp} to
 * connect, receive, send and close, and the app performs each with blocking calls on its own
 * threads. Checking mode is on throughout; the last tests make the application's mistakes with a
 * recording {@link AsyncIo} that performs nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AsyncActionModeTest {
    private static final Duration MAX = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static JettyFixture jetty;
    static JettyH2Fixture h2;
    static SSLContext trusting;
    static Path keyStore;

    private BlockingThreadsApp app;
    private HttpEngine engine;

    @BeforeAll
    static void start() throws Exception {
        keyStore = TestTls.keyStore(dir);
        jetty = new JettyFixture(keyStore, TestTls.PASSWORD);
        h2 = new JettyH2Fixture(keyStore);
        trusting = TestTls.trusting(keyStore);
    }

    @AfterAll
    static void stop() throws Exception {
        jetty.close();
        h2.close();
    }

    private HttpEngine engine(java.util.function.Consumer<HttpEngine.Builder> options) {
        app = new BlockingThreadsApp();
        HttpEngine.Builder b = HttpEngine.builder().asyncIo(app).timerCallback(app).checking(true).sslContext(trusting);
        options.accept(b);
        engine = b.build();
        app.attach(engine);
        return engine;
    }

    @AfterEach
    void settle() throws InterruptedException {
        if (app == null) return;
        app.closeAndSettle(MAX);
        assertThat(app.openSockets()).as("sockets the app still holds").isZero();
        assertThat(engine.footprint().values()).as("engine footprint %s", engine.footprint()).allMatch(v -> v == 0);
    }

    private List<TransferResult> run(List<HttpRequest> requests) throws InterruptedException {
        List<Transfer> transfers = new ArrayList<>();
        for (HttpRequest r : requests) {
            Transfer t = Transfer.collecting(r, result -> {});
            transfers.add(t);
            engine.add(t);
        }
        app.runUntil(() -> transfers.stream().allMatch(Transfer::isDone), MAX);
        List<TransferResult> results = new ArrayList<>();
        for (Transfer t : transfers) results.add(t.result());
        while (engine.nextResult() != null) {
            // drained: the footprint check at the end wants none queued
        }
        return results;
    }

    private TransferResult run(HttpRequest request) throws InterruptedException {
        return run(List.of(request)).get(0);
    }

    private static HttpResponse ok(TransferResult r) {
        assertThat(r.error()).as("error of %s", r.transfer()).isNull();
        assertThat(r.response().status()).isEqualTo(200);
        return r.response();
    }

    private static byte[] payload(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + (i >>> 11));
        return b;
    }

    @Test
    void plainGetsAndPostsWithLargeBodiesOnOneKeptAliveConnection() throws Exception {
        engine(b -> {});
        int before = jetty.opened.get();
        assertThat(ok(run(HttpRequest.newBuilder(jetty.uri("/hello")).build())).bodyAsString()).isEqualTo("hello");
        assertThat(ok(run(HttpRequest.newBuilder(jetty.uri("/bytes/1000000")).build())).body()).isEqualTo(JettyFixture.letters(1_000_000));
        byte[] big = payload(3_000_000);
        HttpResponse echoed = ok(run(HttpRequest.newBuilder(jetty.uri("/echo")).POST(big).build()));
        assertThat(echoed.body()).isEqualTo(big);
        assertThat(echoed.headers().first("X-Method")).contains("POST");
        assertThat(ok(run(HttpRequest.newBuilder(jetty.uri("/chunked")).build())).bodyAsString()).isEqualTo("first,second");
        assertThat(jetty.opened.get() - before).as("one connection, reused").isEqualTo(1);
        assertThat(app.connects.get()).isEqualTo(1);
        // 3 MB through 32 KiB lent buffers: many operations each way.
        assertThat(app.sends.get()).isGreaterThan(3_000_000 / AppSocket.SEND_BUFFER);
        assertThat(app.receives.get()).isGreaterThan(4_000_000 / AppSocket.RECEIVE_BUFFER);
    }

    @Test
    void partialSendsAreFollowedByTheRest() throws Exception {
        engine(b -> {});
        app.sendCap = 1000;
        byte[] body = payload(200_000);
        assertThat(ok(run(HttpRequest.newBuilder(jetty.uri("/echo")).POST(body).build())).body()).isEqualTo(body);
        assertThat(app.partialSends.get()).isGreaterThan(100);
    }

    @Test
    void httpsOverHttp11() throws Exception {
        engine(b -> b.versionPolicy(HttpVersionPolicy.HTTP_1_1));
        int before = jetty.opened.get();
        HttpResponse r = ok(run(HttpRequest.newBuilder(jetty.httpsUri("localhost", "/bytes/500000")).build()));
        assertThat(r.version()).isEqualTo("HTTP/1.1");
        assertThat(r.body()).isEqualTo(JettyFixture.letters(500_000));
        byte[] big = payload(1_000_000);
        assertThat(ok(run(HttpRequest.newBuilder(jetty.httpsUri("localhost", "/echo")).POST(big).build())).body())
                .isEqualTo(big);
        assertThat(ok(run(HttpRequest.newBuilder(jetty.httpsUri("localhost", "/chunked")).build())).bodyAsString())
                .isEqualTo("first,second");
        assertThat(jetty.opened.get() - before).as("one TLS connection, reused").isEqualTo(1);
    }

    @Test
    void anUntrustedCertificateFailsTheHandshake() throws Exception {
        app = new BlockingThreadsApp();
        engine = HttpEngine.builder().asyncIo(app).timerCallback(app).checking(true).build(); // default trust store
        app.attach(engine);
        TransferResult r = run(HttpRequest.newBuilder(jetty.httpsUri("localhost", "/hello")).build());
        assertThat(r.error()).isInstanceOf(IOException.class).hasMessageContaining("TLS handshake with localhost")
                .hasMessageContaining("PKIX");
    }

    /**
     * Paused after every piece of body, with no operation outstanding: whatever the engine already
     * holds (the rest of the last receive, ciphertext or plaintext inside TLS) must come out of
     * {@code resume} itself, since no completion will announce it. While paused the server keeps
     * sending, so the next receive finds its 32 KiB waiting: more than one TLS record (at most
     * 16 KiB of plaintext, RFC 8446 §5.1), of which one read takes one.
     */
    @Test
    void bytesAlreadyReceivedAreDeliveredOnResumeWithoutACompletion() throws Exception {
        engine(b -> b.versionPolicy(HttpVersionPolicy.HTTP_1_1));
        long[] delivered = new long[1];
        Transfer t = Transfer.streaming(HttpRequest.newBuilder(jetty.httpsUri("localhost", "/bytes/400000")).build(),
                new TransferListener() {
                    @Override
                    public void onBody(Transfer transfer, ByteBuffer body) {
                        engine.pause(transfer);
                        delivered[0] += body.remaining();
                        body.position(body.limit());
                    }

                    @Override
                    public void onComplete(TransferResult result) {}
                });
        engine.add(t);
        int heldAtPause = 0;
        while (!t.isDone()) {
            app.runUntil(() -> t.isDone() || delivered[0] > 0 && app.outstanding.get() == 0, MAX);
            if (t.isDone()) break;
            Http1Connection c = t.connection;
            // A whole record is surely held at 5 + 2^14 + 256 bytes of ciphertext (RFC 8446 §5.2);
            // fewer may be a partial record, which no read can decrypt yet.
            boolean held = c.tls.heldPlaintext() > 0
                    || c.tls.heldCiphertext() + ((AppSocket) c.socket).in.remaining() >= 5 + 16384 + 256;
            long before = delivered[0];
            int receives = app.receives.get();
            engine.resume(t); // a driving call with no completion in it
            if (held) {
                heldAtPause++;
                assertThat(delivered[0]).as("bytes already held, delivered by resume itself").isGreaterThan(before);
            }
            if (!t.isDone() && delivered[0] == before) {
                assertThat(app.receives.get()).as("nothing delivered by resume: a receive must be requested").isGreaterThan(receives);
            }
        }
        assertThat(t.result().error()).isNull();
        assertThat(delivered[0]).isEqualTo(400_000);
        assertThat(heldAtPause).as("pauses with bytes held").isGreaterThan(3);
        while (engine.nextResult() != null) {
            // drained
        }
    }

    @Test
    void manyConcurrentTransfersOnOneHttp2ConnectionOverTls() throws Exception {
        engine(b -> {});
        int before = h2.totalConnections();
        List<HttpRequest> requests = new ArrayList<>();
        for (int i = 0; i < 40; i++) requests.add(HttpRequest.newBuilder(h2.tlsUri("/bytes/" + (1000 + i * 5000))).build());
        byte[] big = payload(700_000);
        requests.add(HttpRequest.newBuilder(h2.tlsUri("/echo")).POST(big).build());
        List<TransferResult> results = run(requests);
        for (int i = 0; i < 40; i++) {
            HttpResponse r = ok(results.get(i));
            assertThat(r.version()).isEqualTo("HTTP/2");
            assertThat(r.body()).hasSize(1000 + i * 5000);
        }
        assertThat(ok(results.get(40)).body()).isEqualTo(big);
        assertThat(h2.totalConnections() - before).as("one connection: ALPN h2, multiplexed").isEqualTo(1);
        assertThat(engine.http2Connections()).isEqualTo(1);
    }

    @Test
    void h2cWithPriorKnowledge() throws Exception {
        engine(b -> b.versionPolicy(HttpVersionPolicy.HTTP_2_PRIOR_KNOWLEDGE));
        List<HttpRequest> requests = new ArrayList<>();
        for (int i = 0; i < 10; i++) requests.add(HttpRequest.newBuilder(h2.uri("/bytes/" + (100_000 + i))).build());
        for (TransferResult r : run(requests)) {
            assertThat(ok(r).version()).isEqualTo("HTTP/2");
        }
        assertThat(run(requests.subList(0, 1)).get(0).response().body()).hasSize(100_000);
        assertThat(app.connects.get()).as("reused for the second batch").isEqualTo(1);
    }

    @Test
    void aRefusedConnectIsAnErrorNamingTheConnect() throws Exception {
        engine(b -> {});
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        TransferResult r = run(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build());
        assertThat(r.error()).isInstanceOf(java.net.ConnectException.class)
                .hasMessageContaining("connect to /127.0.0.1:" + port)
                .hasMessageContaining("refused");
    }

    @Test
    void aPeerResetIsAnErrorNamingTheReceive() throws Exception {
        engine(b -> {});
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofPlatform().daemon().start(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[4096];
                    String head = "";
                    while (!head.contains("\r\n\r\n")) {
                        int n = in.read(buf);
                        if (n < 0) return;
                        head += new String(buf, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
                    }
                    s.setSoLinger(true, 0); // close with RST (SO_LINGER 0, socket(7))
                } catch (IOException ignored) {
                    // the test fails on the client side if this does not happen
                }
            });
            TransferResult r = run(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/")).build());
            assertThat(r.error()).isInstanceOf(IOException.class)
                    .hasMessageContaining("receive from /127.0.0.1:" + server.getLocalPort())
                    .hasMessageContaining("reset");
            peer.join(5000);
        }
    }

    @Test
    void aTimeoutWithAReceiveOutstandingClosesThroughTheAppAndIgnoresTheLateCompletion() throws Exception {
        engine(b -> b.idleTimeout(Duration.ofMillis(300)));
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread peer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    accepted.add(server.accept()); // reads nothing, answers nothing
                } catch (IOException ignored) {
                    // closed by the test
                }
            });
            try {
                TransferResult r = run(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/")).build());
                assertThat(r.error()).isInstanceOf(HttpTimeoutException.class).hasMessageContaining("no bytes for 300 ms");
                assertThat(app.closes.get()).as("the engine asked the app to close").isEqualTo(1);
                // The receive was outstanding at the close: its completion (an error) still comes and is ignored.
                app.runUntil(() -> app.outstanding.get() == 0, MAX);
                assertThat(app.afterClose.get()).isGreaterThanOrEqualTo(1);
                assertThat(engine.footprint().get("asyncSockets")).isZero();
            } finally {
                peer.join(5000);
                for (Socket s : accepted) s.close();
            }
        }
    }

    @Test
    void namesToResolveAreRefusedClearly() throws Exception {
        engine(b -> {});
        TransferResult named = run(HttpRequest.newBuilder(URI.create("http://example.invalid/")).build());
        assertThat(named.error()).isInstanceOf(java.net.UnknownHostException.class)
                .hasMessageContaining("async-action mode resolves no names").hasMessageContaining("example.invalid");
        assertThat(app.connects.get()).isZero();
    }

    /**
     * An upgraded stream on an app-owned socket: 1 MiB echoed through the lent buffers, then
     * shutdownOutput (after the bytes, and for TLS after close_notify) and the server's end.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void anUpgradedStreamEchoesAndShutsDown(boolean tls) throws Exception {
        try (UpgradeServer server = new UpgradeServer(tls ? TestTls.serving(keyStore) : null)) {
            engine(b -> {});
            UpgradeTest.Rec rec = new UpgradeTest.Rec();
            rec.keep = false;
            long[] got = {0, -1};
            rec.onData = b -> {
                for (int i = b.position(); i < b.limit(); i++, got[0]++) {
                    if (b.get(i) != UpgradeServer.pattern(got[0]) && got[1] < 0) got[1] = got[0];
                }
            };
            Transfer t = Transfer.collecting(UpgradeTest.upgradeRequest(server.uri("/echo"), rec), r -> {});
            engine.add(t);
            app.runUntil(t::isDone, MAX);
            assertThat(t.result().error()).isNull();
            assertThat(t.result().response().status()).isEqualTo(101);
            long total = 1 << 20;
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            for (long sent = 0; sent < total; sent += chunk.capacity()) {
                chunk.clear();
                for (int j = 0; j < chunk.capacity(); j++) chunk.put(UpgradeServer.pattern(sent + j));
                rec.stream.write(chunk.flip());
            }
            app.runUntil(() -> got[0] >= total, MAX);
            assertThat(got[0]).isEqualTo(total);
            assertThat(got[1]).as("first byte that differs").isEqualTo(-1);
            rec.stream.shutdownOutput();
            app.runUntil(() -> rec.closed > 0, MAX); // the server echoes the FIN
            assertThat(rec.cause).isNull();
            if (tls) {
                // Over TLS the close_notify goes first, as a send; the server may answer it with its
                // own close before that send's completion reaches the engine, and a stream that has
                // ended asks for no half-close. Never more than one, though.
                assertThat(app.shutdowns.get()).isLessThanOrEqualTo(1);
            } else {
                assertThat(app.shutdowns.get()).isOne(); // the server's FIN answers ours: no race
            }
            app.runUntil(() -> engine.upgradedStreams() == 0, MAX);
            assertThat(rec.stream.socket().isClosed()).isTrue();
            while (engine.nextResult() != null) {
                // the 101's result
            }
        }
    }

    // ---------------------------------------------------------------- the application's mistakes

    /** Records requests and performs nothing: the test reports completions by hand. */
    private static final class RecordingIo implements AsyncIo {
        final List<String> requests = new ArrayList<>();
        SocketHandle socket;
        ByteBuffer received;
        ByteBuffer sent;
        Runnable duringReceive;

        @Override
        public void connect(SocketHandle s, InetSocketAddress address) {
            socket = s;
            requests.add("connect " + address.getPort());
        }

        @Override
        public void receive(SocketHandle s, ByteBuffer buffer) {
            received = buffer;
            requests.add("receive " + buffer.remaining());
            if (duringReceive != null) duringReceive.run();
        }

        @Override
        public void send(SocketHandle s, ByteBuffer buffer) {
            sent = buffer;
            requests.add("send " + buffer.remaining());
        }

        @Override
        public void shutdownOutput(SocketHandle s) {
            requests.add("shutdownOutput");
        }

        @Override
        public void close(SocketHandle s) {
            requests.add("close");
        }
    }

    @Test
    void completionsTheApplicationCannotMakeAreViolations() {
        RecordingIo io = new RecordingIo();
        HttpEngine e = HttpEngine.builder().asyncIo(io).timerCallback(ms -> {}).checking(true).build();
        Transfer t = Transfer.collecting(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/x")).build(), r -> {});
        e.add(t);
        assertThat(io.requests).containsExactly("connect 9");
        SocketHandle h = io.socket;
        assertThat(h.pollable()).isNull();

        assertThatThrownBy(() -> e.received(new SocketHandle(999_999), 1, null)).isInstanceOf(ContractViolation.class)
                .hasMessageContaining("for a socket this engine never opened").hasMessageContaining("request connect");
        assertThatThrownBy(() -> e.received(h, 1, null)).isInstanceOf(ContractViolation.class)
                .hasMessageContaining("no receive is outstanding");
        assertThatThrownBy(() -> e.socketAction(h, dev.evloop.poll.Events.READ)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("async-action mode");

        e.connected(h, null);
        assertThat(io.requests).hasSize(3).contains("receive " + AppSocket.RECEIVE_BUFFER);
        assertThat(io.sent).isNotNull();
        int head = io.sent.remaining();
        assertThat(new String(bytes(io.sent.duplicate()), java.nio.charset.StandardCharsets.ISO_8859_1)).startsWith("GET /x HTTP/1.1\r\n");
        assertThatThrownBy(() -> e.connected(h, null)).isInstanceOf(ContractViolation.class)
                .hasMessageContaining("no connect is outstanding");
        assertThatThrownBy(() -> e.sent(h, head + 1, null)).isInstanceOf(ContractViolation.class)
                .hasMessageContaining("a send reports 1 to " + head);
        assertThatThrownBy(() -> e.received(h, AppSocket.RECEIVE_BUFFER + 1, null)).isInstanceOf(ContractViolation.class)
                .hasMessageContaining("a receive reports 1 to " + AppSocket.RECEIVE_BUFFER);
        assertThatThrownBy(() -> e.received(h, 0, null)).isInstanceOf(ContractViolation.class)
                .hasMessageContaining("or -1 at the end of the stream");
        e.sent(h, head, null);
        assertThatThrownBy(() -> e.sent(h, 1, null)).isInstanceOf(ContractViolation.class)
                .hasMessageContaining("no send is outstanding");

        // A completion may not drive the engine from inside a request callback.
        byte[] part = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        io.received.put(part);
        List<Throwable> refused = new ArrayList<>();
        io.duringReceive = () -> {
            try {
                e.received(h, 1, null);
            } catch (IllegalStateException x) {
                refused.add(x);
            }
        };
        e.received(h, part.length, null);
        assertThat(refused).singleElement().satisfies(x -> assertThat(x).hasMessageContaining("from inside the socket or timer callback"));
        io.duringReceive = null;
        assertThat(t.isDone()).isFalse();

        // The engine gives up on the transfer: close requested while the receive is outstanding.
        e.remove(t);
        assertThat(io.requests).last().isEqualTo("close");
        assertThat(h.isClosed()).isTrue();
        e.received(h, -1, null); // outstanding at the close: accepted and ignored
        assertThat(e.footprint().get("asyncSockets")).isZero();
        assertThatThrownBy(() -> e.received(h, 1, null)).isInstanceOf(ContractViolation.class)
                .hasMessageContaining("already closed");
        assertThat(t.result().error()).isInstanceOf(java.util.concurrent.CancellationException.class);
        e.close();
    }

    @Test
    void withoutCheckingStrayCompletionsAreIgnoredAndImpossibleCountsRefused() {
        RecordingIo io = new RecordingIo();
        HttpEngine e = HttpEngine.builder().asyncIo(io).timerCallback(ms -> {}).checking(false).build();
        e.add(Transfer.collecting(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/x")).build(), r -> {}));
        SocketHandle h = io.socket;
        e.received(h, 5, null); // nothing outstanding: ignored
        e.connected(h, null);
        assertThatThrownBy(() -> e.received(h, AppSocket.RECEIVE_BUFFER + 1, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the length lent");
        e.close();
        e.received(h, -1, null);
        e.sent(h, io.sent.remaining(), null);
        assertThat(e.footprint().get("asyncSockets")).isZero();
    }

    @Test
    void aConnectTimeoutClosesThroughTheAppAndTheLateConnectIsIgnored() {
        dev.evloop.loop.ManualClock clock = new dev.evloop.loop.ManualClock();
        RecordingIo io = new RecordingIo();
        long[] timer = {-1};
        HttpEngine e = HttpEngine.builder().asyncIo(io).timerCallback(ms -> timer[0] = ms).clock(clock)
                .connectTimeout(Duration.ofMillis(100)).checking(true).build();
        Transfer t = Transfer.collecting(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/x")).build(), r -> {});
        e.add(t);
        assertThat(timer[0]).isEqualTo(100);
        clock.advanceMillis(100);
        e.timeoutAction();
        assertThat(t.result().error()).isInstanceOf(HttpTimeoutException.class)
                .hasMessageContaining("connect to /127.0.0.1:9 timed out after 100 ms");
        assertThat(io.requests).containsExactly("connect 9", "close");
        assertThat(e.footprint().get("asyncSockets")).as("the connect is still outstanding").isOne();
        e.connected(io.socket, null); // it finished after all: ignored (the app closes what it connected)
        assertThat(e.footprint().get("asyncSockets")).isZero();
        e.close();
    }

    /**
     * The close is asked once every byte written before it was sent (the kernel would send what
     * write(2) took before a close too), or after one second.
     */
    @Test
    void theCloseWaitsForTheWrittenBytesForOneSecondAtMost() {
        dev.evloop.loop.ManualClock clock = new dev.evloop.loop.ManualClock();
        RecordingIo io = new RecordingIo();
        HttpEngine e = HttpEngine.builder().asyncIo(io).timerCallback(ms -> {}).clock(clock).checking(true).build();
        int lend = AppSocket.SEND_BUFFER;
        Transfer t = Transfer.collecting(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/up")).POST(payload(200_000))
                .build(), r -> {});
        e.add(t);
        SocketHandle h = io.socket;
        e.connected(h, null);
        assertThat(io.requests).containsExactly("connect 9", "send " + lend);
        e.sent(h, 1000, null); // partial: the rest is asked again, and the room made is written into
        assertThat(io.requests).containsExactly("connect 9", "send " + lend, "send " + (lend - 1000));
        e.remove(t);
        assertThat(io.requests).as("no close while written bytes wait").doesNotContain("close");
        e.sent(h, lend - 1000, null);
        assertThat(io.requests).as("the bytes staged meanwhile go next").endsWith("send " + lend).doesNotContain("close");
        e.sent(h, lend, null);
        assertThat(io.requests).last().isEqualTo("close");
        assertThat(e.footprint().get("asyncSockets")).isZero();

        // A peer that takes nothing: the close comes after the grace, the send still outstanding.
        Transfer second = Transfer.collecting(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/up"))
                .POST(payload(200_000)).build(), r -> {});
        io.requests.clear();
        e.add(second);
        SocketHandle h2 = io.socket;
        assertThat(h2).isNotSameAs(h);
        e.connected(h2, null);
        e.remove(second);
        assertThat(io.requests).containsExactly("connect 9", "send " + lend);
        clock.advance(AppSockets.LINGER_NANOS, TimeUnit.NANOSECONDS);
        e.timeoutAction();
        assertThat(io.requests).last().isEqualTo("close");
        assertThat(e.footprint().get("asyncSockets")).as("the send is still outstanding").isOne();
        e.sent(h2, 0, new IOException("closed")); // its completion after the close: ignored
        assertThat(e.footprint().get("asyncSockets")).isZero();
        e.close();
    }

    @Test
    void bothModesAtOnceIsRefused() {
        assertThatThrownBy(() -> HttpEngine.builder().asyncIo(new RecordingIo()).socketCallback((s, a, d) -> {})
                .timerCallback(ms -> {}).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exclude each other");
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }
}
