package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.poll.Backend;
import dev.evloop.testing.Backends;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The engine on its own loop (the facade), against Jetty 12, with the checking mode on. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpClientTest {
    static JettyFixture jetty;

    @BeforeAll
    static void startJetty() throws Exception {
        jetty = new JettyFixture();
    }

    @AfterAll
    static void stopJetty() throws Exception {
        jetty.close();
    }

    static HttpClient client(HttpClient.Builder b) throws IOException {
        return b.checking(true).build();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void getOnEveryBackend(Backend backend) throws Exception {
        Backends.assumeAvailable(backend);
        try (HttpClient c = client(HttpClient.newBuilder().backend(backend))) {
            HttpResponse r = c.send(HttpRequest.newBuilder(jetty.uri("/hello")).build());
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyAsString()).isEqualTo("hello");
            assertThat(r.version()).isEqualTo("HTTP/1.1");
        }
    }

    @Test
    void keepAliveReusesOneConnection() throws Exception {
        int before = jetty.opened.get();
        try (HttpClient c = client(HttpClient.newBuilder())) {
            for (int i = 0; i < 20; i++) {
                assertThat(c.send(HttpRequest.newBuilder(jetty.uri("/bytes/" + (i * 100))).build()).body())
                        .hasSize(i * 100);
            }
        }
        assertThat(jetty.opened.get() - before).as("connections Jetty saw").isEqualTo(1);
    }

    @Test
    void chunkedResponsePostEchoAndStatus() throws Exception {
        try (HttpClient c = client(HttpClient.newBuilder())) {
            assertThat(c.send(HttpRequest.newBuilder(jetty.uri("/chunked")).build()).bodyAsString())
                    .isEqualTo("first,second");
            byte[] payload = new byte[300_000];
            for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
            HttpResponse echo = c.send(HttpRequest.newBuilder(jetty.uri("/echo")).POST(payload).build());
            assertThat(echo.body()).isEqualTo(payload);
            HttpResponse missing = c.send(HttpRequest.newBuilder(jetty.uri("/status/404")).build());
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.bodyAsString()).isEqualTo("status 404");
        }
    }

    @Test
    void aThousandConcurrentTransfersThroughAPoolOfEight() throws Exception {
        int before = jetty.opened.get();
        try (HttpClient c = client(HttpClient.newBuilder().maxConnectionsPerHost(8))) {
            List<CompletableFuture<HttpResponse>> all = new ArrayList<>();
            for (int i = 0; i < 1000; i++) all.add(c.sendAsync(HttpRequest.newBuilder(jetty.uri("/bytes/" + i)).build()));
            for (int i = 0; i < 1000; i++) assertThat(all.get(i).get(30, TimeUnit.SECONDS).body()).hasSize(i);
        }
        assertThat(jetty.opened.get() - before).as("connections Jetty saw").isBetween(1, 8);
    }

    @Test
    void serverClosingMidResponseFailsThatTransferClearly() throws Exception {
        try (HttpClient c = client(HttpClient.newBuilder())) {
            assertThatThrownBy(() -> c.send(HttpRequest.newBuilder(jetty.uri("/truncated")).build()))
                    .isInstanceOf(IOException.class).hasMessageContaining("closed");
            assertThat(c.send(HttpRequest.newBuilder(jetty.uri("/hello")).build()).bodyAsString()).isEqualTo("hello");
        }
    }

    @Test
    void idleAndTotalTimeouts() throws Exception {
        try (HttpClient c = client(HttpClient.newBuilder().idleTimeout(Duration.ofMillis(200)))) {
            assertThatThrownBy(() -> c.send(HttpRequest.newBuilder(jetty.uri("/delay/1500")).build()))
                    .isInstanceOf(IOException.class).hasMessageContaining("no bytes for 200 ms");
            assertThatThrownBy(() -> c.send(HttpRequest.newBuilder(jetty.uri("/delay/1500"))
                            .timeout(Duration.ofMillis(100)).build()))
                    .isInstanceOf(IOException.class).hasMessageContaining("timed out after 100 ms in total");
        }
    }

    @Test
    void connectTimeoutOnAListenerWhoseBacklogIsFull() throws Exception {
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try (HttpClient c = client(HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300)))) {
                // Fill the accept queue; further SYNs are dropped (tcp_abort_on_overflow = 0).
                for (int i = 0; i < 4; i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(full.getLocalSocketAddress(), 200);
                        fillers.add(s);
                    } catch (IOException e) {
                        s.close();
                        break;
                    }
                }
                assertThatThrownBy(() -> c.send(HttpRequest.newBuilder("http://127.0.0.1:" + full.getLocalPort() + "/").build()))
                        .isInstanceOf(IOException.class).hasMessageContaining("timed out after 300 ms");
            } finally {
                for (Socket s : fillers) s.close();
            }
        }
    }

    @Test
    void connectionRefusedIsAClearError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (HttpClient c = client(HttpClient.newBuilder())) {
            assertThatThrownBy(() -> c.send(HttpRequest.get("http://127.0.0.1:" + port + "/")))
                    .isInstanceOf(IOException.class).hasMessageContaining("ECONNREFUSED");
        }
    }

    /** A raw server: answers the first request keep-alive, then drops the connection on the next. */
    @Test
    void aDeadReusedConnectionIsRetriedOnceForAnIdempotentRequest() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    try (Socket first = server.accept()) {
                        readHead(first.getInputStream());
                        write(first, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none");
                        readHead(first.getInputStream()); // the reuse attempt: close without answering
                    }
                    try (Socket second = server.accept()) {
                        readHead(second.getInputStream());
                        write(second, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\ntwo");
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (HttpClient c = client(HttpClient.newBuilder())) {
                String base = "http://127.0.0.1:" + server.getLocalPort();
                assertThat(c.send(HttpRequest.get(base + "/a")).bodyAsString()).isEqualTo("one");
                assertThat(c.send(HttpRequest.get(base + "/b")).bodyAsString()).isEqualTo("two");
            }
            t.join(5000);
        }
    }

    static void readHead(InputStream in) throws IOException {
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) throw new IOException("eof");
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
    }

    static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void closingTheClientFailsWhatIsInFlight() throws Exception {
        HttpClient c = client(HttpClient.newBuilder());
        CompletableFuture<HttpResponse> slow = c.sendAsync(HttpRequest.newBuilder(jetty.uri("/delay/2000")).build());
        Thread.sleep(100);
        c.close();
        assertThatThrownBy(() -> slow.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(java.util.concurrent.CancellationException.class);
        assertThatThrownBy(() -> c.send(HttpRequest.newBuilder(jetty.uri("/hello")).build()))
                .isInstanceOf(IOException.class).hasMessageContaining("closed");
    }

    @Test
    void redirectsFollowedWithTheirMethodRulesAndALimit() throws Exception {
        try (HttpClient c = client(HttpClient.newBuilder().followRedirects(5))) {
            HttpResponse hops = c.send(HttpRequest.newBuilder(jetty.uri("/redirect/3")).build());
            assertThat(hops.status()).isEqualTo(200);
            assertThat(hops.bodyAsString()).isEqualTo("hello");
            for (int code : new int[] {301, 302, 303}) {
                HttpResponse r = c.send(HttpRequest.newBuilder(jetty.uri("/redirect/" + code)).POST("payload").build());
                assertThat(r.headers().first("X-Method")).as("%d turns POST into GET", code).contains("GET");
                assertThat(r.body()).as("and drops the body").isEmpty();
            }
            for (int code : new int[] {307, 308}) {
                HttpResponse r = c.send(HttpRequest.newBuilder(jetty.uri("/redirect/" + code)).POST("payload").build());
                assertThat(r.headers().first("X-Method")).as("%d keeps the method", code).contains("POST");
                assertThat(r.bodyAsString()).as("and the body").isEqualTo("payload");
            }
            assertThatThrownBy(() -> c.send(HttpRequest.newBuilder(jetty.uri("/redirect/9")).build()))
                    .isInstanceOf(IOException.class).hasMessageContaining("too many redirects: 5");
        }
        try (HttpClient c = client(HttpClient.newBuilder())) {
            assertThat(c.send(HttpRequest.newBuilder(jetty.uri("/redirect/1")).build()).status())
                    .as("not followed by default").isEqualTo(302);
        }
    }

    @Test
    void credentialsAreNotForwardedToAnotherOrigin() throws Exception {
        try (JettyFixture other = new JettyFixture(); ServerSocket raw = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            // A raw server that redirects to the other Jetty (another origin: another port).
            Thread t = Thread.ofPlatform().start(() -> {
                try (Socket s = raw.accept()) {
                    readHead(s.getInputStream());
                    write(s, "HTTP/1.1 302 Found\r\nLocation: " + other.uri("/method") + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (HttpClient c = client(HttpClient.newBuilder().followRedirects(2))) {
                HttpResponse r = c.send(HttpRequest.newBuilder("http://127.0.0.1:" + raw.getLocalPort() + "/")
                        .header("Authorization", "Bearer secret").build());
                assertThat(r.bodyAsString()).isEqualTo("GET null");
            }
            t.join(5000);
        }
    }

    @Test
    void gzipAndDeflateBodiesAreDecodedAndTruncatedOnesFail() throws Exception {
        String expected = "compressed ".repeat(1000);
        try (HttpClient c = client(HttpClient.newBuilder())) {
            HttpResponse gz = c.send(HttpRequest.newBuilder(jetty.uri("/gzip")).build());
            assertThat(gz.bodyAsString()).isEqualTo(expected);
            assertThat(gz.headers().first("X-Accept-Encoding")).contains("gzip, deflate");
            assertThat(c.send(HttpRequest.newBuilder(jetty.uri("/deflate")).build()).bodyAsString()).isEqualTo(expected);
            assertThatThrownBy(() -> c.send(HttpRequest.newBuilder(jetty.uri("/gzip/truncated")).build()))
                    .isInstanceOf(IOException.class);
        }
        try (HttpClient c = client(HttpClient.newBuilder().decodeContent(false))) {
            HttpResponse raw = c.send(HttpRequest.newBuilder(jetty.uri("/gzip")).build());
            assertThat(raw.body()).as("left encoded when decoding is off").isNotEqualTo(expected.getBytes());
            assertThat(raw.headers().first("X-Accept-Encoding")).contains("null");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void ipv6LoopbackWithABracketedHost(Backend backend) throws Exception {
        Backends.assumeAvailable(backend);
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("::1"))) {
            Thread t = Thread.ofPlatform().start(() -> {
                try (Socket s = server.accept()) {
                    String head = readHeadText(s.getInputStream());
                    String host = head.lines().filter(l -> l.regionMatches(true, 0, "Host:", 0, 5)).findFirst().orElse("none");
                    String body = host.substring(5).trim();
                    write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (HttpClient c = client(HttpClient.newBuilder().backend(backend))) {
                HttpResponse r = c.send(HttpRequest.get("http://[::1]:" + server.getLocalPort() + "/v6"));
                assertThat(r.bodyAsString()).as("the Host header the server saw").isEqualTo("[::1]:" + server.getLocalPort());
            }
            t.join(5000);
        }
    }

    static String readHeadText(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) throw new IOException("eof");
            b.append((char) c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        return b.toString();
    }

    @Test
    void badRequestsAreRefusedUpFront() {
        assertThatThrownBy(() -> HttpRequest.newBuilder("ftp://x/")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scheme");
        assertThatThrownBy(() -> HttpRequest.newBuilder(jetty.uri("/")).header("X-Bad", "a\r\nInjected: 1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X-Bad");
    }
}
