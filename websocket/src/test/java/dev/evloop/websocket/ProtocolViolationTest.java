package dev.evloop.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.server.ServerConfig;
import dev.evloop.server.http.HttpServer;
import dev.evloop.server.http.Routes;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a peer must not send, sent by a raw peer: each violation closes the session with the
 * status RFC 6455 assigns (1002 protocol error, 1007 bad data, 1009 too big), a close frame
 * first and then the TCP connection, and the application hears why.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolViolationTest {
    static HttpServer server;
    static final BlockingQueue<Recorder> serverSide = new LinkedBlockingQueue<>();
    static final int FIN = 0x80;
    static final int TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9;

    @BeforeAll
    static void start() throws Exception {
        WebSocketConfig small = WebSocketConfig.builder().maxFrameSize(1024).maxMessageSize(4096)
                .permessageDeflate(false).closeTimeout(Duration.ofMillis(300)).build();
        Routes routes = Routes.builder()
                .exact("/ws", WebSocketService.of(small, r -> {
                    Recorder rec = new Recorder() {
                        @Override
                        public void onText(WebSocket ws, String text) throws Exception {
                            super.onText(ws, text);
                            ws.sendText(text);
                        }
                    };
                    serverSide.add(rec);
                    return rec;
                }))
                .build();
        server = HttpServer.start(ServerConfig.builder().build(), routes);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static RawWs open() throws Exception {
        serverSide.clear();
        RawWs raw = RawWs.connect(server.localAddress(), "/ws", "");
        assertThat(raw.head).startsWith("HTTP/1.1 101");
        return raw;
    }

    static Stream<Arguments> violations() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // E2 82 AC
        return Stream.of(
                Arguments.of("unmasked client frame", 1002, "unmasked", frames(f(FIN | TEXT, "hi".getBytes(), false))),
                Arguments.of("RSV2 set", 1002, "RSV2", frames(f(FIN | 0x20 | TEXT, "hi".getBytes(), true))),
                Arguments.of("RSV1 without an extension", 1002, "RSV1", frames(f(FIN | 0x40 | TEXT, "hi".getBytes(), true))),
                Arguments.of("reserved opcode", 1002, "0x3", frames(f(FIN | 3, new byte[0], true))),
                Arguments.of("fragmented ping", 1002, "PING", frames(f(PING, new byte[0], true))),
                Arguments.of("ping of 126 bytes", 1002, "125", frames(f(FIN | PING, new byte[126], true))),
                Arguments.of("continuation without a message", 1002, "CONTINUATION", frames(f(FIN, "x".getBytes(), true))),
                Arguments.of("new message inside a fragmented one", 1002, "in progress",
                        frames(f(TEXT, "a".getBytes(), true), f(FIN | BINARY, "b".getBytes(), true))),
                Arguments.of("invalid UTF-8", 1007, "UTF-8", frames(f(FIN | TEXT, new byte[] {(byte) 0xC0, (byte) 0x80}, true))),
                Arguments.of("invalid UTF-8 split across fragments", 1007, "UTF-8",
                        frames(f(TEXT, new byte[] {euro[0]}, true), f(FIN, new byte[] {euro[1], 0x41}, true))),
                Arguments.of("text ending inside a character", 1007, "UTF-8",
                        frames(f(TEXT, new byte[] {euro[0]}, true), f(FIN, new byte[] {euro[1]}, true))),
                Arguments.of("frame over the maximum", 1009, "1025", frames(f(FIN | BINARY, new byte[1025], true))),
                Arguments.of("message over the maximum", 1009, "4097",
                        frames(f(BINARY, new byte[1024], true), f(0, new byte[1024], true), f(0, new byte[1024], true),
                                f(0, new byte[1024], true), f(FIN, new byte[1], true))),
                Arguments.of("close code 1005 on the wire", 1002, "1005", frames(f(FIN | CLOSE, RawWs.closePayload(1005, ""), true))),
                Arguments.of("close code 999", 1002, "999", frames(f(FIN | CLOSE, RawWs.closePayload(999, ""), true))),
                Arguments.of("close reason not UTF-8", 1007, "UTF-8",
                        frames(f(FIN | CLOSE, new byte[] {3, (byte) 0xE8, (byte) 0xFF}, true))),
                Arguments.of("close with a 1-byte body", 1002, "1 byte", frames(f(FIN | CLOSE, new byte[] {3}, true))));
    }

    record F(int first, byte[] payload, boolean masked) {}

    static F f(int first, byte[] payload, boolean masked) {
        return new F(first, payload, masked);
    }

    static F[] frames(F... fs) {
        return fs;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("violations")
    void aViolationClosesWithItsStatus(String name, int code, String named, F[] frames) throws Exception {
        try (RawWs raw = open()) {
            Recorder peer = serverSide.poll(10, TimeUnit.SECONDS);
            for (F fr : frames) raw.send(fr.first(), fr.payload(), fr.masked());
            RawWs.Frame close = raw.readUntilClose();
            assertThat(close.closeCode()).as("status of the server's close frame").isEqualTo(code);
            assertThat(close.masked()).as("a server never masks").isFalse();
            assertThat(raw.closedByPeer()).as("the server closes the TCP connection").isTrue();
            Recorder.Closed closed = peer.awaitClose();
            assertThat(closed.code()).isEqualTo(code);
            assertThat(peer.errors).singleElement().satisfies(e -> assertThat(e).hasMessageContaining(named));
        }
    }

    @Test
    void aPingBetweenFragmentsIsAnsweredBeforeTheMessageCompletes() throws Exception {
        try (RawWs raw = open()) {
            Recorder peer = serverSide.poll(10, TimeUnit.SECONDS);
            raw.send(TEXT, "Hel".getBytes(), true);
            raw.send(FIN | PING, "p".getBytes(), true);
            RawWs.Frame pong = raw.read();
            assertThat(pong.opcode()).isEqualTo(0xA);
            assertThat(pong.text()).isEqualTo("p");
            raw.send(FIN, "lo".getBytes(), true);
            RawWs.Frame echo = raw.read();
            assertThat(echo.opcode()).isEqualTo(TEXT);
            assertThat(echo.text()).isEqualTo("Hello");
            assertThat(peer.next()).isEqualTo("Hello");
            raw.send(FIN | CLOSE, RawWs.closePayload(1000, ""), true);
            assertThat(raw.readUntilClose().closeCode()).isEqualTo(1000);
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void aPeerThatNeverAnswersTheCloseIsCutAfterTheCloseTimeout() throws Exception {
        try (RawWs raw = open()) {
            Recorder peer = serverSide.poll(10, TimeUnit.SECONDS);
            WebSocket ws = peer.open.get(10, TimeUnit.SECONDS);
            ws.close(4001, "go");
            assertThat(raw.readUntilClose().closeCode()).isEqualTo(4001);
            // no answer: the server gives up after its 300 ms close timeout
            assertThat(raw.closedByPeer()).isTrue();
            assertThat(peer.awaitClose().code()).isEqualTo(1006);
            assertThat(peer.errors).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("no close frame"));
        }
    }

    @Test
    void aPeerThatVanishesGives1006() throws Exception {
        RawWs raw = open();
        Recorder peer = serverSide.poll(10, TimeUnit.SECONDS);
        raw.close();
        assertThat(peer.awaitClose().code()).isEqualTo(1006);
    }

    @Test
    void badHandshakesGetTheStatusRfc6455AsksFor() throws Exception {
        try (var s = new java.net.Socket(InetAddress.getLoopbackAddress(), server.localAddress().getPort())) {
            s.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 8\r\n\r\n").getBytes());
            String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 426");
        }
        try (var s = new java.net.Socket(InetAddress.getLoopbackAddress(), server.localAddress().getPort())) {
            s.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes());
            String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 400");
        }
    }

    @Test
    void aClientFailsOnAMaskedServerFrame() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                WebSocketClient client = WebSocketClient.builder()
                        .config(WebSocketConfig.builder().permessageDeflate(false).build()).build()) {
            Recorder rec = new Recorder();
            var opening = client.connect(URI.create("ws://127.0.0.1:" + listener.getLocalPort() + "/"), rec);
            try (RawWs raw = RawWs.accept(listener, "")) {
                opening.get(10, TimeUnit.SECONDS);
                raw.send(FIN | TEXT, "hi".getBytes(), true); // servers must not mask (RFC 6455 §5.1)
                RawWs.Frame close = raw.readUntilClose();
                assertThat(close.masked()).as("a client always masks").isTrue();
                assertThat(close.closeCode()).isEqualTo(1002);
                assertThat(rec.awaitClose().code()).isEqualTo(1002);
                assertThat(rec.errors).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("masked"));
            }
        }
    }

    @Test
    void aClientRefusesABad101() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                WebSocketClient client = WebSocketClient.create()) {
            var opening = client.connect(URI.create("ws://127.0.0.1:" + listener.getLocalPort() + "/"), new Recorder());
            try (var s = listener.accept()) {
                s.getInputStream().read(new byte[4096]);
                s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: wrong\r\n\r\n").getBytes());
                assertThat(opening).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                        .withMessageContaining("Sec-WebSocket-Accept wrong does not match");
            }
        }
    }

    static InetSocketAddress address() {
        return server.localAddress();
    }
}
