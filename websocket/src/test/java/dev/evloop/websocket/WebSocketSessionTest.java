package dev.evloop.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.server.ServerConfig;
import dev.evloop.server.http.HttpServer;
import dev.evloop.server.http.Routes;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** evloop's WebSocket client against evloop's WebSocket server, over loopback. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebSocketSessionTest {
    static HttpServer server;
    static WebSocketClient client;
    static final BlockingQueue<Recorder> serverSide = new LinkedBlockingQueue<>();
    static final WebSocketConfig SERVER = WebSocketConfig.builder().maxMessageSize(32 << 20).maxFrameSize(32 << 20).build();

    @BeforeAll
    static void start() throws Exception {
        Routes routes = Routes.builder()
                .exact("/echo", WebSocketService.of(SERVER, r -> WebSocketServer.echo(1 << 20)))
                .exact("/bye", WebSocketService.of(SERVER, r -> new WebSocketListener() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        ws.close(4000, "bye");
                    }
                }))
                .exact("/rec", WebSocketService.of(SERVER, r -> {
                    Recorder rec = new Recorder();
                    serverSide.add(rec);
                    return rec;
                }))
                .exact("/silent", WebSocketService.of(SERVER, r -> {
                    Recorder rec = new Recorder() {
                        @Override
                        public void onOpen(WebSocket ws) {
                            ws.pauseReceiving();
                            super.onOpen(ws);
                        }
                    };
                    serverSide.add(rec);
                    return rec;
                }))
                .build();
        server = HttpServer.start(ServerConfig.builder().maxPendingOutput(64 << 20).build(), routes);
        client = WebSocketClient.builder()
                .config(WebSocketConfig.builder().maxMessageSize(32 << 20).maxFrameSize(32 << 20).build()).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (server != null) server.close();
    }

    static URI uri(String path) {
        return URI.create("ws://127.0.0.1:" + server.localAddress().getPort() + path);
    }

    static WebSocketClient clientWith(WebSocketConfig c) throws Exception {
        return WebSocketClient.builder().config(c).build();
    }

    @ParameterizedTest(name = "permessage-deflate {0}")
    @ValueSource(booleans = {false, true})
    void echoesTextAndBinaryFromEmptyTo16MiB(boolean deflate) throws Exception {
        WebSocketConfig cfg = WebSocketConfig.builder().permessageDeflate(deflate)
                .maxMessageSize(32 << 20).maxFrameSize(32 << 20).build();
        try (WebSocketClient c = clientWith(cfg)) {
            Recorder rec = new Recorder();
            WebSocket ws = c.connect(uri("/echo"), rec).get(10, TimeUnit.SECONDS);
            assertThat(ws.extensions()).isEqualTo(deflate ? "permessage-deflate" : "");
            Random random = new Random(42);
            for (int size : new int[] {0, 1, 125, 126, 65535, 65536, 65537, 1 << 20, 16 << 20}) {
                byte[] data = new byte[size];
                random.nextBytes(data);
                ws.sendBinary(ByteBuffer.wrap(data));
                assertThat((byte[]) rec.next()).as("binary of %d bytes", size).isEqualTo(data);
                String text = "é€𝄞x".repeat(Math.max(0, size / 10));
                ws.sendText(text);
                assertThat(rec.next()).as("text of %d chars", text.length()).isEqualTo(text);
            }
            ws.close(1000, "done");
            assertThat(rec.awaitClose()).isEqualTo(new Recorder.Closed(1000, "done"));
            assertThat(rec.errors).isEmpty();
        }
    }

    @Test
    void fragmentsSentByTheApplicationArriveAsOneMessage() throws Exception {
        Recorder rec = new Recorder();
        WebSocket ws = client.connect(uri("/echo"), rec).get(10, TimeUnit.SECONDS);
        ws.sendText("Hel", false);
        ws.sendText("lo, ", false);
        ws.sendText("world", true);
        assertThat(rec.next()).isEqualTo("Hello, world");
        ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2}), false);
        ws.sendBinary(ByteBuffer.wrap(new byte[] {3}), true);
        assertThat((byte[]) rec.next()).containsExactly(1, 2, 3);
        ws.close(1000, "");
        rec.awaitClose();
    }

    @Test
    void anotherMessageCannotStartInsideAFragmentedOne() throws Exception {
        Recorder rec = new Recorder() {
            @Override
            public void onOpen(WebSocket ws) {
                ws.sendText("a", false);
                try {
                    ws.sendBinary(ByteBuffer.allocate(1));
                    errors.add(new AssertionError("no exception"));
                } catch (IllegalStateException e) {
                    messages.add(e.getMessage());
                }
                ws.sendText("b", true);
                super.onOpen(ws);
            }
        };
        WebSocket ws = client.connect(uri("/echo"), rec).get(10, TimeUnit.SECONDS);
        assertThat((String) rec.next()).contains("fragmented TEXT message is in progress");
        assertThat(rec.next()).isEqualTo("ab");
        ws.close(1000, "");
        rec.awaitClose();
    }

    @Test
    void theServerClosesWithItsStatusAndTheClientEchoesIt() throws Exception {
        Recorder rec = new Recorder();
        client.connect(uri("/bye"), rec).get(10, TimeUnit.SECONDS);
        assertThat(rec.awaitClose()).isEqualTo(new Recorder.Closed(4000, "bye"));
        assertThat(rec.closeCalls.get()).isEqualTo(1);
        assertThat(rec.errors).isEmpty();
    }

    @Test
    void theClientClosesAndTheServerSeesItsStatusAndReason() throws Exception {
        serverSide.clear();
        Recorder rec = new Recorder();
        WebSocket ws = client.connect(uri("/rec"), rec).get(10, TimeUnit.SECONDS);
        Recorder peer = serverSide.poll(10, TimeUnit.SECONDS);
        ws.sendText("hi");
        assertThat(peer.next()).isEqualTo("hi");
        ws.close(1001, "leaving é");
        assertThat(peer.awaitClose()).isEqualTo(new Recorder.Closed(1001, "leaving é"));
        assertThat(rec.awaitClose()).isEqualTo(new Recorder.Closed(1001, "leaving é"));
        assertThat(ws.isOpen()).isFalse();
        assertThat(ws.sendText("late")).isFalse();
    }

    @Test
    void badArgumentsAreRefusedWithTheirReason() throws Exception {
        Recorder rec = new Recorder();
        WebSocket ws = client.connect(uri("/echo"), rec).get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> ws.close(1005, "")).hasMessageContaining("1005 may not be sent");
        assertThatThrownBy(() -> ws.close(1000, "x".repeat(124))).hasMessageContaining("123");
        assertThatThrownBy(() -> ws.sendPing(ByteBuffer.allocate(126))).hasMessageContaining("at most 125");
        assertThatThrownBy(() -> ws.sendText("\uD800")).hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> client.connect(URI.create("ftp://127.0.0.1/"), rec))
                .hasMessageContaining("not a WebSocket URI");
        ws.close(1000, "");
        rec.awaitClose();
    }

    @Test
    void aRefusedHandshakeFailsTheFutureWithTheStatus() {
        Recorder rec = new Recorder();
        assertThatThrownBy(() -> client.connect(uri("/nowhere"), rec).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("HTTP 404");
        assertThat(rec.open).isNotDone();
    }

    @Test
    void pingsAreAnsweredAndReported() throws Exception {
        serverSide.clear();
        Recorder rec = new Recorder();
        WebSocket ws = client.connect(uri("/rec"), rec).get(10, TimeUnit.SECONDS);
        Recorder peer = serverSide.poll(10, TimeUnit.SECONDS);
        ws.sendPing(ByteBuffer.wrap("p".getBytes(StandardCharsets.UTF_8)));
        ws.sendText("after");
        assertThat(peer.next()).isEqualTo("after");
        assertThat(peer.pings.get()).isEqualTo(1);
        ws.sendText("sync");
        assertThat(peer.next()).isEqualTo("sync");
        waitFor(() -> rec.pongs.get() == 1);
        ws.close(1000, "");
        rec.awaitClose();
    }

    @Test
    void aSenderSeesItsQueueAndIsToldWhenItDrains() throws Exception {
        serverSide.clear();
        Recorder rec = new Recorder();
        // Without compression, so the test spends its time filling sockets, not deflating.
        try (WebSocketClient plain = clientWith(WebSocketConfig.builder().permessageDeflate(false).build())) {
            WebSocket ws = plain.connect(uri("/silent"), rec).get(10, TimeUnit.SECONDS);
            Recorder peer = serverSide.poll(10, TimeUnit.SECONDS);
            WebSocket serverWs = peer.open.get(10, TimeUnit.SECONDS);
            byte[] chunk = new byte[1 << 20];
            new Random(7).nextBytes(chunk);
            // Send until the kernel's buffers (tens of MiB on loopback with autotuning) are full and
            // 8 MiB wait in the session; the server reads nothing meanwhile, so nothing drains.
            int sent = 0;
            while (sent < 256 && ws.queuedBytes() <= (8 << 20)) {
                ws.sendBinary(ByteBuffer.wrap(chunk));
                sent++;
                Thread.sleep(2);
            }
            assertThat(ws.queuedBytes()).as("queued after %d MiB sent to a reader that reads nothing", sent)
                    .isGreaterThan(8 << 20);
            assertThat(rec.drained.get()).isZero();
            serverWs.resumeReceiving();
            waitFor(() -> rec.drained.get() >= 1);
            for (int i = 0; i < sent; i++) assertThat(((byte[]) peer.next()).length).isEqualTo(1 << 20);
            assertThat(ws.queuedBytes()).isZero();
            ws.close(1000, "");
            rec.awaitClose();
        }
    }

    @Test
    void keepAlivePingsAreSentWhenTheLineIsQuietAndAnswered() throws Exception {
        WebSocketConfig cfg = WebSocketConfig.builder().pingInterval(Duration.ofMillis(50)).build();
        try (WebSocketClient c = clientWith(cfg)) {
            serverSide.clear();
            Recorder rec = new Recorder();
            WebSocket ws = c.connect(uri("/rec"), rec).get(10, TimeUnit.SECONDS);
            Recorder peer = serverSide.poll(10, TimeUnit.SECONDS);
            waitFor(() -> peer.pings.get() >= 3 && rec.pongs.get() >= 3);
            ws.close(1000, "");
            rec.awaitClose();
        }
    }

    @Test
    void anIdleSessionIsClosedWith1001() throws Exception {
        WebSocketConfig cfg = WebSocketConfig.builder().idleTimeout(Duration.ofMillis(200)).build();
        try (WebSocketClient c = clientWith(cfg)) {
            serverSide.clear();
            Recorder rec = new Recorder();
            c.connect(uri("/rec"), rec).get(10, TimeUnit.SECONDS);
            Recorder peer = serverSide.poll(10, TimeUnit.SECONDS);
            assertThat(peer.awaitClose()).isEqualTo(new Recorder.Closed(1001, "idle timeout"));
            assertThat(rec.awaitClose().code()).isEqualTo(1001);
            assertThat(rec.errors).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("idle for 200 ms"));
        }
    }

    @Test
    void aThousandConcurrentSessions() throws Exception {
        int n = 1000;
        int before = server.tcpServer().connections();
        List<Recorder> recs = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<WebSocket>> opening = new ArrayList<>();
        WebSocketConfig cfg = WebSocketConfig.builder().permessageDeflate(false).build();
        try (WebSocketClient c = clientWith(cfg)) {
            for (int i = 0; i < n; i++) {
                Recorder r = new Recorder();
                recs.add(r);
                opening.add(c.connect(uri("/echo"), r));
            }
            List<WebSocket> sessions = new ArrayList<>();
            for (var f : opening) sessions.add(f.get(30, TimeUnit.SECONDS));
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < n; i++) sessions.get(i).sendText("s" + i + "r" + round);
                for (int i = 0; i < n; i++) assertThat(recs.get(i).next()).isEqualTo("s" + i + "r" + round);
            }
            for (WebSocket ws : sessions) ws.close(1000, "");
            for (Recorder r : recs) assertThat(r.awaitClose().code()).isEqualTo(1000);
        }
        // At most the count before: a session of an earlier test may still have been closing then.
        waitFor(() -> server.tcpServer().connections() <= before);
    }

    @Test
    void aServerShutdownSaysGoingAwayToEverySessionAndEndsWhenTheyHaveClosed() throws Exception {
        WebSocketServer ws = WebSocketServer.start(ServerConfig.builder().build(), WebSocketConfig.defaults(), "/",
                r -> WebSocketServer.echo(1 << 20));
        try {
            URI u = URI.create("ws://127.0.0.1:" + ws.localAddress().getPort() + "/");
            List<Recorder> recs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Recorder r = new Recorder();
                recs.add(r);
                client.connect(u, r).get(10, TimeUnit.SECONDS).sendText("before");
                assertThat(r.next()).isEqualTo("before");
            }
            var done = ws.shutdown(Duration.ofSeconds(10));
            for (Recorder r : recs) assertThat(r.awaitClose()).isEqualTo(new Recorder.Closed(1001, "server shutting down"));
            done.get(10, TimeUnit.SECONDS); // long before the grace: every closing handshake finished
            assertThat(ws.httpServer().tcpServer().connections()).isZero();
        } finally {
            ws.close();
        }
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 20 s");
            Thread.sleep(5);
        }
    }
}
