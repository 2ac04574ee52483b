package dev.evloop.websocket.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The two Jetty peers against each other, so a failure in an evloop test against either of them
 * is evloop's: echo of text and binary with and without permessage-deflate, the close paths, pings
 * and a server that stops reading.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JettyPeersTest {
    private static JettyWebSocketServer server;
    private static JettyWebSocketClient jetty;

    @BeforeAll
    static void start() throws Exception {
        server = new JettyWebSocketServer(true);
        jetty = new JettyWebSocketClient();
    }

    @AfterAll
    static void stop() throws Exception {
        if (jetty != null) jetty.close();
        if (server != null) server.close();
    }

    @Test
    void echoesTextAndBinaryWithAndWithoutDeflate() throws Exception {
        byte[] big = new byte[1 << 20];
        new Random(1).nextBytes(big);
        String text = "héllo wörld ✓ ".repeat(5_000);
        for (boolean deflate : new boolean[] {false, true}) {
            try (JettyWebSocketClient.Conversation ws = jetty.connect(server.uri("/echo"), deflate)) {
                assertThat(ws.extensions()).as("deflate offered: " + deflate)
                        .isEqualTo(deflate ? List.of("permessage-deflate") : List.of());
                ws.sendText(text);
                ws.sendBinary(big);
                ws.sendText("");
                JettyWebSocketClient.Message m = ws.nextMessage();
                assertThat(m.isText()).isTrue();
                assertThat(m.text()).isEqualTo(text);
                m = ws.nextMessage();
                assertThat(m.isText()).isFalse();
                assertThat(m.binary()).isEqualTo(big);
                assertThat(ws.nextMessage().text()).isEmpty();
                ws.sendPing("are you there");
                waitFor(() -> ws.pongsReceived() == 1);
                assertThat(ws.close(1000, "done")).isEqualTo(new JettyWebSocketClient.CloseStatus(1000, "done"));
            }
        }
        waitFor(() -> server.lastCloseStatus() != null && server.lastCloseStatus().reason().equals("done"));
        assertThat(server.lastCloseStatus().code()).isEqualTo(1000);
    }

    @Test
    void aServerWithoutDeflateDeclinesTheOffer() throws Exception {
        try (JettyWebSocketServer plain = new JettyWebSocketServer(false);
                JettyWebSocketClient.Conversation ws = jetty.connect(plain.uri("/echo"), true)) {
            assertThat(plain.deflateEnabled()).isFalse();
            assertThat(ws.extensions()).isEmpty();
            ws.sendText("plain");
            assertThat(ws.nextMessage().text()).isEqualTo("plain");
            assertThat(ws.close(1000, "")).extracting(JettyWebSocketClient.CloseStatus::code).isEqualTo(1000);
            assertThat(plain.awaitClosed(1, Duration.ofSeconds(5))).isTrue();
            assertThat(plain.sessionsOpened()).isEqualTo(1);
            assertThat(plain.messagesReceived()).isEqualTo(1);
        }
    }

    @Test
    void theServerClosesWithTheStatusAsked() throws Exception {
        int closedBefore = server.sessionsClosed();
        try (JettyWebSocketClient.Conversation ws = jetty.connect(server.uri("/close?code=4000&reason=go%20away"), false)) {
            assertThat(ws.awaitClose(Duration.ofSeconds(5))).isEqualTo(new JettyWebSocketClient.CloseStatus(4000, "go away"));
            waitFor(() -> !ws.isOpen()); // Jetty marks the session closed after it reported the close
        }
        assertThat(server.awaitClosed(closedBefore + 1, Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void thePingEndpointPingsEvery100Milliseconds() throws Exception {
        try (JettyWebSocketClient.Conversation ws = jetty.connect(server.uri("/ping"), false)) {
            waitFor(() -> ws.pingsReceived() >= 3);
            ws.sendText("and echoes");
            assertThat(ws.nextMessage().text()).isEqualTo("and echoes");
            int pongsBefore = server.pongsReceived();
            int pings = ws.pingsReceived();
            waitFor(() -> ws.pingsReceived() > pings);
            waitFor(() -> server.pongsReceived() > pongsBefore); // our client answers each ping
        }
    }

    @Test
    void theSilentEndpointStopsReadingSoSendsBackUp() throws Exception {
        try (JettyWebSocketClient.Conversation ws = jetty.connect(server.uri("/silent"), false)) {
            // 64 MiB is far more than the socket buffers of both sides hold (a few MiB on loopback).
            byte[] chunk = new byte[1 << 20];
            List<CompletableFuture<Void>> sends = new ArrayList<>();
            for (int i = 0; i < 64; i++) sends.add(ws.sendBinaryAsync(chunk));
            Thread.sleep(500);
            long done = sends.stream().filter(CompletableFuture::isDone).count();
            assertThat(done).as("messages written to a peer that does not read").isLessThan(64);
            ws.abort();
            assertThat(ws.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1006);
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 1000 && !condition.getAsBoolean(); i++) Thread.sleep(10);
        assertThat(condition.getAsBoolean()).as("condition within 10 s").isTrue();
    }
}
