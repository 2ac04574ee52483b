package dev.evloop.server.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.server.ServerConfig;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every demo route, asked by an independent peer: the JDK's {@link HttpClient}, forced to
 * HTTP/1.1. One server and one client for the class; the client keeps its connections alive, so
 * most requests also exercise keep-alive.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DemoRoutesTest {
    static HttpServer server;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        // A small output cap, so large bodies go through write mode and onDrained.
        server = HttpServer.start(ServerConfig.builder().maxPendingOutput(256 * 1024).build(), DemoRoutes.routes());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    }


    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (server != null) server.close();
    }

    static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.localAddress().getPort() + path);
    }

    static HttpResponse<byte[]> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).build(), BodyHandlers.ofByteArray());
    }

    @Test
    void hello() throws Exception {
        HttpResponse<byte[]> r = get("/hello");
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), UTF_8)).isEqualTo("Hello, world!");
        assertThat(r.headers().firstValue("content-length")).hasValue("13");
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
        assertThat(r.headers().firstValue("date")).isPresent();
    }

    @Test
    void headGetsTheLengthAndNoBody() throws Exception {
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri("/hello"))
                .method("HEAD", BodyPublishers.noBody()).build(), BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-length")).hasValue("13");
        assertThat(r.body()).isEmpty();
        assertThat(new String(get("/hello").body(), UTF_8)).as("the connection is still in step").isEqualTo("Hello, world!");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 250, 251, 252, 65_536, 3_000_001})
    void bytes(int n) throws Exception {
        HttpResponse<byte[]> r = get("/bytes/" + n);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-length")).hasValue(Integer.toString(n));
        assertThat(r.body()).isEqualTo(DemoRoutes.pattern(n));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 10, 100_000, 2_000_003})
    void chunked(int n) throws Exception {
        HttpResponse<byte[]> r = get("/chunked/" + n);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
        assertThat(r.headers().firstValue("content-length")).isEmpty();
        assertThat(r.body()).isEqualTo(DemoRoutes.pattern(n));
    }

    @Test
    void delay() throws Exception {
        HttpResponse<byte[]> r = get("/delay/20");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), UTF_8)).isEqualTo("delayed 20 ms\n");
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 202, 204, 304, 400, 404, 418, 500, 503, 599})
    void status(int code) throws Exception {
        HttpResponse<byte[]> r = get("/status/" + code);
        assertThat(r.statusCode()).isEqualTo(code);
        if (code == 204 || code == 304) {
            assertThat(r.body()).isEmpty();
            assertThat(r.headers().firstValue("content-length")).isEmpty();
        } else {
            assertThat(new String(r.body(), UTF_8)).startsWith(code + " ");
        }
    }

    @Test
    void redirectsCountDownToHello() throws Exception {
        for (int n = 3; n > 0; n--) {
            HttpResponse<byte[]> r = get("/redirect/" + n);
            assertThat(r.statusCode()).isEqualTo(302);
            assertThat(r.headers().firstValue("location")).hasValue("/redirect/" + (n - 1));
        }
        assertThat(get("/redirect/0").headers().firstValue("location")).hasValue("/hello");
        try (HttpClient following = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL).build()) {
            HttpResponse<String> r = following.send(HttpRequest.newBuilder(uri("/redirect/3")).build(), BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("Hello, world!");
            assertThat(r.uri().getPath()).isEqualTo("/hello");
            int hops = 0;
            for (var p = r.previousResponse(); p.isPresent(); p = p.get().previousResponse()) hops++;
            assertThat(hops).isEqualTo(4); // the JDK client follows at most 5 by default
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void redirectCodePointsAtEcho(int code) throws Exception {
        HttpResponse<byte[]> r = get("/redirect-code/" + code);
        assertThat(r.statusCode()).isEqualTo(code);
        assertThat(r.headers().firstValue("location")).hasValue("/echo");
        assertThat(r.body()).isEmpty();
    }

    @Test
    void gzip() throws Exception {
        HttpResponse<byte[]> r = get("/gzip");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(r.body().length).isLessThan(DemoRoutes.GZIP_TEXT.length());
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
            assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo(DemoRoutes.GZIP_TEXT);
        }
    }

    @Test
    void echoReturnsBodyMethodAndContentType() throws Exception {
        byte[] body = DemoRoutes.pattern(100_000);
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri("/echo"))
                .header("Content-Type", "application/x-test").POST(BodyPublishers.ofByteArray(body)).build(),
                BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-method")).hasValue("POST");
        assertThat(r.headers().firstValue("content-type")).hasValue("application/x-test");
        assertThat(r.body()).isEqualTo(body);

        HttpResponse<byte[]> put = client.send(HttpRequest.newBuilder(uri("/echo"))
                .PUT(BodyPublishers.noBody()).build(), BodyHandlers.ofByteArray());
        assertThat(put.headers().firstValue("x-method")).hasValue("PUT");
        assertThat(put.headers().firstValue("content-type")).isEmpty();
        assertThat(put.body()).isEmpty();
    }

    /** A publisher of unknown length makes the JDK client upload chunked. */
    @Test
    void chunkedUploadIsEchoed() throws Exception {
        byte[] body = DemoRoutes.pattern(300_000);
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri("/echo"))
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(body);
    }

    @Test
    void expectContinueFromTheJdkClient() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/echo")).expectContinue(true)
                .POST(BodyPublishers.ofString("after the interim response")).build(), BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("after the interim response");
    }

    @Test
    void close() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/close")).build(), BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("connection")).hasValue("close");
        assertThat(get("/hello").statusCode()).as("the client reconnects").isEqualTo(200);
    }

    @Test
    void headersAreEchoedAsLines() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/headers"))
                .header("X-Test", "one").header("X-Test", "two").header("X-Other", "a, b").build(), BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> lines = r.body().lines().map(l -> l.toLowerCase(java.util.Locale.ROOT)).toList();
        assertThat(lines).contains("x-test: one", "x-test: two", "x-other: a, b");
        assertThat(lines).anyMatch(l -> l.startsWith("host: 127.0.0.1:"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/nope", "/hello/", "/bytes", "/echo/x"})
    void unknownPathsAre404(String path) throws Exception {
        assertThat(get(path).statusCode()).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/bytes/x", "/bytes/-1", "/chunked/1x", "/delay/99999999", "/status/99", "/status/600",
        "/redirect/", "/redirect-code/200", "/redirect-code/400"})
    void badNumbersAre400(String path) throws Exception {
        assertThat(get(path).statusCode()).isEqualTo(400);
    }

    /** The trailer and the chunking are invisible to the JDK client; a raw read sees them. */
    @Test
    void chunkedSendsSeveralChunksAndAChecksumTrailer() throws Exception {
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            for (int n : new int[] {0, 10, 100_000}) {
                RawHttp.Reply r = c.send(RawHttp.get("/chunked/" + n)).read();
                assertThat(r.body()).isEqualTo(DemoRoutes.pattern(n));
                int size = DemoRoutes.chunkSize(n);
                assertThat(r.chunks()).isEqualTo((n + size - 1) / size);
                CRC32 crc = new CRC32();
                crc.update(r.body());
                assertThat(r.trailers()).containsEntry("X-Body-CRC32", String.format("%08x", crc.getValue()));
                assertThat(r.header("Trailer")).isEqualTo("X-Body-CRC32");
            }
            assertThat(DemoRoutes.chunkSize(10)).isEqualTo(3);
        }
    }
}
