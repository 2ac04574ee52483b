package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.poll.Backend;
import dev.evloop.testing.TestTls;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HTTP/2 against Jetty 12, over TLS with ALPN and as h2c with prior knowledge, the engine driven
 * by evloop's loop with the checking mode on: many transfers on one connection, flow control
 * both ways, a cancelled stream among live ones, a server reset, trailers, a small
 * MAX_CONCURRENT_STREAMS, GOAWAY mid-flight.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Http2Test {
    @TempDir
    static Path dir;
    static JettyH2Fixture jetty;
    static SSLContext trusting;

    @BeforeAll
    static void start() throws Exception {
        Path keyStore = TestTls.keyStore(dir);
        jetty = new JettyH2Fixture(keyStore);
        trusting = TestTls.trusting(keyStore);
    }

    @AfterAll
    static void stop() throws Exception {
        jetty.close();
    }

    enum Mode { H2C, TLS }

    private static HttpEngine.Builder builder(Mode mode) {
        HttpEngine.Builder b = HttpEngine.builder().sslContext(trusting);
        return mode == Mode.H2C ? b.versionPolicy(HttpVersionPolicy.HTTP_2_PRIOR_KNOWLEDGE) : b;
    }

    private static URI uri(Mode mode, String path) {
        return mode == Mode.H2C ? jetty.uri(path) : jetty.tlsUri("localhost", path);
    }

    /** Adds collecting transfers for {@code uris}; the results arrive in {@code results}. */
    private static List<Transfer> addAll(LoopHarness h, List<HttpRequest> requests, List<TransferResult> results) {
        List<Transfer> ts = new ArrayList<>();
        for (HttpRequest r : requests) {
            Transfer t = Transfer.collecting(r, results::add);
            ts.add(t);
            h.engine.add(t);
        }
        return ts;
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void hundredConcurrentTransfersShareOneConnection(Mode mode) throws Exception {
        int before = jetty.sessions.get();
        List<TransferResult> results = new ArrayList<>();
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(mode))) {
            List<HttpRequest> rs = new ArrayList<>();
            for (int i = 0; i < 100; i++) rs.add(HttpRequest.newBuilder(uri(mode, "/bytes/" + (1000 + i))).build());
            addAll(h, rs, results);
            h.runUntil(() -> results.size() == 100, Duration.ofSeconds(30));
            for (TransferResult r : results) {
                assertThat(r.error()).isNull();
                assertThat(r.response().version()).isEqualTo("HTTP/2");
                int n = Integer.parseInt(r.transfer().request().uri().getPath().substring("/bytes/".length()));
                assertThat(r.response().body()).isEqualTo(JettyFixture.letters(n));
            }
            assertThat(jetty.sessions.get() - before).as("HTTP/2 sessions the server saw").isEqualTo(1);
            assertThat(h.socketCalls.stream().map(c -> c.substring(0, c.lastIndexOf(' '))).distinct())
                    .as("sockets the engine announced").hasSize(1);
            assertThat(h.engine.http2Connections()).isEqualTo(1);
            assertThat(h.engine.connections()).isEqualTo(1);
            // the idle connection is pooled unwatched: REMOVE was the last word on every socket
            assertThat(h.watched()).isZero();
        }
    }

    @Test
    void tlsFallsBackToHttp11WhenAskedTo() throws Exception {
        List<TransferResult> results = new ArrayList<>();
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(Mode.TLS).versionPolicy(HttpVersionPolicy.HTTP_1_1))) {
            addAll(h, List.of(HttpRequest.newBuilder(uri(Mode.TLS, "/hello")).build()), results);
            h.runUntil(() -> results.size() == 1, Duration.ofSeconds(10));
            assertThat(results.get(0).response().version()).isEqualTo("HTTP/1.1");
            assertThat(results.get(0).response().bodyAsString()).isEqualTo("hello");
            assertThat(h.engine.http2Connections()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void largeDownloadAndUploadThroughFlowControl(Mode mode) throws Exception {
        List<TransferResult> results = new ArrayList<>();
        byte[] upload = new byte[12 << 20];
        new java.util.Random(7).nextBytes(upload);
        CRC32 crc = new CRC32();
        crc.update(upload);
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(mode))) {
            addAll(h, List.of(
                    HttpRequest.newBuilder(uri(mode, "/bytes/" + (40 << 20))).build(),
                    HttpRequest.newBuilder(uri(mode, "/count")).POST(upload).build(),
                    HttpRequest.newBuilder(uri(mode, "/echo")).POST(java.util.Arrays.copyOf(upload, 3 << 20)).build()),
                    results);
            h.runUntil(() -> results.size() == 3, Duration.ofSeconds(60));
            for (TransferResult r : results) assertThat(r.error()).as("%s", r.transfer()).isNull();
            TransferResult download = find(results, "/bytes/");
            assertThat(download.response().body()).hasSize(40 << 20);
            assertThat(download.response().body()).isEqualTo(JettyFixture.letters(40 << 20));
            assertThat(find(results, "/count").response().bodyAsString())
                    .isEqualTo(upload.length + " " + Long.toHexString(crc.getValue()));
            assertThat(find(results, "/echo").response().body()).isEqualTo(java.util.Arrays.copyOf(upload, 3 << 20));
            assertThat(h.engine.http2Connections()).isEqualTo(1);
        }
    }

    private static TransferResult find(List<TransferResult> results, String path) {
        return results.stream().filter(r -> r.transfer().request().uri().getPath().startsWith(path)).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aCancelledTransferLeavesTheOthersAlone(Mode mode) throws Exception {
        List<TransferResult> results = new ArrayList<>();
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(mode))) {
            List<HttpRequest> rs = new ArrayList<>();
            for (int i = 0; i < 10; i++) rs.add(HttpRequest.newBuilder(uri(mode, "/delay/300")).build());
            List<Transfer> ts = addAll(h, rs, results);
            h.runFor(Duration.ofMillis(100));
            assertThat(h.engine.remove(ts.get(4))).isTrue();
            h.runUntil(() -> results.size() == 10, Duration.ofSeconds(10));
            assertThat(ts.get(4).result().error()).isInstanceOf(CancellationException.class);
            for (int i = 0; i < 10; i++) {
                if (i != 4) assertThat(ts.get(i).result().response().status()).isEqualTo(200);
            }
            assertThat(h.engine.http2Connections()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aStreamResetByTheServerFailsAloneAndNamesTheCode(Mode mode) throws Exception {
        List<TransferResult> results = new ArrayList<>();
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(mode))) {
            List<Transfer> ts = addAll(h, List.of(HttpRequest.newBuilder(uri(mode, "/delay/200")).build(),
                    HttpRequest.newBuilder(uri(mode, "/reset")).build(),
                    HttpRequest.newBuilder(uri(mode, "/hello")).build()), results);
            h.runUntil(() -> results.size() == 3, Duration.ofSeconds(10));
            assertThat(ts.get(1).result().error()).hasMessageContaining("RST_STREAM").hasMessageContaining("reset by");
            assertThat(ts.get(0).result().response().status()).isEqualTo(200);
            assertThat(ts.get(2).result().response().bodyAsString()).isEqualTo("hello");
            assertThat(h.engine.http2Connections()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void trailersArrive(Mode mode) throws Exception {
        List<TransferResult> results = new ArrayList<>();
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(mode))) {
            addAll(h, List.of(HttpRequest.newBuilder(uri(mode, "/trailers")).build()), results);
            h.runUntil(() -> results.size() == 1, Duration.ofSeconds(10));
            HttpResponse r = results.get(0).response();
            assertThat(r.bodyAsString()).isEqualTo(JettyH2Fixture.TRAILERS_BODY);
            assertThat(r.trailers().size()).isPositive();
        }
    }

    @Test
    void requestHeadIsMappedToPseudoHeaderFields() throws Exception {
        List<TransferResult> results = new ArrayList<>();
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(Mode.H2C))) {
            addAll(h, List.of(HttpRequest.newBuilder(uri(Mode.H2C, "/headers?x=1")).header("X-Custom", "Yes")
                    .header("Connection", "keep-alive").build()), results);
            h.runUntil(() -> results.size() == 1, Duration.ofSeconds(10));
            String seen = results.get(0).response().bodyAsString();
            assertThat(seen).containsIgnoringCase("x-custom: Yes").doesNotContainIgnoringCase("keep-alive");
            assertThat(seen).contains("/headers?x=1");
        }
    }

    @Test
    void pausedStreamHoldsItsWindowWhileAnotherCompletes() throws Exception {
        List<TransferResult> results = new ArrayList<>();
        long[] got = {0};
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(Mode.H2C))) {
            Transfer big = Transfer.streaming(HttpRequest.newBuilder(uri(Mode.H2C, "/bytes/" + (8 << 20))).build(),
                    new TransferListener() {
                        @Override
                        public void onBody(Transfer t, ByteBuffer bytes) {
                            got[0] += bytes.remaining();
                            bytes.position(bytes.limit());
                        }

                        @Override
                        public void onComplete(TransferResult r) {
                            results.add(r);
                        }
                    });
            h.engine.add(big);
            h.runUntil(() -> got[0] > 0, Duration.ofSeconds(10));
            h.engine.pause(big);
            long atPause = got[0];
            addAll(h, List.of(HttpRequest.newBuilder(uri(Mode.H2C, "/hello")).build()), results);
            h.runUntil(() -> results.size() == 1, Duration.ofSeconds(10));
            assertThat(results.get(0).response().bodyAsString()).isEqualTo("hello");
            assertThat(got[0]).isEqualTo(atPause);
            h.engine.resume(big);
            h.runUntil(() -> results.size() == 2, Duration.ofSeconds(30));
            assertThat(got[0]).isEqualTo(8 << 20);
            assertThat(big.result().error()).isNull();
        }
    }

    @Test
    void aServerLimitOfTwoStreamsQueuesTheRest() throws Exception {
        List<TransferResult> results = new ArrayList<>();
        try (JettyH2Fixture two = new JettyH2Fixture(TestTls.keyStore(java.nio.file.Files.createDirectories(dir.resolve("two"))),
                        new JettyH2Fixture.Options().maxConcurrentStreams(2));
                LoopHarness h = new LoopHarness(Backend.EPOLL, builder(Mode.H2C))) {
            List<HttpRequest> rs = new ArrayList<>();
            for (int i = 0; i < 12; i++) rs.add(HttpRequest.newBuilder(two.uri("/delay/50")).build());
            List<Transfer> ts = addAll(h, rs, results);
            h.runUntil(() -> results.size() == 12, Duration.ofSeconds(20));
            for (TransferResult r : results) assertThat(r.response().status()).isEqualTo(200);
            // Jetty refuses a third stream (REFUSED_STREAM); the engine would retry it unseen, so
            // count the refusals: none, the queue held the rest back.
            for (Transfer t : ts) assertThat(t.refusals).isZero();
            assertThat(two.peakSessionStreams.get()).isGreaterThanOrEqualTo(2);
            assertThat(two.sessions.get()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void goAwayMidFlightFinishesOldStreamsAndMovesNewOnes(Mode mode) throws Exception {
        int before = jetty.sessions.get();
        List<TransferResult> results = new ArrayList<>();
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(mode))) {
            List<HttpRequest> rs = new ArrayList<>();
            for (int i = 0; i < 5; i++) rs.add(HttpRequest.newBuilder(uri(mode, "/delay/400")).build());
            addAll(h, rs, results);
            h.runUntil(() -> jetty.sessions.get() > before && jetty.goAwayAll() > 0, Duration.ofSeconds(10));
            List<HttpRequest> more = new ArrayList<>();
            for (int i = 0; i < 5; i++) more.add(HttpRequest.newBuilder(uri(mode, "/hello")).build());
            addAll(h, more, results);
            h.runUntil(() -> results.size() == 10, Duration.ofSeconds(20));
            for (TransferResult r : results) assertThat(r.error()).as("%s", r.transfer()).isNull();
            assertThat(jetty.sessions.get() - before).isEqualTo(2);
            h.runUntil(() -> h.engine.http2Connections() == 1, Duration.ofSeconds(10)); // the old one closed
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void streamedUploadStallsAndResumesUnderFlowControl(Mode mode) throws Exception {
        List<TransferResult> results = new ArrayList<>();
        int total = 5 << 20;
        CRC32 crc = new CRC32();
        byte[] chunk = new byte[100_000];
        new java.util.Random(3).nextBytes(chunk);
        for (int sent = 0; sent < total; sent += chunk.length) crc.update(chunk, 0, Math.min(chunk.length, total - sent));
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(mode))) {
            Transfer[] box = new Transfer[1];
            int[] sent = {0};
            boolean[] stalled = {false};
            int[] nextStall = {1 << 20};
            BodySource source = new BodySource() {
                @Override
                public int read(ByteBuffer dst) {
                    if (sent[0] == total) return -1;
                    if (sent[0] >= nextStall[0] && !stalled[0]) {
                        nextStall[0] += 1 << 20;
                        stalled[0] = true; // every MiB: nothing now, more in 20 ms
                        h.loop.schedule(20, TimeUnit.MILLISECONDS, () -> {
                            stalled[0] = false;
                            h.engine.resumeUpload(box[0]);
                        });
                        return 0;
                    }
                    if (stalled[0]) return 0;
                    int n = Math.min(dst.remaining(), Math.min(chunk.length, total - sent[0]));
                    dst.put(chunk, 0, n);
                    sent[0] += n;
                    return n;
                }
            };
            box[0] = Transfer.collecting(HttpRequest.newBuilder(uri(mode, "/count")).POST(source).build(), results::add);
            h.engine.add(box[0]);
            h.runUntil(() -> results.size() == 1, Duration.ofSeconds(30));
            assertThat(results.get(0).error()).isNull();
            String[] got = results.get(0).response().bodyAsString().split(" ");
            assertThat(Long.parseLong(got[0])).isEqualTo(total);
        }
    }

    @Test
    void theFacadeChoosesHttp2OverTlsAndFollowsRedirectsAndDecodes() throws Exception {
        try (HttpClient c = HttpClient.newBuilder().sslContext(trusting).followRedirects(2).checking(true).build()) {
            HttpResponse r = c.send(HttpRequest.newBuilder(uri(Mode.TLS, "/gzip")).build());
            assertThat(r.version()).isEqualTo("HTTP/2");
            assertThat(r.bodyAsString()).isEqualTo(JettyH2Fixture.GZIP_PLAIN);
            List<java.util.concurrent.CompletableFuture<HttpResponse>> fs = new ArrayList<>();
            for (int i = 0; i < 50; i++) fs.add(c.sendAsync(HttpRequest.newBuilder(uri(Mode.TLS, "/bytes/" + i)).build()));
            for (int i = 0; i < 50; i++) assertThat(fs.get(i).get(20, TimeUnit.SECONDS).body()).isEqualTo(JettyFixture.letters(i));
            assertThat(c.send(HttpRequest.newBuilder(uri(Mode.TLS, "/status/404")).build()).status()).isEqualTo(404);
        }
    }

    @Test
    void ourOwnStreamLimitOpensMoreConnectionsUpToThePerHostLimit() throws Exception {
        int before = jetty.sessions.get();
        List<TransferResult> results = new ArrayList<>();
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(Mode.H2C).maxStreamsPerConnection(10)
                .maxConnectionsPerHost(3))) {
            List<HttpRequest> rs = new ArrayList<>();
            for (int i = 0; i < 45; i++) rs.add(HttpRequest.newBuilder(uri(Mode.H2C, "/delay/200")).build());
            addAll(h, rs, results);
            h.runUntil(() -> results.size() == 45, Duration.ofSeconds(20));
            for (TransferResult r : results) assertThat(r.response().status()).isEqualTo(200);
            assertThat(jetty.sessions.get() - before).isEqualTo(3);
            assertThat(h.engine.http2Connections()).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"POLL", "NIO"})
    void otherBackendsCarryBothModes(Backend backend) throws Exception {
        for (Mode mode : Mode.values()) {
            List<TransferResult> results = new ArrayList<>();
            try (LoopHarness h = new LoopHarness(backend, builder(mode))) {
                List<HttpRequest> rs = new ArrayList<>();
                for (int i = 0; i < 30; i++) rs.add(HttpRequest.newBuilder(uri(mode, "/bytes/" + (50_000 + i))).build());
                addAll(h, rs, results);
                h.runUntil(() -> results.size() == 30, Duration.ofSeconds(30));
                for (TransferResult r : results) {
                    assertThat(r.error()).as("%s %s", backend, mode).isNull();
                    assertThat(r.response().version()).isEqualTo("HTTP/2");
                    assertThat(r.response().body()).hasSize(Integer.parseInt(
                            r.transfer().request().uri().getPath().substring("/bytes/".length())));
                }
                assertThat(h.engine.http2Connections()).isEqualTo(1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void expectContinueSendsTheBodyAfterTheServerAsks(Mode mode) throws Exception {
        List<TransferResult> results = new ArrayList<>();
        byte[] body = JettyFixture.letters(300_000);
        CRC32 crc = new CRC32();
        crc.update(body);
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(mode))) {
            addAll(h, List.of(HttpRequest.newBuilder(uri(mode, "/count")).POST(body).expectContinue(true)
                    .continueTimeout(Duration.ofMinutes(5)).build()), results);
            // The wait for 100 Continue outlasts the run's bound: only the server's 100 releases the body.
            h.runUntil(() -> results.size() == 1, Duration.ofSeconds(20));
            assertThat(results.get(0).error()).isNull();
            assertThat(results.get(0).response().bodyAsString()).isEqualTo(body.length + " " + Long.toHexString(crc.getValue()));
        }
    }

    @Test
    void anIdlePooledConnectionIsReusedAndClosedWithGoAwayAfterKeepAlive() throws Exception {
        int before = jetty.sessions.get();
        List<TransferResult> results = new ArrayList<>();
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder(Mode.H2C).keepAlive(Duration.ofMillis(300)))) {
            addAll(h, List.of(HttpRequest.newBuilder(uri(Mode.H2C, "/hello")).build()), results);
            h.runUntil(() -> results.size() == 1, Duration.ofSeconds(10));
            addAll(h, List.of(HttpRequest.newBuilder(uri(Mode.H2C, "/hello")).build()), results);
            h.runUntil(() -> results.size() == 2, Duration.ofSeconds(10));
            assertThat(results.get(1).reusedConnection()).isTrue();
            assertThat(jetty.sessions.get() - before).isEqualTo(1);
            h.runUntil(() -> h.engine.http2Connections() == 0, Duration.ofSeconds(5));
            assertThat(h.engine.connections()).isZero();
            while (h.engine.nextResult() != null) {
                // drained: the footprint counts undrained results
            }
            assertThat(h.engine.footprint()).allSatisfy((k, v) -> assertThat(v).as(k).isZero());
        }
    }
}
