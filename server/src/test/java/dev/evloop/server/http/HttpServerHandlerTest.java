package dev.evloop.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.http.codec.ParserLimits;
import dev.evloop.loop.EventLoop;
import dev.evloop.poll.Backend;
import dev.evloop.server.ServerConfig;
import dev.evloop.testing.Backends;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Connection behaviour on raw sockets: persistence, pipelining, request bodies, interim
 * responses, HTTP/1.0, backpressure and misbehaving services.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpServerHandlerTest {
    private HttpServer server;
    /** Requests the service has seen, counted before routing. */
    private final AtomicInteger seen = new AtomicInteger();

    private HttpServer start(ServerConfig config, ParserLimits limits, HttpService service) throws Exception {
        server = HttpServer.start(config, limits, (request, responder) -> {
            seen.incrementAndGet();
            service.serve(request, responder);
        });
        return server;
    }

    private HttpServer start() throws Exception {
        return start(ServerConfig.builder().build(), HttpServerHandler.DEFAULT_LIMITS, DemoRoutes.routes());
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
        start();
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            for (int i = 0; i < 5; i++) {
                RawHttp.Reply r = c.send(RawHttp.get("/bytes/" + i * 1000)).read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("Connection")).isNull();
                assertThat(r.body()).isEqualTo(DemoRoutes.pattern(i * 1000));
            }
            assertThat(seen.get()).isEqualTo(5);
            assertThat(server.tcpServer().connections()).as("one connection served them all").isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void servesOnEveryBackend(Backend backend) throws Exception {
        Backends.assumeAvailable(backend);
        start(ServerConfig.builder().backend(backend).maxPendingOutput(128 * 1024).build(),
                HttpServerHandler.DEFAULT_LIMITS, DemoRoutes.routes());
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            c.send(RawHttp.get("/delay/10") + RawHttp.get("/bytes/1000000") + RawHttp.get("/chunked/100000")
                    + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok");
            assertThat(c.read().text()).isEqualTo("delayed 10 ms\n");
            assertThat(c.read().body()).isEqualTo(DemoRoutes.pattern(1_000_000));
            assertThat(c.read().body()).isEqualTo(DemoRoutes.pattern(100_000));
            assertThat(c.read().text()).isEqualTo("ok");
            assertThat(c.send(RawHttp.get("/close")).read().text()).isEqualTo("closing\n");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void pipelinedRequestsInOneWriteAreAnsweredInOrder() throws Exception {
        start();
        String batch = RawHttp.get("/bytes/5") + RawHttp.get("/hello") + RawHttp.get("/status/404")
                + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nabcd"
                + RawHttp.get("/chunked/10") + "HEAD /bytes/1000000 HTTP/1.1\r\nHost: t\r\n\r\n" + RawHttp.get("/hello");
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            c.send(batch);
            assertThat(c.read().body()).isEqualTo(DemoRoutes.pattern(5));
            assertThat(c.read().text()).isEqualTo("Hello, world!");
            assertThat(c.read().status()).isEqualTo(404);
            RawHttp.Reply echo = c.read();
            assertThat(echo.text()).isEqualTo("abcd");
            assertThat(echo.header("X-Method")).isEqualTo("POST");
            assertThat(c.read().body()).isEqualTo(DemoRoutes.pattern(10));
            RawHttp.Reply head = c.read(true);
            assertThat(head.header("Content-Length")).isEqualTo("1000000");
            assertThat(c.read().text()).as("no body followed the HEAD response").isEqualTo("Hello, world!");
            assertThat(seen.get()).isEqualTo(7);
            assertThat(c.nothingAvailable()).isTrue();
        }
    }

    @Test
    void aPipelinedRequestWaitsForTheDelayedOneBeforeIt() throws Exception {
        start();
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            c.send(RawHttp.get("/delay/50") + RawHttp.get("/hello") + RawHttp.get("/delay/1") + RawHttp.get("/bytes/3"));
            assertThat(c.read().text()).isEqualTo("delayed 50 ms\n");
            assertThat(c.read().text()).isEqualTo("Hello, world!");
            assertThat(c.read().text()).isEqualTo("delayed 1 ms\n");
            assertThat(c.read().body()).isEqualTo(DemoRoutes.pattern(3));
        }
    }

    /** Order-based: the /hello asked after a /delay on another connection of the same loop comes first. */
    @Test
    void aDelayDoesNotBlockTheLoop() throws Exception {
        start();
        assertThat(server.tcpServer().loops()).hasSize(1);
        try (RawHttp slow = RawHttp.connect(server.localAddress()); RawHttp fast = RawHttp.connect(server.localAddress())) {
            slow.send(RawHttp.get("/delay/500"));
            while (seen.get() == 0) Thread.onSpinWait(); // the server has the delayed request
            assertThat(fast.send(RawHttp.get("/hello")).read().text()).isEqualTo("Hello, world!");
            assertThat(slow.nothingAvailable()).as("the delayed answer is still pending").isTrue();
            assertThat(slow.read().text()).isEqualTo("delayed 500 ms\n");
        }
    }

    @Test
    void chunkedUploadWithTrailers() throws Exception {
        List<Request> requests = new CopyOnWriteArrayList<>();
        start(ServerConfig.builder().build(), HttpServerHandler.DEFAULT_LIMITS, (request, responder) -> {
            requests.add(request);
            DemoRoutes.routes().serve(request, responder);
        });
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Type: text/x\r\n\r\n");
            c.send("5\r\nHello\r\n");
            c.send("2;ext=1\r\n, \r\n6\r\nworld!\r\n0\r\nX-Sum: 42\r\n\r\n");
            RawHttp.Reply r = c.read();
            assertThat(r.text()).isEqualTo("Hello, world!");
            assertThat(r.header("Content-Type")).isEqualTo("text/x");
            assertThat(requests.getFirst().trailers()).containsExactly(java.util.Map.entry("X-Sum", "42"));
            assertThat(c.send(RawHttp.get("/hello")).read().status()).as("still in step").isEqualTo(200);
        }
    }

    @Test
    void expectContinueIsAnsweredBeforeTheBodyIsSent() throws Exception {
        start();
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n");
            RawHttp.Reply interim = c.readHead();
            assertThat(interim.status()).isEqualTo(100);
            assertThat(interim.reason()).isEqualTo("Continue");
            assertThat(c.nothingAvailable()).isTrue();
            RawHttp.Reply r = c.send("hello there").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello there");
            // Chunked too; and no 100 for a request without a body.
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n");
            assertThat(c.readHead().status()).isEqualTo(100);
            assertThat(c.send("3\r\nabc\r\n0\r\n\r\n").read().text()).isEqualTo("abc");
            c.send("GET /hello HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    @Test
    void expectContinueWithATooLargeBodyGets413AndNo100() throws Exception {
        start(ServerConfig.builder().build(), HttpServerHandler.DEFAULT_LIMITS.withMaxBodyBytes(1000), DemoRoutes.routes());
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 1001\r\n\r\n");
            RawHttp.Reply r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void aChunkedBodyOverTheLimitGets413() throws Exception {
        start(ServerConfig.builder().build(), HttpServerHandler.DEFAULT_LIMITS.withMaxBodyBytes(10), DemoRoutes.routes());
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n");
            RawHttp.Reply r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(c.closedByPeer()).isTrue();
            assertThat(seen.get()).isZero();
        }
    }

    @Test
    void connectionCloseFromTheClientIsHonoured() throws Exception {
        start();
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            c.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + RawHttp.get("/hello"));
            RawHttp.Reply r = c.read();
            assertThat(r.text()).isEqualTo("Hello, world!");
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).as("the pipelined request after close is not answered").isTrue();
            assertThat(seen.get()).isEqualTo(1);
        }
    }

    @Test
    void closeRouteClosesAfterItsResponse() throws Exception {
        start();
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            RawHttp.Reply r = c.send(RawHttp.get("/close")).read();
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.text()).isEqualTo("closing\n");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void http10ClosesUnlessAskedToKeepAlive() throws Exception {
        start();
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Reply r = c.read();
            assertThat(r.text()).isEqualTo("Hello, world!");
            assertThat(r.header("Connection")).isEqualTo("keep-alive");
            // No chunked for HTTP/1.0 (RFC 9112 §6.1): the close delimits a streamed body.
            c.send("GET /chunked/1000 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Reply streamed = c.read();
            assertThat(streamed.header("Transfer-Encoding")).isNull();
            assertThat(streamed.header("Connection")).isEqualTo("close");
            assertThat(streamed.body()).isEqualTo(DemoRoutes.pattern(1000));
        }
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            RawHttp.Reply r = c.send("GET /hello HTTP/1.0\r\n\r\n").read();
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    /** A client that never reads while a large body is produced: the server's pending output stays bounded. */
    @Test
    void aLargeResponseToASlowReaderIsPacedByBackpressure() throws Exception {
        start(ServerConfig.builder().maxPendingOutput(128 * 1024).build(), HttpServerHandler.DEFAULT_LIMITS,
                DemoRoutes.routes());
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            c.send(RawHttp.get("/bytes/20000000") + RawHttp.get("/chunked/5000000") + RawHttp.get("/hello"));
            Thread.sleep(100); // let the server fill the socket buffers and stall
            assertThat(server.tcpServer().connections()).as("not closed for exceeding maxPendingOutput").isEqualTo(1);
            assertThat(c.read().body()).isEqualTo(DemoRoutes.pattern(20_000_000));
            assertThat(c.read().body()).isEqualTo(DemoRoutes.pattern(5_000_000));
            assertThat(c.read().text()).isEqualTo("Hello, world!");
        }
    }

    @Test
    void pipelinedInputBeyondTheHoldLimitClosesTheConnection() throws Exception {
        start(ServerConfig.builder().maxBufferedInput(8 * 1024).build(),
                HttpServerHandler.DEFAULT_LIMITS.withMaxHeaderSectionBytes(4 * 1024), DemoRoutes.routes());
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            batch.writeBytes(RawHttp.get("/delay/2000").getBytes(ISO_8859_1));
            while (batch.size() < 20_000) batch.writeBytes(RawHttp.get("/hello").getBytes(ISO_8859_1));
            c.send(batch.toByteArray());
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void attachesToALoopTheCallerRuns() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            HttpServer attached = HttpServer.attach(loop, ServerConfig.builder().build(),
                    HttpServerHandler.DEFAULT_LIMITS, DemoRoutes.routes());
            loop.start();
            try (RawHttp c = RawHttp.connect(attached.localAddress())) {
                assertThat(c.send(RawHttp.get("/delay/5")).read().text()).isEqualTo("delayed 5 ms\n");
            }
            attached.shutdown(Duration.ZERO).join();
        }
    }

    @Test
    void maxBufferedInputBelowTheHeadLimitIsRefused() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> HttpServer.start(ServerConfig.builder().maxBufferedInput(1024).build(),
                        HttpServerHandler.DEFAULT_LIMITS, DemoRoutes.routes()))
                .withMessageContaining("maxBufferedInput 1024")
                .withMessageContaining("maxHeaderSectionBytes 65536");
    }

    @Test
    void aFailingServiceGets500AndTheConnectionGoesOn() throws Exception {
        start(ServerConfig.builder().build(), HttpServerHandler.DEFAULT_LIMITS, (request, responder) -> {
            if (request.path().equals("/boom")) throw new IllegalStateException("boom (expected by the test)");
            DemoRoutes.routes().serve(request, responder);
        });
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            assertThat(c.send(RawHttp.get("/boom")).read().status()).isEqualTo(500);
            assertThat(c.send(RawHttp.get("/hello")).read().status()).isEqualTo(200);
        }
    }

    @Test
    void answeringTwiceIsRefusedAndAnswersFromOtherThreadsArrive() throws Exception {
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        start(ServerConfig.builder().build(), HttpServerHandler.DEFAULT_LIMITS, (request, responder) -> {
            if (request.path().equals("/thread")) {
                Thread.ofPlatform().start(() -> responder.respond(Response.text(200, "from a thread")));
                return;
            }
            responder.respond(Response.text(200, "once"));
            try {
                responder.respond(Response.text(200, "twice"));
            } catch (IllegalStateException e) {
                refused.add(e);
            }
        });
        try (RawHttp c = RawHttp.connect(server.localAddress())) {
            assertThat(c.send(RawHttp.get("/x")).read().text()).isEqualTo("once");
            assertThat(c.send(RawHttp.get("/thread")).read().text()).isEqualTo("from a thread");
            assertThat(c.send(RawHttp.get("/x")).read().text()).isEqualTo("once");
            assertThat(refused).hasSize(2).allSatisfy(e -> assertThat(e).hasMessageContaining("already answered"));
        }
    }
}
