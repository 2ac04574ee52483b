package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.poll.Backend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Expect: 100-continue against Jetty and against raw servers that answer 417 or never answer 100. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExpectContinueTest {
    static JettyFixture jetty;

    @BeforeAll
    static void startJetty() throws Exception {
        jetty = new JettyFixture();
    }

    @AfterAll
    static void stopJetty() throws Exception {
        jetty.close();
    }

    static TransferResult run(LoopHarness h, Transfer t) {
        h.engine.add(t);
        h.runUntil(t::isDone, Duration.ofSeconds(20));
        return t.result();
    }

    @Test
    void jettyAnswers100AndTheBodyFollowsWithoutWaitingForTheTimer() throws Exception {
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, HttpEngine.builder())) {
            byte[] body = StreamedUploadTest.expected(200_000);
            long start = System.nanoTime();
            TransferResult bytes = run(h, Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/echoinfo"))
                    .POST(body).expectContinue(true).continueTimeout(Duration.ofSeconds(5)).build(), r -> { }));
            assertThat(bytes.error()).isNull();
            assertThat(bytes.response().body()).isEqualTo(body);
            TransferResult streamed = run(h, Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/echoinfo"))
                    .header("Expect", "100-continue").continueTimeout(Duration.ofSeconds(5))
                    .POST(new StreamedUploadTest.PatternSource(300_000, false, 10_000)).build(), r -> { }));
            assertThat(streamed.error()).isNull();
            assertThat(streamed.response().body()).isEqualTo(StreamedUploadTest.expected(300_000));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("100 came; no 5 s wait").isLessThan(Duration.ofSeconds(4));
            assertThat(h.watched()).isZero();
        }
    }

    @Test
    void a417BeforeTheBodyEndsTheExchangeWithoutSendingItAndClosesTheConnection() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                LoopHarness h = new LoopHarness(Backend.EPOLL, HttpEngine.builder())) {
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    String head = ScriptedServer.readHead(in);
                    ScriptedServer.write(s, "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 4\r\n\r\nnope");
                    s.setSoTimeout(3000);
                    ByteArrayOutputStream after = new ByteArrayOutputStream();
                    try {
                        for (int b; (b = in.read()) >= 0; ) after.write(b);
                        return head + "|after:" + after.size() + "|eof";
                    } catch (SocketTimeoutException e) {
                        return head + "|after:" + after.size() + "|no eof";
                    }
                } catch (IOException e) {
                    return "error " + e;
                }
            });
            StreamedUploadTest.PatternSource source = new StreamedUploadTest.PatternSource(100_000, true, 100_000);
            TransferResult r = run(h, Transfer.collecting(HttpRequest.newBuilder("http://127.0.0.1:" + server.getLocalPort() + "/up")
                    .POST(source).expectContinue(true).build(), x -> { }));
            assertThat(r.error()).isNull();
            assertThat(r.response().status()).isEqualTo(417);
            assertThat(r.response().bodyAsString()).isEqualTo("nope");
            assertThat(source.reads).as("the source was never pulled").isZero();
            String s = seen.get(10, TimeUnit.SECONDS);
            assertThat(s).contains("Expect: 100-continue").contains("Content-Length: 100000").endsWith("|after:0|eof");
            assertThat(h.engine.connections()).isZero();
            assertThat(h.watched()).isZero();
        }
    }

    @Test
    void aServerThatNeverAnswers100GetsTheBodyAfterTheTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                LoopHarness h = new LoopHarness(Backend.EPOLL, HttpEngine.builder())) {
            CompletableFuture<Long> gotBodyAfter = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    ScriptedServer.readHead(in);
                    long t0 = System.nanoTime();
                    byte[] body = in.readNBytes(5);
                    long waited = System.nanoTime() - t0;
                    ScriptedServer.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                            + new String(body, StandardCharsets.US_ASCII));
                    return waited;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            TransferResult r = run(h, Transfer.collecting(HttpRequest.newBuilder("http://127.0.0.1:" + server.getLocalPort() + "/up")
                    .POST("hello").expectContinue(true).continueTimeout(Duration.ofMillis(300)).build(), x -> { }));
            assertThat(r.error()).isNull();
            assertThat(r.response().bodyAsString()).isEqualTo("hello");
            assertThat(Duration.ofNanos(gotBodyAfter.get(10, TimeUnit.SECONDS))).isGreaterThan(Duration.ofMillis(250));
        }
    }
}
