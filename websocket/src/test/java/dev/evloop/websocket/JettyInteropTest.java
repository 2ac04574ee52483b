package dev.evloop.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.server.ServerConfig;
import dev.evloop.server.http.HttpServer;
import dev.evloop.server.http.Routes;
import dev.evloop.websocket.jetty.JettyWebSocketClient;
import dev.evloop.websocket.jetty.JettyWebSocketServer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both directions against an independent implementation: evloop's client against Jetty 12's
 * WebSocket server, and Jetty 12's WebSocket client against evloop's server.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class JettyInteropTest {
    static final int[] SIZES = {0, 1, 125, 126, 65535, 65536, 1 << 20, 16 << 20};
    static JettyWebSocketServer jettyDeflate;
    static JettyWebSocketServer jettyPlain;
    static JettyWebSocketClient jettyClient;
    static HttpServer evloop;
    static final BlockingQueue<Recorder> serverSide = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        jettyDeflate = new JettyWebSocketServer(true);
        jettyPlain = new JettyWebSocketServer(false);
        jettyClient = new JettyWebSocketClient();
        WebSocketConfig big = WebSocketConfig.builder().maxMessageSize(32 << 20).maxFrameSize(32 << 20).build();
        Routes routes = Routes.builder()
                .exact("/echo", WebSocketService.of(big, r -> WebSocketServer.echo(1 << 20)))
                .exact("/bye", WebSocketService.of(big, r -> new WebSocketListener() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        ws.close(4000, "bye");
                    }
                }))
                .exact("/rec", WebSocketService.of(big, r -> {
                    Recorder rec = new Recorder();
                    serverSide.add(rec);
                    return rec;
                }))
                .build();
        evloop = HttpServer.start(ServerConfig.builder().maxPendingOutput(80 << 20).build(), routes);
    }

    @AfterAll
    static void stop() throws Exception {
        if (evloop != null) evloop.close();
        if (jettyClient != null) jettyClient.close();
        if (jettyDeflate != null) jettyDeflate.close();
        if (jettyPlain != null) jettyPlain.close();
    }

    static WebSocketClient evloopClient(boolean deflate) throws Exception {
        return WebSocketClient.builder().config(WebSocketConfig.builder().permessageDeflate(deflate)
                .maxMessageSize(32 << 20).maxFrameSize(32 << 20).closeTimeout(Duration.ofMillis(500)).build()).build();
    }

    static URI evloopUri(String path) {
        return URI.create("ws://127.0.0.1:" + evloop.localAddress().getPort() + path);
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String text(int bytes) {
        return "aé€𝄞".repeat(bytes / 10 + 1).substring(0, Math.max(0, bytes / 3));
    }

    // ---------------------------------------------------------------- evloop client, Jetty server

    @ParameterizedTest(name = "permessage-deflate {0}")
    @ValueSource(booleans = {false, true})
    void evloopClientEchoesThroughJettyFromEmptyTo16MiB(boolean deflate) throws Exception {
        JettyWebSocketServer jetty = deflate ? jettyDeflate : jettyPlain;
        try (WebSocketClient client = evloopClient(true)) {
            Recorder rec = new Recorder();
            WebSocket ws = client.connect(jetty.uri("/echo"), rec).get(10, TimeUnit.SECONDS);
            assertThat(ws.extensions()).as("negotiated").isEqualTo(deflate ? "permessage-deflate" : "");
            for (int size : SIZES) {
                byte[] data = random(size, size);
                ws.sendBinary(ByteBuffer.wrap(data));
                assertThat((byte[]) rec.next()).as("binary of %d bytes", size).isEqualTo(data);
                String t = text(size);
                ws.sendText(t);
                assertThat(rec.next()).as("text of %d chars", t.length()).isEqualTo(t);
            }
            ws.sendText("Hel", false);
            ws.sendText("lo", true);
            assertThat(rec.next()).isEqualTo("Hello");
            ws.close(1000, "done");
            assertThat(rec.awaitClose()).isEqualTo(new Recorder.Closed(1000, "done"));
            assertThat(rec.errors).isEmpty();
        }
    }

    @Test
    void jettyClosesWithItsStatusAndEvloopAnswers() throws Exception {
        try (WebSocketClient client = evloopClient(false)) {
            Recorder rec = new Recorder();
            client.connect(jettyPlain.uri("/close?code=4001&reason=over"), rec).get(10, TimeUnit.SECONDS);
            assertThat(rec.awaitClose()).isEqualTo(new Recorder.Closed(4001, "over"));
            assertThat(rec.errors).isEmpty();
        }
    }

    @Test
    void jettysPingsAreAnsweredByEvloop() throws Exception {
        try (WebSocketClient client = evloopClient(false)) {
            Recorder rec = new Recorder();
            int before = jettyPlain.pongsReceived();
            WebSocket ws = client.connect(jettyPlain.uri("/ping"), rec).get(10, TimeUnit.SECONDS);
            WebSocketSessionTest.waitFor(() -> rec.pings.get() >= 3 && jettyPlain.pongsReceived() - before >= 3);
            ws.close(1000, "");
            rec.awaitClose();
        }
    }

    @Test
    void aJettyServerThatStopsReadingBacksUpTheSenderAndTheCloseTimesOut() throws Exception {
        try (WebSocketClient client = evloopClient(false)) {
            Recorder rec = new Recorder();
            WebSocket ws = client.connect(jettyPlain.uri("/silent"), rec).get(10, TimeUnit.SECONDS);
            byte[] chunk = random(1 << 20, 1);
            int sent = 0;
            while (sent < 256 && ws.queuedBytes() == 0) {
                ws.sendBinary(ByteBuffer.wrap(chunk));
                sent++;
                Thread.sleep(2);
            }
            assertThat(ws.queuedBytes()).as("queued after %d MiB to a peer that reads nothing", sent).isPositive();
            ws.close(1000, "");
            // The close frame waits behind the queue the peer never reads: the close timeout ends it.
            assertThat(rec.awaitClose().code()).isEqualTo(1006);
            assertThat(rec.errors).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("no close frame"));
        }
    }

    // ---------------------------------------------------------------- Jetty client, evloop server

    @ParameterizedTest(name = "permessage-deflate {0}")
    @ValueSource(booleans = {false, true})
    void jettyClientEchoesThroughEvloopFromEmptyTo16MiB(boolean deflate) throws Exception {
        try (JettyWebSocketClient.Conversation c = jettyClient.connect(evloopUri("/echo"), deflate)) {
            assertThat(String.join(",", c.extensions())).as("negotiated")
                    .contains(deflate ? "permessage-deflate" : "");
            if (!deflate) assertThat(c.extensions()).isEmpty();
            for (int size : SIZES) {
                byte[] data = random(size, size + 1);
                c.sendBinary(data);
                assertThat(c.nextMessage(Duration.ofSeconds(30)).binary()).as("binary of %d bytes", size).isEqualTo(data);
                String t = text(size);
                c.sendText(t);
                assertThat(c.nextMessage(Duration.ofSeconds(30)).text()).as("text of %d chars", t.length()).isEqualTo(t);
            }
            assertThat(c.close(1000, "done").code()).isEqualTo(1000);
        }
    }

    @Test
    void jettysFragmentsAndInterleavedPingReachEvloopAsOneMessage() throws Exception {
        serverSide.clear();
        try (JettyWebSocketClient.Conversation c = jettyClient.connect(evloopUri("/rec"), false)) {
            Recorder peer = serverSide.poll(10, TimeUnit.SECONDS);
            CompletableFuture<Void> done = new CompletableFuture<>();
            c.session().sendPartialText("frag", false, Callback.from(() -> c.session().sendPing(
                    ByteBuffer.wrap("in between".getBytes(StandardCharsets.UTF_8)), Callback.from(() -> c.session()
                            .sendPartialText("mented", true, Callback.from(() -> done.complete(null), done::completeExceptionally)),
                            done::completeExceptionally)), done::completeExceptionally));
            done.get(10, TimeUnit.SECONDS);
            assertThat(peer.next()).isEqualTo("fragmented");
            assertThat(peer.pings.get()).isEqualTo(1);
            WebSocketSessionTest.waitFor(() -> c.pongsReceived() == 1);
            assertThat(c.close(4002, "bye from jetty")).isEqualTo(new JettyWebSocketClient.CloseStatus(4002, "bye from jetty"));
            assertThat(peer.awaitClose()).isEqualTo(new Recorder.Closed(4002, "bye from jetty"));
        }
    }

    @Test
    void evloopClosesWithItsStatusAndJettyAnswers() throws Exception {
        try (JettyWebSocketClient.Conversation c = jettyClient.connect(evloopUri("/bye"), false)) {
            assertThat(c.awaitClose(Duration.ofSeconds(10))).isEqualTo(new JettyWebSocketClient.CloseStatus(4000, "bye"));
        }
    }

    @Test
    void aJettyClientThatStopsReadingBacksUpTheEvloopServerUntilItReadsAgain() throws Exception {
        serverSide.clear();
        try (JettyWebSocketClient.Conversation c = jettyClient.connect(evloopUri("/rec"), false)) {
            Recorder peer = serverSide.poll(10, TimeUnit.SECONDS);
            WebSocket server = peer.open.get(10, TimeUnit.SECONDS);
            c.pauseReading();
            int drainedBefore = peer.drained.get();
            byte[] chunk = random(1 << 20, 2);
            CompletableFuture<Integer> sent = new CompletableFuture<>();
            // Send on the server's loop until its output queue holds something the kernel refused.
            Runnable flood = new Runnable() {
                int n;

                @Override
                public void run() {
                    while (n < 64 && server.queuedBytes() == 0) {
                        server.sendBinary(ByteBuffer.wrap(chunk));
                        n++;
                    }
                    sent.complete(n);
                }
            };
            evloop.tcpServer().loops().getFirst().execute(flood);
            int n = sent.get(20, TimeUnit.SECONDS);
            assertThat(server.queuedBytes()).as("queued after %d MiB to a reader that paused", n).isPositive();
            c.resumeReading();
            for (int i = 0; i < n; i++) assertThat(c.nextMessage(Duration.ofSeconds(30)).binary()).isEqualTo(chunk);
            // Told once the queue that built up was written (Jetty may have taken some into its
            // own buffers before its reader resumed, so the moment varies; the telling does not).
            WebSocketSessionTest.waitFor(() -> peer.drained.get() > drainedBefore);
            assertThat(c.close(1000, "").code()).isEqualTo(1000);
        }
    }

    @Test
    void subprotocolsAreAgreed() throws Exception {
        WebSocketConfig cfg = WebSocketConfig.builder().subprotocols(List.of("chat.v2", "chat.v1")).build();
        try (HttpServer s = HttpServer.start(ServerConfig.builder().build(), Routes.builder()
                .exact("/p", WebSocketService.of(cfg, r -> WebSocketServer.echo(1 << 20))).build());
                JettyWebSocketClient.Conversation c = jettyClient.connect(
                        URI.create("ws://127.0.0.1:" + s.localAddress().getPort() + "/p"), false, List.of("chat.v1", "x"))) {
            assertThat(c.subprotocol()).isEqualTo("chat.v1");
            c.close(1000, "");
        }
    }
}
