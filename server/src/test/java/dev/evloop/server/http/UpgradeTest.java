package dev.evloop.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.loop.EventLoop;
import dev.evloop.loop.ManualClock;
import dev.evloop.server.CloseReason;
import dev.evloop.server.Connection;
import dev.evloop.server.Handler;
import dev.evloop.server.ServerConfig;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Responder#upgrade} and {@link Connection#upgrade} on real loopback sockets: an HTTP
 * request switches its connection to a small line protocol ({@link Lines}: each line echoed, a few
 * commands), with the bytes the client sent behind the request in the same write.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpgradeTest {
    private static final String UPGRADE_HEADERS = "Host: t\r\nConnection: keep-alive, Upgrade\r\nUpgrade: lines\r\n\r\n";

    private final Probe probe = new Probe();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private HttpServer start(ServerConfig config) throws IOException {
        server = HttpServer.start(config, HttpServerHandler.DEFAULT_LIMITS, service(probe));
        return server;
    }

    static String upgrade(String target) {
        return "GET " + target + " HTTP/1.1\r\n" + UPGRADE_HEADERS;
    }

    // ------------------------------------------------------------------ switching

    @Test
    void bytesSentWithTheUpgradeRequestReachTheNewProtocolFirstAndInOrder() throws Exception {
        start(ServerConfig.builder().build());
        try (Client c = Client.connect(server.localAddress()); Client plain = Client.connect(server.localAddress())) {
            // Lines that look like HTTP: they must be echoed, not parsed as requests.
            c.send(upgrade("/lines?name=a") + "first\nGET /other HTTP/1.1\nHost: x\n");
            Head head = c.readHead();
            assertThat(head.status()).isEqualTo(101);
            assertThat(head.reason()).isEqualTo("Switching Protocols");
            assertThat(head.header("Upgrade")).isEqualTo("lines");
            assertThat(head.header("Connection")).isEqualTo("Upgrade");
            assertThat(head.header("Content-Length")).isNull();
            assertThat(head.header("Transfer-Encoding")).isNull();
            assertThat(c.line()).isEqualTo("hello a"); // written by the new handler's onOpen
            assertThat(c.line()).isEqualTo("first");
            assertThat(c.line()).isEqualTo("GET /other HTTP/1.1");
            assertThat(c.line()).isEqualTo("Host: x");
            // Another connection is still HTTP, before and after.
            plain.send("GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(plain.readHead().status()).isEqualTo(200);
            assertThat(plain.line()).isEqualTo("plain /plain");
            c.send("second\n");
            assertThat(c.line()).isEqualTo("second");
            plain.send("GET /plain2 HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(plain.readHead().status()).isEqualTo(200);
            assertThat(plain.line()).isEqualTo("plain /plain2");
            assertThat(probe.opened.get()).isEqualTo(1);
        }
        waitFor(() -> probe.closes.get("a") != null);
        assertThat(probe.closes.get("a")).isEqualTo(CloseReason.PEER_CLOSED);
    }

    @Test
    void anUpgradeGivenLaterTakesTheBytesHeldMeanwhile() throws Exception {
        start(ServerConfig.builder().build());
        try (Client c = Client.connect(server.localAddress())) {
            // The service answers 50 ms later; both writes arrive before that and are held by HTTP.
            c.send(upgrade("/lines-later?name=b") + "one\n");
            c.send("two\nthr");
            Head head = c.readHead();
            assertThat(head.status()).isEqualTo(101);
            assertThat(c.line()).isEqualTo("hello b");
            assertThat(c.line()).isEqualTo("one");
            assertThat(c.line()).isEqualTo("two");
            c.send("ee\n");
            assertThat(c.line()).isEqualTo("three");
        }
    }

    @Test
    void anUpgradeRequestPipelinedBehindAnotherIsSwitchedWhenItsTurnComes() throws Exception {
        start(ServerConfig.builder().build());
        try (Client c = Client.connect(server.localAddress())) {
            // The first request is answered late, so the upgrade request and its bytes are held,
            // then parsed from the held input once the first answer is out.
            c.send("GET /delay HTTP/1.1\r\nHost: t\r\n\r\n" + upgrade("/lines?name=c") + "after\n");
            assertThat(c.readHead().status()).isEqualTo(200);
            assertThat(c.line()).isEqualTo("late");
            assertThat(c.readHead().status()).isEqualTo(101);
            assertThat(c.line()).isEqualTo("hello c");
            assertThat(c.line()).isEqualTo("after");
        }
    }

    @Test
    void aRequestThatDidNotAskForAnUpgradeCannotBeSwitched() throws Exception {
        start(ServerConfig.builder().build());
        try (Client c = Client.connect(server.localAddress())) {
            // No Upgrade field: the service's upgrade() throws, which the server answers with 500.
            c.send("GET /lines?name=d HTTP/1.1\r\nHost: t\r\n\r\n");
            Head head = c.readHead();
            assertThat(head.status()).isEqualTo(500);
            c.skip(Integer.parseInt(head.header("Content-Length")));
            // HTTP/1.0 cannot get a 101 (RFC 9110 §15.2).
            c.send("GET /lines?name=e HTTP/1.0\r\nConnection: keep-alive, Upgrade\r\nUpgrade: lines\r\n\r\n");
            head = c.readHead();
            assertThat(head.status()).isEqualTo(500);
            c.skip(Integer.parseInt(head.header("Content-Length")));
            // The connection is still HTTP.
            c.send("GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(c.readHead().status()).isEqualTo(200);
            assertThat(c.line()).isEqualTo("plain /plain");
        }
        assertThat(probe.opened.get()).isZero();
        assertThat(probe.refusals).hasSize(2);
        assertThat(probe.refusals.get(0)).contains("did not ask for an upgrade");
        assertThat(probe.refusals.get(1)).contains("HTTP/1.0");
    }

    // ------------------------------------------------------------------ flow control and limits

    @Test
    void pausedReadingDeliversNothingUntilResumed() throws Exception {
        start(ServerConfig.builder().build());
        try (Client c = Client.connect(server.localAddress())) {
            // "pause 300": the handler pauses and resumes itself 300 ms later; "kept" was read
            // with it and is left unconsumed, "sent" arrives while paused and stays in the kernel.
            c.send(upgrade("/lines?name=p") + "pause 300\nkept\n");
            assertThat(c.readHead().status()).isEqualTo(101);
            assertThat(c.line()).isEqualTo("hello p");
            assertThat(c.line()).isEqualTo("paused");
            c.send("sent\n");
            assertThat(c.line()).isEqualTo("kept");
            assertThat(c.line()).isEqualTo("sent");
            assertThat(probe.resumes.get()).isEqualTo(1);
            assertThat(probe.dataWhilePaused.get()).as("onData calls while paused").isZero();
        }
    }

    @Test
    void theNewProtocolCanRaiseItsInputBound() throws Exception {
        // The HTTP limit: one header section (64 KiB). Lines wait whole, so a 200 KiB line needs more.
        start(ServerConfig.builder().maxBufferedInput(64 << 10).build());
        String longLine = "x".repeat(200 << 10);
        try (Client big = Client.connect(server.localAddress()); Client small = Client.connect(server.localAddress())) {
            big.send(upgrade("/lines?name=big&maxInput=262144"));
            assertThat(big.readHead().status()).isEqualTo(101);
            assertThat(big.line()).isEqualTo("hello big");
            big.send(longLine + "\n");
            assertThat(big.line()).isEqualTo(longLine);

            small.send(upgrade("/lines?name=small"));
            assertThat(small.readHead().status()).isEqualTo(101);
            assertThat(small.line()).isEqualTo("hello small");
            try {
                small.send(longLine + "\n");
            } catch (SocketException e) {
                // the server may close while the line is still being sent
            }
            assertThat(small.closedByPeer()).isTrue();
        }
        waitFor(() -> probe.closes.size() == 2);
        assertThat(probe.closes.get("small")).isEqualTo(CloseReason.INPUT_LIMIT);
        assertThat(probe.closes.get("big")).isEqualTo(CloseReason.PEER_CLOSED);
    }

    @Test
    void aProtocolWritingMoreThanThePeerTakesIsToldWhenItDrained() throws Exception {
        start(ServerConfig.builder().maxPendingOutput(1 << 20).build());
        int size = 12 << 20; // more than the kernel's send buffer can grow to (tcp_wmem max: 4 MiB by default)
        try (Client c = Client.connect(server.localAddress(), 4096)) {
            // "big N": N bytes, written while less than 256 KiB wait, continued from onDrained;
            // more than maxPendingOutput in all, so without onDrained it would hit the limit.
            c.send(upgrade("/lines?name=w") + "big " + size + "\n");
            assertThat(c.readHead().status()).isEqualTo(101);
            assertThat(c.line()).isEqualTo("hello w");
            // Not reading until output waits in the server: the kernel's buffers are full.
            waitFor(() -> probe.backedUp.get() > 0);
            byte[] body = c.read(size);
            for (int i = 0; i < size; i++) {
                if (body[i] != (byte) ('a' + i % 26)) throw new AssertionError("byte " + i + " is " + body[i]);
            }
            assertThat(c.line()).isEqualTo("done");
            c.send("still here\n");
            assertThat(c.line()).isEqualTo("still here");
        }
        assertThat(probe.drained.get()).as("onDrained calls").isPositive();
    }

    // ------------------------------------------------------------------ read timeout

    @Test
    void afterTheSwitchTheServerTimeoutAppliesUnlessTheProtocolSetsItsOwn() throws Exception {
        ManualClock clock = new ManualClock(1_000_000_000L);
        try (EventLoop loop = EventLoop.builder().clock(clock).build()) {
            HttpServer s = HttpServer.attach(loop, ServerConfig.builder().readTimeout(Duration.ofSeconds(1)).build(),
                    HttpServerHandler.DEFAULT_LIMITS, service(probe));
            try (Client a = Client.connect(s.localAddress()); Client none = Client.connect(s.localAddress());
                    Client own = Client.connect(s.localAddress()); Client paused = Client.connect(s.localAddress())) {
                // All four switch at t0: a keeps the server's 1 s, none has no timeout, own 3 s.
                a.send(upgrade("/lines?name=a"));
                none.send(upgrade("/lines?name=none&timeout=0"));
                own.send(upgrade("/lines?name=own&timeout=3000"));
                paused.send(upgrade("/lines?name=paused") + "pause 0\n");
                runUntil(loop, () -> probe.opened.get() == 4 && probe.pauses.get() == 1);
                for (Client c : List.of(a, none, own, paused)) assertThat(c.readHead().status()).isEqualTo(101);

                clock.advanceMillis(500);
                own.send("ping\n"); // own reads at t0 + 0.5 s
                runUntil(loop, () -> probe.lines.contains("own:ping"));
                clock.advanceMillis(500); // t0 + 1 s
                runUntil(loop, () -> probe.closes.containsKey("a"));
                settle(loop);
                assertThat(probe.closes).as("t0 + 1 s: only a").containsOnlyKeys("a");
                assertThat(probe.closes.get("a")).isEqualTo(CloseReason.READ_TIMEOUT);
                assertThat(a.closedAfter("hello a")).isTrue();

                clock.advanceMillis(2_000); // t0 + 3 s: own read 2.5 s ago, the paused one is not idle
                settle(loop);
                assertThat(probe.closes).containsOnlyKeys("a");
                clock.advanceMillis(500); // t0 + 3.5 s: 3 s after own's read
                runUntil(loop, () -> probe.closes.containsKey("own"));
                assertThat(probe.closes.get("own")).isEqualTo(CloseReason.READ_TIMEOUT);

                paused.send("later\n"); // waits in the kernel
                settle(loop);
                assertThat(probe.lines).doesNotContain("paused:later");
                probe.connections.get("paused").resumeReading(); // the test thread runs the loop
                runUntil(loop, () -> probe.lines.contains("paused:later"));
                clock.advanceMillis(999);
                settle(loop);
                assertThat(probe.closes).doesNotContainKey("paused");
                clock.advanceMillis(1);
                runUntil(loop, () -> probe.closes.containsKey("paused"));
                assertThat(probe.closes.get("paused")).isEqualTo(CloseReason.READ_TIMEOUT);

                clock.advanceMillis(60_000);
                settle(loop);
                assertThat(probe.closes).as("no timeout: still open").doesNotContainKey("none");
                none.send("alive\n");
                runUntil(loop, () -> probe.lines.contains("none:alive"));
            }
            runUntil(loop, () -> probe.closes.containsKey("none"));
            assertThat(probe.closes.get("none")).isEqualTo(CloseReason.PEER_CLOSED);
            s.shutdown(Duration.ZERO);
            runUntil(loop, () -> s.tcpServer().connections() == 0);
        }
    }

    // ------------------------------------------------------------------ shutdown

    @Test
    void shutdownLetsTheProtocolSayGoodbyeAndFinishItsClosingHandshake() throws Exception {
        start(ServerConfig.builder().build());
        try (Client polite = Client.connect(server.localAddress()); Client silent = Client.connect(server.localAddress());
                Client plain = Client.connect(server.localAddress()); Client busy = Client.connect(server.localAddress())) {
            polite.send(upgrade("/lines?name=polite"));
            silent.send(upgrade("/lines?name=silent"));
            for (Client c : List.of(polite, silent)) {
                assertThat(c.readHead().status()).isEqualTo(101);
                c.line();
            }
            plain.send("GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(plain.readHead().status()).isEqualTo(200);
            assertThat(plain.line()).isEqualTo("plain /plain");

            busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n" + "GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
            waitFor(() -> probe.slowRequests.get() == 1);

            CompletableFuture<Void> done = server.shutdown(Duration.ofSeconds(3));
            // The upgraded connections are told and say goodbye; the idle HTTP one is closed.
            assertThat(polite.line()).isEqualTo("goodbye");
            assertThat(silent.line()).isEqualTo("goodbye");
            assertThat(plain.closedByPeer()).isTrue();
            // The polite peer answers; the connection keeps reading during the grace, so the
            // handler sees it and closes.
            polite.send("bye\n");
            assertThat(polite.closedAfter("ok")).isTrue();
            waitFor(() -> probe.closes.containsKey("polite"));
            assertThat(probe.closes.get("polite")).isEqualTo(CloseReason.SHUTDOWN);
            assertThat(probe.closedByHandler).containsExactly("polite");
            // The busy HTTP connection gets the answer under way, told it is the last, and no more.
            Head head = busy.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Connection")).isEqualTo("close");
            assertThat(busy.line()).isEqualTo("slow");
            assertThat(busy.closedByPeer()).isTrue();
            // The silent one is cut at the deadline.
            assertThat(silent.closedByPeer()).isTrue();
            done.get(10, TimeUnit.SECONDS);
        }
        assertThat(probe.shutdowns).containsExactlyInAnyOrder("polite", "silent");
        assertThat(probe.closes).containsOnlyKeys("polite", "silent");
        assertThat(probe.closes.get("silent")).isEqualTo(CloseReason.SHUTDOWN);
        assertThat(server.tcpServer().connections()).isZero();
    }

    // ------------------------------------------------------------------ request fields

    @Test
    void requestFieldsCoverWhatAWebSocketHandshakeReads() {
        Request r = new Request("GET", "/chat", dev.evloop.http.codec.HttpVersion.HTTP_1_1, List.of(
                Map.entry("Host", "example"),
                Map.entry("Upgrade", "websocket"),
                Map.entry("connection", "keep-alive, Upgrade"),
                Map.entry("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                Map.entry("Sec-WebSocket-Version", "13"),
                Map.entry("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits, x-foo; a=\"1,2\""),
                Map.entry("sec-websocket-extensions", " permessage-deflate ,,"),
                Map.entry("Sec-WebSocket-Protocol", "chat, superchat")),
                new byte[0], List.of(), null);
        assertThat(r.header("sec-websocket-key")).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");
        assertThat(r.header("Sec-WebSocket-Version")).isEqualTo("13");
        assertThat(r.hasToken("Connection", "upgrade")).isTrue();
        assertThat(r.hasToken("Connection", "close")).isFalse();
        assertThat(r.hasToken("Upgrade", "WebSocket")).isTrue();
        assertThat(r.headerValues("Sec-WebSocket-Extensions")).hasSize(2);
        assertThat(r.headerList("Sec-WebSocket-Extensions"))
                .containsExactly("permessage-deflate; client_max_window_bits", "x-foo; a=\"1,2\"", "permessage-deflate");
        assertThat(r.headerList("Sec-WebSocket-Protocol")).containsExactly("chat", "superchat");
        assertThat(r.headerList("Missing")).isEmpty();
    }

    // ------------------------------------------------------------------ the test protocol

    /** What the handlers saw, over all connections (the server's loop thread writes, the test reads). */
    static final class Probe {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger pauses = new AtomicInteger();
        final AtomicInteger resumes = new AtomicInteger();
        final AtomicInteger dataWhilePaused = new AtomicInteger();
        final AtomicInteger drained = new AtomicInteger();
        final AtomicInteger slowRequests = new AtomicInteger();
        /** Writes after which output waited in the connection. */
        final AtomicInteger backedUp = new AtomicInteger();
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<String> shutdowns = new CopyOnWriteArrayList<>();
        final List<String> closedByHandler = new CopyOnWriteArrayList<>();
        final List<String> refusals = new CopyOnWriteArrayList<>();
        final Map<String, CloseReason> closes = new ConcurrentHashMap<>();
        final Map<String, Connection> connections = new ConcurrentHashMap<>();
    }

    /**
     * Routes: {@code /lines} upgrades at once, {@code /lines-later} 50 ms later, {@code /delay}
     * answers 30 ms later, {@code /slow} 300 ms later, anything else answers {@code plain PATH}. Query parameters of the
     * upgrade: {@code name}, {@code timeout} (ms; 0: none), {@code maxInput}.
     */
    static HttpService service(Probe probe) {
        return (request, responder) -> {
            List<Map.Entry<String, String>> headers = List.of(Map.entry("Upgrade", "lines"));
            switch (request.path()) {
                case "/lines" -> {
                    try {
                        responder.upgrade(headers, new Lines(probe, query(request)));
                    } catch (IllegalStateException e) {
                        probe.refusals.add(e.getMessage());
                        throw e;
                    }
                }
                case "/lines-later" -> responder.loop().schedule(50, TimeUnit.MILLISECONDS,
                        () -> responder.upgrade(headers, new Lines(probe, query(request))));
                case "/delay" -> responder.loop().schedule(30, TimeUnit.MILLISECONDS,
                        () -> responder.respond(Response.text(200, "late\n")));
                case "/slow" -> {
                    probe.slowRequests.incrementAndGet();
                    responder.loop().schedule(300, TimeUnit.MILLISECONDS, () -> responder.respond(Response.text(200, "slow\n")));
                }
                default -> responder.respond(Response.text(200, "plain " + request.path() + "\n"));
            }
        };
    }

    private static Map<String, String> query(Request request) {
        Map<String, String> q = new HashMap<>();
        if (request.query() == null) return q;
        for (String p : request.query().split("&")) {
            int eq = p.indexOf('=');
            q.put(p.substring(0, eq), p.substring(eq + 1));
        }
        return q;
    }

    /**
     * Each line is echoed, except the commands {@code pause N} (pause reading, resume N ms later;
     * 0: never by itself), {@code big N} (send N pattern bytes, then {@code done}) and {@code bye}
     * (after a shutdown: answer {@code ok} and close). Says {@code hello NAME} on open and
     * {@code goodbye} on shutdown without closing.
     */
    static final class Lines implements Handler {
        private final Probe probe;
        private final String name;
        private final Map<String, String> options;
        private long bigLeft;
        private long bigSent;

        Lines(Probe probe, Map<String, String> options) {
            this.probe = probe;
            this.name = options.getOrDefault("name", "?");
            this.options = options;
        }

        @Override
        public void onOpen(Connection c) {
            probe.connections.put(name, c);
            String timeout = options.get("timeout");
            if (timeout != null) c.readTimeout(Duration.ofMillis(Long.parseLong(timeout)));
            String maxInput = options.get("maxInput");
            if (maxInput != null) c.maxBufferedInput(Integer.parseInt(maxInput));
            write(c, "hello " + name + "\n");
            probe.opened.incrementAndGet();
        }

        @Override
        public void onData(Connection c, ByteBuffer in) {
            if (c.isReadingPaused()) probe.dataWhilePaused.incrementAndGet();
            while (!c.isReadingPaused() && c.isOpen()) {
                int nl = -1;
                for (int i = in.position(); i < in.limit(); i++) {
                    if (in.get(i) == '\n') {
                        nl = i;
                        break;
                    }
                }
                if (nl < 0) return; // a partial line waits in the connection
                byte[] b = new byte[nl - in.position()];
                in.get(b).get();
                line(c, new String(b, ISO_8859_1));
            }
        }

        private void line(Connection c, String line) {
            probe.lines.add(name + ":" + line);
            if (line.startsWith("pause ")) {
                long ms = Long.parseLong(line.substring(6));
                c.pauseReading();
                probe.pauses.incrementAndGet();
                write(c, "paused\n");
                if (ms > 0) {
                    c.loop().schedule(ms, TimeUnit.MILLISECONDS, () -> {
                        probe.resumes.incrementAndGet();
                        c.resumeReading();
                    });
                }
            } else if (line.startsWith("big ")) {
                bigLeft = Long.parseLong(line.substring(4));
                produce(c);
            } else if (line.equals("bye") && probe.shutdowns.contains(name)) {
                write(c, "ok\n");
                probe.closedByHandler.add(name);
                c.close();
            } else {
                write(c, line + "\n");
            }
        }

        /** Writes while less than 256 KiB wait; onDrained continues. */
        private void produce(Connection c) {
            byte[] chunk = new byte[64 << 10];
            while (bigLeft > 0 && c.pendingOutput() < 256 << 10) {
                int n = (int) Math.min(chunk.length, bigLeft);
                for (int i = 0; i < n; i++) chunk[i] = (byte) ('a' + (bigSent + i) % 26);
                if (!c.write(ByteBuffer.wrap(chunk, 0, n))) return;
                if (c.pendingOutput() > 0) probe.backedUp.incrementAndGet();
                bigLeft -= n;
                bigSent += n;
                if (bigLeft == 0) write(c, "done\n");
            }
        }

        @Override
        public void onDrained(Connection c) {
            probe.drained.incrementAndGet();
            if (bigLeft > 0) produce(c);
        }

        @Override
        public void onShutdown(Connection c) {
            probe.shutdowns.add(name);
            write(c, "goodbye\n");
        }

        @Override
        public void onClose(Connection c, CloseReason reason, Throwable cause) {
            probe.closes.put(name, reason);
        }

        private static void write(Connection c, String s) {
            c.write(ByteBuffer.wrap(s.getBytes(ISO_8859_1)));
        }
    }

    // ------------------------------------------------------------------ the raw client

    record Head(int status, String reason, List<Map.Entry<String, String>> headers) {
        String header(String name) {
            for (Map.Entry<String, String> h : headers) {
                if (h.getKey().equalsIgnoreCase(name)) return h.getValue();
            }
            return null;
        }
    }

    /** A blocking client: sends raw bytes, reads a response head, then lines or byte counts. */
    static final class Client implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        private Client(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        static Client connect(InetSocketAddress address) throws IOException {
            return connect(address, 0);
        }

        /** {@code receiveBuffer} > 0: set before connecting, so the window is negotiated that small. */
        static Client connect(InetSocketAddress address, int receiveBuffer) throws IOException {
            Socket s = new Socket();
            if (receiveBuffer > 0) s.setReceiveBufferSize(receiveBuffer);
            s.connect(address);
            s.setSoTimeout(5_000);
            s.setTcpNoDelay(true);
            return new Client(s);
        }

        /** One write for the whole text. */
        void send(String text) throws IOException {
            out.write(text.getBytes(ISO_8859_1));
            out.flush();
        }

        Head readHead() throws IOException {
            String status = line();
            if (!status.startsWith("HTTP/1.1 ")) throw new IOException("bad status line: " + status);
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            for (String l; !(l = line()).isEmpty(); ) {
                int colon = l.indexOf(':');
                headers.add(Map.entry(l.substring(0, colon), l.substring(colon + 1).strip()));
            }
            return new Head(Integer.parseInt(status.substring(9, 12)), status.substring(13), headers);
        }

        /** A line without its LF (and without a CR before it). */
        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) throw new EOFException("end of stream inside a line: " + sb);
                sb.append((char) b);
            }
            int n = sb.length();
            if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
            return sb.toString();
        }

        byte[] read(int n) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length < n) throw new EOFException(b.length + " of " + n + " bytes");
            return b;
        }

        void skip(int n) throws IOException {
            read(n);
        }

        /** True if the next line is {@code last} and the server closes right after it. */
        boolean closedAfter(String last) throws IOException {
            return line().equals(last) && closedByPeer();
        }

        /** End of stream (or a reset) before any further byte, within the socket timeout. */
        boolean closedByPeer() throws IOException {
            try {
                return in.read() < 0;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void runUntil(EventLoop loop, BooleanSupplier done) {
        for (int i = 0; i < 500 && !done.getAsBoolean(); i++) loop.runOnce(10, TimeUnit.MILLISECONDS);
        assertThat(done.getAsBoolean()).as("condition reached within 500 iterations").isTrue();
    }

    /** A few iterations for events already under way (none expected to change the outcome). */
    private static void settle(EventLoop loop) {
        for (int i = 0; i < 10; i++) loop.runOnce(2, TimeUnit.MILLISECONDS);
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 1000 && !condition.getAsBoolean(); i++) Thread.sleep(10);
        assertThat(condition.getAsBoolean()).as("condition within 10 s").isTrue();
    }
}
