package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.testing.TestTls;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves JettyH2Fixture with peers known to speak HTTP/2: the JDK's HttpClient over h2 (TLS + ALPN)
 * and the h2c Upgrade, and raw frames over h2c prior knowledge where the JDK hides the wire
 * (trailers, RST_STREAM, GOAWAY, SETTINGS).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class JettyH2FixtureTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir
    static Path dir;
    static Path keyStore;
    static SSLContext trusting;
    static JettyH2Fixture jetty;

    @BeforeAll
    static void start() throws Exception {
        keyStore = TestTls.keyStore(dir);
        trusting = TestTls.trusting(keyStore);
        jetty = new JettyH2Fixture(keyStore);
    }

    @AfterAll
    static void stop() throws Exception {
        jetty.close();
    }

    private static HttpClient client(HttpClient.Version version) {
        return HttpClient.newBuilder().version(version).sslContext(trusting).connectTimeout(WAIT).build();
    }

    private static HttpRequest get(java.net.URI uri) {
        return HttpRequest.newBuilder(uri).timeout(WAIT).build();
    }

    @Test
    void simpleRoutesAnswerOverH2WithAlpn() throws Exception {
        try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
            HttpResponse<String> hello = c.send(get(jetty.tlsUri("/hello")), BodyHandlers.ofString());
            assertThat(hello.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(hello.body()).isEqualTo("hello");

            HttpResponse<String> status = c.send(get(jetty.tlsUri("/status/418")), BodyHandlers.ofString());
            assertThat(status.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(status.statusCode()).isEqualTo(418);
            assertThat(status.body()).isEqualTo("status 418");

            HttpResponse<String> delay = c.send(get(jetty.tlsUri("/delay/200")), BodyHandlers.ofString());
            assertThat(delay.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(delay.body()).isEqualTo("late");

            HttpResponse<byte[]> gzip = c.send(get(jetty.tlsUri("/gzip")), BodyHandlers.ofByteArray());
            assertThat(gzip.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(gzip.headers().firstValue("content-encoding")).hasValue("gzip");
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gzip.body()))) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(JettyH2Fixture.GZIP_PLAIN);
            }

            HttpResponse<String> trailers = c.send(get(jetty.tlsUri("/trailers")), BodyHandlers.ofString());
            assertThat(trailers.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(trailers.body()).isEqualTo(JettyH2Fixture.TRAILERS_BODY); // the JDK drops trailers: see the raw test

            HttpResponse<String> none = c.send(get(jetty.tlsUri("/nothing")), BodyHandlers.ofString());
            assertThat(none.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void headersRouteShowsPseudoHeadersAndFields() throws Exception {
        try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(jetty.tlsUri("/headers?q=1")).timeout(WAIT)
                    .header("X-Probe", "one").build(), BodyHandlers.ofString());
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(r.body().lines().toList()).contains(
                    ":method: GET", ":scheme: https", ":authority: localhost:" + jetty.tlsPort(),
                    ":path: /headers?q=1", ":version: HTTP/2.0", "x-probe: one");
        }
    }

    @Test
    void bytesStreams64MiBWithContentLength() throws Exception {
        long n = 64L << 20;
        try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
            HttpResponse<InputStream> r = c.send(get(jetty.tlsUri("/bytes/" + n)), BodyHandlers.ofInputStream());
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(r.headers().firstValueAsLong("content-length")).hasValue(n);
            long i = 0;
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = r.body()) {
                for (int k; (k = in.read(buf)) >= 0; ) {
                    for (int j = 0; j < k; j++, i++) {
                        if (buf[j] != (byte) ('a' + i % 26))
                            throw new AssertionError("byte " + i + " is " + buf[j]);
                    }
                }
            }
            assertThat(i).isEqualTo(n);
        }
        try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
            assertThat(c.send(get(jetty.tlsUri("/bytes/0")), BodyHandlers.ofByteArray()).body()).isEmpty();
            assertThat(c.send(get(jetty.tlsUri("/bytes/30")), BodyHandlers.ofString()).body())
                    .isEqualTo("abcdefghijklmnopqrstuvwxyzabcd");
        }
    }

    @Test
    void largeUploadsEchoAndCountThroughSmallWindows() throws Exception {
        byte[] body = new byte[8 << 20];
        new java.util.Random(7).nextBytes(body);
        String crc = Long.toHexString(JettyH2Fixture.crc32(body));
        try (JettyH2Fixture small = new JettyH2Fixture(keyStore, new JettyH2Fixture.Options().receiveWindows(16_384, 65_535));
             HttpClient c = client(HttpClient.Version.HTTP_2)) {
            // Settle the connection first: see Options.receiveWindows on the race a cold upload loses.
            assertThat(c.send(get(small.tlsUri("/hello")), BodyHandlers.ofString()).body()).isEqualTo("hello");
            HttpResponse<byte[]> echo = c.send(HttpRequest.newBuilder(small.tlsUri("/echo")).timeout(WAIT)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), BodyHandlers.ofByteArray());
            assertThat(echo.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(echo.body()).isEqualTo(body);

            HttpResponse<String> count = c.send(HttpRequest.newBuilder(small.tlsUri("/count")).timeout(WAIT)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), BodyHandlers.ofString());
            assertThat(count.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(count.body()).isEqualTo(body.length + " " + crc);
            assertThat(small.tlsConnections.get()).isEqualTo(1);
        }
    }

    @Test
    void manyConcurrentRequestsShareOneConnection() throws Exception {
        try (JettyH2Fixture own = new JettyH2Fixture(keyStore); HttpClient c = client(HttpClient.Version.HTTP_2)) {
            // The first exchange settles the connection; the JDK would otherwise race several handshakes.
            assertThat(c.send(get(own.tlsUri("/hello")), BodyHandlers.ofString()).version()).isEqualTo(HttpClient.Version.HTTP_2);
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 20; i++) all.add(c.sendAsync(get(own.tlsUri("/delay/300")), BodyHandlers.ofString()));
            for (CompletableFuture<HttpResponse<String>> f : all) {
                HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(r.body()).isEqualTo("late");
            }
            assertThat(own.tlsConnections.get()).isEqualTo(1);
            assertThat(own.totalConnections()).isEqualTo(1);
            assertThat(own.sessions.get()).isEqualTo(1);
            assertThat(own.streams.get()).isEqualTo(21);
            assertThat(own.peakSessionStreams.get()).isGreaterThan(1);
        }
    }

    @Test
    void maxConcurrentStreamsIsHonoured() throws Exception {
        try (JettyH2Fixture two = new JettyH2Fixture(keyStore, new JettyH2Fixture.Options().maxConcurrentStreams(2));
             HttpClient c = client(HttpClient.Version.HTTP_2)) {
            assertThat(c.send(get(two.tlsUri("/hello")), BodyHandlers.ofString()).version()).isEqualTo(HttpClient.Version.HTTP_2);
            // The JDK does not queue past the peer's limit (it fails the excess with "too many
            // concurrent streams"): two at once is what it can show; the raw check below shows refusal.
            List<CompletableFuture<HttpResponse<String>>> both = List.of(
                    c.sendAsync(get(two.tlsUri("/delay/300")), BodyHandlers.ofString()),
                    c.sendAsync(get(two.tlsUri("/delay/300")), BodyHandlers.ofString()));
            for (CompletableFuture<HttpResponse<String>> f : both) assertThat(f.get(30, TimeUnit.SECONDS).body()).isEqualTo("late");
            assertThat(two.peakSessionStreams.get()).isEqualTo(2);
            assertThat(two.tlsConnections.get()).isEqualTo(1);
        }
        // On the wire: SETTINGS_MAX_CONCURRENT_STREAMS (0x3) = 2, and a third open stream is refused.
        try (JettyH2Fixture two = new JettyH2Fixture(keyStore, new JettyH2Fixture.Options().maxConcurrentStreams(2));
             RawH2 h2 = new RawH2(two.port())) {
            RawH2.Frame settings = h2.next();
            assertThat(settings.type).isEqualTo(RawH2.SETTINGS);
            assertThat(settings.setting(0x3)).isEqualTo(2);
            h2.get(1, "/delay/500");
            h2.get(3, "/delay/500");
            h2.get(5, "/hello");
            RawH2.Frame rst = h2.until(f -> f.type == RawH2.RST_STREAM);
            assertThat(rst.stream).isEqualTo(5);
            assertThat(rst.int32(0)).isEqualTo(0x7); // REFUSED_STREAM, RFC 9113 §5.1.2
            assertThat(h2.until(f -> f.type == RawH2.DATA && f.endStream()).stream).isIn(1, 3);
            assertThat(h2.until(f -> f.type == RawH2.DATA && f.endStream()).stream).isIn(1, 3);
        }
    }

    @Test
    void resetEndsOneStreamWhileAConcurrentOneSucceeds() throws Exception {
        try (JettyH2Fixture own = new JettyH2Fixture(keyStore); HttpClient c = client(HttpClient.Version.HTTP_2)) {
            assertThat(c.send(get(own.tlsUri("/hello")), BodyHandlers.ofString()).version()).isEqualTo(HttpClient.Version.HTTP_2);
            CompletableFuture<HttpResponse<String>> slow = c.sendAsync(get(own.tlsUri("/delay/500")), BodyHandlers.ofString());
            CompletableFuture<HttpResponse<String>> reset = c.sendAsync(get(own.tlsUri("/reset")), BodyHandlers.ofString());
            assertThatThrownBy(() -> reset.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IOException.class);
            assertThat(slow.get(30, TimeUnit.SECONDS).body()).isEqualTo("late");
            assertThat(c.send(get(own.tlsUri("/hello")), BodyHandlers.ofString()).body()).isEqualTo("hello");
            assertThat(own.tlsConnections.get()).isEqualTo(1);
        }
    }

    @Test
    void clientOfferingOnlyHttp11FallsBackOnTheTlsConnector() throws Exception {
        try (HttpClient c = client(HttpClient.Version.HTTP_1_1)) {
            HttpResponse<String> r = c.send(get(jetty.tlsUri("/headers")), BodyHandlers.ofString());
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(r.body()).contains(":version: HTTP/1.1");
        }
    }

    @Test
    void cleartextConnectorTakesTheH2cUpgradeAndPlainHttp11() throws Exception {
        try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
            HttpResponse<String> r = c.send(get(jetty.uri("/headers")), BodyHandlers.ofString());
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(r.body()).contains(":scheme: http", ":version: HTTP/2.0");
        }
        try (HttpClient c = client(HttpClient.Version.HTTP_1_1)) {
            HttpResponse<String> r = c.send(get(jetty.uri("/hello")), BodyHandlers.ofString());
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(r.body()).isEqualTo("hello");
        }
    }

    @Test
    void priorKnowledgeGetsServerSettings() throws Exception {
        try (RawH2 h2 = new RawH2(jetty.port())) {
            RawH2.Frame f = h2.next();
            assertThat(f.type).isEqualTo(RawH2.SETTINGS);
            assertThat(f.stream).isZero();
            assertThat(f.flags & 0x1).isZero(); // not an ACK: the server's own SETTINGS (RFC 9113 §3.4)
            h2.get(1, "/hello");
            assertThat(h2.until(f2 -> f2.type == RawH2.DATA && f2.stream == 1).text()).isEqualTo("hello");
        }
    }

    @Test
    void settingsAnnounceTheOptions() throws Exception {
        try (RawH2 h2 = new RawH2(jetty.port())) {
            RawH2.Frame settings = h2.next();
            assertThat(settings.setting(0x3)).isEqualTo(128); // Jetty's default SETTINGS_MAX_CONCURRENT_STREAMS
        }
        try (JettyH2Fixture own = new JettyH2Fixture(keyStore, new JettyH2Fixture.Options().receiveWindows(16_384, 200_000));
             RawH2 h2 = new RawH2(own.port())) {
            RawH2.Frame settings = h2.next();
            assertThat(settings.type).isEqualTo(RawH2.SETTINGS);
            assertThat(settings.setting(0x4)).isEqualTo(16_384); // SETTINGS_INITIAL_WINDOW_SIZE
            RawH2.Frame update = h2.until(f -> f.type == RawH2.WINDOW_UPDATE && f.stream == 0);
            assertThat(update.int32(0)).isEqualTo(200_000 - 65_535);
        }
        assertThatThrownBy(() -> new JettyH2Fixture.Options().receiveWindows(16_384, 1000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("session=1000");
        assertThatThrownBy(() -> new JettyH2Fixture.Options().maxConcurrentStreams(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrentStreams");
    }

    @Test
    void trailersArriveAsAFinalHeadersFrame() throws Exception {
        try (RawH2 h2 = new RawH2(jetty.port())) {
            h2.get(1, "/trailers");
            HpackDecoder hpack = new HpackDecoder(8192, System::nanoTime);
            RawH2.Frame head = h2.until(f -> f.type == RawH2.HEADERS && f.stream == 1);
            assertThat(((MetaData.Response) hpack.decode(ByteBuffer.wrap(head.payload))).getStatus()).isEqualTo(200);
            StringBuilder body = new StringBuilder();
            RawH2.Frame f;
            while ((f = h2.next()).type != RawH2.HEADERS) {
                if (f.type == RawH2.DATA && f.stream == 1) body.append(f.text());
            }
            assertThat(body.toString()).isEqualTo(JettyH2Fixture.TRAILERS_BODY);
            assertThat(f.endStream()).isTrue();
            HttpFields trailers = hpack.decode(ByteBuffer.wrap(f.payload)).getHttpFields();
            assertThat(trailers.get("x-checksum")).isEqualTo(Long.toHexString(
                    JettyH2Fixture.crc32(JettyH2Fixture.TRAILERS_BODY.getBytes(StandardCharsets.UTF_8))));
        }
    }

    @Test
    void resetRouteSendsRstStreamAndTheConnectionLives() throws Exception {
        try (RawH2 h2 = new RawH2(jetty.port())) {
            h2.get(1, "/reset");
            RawH2.Frame rst = h2.until(f -> f.type == RawH2.RST_STREAM);
            assertThat(rst.stream).isEqualTo(1);
            assertThat(rst.int32(0)).isEqualTo(JettyH2Fixture.RESET_ERROR);
            h2.get(3, "/hello");
            assertThat(h2.until(f -> f.type == RawH2.DATA && f.stream == 3).text()).isEqualTo("hello");
        }
    }

    @Test
    void goAwayAllLetsInFlightStreamsFinishAndRefusesLaterOnes() throws Exception {
        try (JettyH2Fixture own = new JettyH2Fixture(keyStore); RawH2 h2 = new RawH2(own.port())) {
            h2.get(1, "/hello");
            h2.until(f -> f.type == RawH2.DATA && f.stream == 1 && f.endStream());
            h2.get(3, "/delay/500");
            awaitStreams(own, 2);
            assertThat(own.goAwayAll()).isEqualTo(1);
            RawH2.Frame goAway = h2.until(f -> f.type == RawH2.GOAWAY);
            assertThat(goAway.int32(0)).isEqualTo(3); // last-stream-id: the highest the server received
            assertThat(goAway.int32(4)).isZero(); // NO_ERROR
            h2.get(5, "/hello");
            List<RawH2.Frame> rest = new ArrayList<>();
            RawH2.Frame f;
            while ((f = h2.nextOrNull()) != null) {
                rest.add(f);
                if (f.type == RawH2.DATA && f.stream == 3 && f.endStream()) h2.goAway(3);
            }
            assertThat(rest).anyMatch(x -> x.type == RawH2.DATA && x.stream == 3 && x.text().equals("late"));
            // Jetty ignores stream 5 (RFC 9113 §6.8 lets it): no response, not even RST_STREAM; and it
            // closed the connection (nextOrNull saw the end) once stream 3 was done and GOAWAY answered.
            assertThat(rest).noneMatch(x -> x.stream == 5);
            assertThat(own.streams.get()).isEqualTo(3); // stream 5's HEADERS arrived, refused or not
        }
        try (JettyH2Fixture own = new JettyH2Fixture(keyStore); HttpClient c = client(HttpClient.Version.HTTP_2)) {
            assertThat(c.send(get(own.tlsUri("/hello")), BodyHandlers.ofString()).version()).isEqualTo(HttpClient.Version.HTTP_2);
            CompletableFuture<HttpResponse<String>> slow = c.sendAsync(get(own.tlsUri("/delay/500")), BodyHandlers.ofString());
            awaitStreams(own, 2);
            assertThat(own.goAwayAll()).isEqualTo(1);
            assertThat(slow.get(30, TimeUnit.SECONDS).body()).isEqualTo("late");
            // The JDK opens a new connection for the next request.
            assertThat(c.send(get(own.tlsUri("/hello")), BodyHandlers.ofString()).body()).isEqualTo("hello");
            assertThat(own.tlsConnections.get()).isEqualTo(2);
        }
    }

    @Test
    void shutdownAllSendsAGracefulGoAwayThenTheRealOne() throws Exception {
        try (JettyH2Fixture own = new JettyH2Fixture(keyStore); RawH2 h2 = new RawH2(own.port())) {
            h2.get(1, "/delay/500");
            awaitStreams(own, 1);
            CompletableFuture<Void> done = own.shutdownAll();
            RawH2.Frame first = h2.until(f -> f.type == RawH2.GOAWAY);
            assertThat(first.int32(0)).isEqualTo(Integer.MAX_VALUE);
            assertThat(first.int32(4)).isZero();
            assertThat(h2.until(f -> f.type == RawH2.DATA && f.stream == 1 && f.endStream()).text()).isEqualTo("late");
            RawH2.Frame second = h2.until(f -> f.type == RawH2.GOAWAY);
            assertThat(second.int32(0)).isEqualTo(1);
            assertThat(second.int32(4)).isZero();
            h2.goAway(0);
            done.get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (own.openSessions() > 0 && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(own.openSessions()).isZero();
            assertThat(h2.nextOrNull()).isNull(); // and the server closed the connection
        }
    }

    private static void awaitStreams(JettyH2Fixture f, int n) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (f.streams.get() < n) {
            if (System.nanoTime() > deadline) throw new AssertionError("server saw " + f.streams.get() + " streams, not " + n);
            Thread.sleep(5);
        }
    }

    /** Frames over h2c prior knowledge (RFC 9113 §3.3) with a blocking socket: enough to look at the wire. */
    static final class RawH2 implements AutoCloseable {
        static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, GOAWAY = 7, WINDOW_UPDATE = 8;
        private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        private final Socket socket = new Socket();
        private final DataInputStream in;
        private final OutputStream out;
        private final int port;

        record Frame(int type, int flags, int stream, byte[] payload) {
            boolean endStream() {
                return (type == DATA || type == HEADERS) && (flags & 0x1) != 0;
            }

            int int32(int at) {
                return ByteBuffer.wrap(payload, at, 4).getInt() & 0x7fff_ffff;
            }

            String text() {
                return new String(payload, StandardCharsets.UTF_8);
            }

            /** A SETTINGS parameter's value (RFC 9113 §6.5.1), or -1. */
            int setting(int id) {
                ByteBuffer b = ByteBuffer.wrap(payload);
                while (b.remaining() >= 6) {
                    int k = b.getShort() & 0xffff;
                    int v = b.getInt();
                    if (k == id) return v;
                }
                return -1;
            }
        }

        RawH2(int port) throws IOException {
            this.port = port;
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            out.write(PREFACE);
            frame(SETTINGS, 0, 0, new byte[0]);
        }

        private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
            b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
            b.put((byte) type).put((byte) flags).putInt(stream).put(payload);
            out.write(b.array());
            out.flush();
        }

        /** A GET as one HEADERS frame with END_STREAM | END_HEADERS, every field a literal without indexing (RFC 7541 §6.2.2). */
        void get(int stream, String path) throws IOException {
            java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
            for (String[] h : new String[][] {{":method", "GET"}, {":scheme", "http"},
                    {":authority", "127.0.0.1:" + port}, {":path", path}}) {
                block.write(0);
                for (String s : h) {
                    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
                    block.write(b.length); // under 127: one byte, Huffman bit clear
                    block.write(b);
                }
            }
            frame(HEADERS, 0x5, stream, block.toByteArray());
        }

        void goAway(int lastStreamId) throws IOException {
            frame(GOAWAY, 0, 0, ByteBuffer.allocate(8).putInt(lastStreamId).putInt(0).array());
        }

        /** The next frame; answers the server's SETTINGS with an ACK (RFC 9113 §6.5.3). */
        Frame next() throws IOException {
            byte[] h = in.readNBytes(9);
            if (h.length < 9) throw new IOException("connection closed after " + h.length + " bytes of a frame header");
            int len = (h[0] & 0xff) << 16 | (h[1] & 0xff) << 8 | h[2] & 0xff;
            Frame f = new Frame(h[3] & 0xff, h[4] & 0xff, ByteBuffer.wrap(h, 5, 4).getInt() & 0x7fff_ffff, in.readNBytes(len));
            if (f.type == SETTINGS && (f.flags & 0x1) == 0) frame(SETTINGS, 0x1, 0, new byte[0]);
            return f;
        }

        /** The next frame, or null at the end of the stream. */
        Frame nextOrNull() throws IOException {
            try {
                return next();
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("connection closed")) return null;
                throw e;
            }
        }

        Frame until(java.util.function.Predicate<Frame> p) throws IOException {
            for (int i = 0; i < 1000; i++) {
                Frame f = next();
                if (p.test(f)) return f;
            }
            throw new AssertionError("no such frame in 1000");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
