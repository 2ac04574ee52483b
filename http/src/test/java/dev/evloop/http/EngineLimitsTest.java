package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A response that breaks a limit or has a smuggling shape fails that transfer with an error
 * naming the problem and closes its connection; other transfers are unaffected. A raw server
 * answers each path with canned bytes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EngineLimitsTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private static final Map<String, String> CANNED = Map.of(
            "/ok", OK,
            "/huge-head", "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(70 * 1024) + "\r\nContent-Length: 2\r\n\r\nok",
            "/many-headers", "HTTP/1.1 200 OK\r\n" + "X-H: 1\r\n".repeat(150) + "Content-Length: 2\r\n\r\nok",
            "/cl-and-te", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
            "/two-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!",
            "/gzip-te", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx",
            "/bad-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
            "/long-chunk-line", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;" + "e".repeat(2000) + "\r\nok\r\n0\r\n\r\n");
    static ServerSocket server;
    static Thread acceptor;

    @BeforeAll
    static void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().daemon().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofPlatform().daemon().start(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        acceptor.join(5000);
    }

    /** Answers every request on the connection with the canned bytes for its path. */
    private static void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            while (true) {
                String head = readHead(in);
                if (head == null) return;
                String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                out.write(CANNED.getOrDefault(path, OK).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException ignored) {
            // the client closed, as it does after a response it rejects
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) return null;
            b.append((char) c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        return b.toString();
    }

    static String uri(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "/huge-head, 65536",
        "/many-headers, 100",
        "/cl-and-te, Transfer-Encoding",
        "/two-lengths, Content-Length",
        "/gzip-te, gzip",
        "/bad-chunk, chunk",
        "/long-chunk-line, 1024",
    })
    void aBrokenResponseFailsItsTransferAndClosesItsConnection(String path, String named) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().checking(true).maxConnectionsPerHost(2).build()) {
            CompletableFuture<HttpResponse> good = c.sendAsync(HttpRequest.get(uri("/ok")));
            assertThatThrownBy(() -> c.send(HttpRequest.get(uri(path))))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(named);
            assertThat(good.get(10, TimeUnit.SECONDS).bodyAsString()).isEqualTo("ok");
            // The rejected connection is gone: the next requests still work, on a clean connection.
            for (int i = 0; i < 3; i++) assertThat(c.send(HttpRequest.get(uri("/ok"))).bodyAsString()).isEqualTo("ok");
        }
    }

    @Test
    void limitsCanBeRaisedOrLowered() throws Exception {
        try (HttpClient c = HttpClient.newBuilder().checking(true)
                .parserLimits(dev.evloop.http.codec.ParserLimits.DEFAULT.withMaxHeaderCount(200)).build()) {
            assertThat(c.send(HttpRequest.get(uri("/many-headers"))).bodyAsString()).isEqualTo("ok");
        }
        try (HttpClient c = HttpClient.newBuilder().checking(true)
                .parserLimits(dev.evloop.http.codec.ParserLimits.DEFAULT.withMaxBodyBytes(1)).build()) {
            assertThatThrownBy(() -> c.send(HttpRequest.get(uri("/ok")))).isInstanceOf(IOException.class)
                    .hasMessageContaining("Content-Length 2 exceeds the body limit of 1 bytes");
        }
    }
}
