package dev.evloop.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.server.ServerConfig;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests the parser refuses are answered with its suggested status and
 * {@code Connection: close}, and the connection is closed. Each request is sent in one write
 * and fits the server's read buffer, so the close leaves no unread input behind (which would make
 * the kernel reset the connection instead).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ParseErrorTest {
    static final int HEAD_LIMIT = 4 * 1024;
    static HttpServer server;

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.start(ServerConfig.builder().build(),
                HttpServerHandler.DEFAULT_LIMITS.withMaxHeaderSectionBytes(HEAD_LIMIT).withMaxHeaderCount(20),
                DemoRoutes.routes());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static Stream<Arguments> badRequests() {
        String big = "x".repeat(HEAD_LIMIT);
        StringBuilder many = new StringBuilder("GET /hello HTTP/1.1\r\nHost: t\r\n");
        for (int i = 0; i < 21; i++) many.append("X-H").append(i).append(": v\r\n");
        return Stream.of(
                Arguments.of("bad request line", "GET /hello\r\nHost: t\r\n\r\n", 400),
                Arguments.of("two spaces in the request line", "GET  /hello HTTP/1.1\r\nHost: t\r\n\r\n", 400),
                Arguments.of("garbage", "\u0001\u0002 nonsense \u0003\r\n\r\n", 400),
                Arguments.of("header section too large", "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + big + "\r\n\r\n", 431),
                Arguments.of("too many header fields", many + "\r\n", 431),
                Arguments.of("request line too long", "GET /" + big + " HTTP/1.1\r\nHost: t\r\n\r\n", 414),
                Arguments.of("unknown transfer coding",
                        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
                Arguments.of("HTTP/2.0 request line", "GET /hello HTTP/2.0\r\nHost: t\r\n\r\n", 505),
                Arguments.of("both Content-Length and Transfer-Encoding",
                        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                        400),
                Arguments.of("no Host in HTTP/1.1", "GET /hello HTTP/1.1\r\n\r\n", 400),
                Arguments.of("bad chunk size", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
                Arguments.of("bare LF", "GET /hello HTTP/1.1\nHost: t\n\n", 400));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("badRequests")
    void answeredWithTheSuggestedStatusThenClosed(String what, String request, int status) throws Exception {
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            RawHttp.Reply r = c.send(request).read();
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.text()).startsWith(status + " ");
            assertThat(c.closedByPeer()).as("closed after the error response").isTrue();
        }
    }

    /** An error in the second of two pipelined requests: the first is answered, then the error. */
    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("badRequests")
    void afterAGoodPipelinedRequest(String what, String request, int status) throws Exception {
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            c.send(RawHttp.get("/hello") + request);
            assertThat(c.read().text()).isEqualTo("Hello, world!");
            assertThat(c.read().status()).isEqualTo(status);
            assertThat(c.closedByPeer()).isTrue();
        }
    }
}
