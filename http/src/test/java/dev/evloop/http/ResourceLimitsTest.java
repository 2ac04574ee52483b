package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.http.codec.ContentDecoder;
import dev.evloop.http.codec.HttpParseException;
import dev.evloop.http.driver.LoopDriver;
import dev.evloop.loop.EventLoop;
import dev.evloop.net.Descriptors;
import dev.evloop.net.Transport;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Resource limits of the HTTP client engine, against hostile peers on loopback: descriptor
 * exhaustion (in a child JVM with a low RLIMIT_NOFILE), heads and chunk lines that never end,
 * bodies over the collected-body limit and gzip bombs, and 100,000 transfers that die with their
 * timers armed. Each ends the transfer with an error naming the limit, closes its connection,
 * leaves the loop serving, and leaves nothing behind in the engine.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ResourceLimitsTest {
    private static final int MIB = 1 << 20;
    private static final String CHUNKED_HEAD = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final byte[] FILLER = "a".repeat(16 * 1024).getBytes(StandardCharsets.US_ASCII);
    /**
     * The most an endless peer may get out before the client closes: the limit itself is at most
     * 1 MiB here, the rest is socket buffers (loopback autotuning grows the receiver's to several
     * MiB) and the engine's 64 KiB read buffer.
     */
    private static final long MAX_BYTES_WRITTEN = 16L * MIB;
    private static byte[] gzipBomb;
    private static RawPeer peer;

    @BeforeAll
    static void startPeer() throws IOException {
        gzipBomb = gzipZeros(32 * MIB);
        byte[] chunk = chunk(16 * 1024);
        peer = new RawPeer(Map.ofEntries(
                Map.entry("/ok", w -> w.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")),
                Map.entry("/keep", w -> w.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nkept")),
                // Heads that never end (RFC 9112 §2.2: a recipient has to bound what it buffers).
                Map.entry("/endless-status", w -> {
                    w.write("HTTP/1.1 200 ");
                    w.forever(FILLER);
                }),
                Map.entry("/endless-header-lines", w -> {
                    w.write("HTTP/1.1 200 OK\r\n");
                    w.forever(("X-Filler: " + "b".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }),
                Map.entry("/endless-header-line", w -> {
                    w.write("HTTP/1.1 200 OK\r\nX-Long: ");
                    w.forever(FILLER);
                }),
                Map.entry("/endless-chunk-size", w -> {
                    w.write(CHUNKED_HEAD);
                    w.forever("0".repeat(16 * 1024).getBytes(StandardCharsets.US_ASCII));
                }),
                Map.entry("/endless-chunk-ext", w -> {
                    w.write(CHUNKED_HEAD + "5;name=");
                    w.forever(FILLER);
                }),
                Map.entry("/endless-trailer", w -> {
                    w.write(CHUNKED_HEAD + "2\r\nok\r\n0\r\nX-Trailer: ");
                    w.forever(FILLER);
                }),
                // RFC 9110 §15.2: a client must take "one or more" 1xx before the final response.
                Map.entry("/endless-interim", w -> w.forever(
                        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n".getBytes(StandardCharsets.US_ASCII))),
                Map.entry("/endless-redirect-body", w -> {
                    w.write("HTTP/1.1 302 Found\r\nLocation: /ok\r\nTransfer-Encoding: chunked\r\n\r\n");
                    w.forever(chunk);
                }),
                // Bodies around the collected-body limit (1 MiB in these tests).
                Map.entry("/cl-over", w -> {
                    w.write("HTTP/1.1 200 OK\r\nContent-Length: " + 2 * MIB + "\r\n\r\n");
                    for (int i = 0; i < 2 * MIB / FILLER.length; i++) w.write(FILLER);
                }),
                Map.entry("/cl-at", w -> {
                    w.write("HTTP/1.1 200 OK\r\nContent-Length: " + MIB + "\r\nConnection: close\r\n\r\n");
                    for (int i = 0; i < MIB / FILLER.length; i++) w.write(FILLER);
                }),
                Map.entry("/cl-over-default", w -> w.write("HTTP/1.1 200 OK\r\nContent-Length: "
                        + (HttpEngine.DEFAULT_MAX_RESPONSE_BODY + 1) + "\r\n\r\n")),
                Map.entry("/chunked-endless", w -> {
                    w.write(CHUNKED_HEAD);
                    w.forever(chunk);
                }),
                Map.entry("/eof-endless", w -> {
                    w.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
                    w.forever(FILLER);
                }),
                Map.entry("/chunked-at", w -> {
                    w.write(CHUNKED_HEAD.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
                    for (int i = 0; i < MIB / FILLER.length; i++) w.write(chunk);
                    w.write("0\r\n\r\n");
                }),
                Map.entry("/chunked-3m", w -> {
                    w.write(CHUNKED_HEAD.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
                    for (int i = 0; i < 3 * MIB / FILLER.length; i++) w.write(chunk);
                    w.write("0\r\n\r\n");
                }),
                Map.entry("/gzip-bomb", w -> {
                    w.write("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + gzipBomb.length + "\r\n\r\n");
                    w.write(gzipBomb);
                })));
    }

    @AfterAll
    static void stopPeer() throws IOException {
        peer.close();
    }

    // ---------------------------------------------------------------- endless heads and chunk lines

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "/endless-status       | status line exceeds the header section limit of 65536 bytes",
        "/endless-header-lines | header section exceeds 65536 bytes",
        "/endless-header-line  | header section exceeds 65536 bytes",
        "/endless-chunk-size   | chunk-size line exceeds 1024 bytes",
        "/endless-chunk-ext    | chunk-size line exceeds 1024 bytes",
        "/endless-trailer      | trailer section exceeds 65536 bytes",
    })
    void anEndlessLineFailsAtItsLimitAndClosesTheConnection(String path, String message) throws Exception {
        try (Rig rig = new Rig(HttpEngine.builder())) {
            TransferResult r = rig.fetch(peer.uri(path)); // fails if the transfer does not end in 20 s
            assertThat(r.error()).isInstanceOf(HttpParseException.class).hasMessageContaining(message);
            RawPeer.Outcome o = peer.nextOutcome(path, 10);
            assertThat(o.closedByClient()).as("the client closed the connection").isTrue();
            assertThat(o.bytesWritten()).isLessThan(MAX_BYTES_WRITTEN);
            rig.assertServesAndHoldsNothing();
        }
    }

    /** Each 1xx head is small; together they are the head of one response and share its limit. */
    @Test
    void endlessInterimResponsesFailAtTheHeaderLimit() throws Exception {
        try (Rig rig = new Rig(HttpEngine.builder())) {
            TransferResult r = rig.fetch(peer.uri("/endless-interim"));
            assertThat(r.error()).isInstanceOf(HttpParseException.class)
                    // the budget runs out in a status line or in a field line, wherever the 1xx heads leave it
                    .hasMessageMatching("(header section exceeds|status line exceeds the header section limit of) 65536 bytes");
            RawPeer.Outcome o = peer.nextOutcome("/endless-interim", 10);
            assertThat(o.closedByClient()).isTrue();
            assertThat(o.bytesWritten()).isLessThan(MAX_BYTES_WRITTEN);
            rig.assertServesAndHoldsNothing();
        }
    }

    // ---------------------------------------------------------------- bodies over the limit

    /** The body of a redirect being followed is read and dropped, but not without end, even when streaming. */
    @Test
    void anEndlessRedirectBodyFailsAtTheBodyLimit() throws Exception {
        try (Rig rig = new Rig(HttpEngine.builder().followRedirects(1).maxResponseBody(MIB))) {
            Transfer t = Transfer.streaming(HttpRequest.get(peer.uri("/endless-redirect-body")), r -> {});
            rig.engine.add(t);
            rig.runUntil(t::isDone, Duration.ofSeconds(10));
            rig.engine.nextResult();
            assertThat(t.result().error()).isInstanceOf(IOException.class)
                    .hasMessageContaining("response body exceeds maxResponseBody (1048576 bytes)")
                    .hasMessageContaining("redirect");
            RawPeer.Outcome o = peer.nextOutcome("/endless-redirect-body", 10);
            assertThat(o.closedByClient()).isTrue();
            assertThat(o.bytesWritten()).isLessThan(MAX_BYTES_WRITTEN);
            rig.assertServesAndHoldsNothing();
        }
    }


    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "/cl-over         | response body exceeds maxResponseBody (1048576 bytes) for GET",
        "/cl-over         | Content-Length 2097152",
        "/chunked-endless | more than 1048576 bytes received",
        "/eof-endless     | more than 1048576 bytes received",
    })
    void aCollectedBodyOverTheLimitFailsItsTransferAndClosesTheConnection(String path, String message) throws Exception {
        try (Rig rig = new Rig(HttpEngine.builder().maxResponseBody(MIB))) {
            TransferResult r = rig.fetch(peer.uri(path));
            assertThat(r.error()).isInstanceOf(IOException.class).hasMessageContaining(message)
                    .hasMessageContaining("maxResponseBody");
            RawPeer.Outcome o = peer.nextOutcome(path, 10);
            assertThat(o.closedByClient()).as("closed, not pooled").isTrue();
            assertThat(o.bytesWritten()).isLessThan(MAX_BYTES_WRITTEN);
            rig.assertServesAndHoldsNothing();
        }
    }

    @Test
    void aBodyExactlyAtTheLimitIsCollected() throws Exception {
        try (Rig rig = new Rig(HttpEngine.builder().maxResponseBody(MIB))) {
            for (String path : List.of("/cl-at", "/chunked-at")) {
                TransferResult r = rig.fetch(peer.uri(path));
                assertThat(r.error()).as(path).isNull();
                assertThat(r.response().body()).as(path).hasSize(MIB);
                peer.nextOutcome(path, 10);
            }
            rig.assertServesAndHoldsNothing();
        }
    }

    @Test
    void streamingTransfersAreNotLimitedByTheCollectedBodyLimit() throws Exception {
        try (Rig rig = new Rig(HttpEngine.builder().maxResponseBody(MIB))) {
            long[] streamed = {0};
            Transfer t = Transfer.streaming(HttpRequest.get(peer.uri("/chunked-3m")), new TransferListener() {
                @Override
                public void onBody(Transfer transfer, ByteBuffer bytes) {
                    streamed[0] += bytes.remaining();
                    bytes.position(bytes.limit());
                }

                @Override
                public void onComplete(TransferResult result) {}
            });
            rig.engine.add(t);
            rig.runUntil(t::isDone, Duration.ofSeconds(20));
            assertThat(t.result().error()).isNull();
            assertThat(streamed[0]).isEqualTo(3L * MIB);
            peer.nextOutcome("/chunked-3m", 10);

            TransferResult collected = rig.fetch(peer.uri("/chunked-3m"));
            assertThat(collected.error()).hasMessageContaining("maxResponseBody (1048576 bytes)");
            peer.nextOutcome("/chunked-3m", 10); // the peer may have written it all into the socket buffers before the close
            rig.assertServesAndHoldsNothing();
        }
    }

    @Test
    void theDefaultLimitIs64MiB() throws Exception {
        assertThat(HttpEngine.DEFAULT_MAX_RESPONSE_BODY).isEqualTo(64L * MIB);
        try (Rig rig = new Rig(HttpEngine.builder())) {
            TransferResult r = rig.fetch(peer.uri("/cl-over-default"));
            assertThat(r.error()).hasMessageContaining("response body exceeds maxResponseBody (67108864 bytes)")
                    .hasMessageContaining("Content-Length 67108865");
            assertThat(peer.nextOutcome("/cl-over-default", 10).closedByClient()).isTrue();
            rig.assertServesAndHoldsNothing();
        }
    }

    /** 32 MiB of zeros in about 32 KiB: stopped by whichever limit is set, before it is all inflated. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ratio   | expansion ratio exceeds 100:1 (maxExpansionRatio)",
        "decoded | decoded content exceeds 1048576 bytes (maxDecodedBytes)",
        "body    | response body exceeds maxResponseBody (1048576 bytes)",
    })
    void aGzipBombIsStoppedAtTheDecodedSizeLimit(String which, String message) throws Exception {
        HttpEngine.Builder b = HttpEngine.builder();
        switch (which) {
            case "ratio" -> b.decoderLimits(ContentDecoder.Limits.DEFAULT);
            case "decoded" -> b.decoderLimits(ContentDecoder.Limits.NONE.withMaxDecodedBytes(MIB));
            default -> b.decoderLimits(ContentDecoder.Limits.NONE).maxResponseBody(MIB);
        }
        try (Rig rig = new Rig(b)) {
            TransferResult r = rig.fetch(peer.uri("/gzip-bomb"));
            assertThat(r.error()).isInstanceOf(IOException.class).hasMessageContaining(message);
            RawPeer.Outcome o = peer.nextOutcome("/gzip-bomb", 10);
            assertThat(o.closedByClient()).as("closed, not pooled").isTrue();
            rig.assertServesAndHoldsNothing();
        }
    }

    // ---------------------------------------------------------------- 100,000 dying transfers

    /**
     * A third of the transfers are removed right after add, a third go to an address nobody
     * listens on (each to its own origin, 127.1.x.y), a third to a server that resets every
     * connection. Every one has its total timer armed at add, its connection a connect timer, and
     * a connection that sends an idle timer; all of them die, and take their timers with them.
     */
    @Test
    void hundredThousandDyingTransfersLeaveNoTimersNoStateAndNoDescriptors() throws Exception {
        int total = 100_000;
        int batch = 600;
        try (ServerSocket resetter = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
                Rig rig = new Rig(HttpEngine.builder().connectTimeout(Duration.ofSeconds(20))
                        .idleTimeout(Duration.ofSeconds(20)).totalTimeout(Duration.ofSeconds(60))
                        .maxConnectionsPerHost(4))) {
            Thread resets = Thread.ofPlatform().name("resetter").daemon().start(() -> {
                while (!resetter.isClosed()) {
                    try (Socket s = resetter.accept()) {
                        s.setSoLinger(true, 0); // close(2) sends RST (socket(7) SO_LINGER)
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            int port = resetter.getLocalPort();
            int baseline = Descriptors.openCount();
            int[] removed = {0};
            int[] refused = {0};
            int[] reset = {0};
            List<String> unexpected = new ArrayList<>();
            int queued = 0;
            long start = System.nanoTime();
            for (int added = 0; added < total; ) {
                List<Transfer> toRemove = new ArrayList<>();
                for (int i = 0; i < batch && added < total; i++, added++) {
                    int kind = added % 3;
                    String uri = kind == 1
                            ? "http://127.1." + (added / 3 / 250) + "." + (1 + added / 3 % 250) + ":" + port + "/"
                            : "http://127.0.0.1:" + port + "/";
                    Transfer t = Transfer.collecting(HttpRequest.get(uri), result -> {
                        Throwable e = result.error();
                        boolean expected = switch (kind) {
                            case 0 -> e instanceof CancellationException;
                            case 1 -> e instanceof IOException && e.getMessage().contains("ECONNREFUSED");
                            default -> e instanceof IOException && !(e instanceof HttpTimeoutException);
                        };
                        if (!expected && unexpected.size() < 10) unexpected.add(kind + ": " + e);
                        if (kind == 0) removed[0]++; else if (kind == 1) refused[0]++; else reset[0]++;
                    });
                    rig.engine.add(t);
                    if (kind == 0) toRemove.add(t);
                }
                if (added == batch) {
                    assertThat(rig.engine.footprint().get("timers")).as("timers armed").isGreaterThanOrEqualTo(batch);
                }
                for (Transfer t : toRemove) assertThat(rig.engine.remove(t)).isTrue();
                rig.runUntil(() -> rig.engine.running() == 0, Duration.ofSeconds(30));
                while (rig.engine.nextResult() != null) queued++;
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.println("100k dying transfers: " + millis + " ms");

            assertThat(unexpected).isEmpty();
            assertThat(removed[0] + refused[0] + reset[0]).isEqualTo(total);
            assertThat(queued).as("results queued for nextResult").isEqualTo(total);
            assertThat(rig.engine.footprint()).as("engine state left").allSatisfy((k, v) -> assertThat(v).as(k).isZero());
            assertThat(rig.lastTimer).as("no deadline announced").isEqualTo(TimerCallback.NONE);
            assertThat(rig.loop.registrations()).as("sockets watched").isZero();
            assertThat(Descriptors.openCount()).isEqualTo(baseline);
            resetter.close();
            resets.join(5000);
        }
    }

    // ---------------------------------------------------------------- nothing kept per origin or per result

    /** A client that meets many origins (a crawler) must not keep an entry for each one it used. */
    @Test
    void anOriginWithNoConnectionLeftLeavesNoEntry() throws Exception {
        try (Rig rig = new Rig(HttpEngine.builder().keepAlive(Duration.ofMillis(50)))) {
            TransferResult r = rig.fetch(peer.uri("/keep"));
            assertThat(r.response().bodyAsString()).isEqualTo("kept");
            assertThat(rig.engine.footprint()).as("pooled").containsEntry("idle", 1).containsEntry("perHost", 1);
            rig.runUntil(() -> rig.engine.connections() == 0, Duration.ofSeconds(5)); // the keep-alive timer
            assertThat(peer.nextOutcome("/keep", 10).closedByClient()).isTrue();
            rig.assertServesAndHoldsNothing();
        }
    }


    @Test
    void theClientFacadeKeepsNoResults() throws Exception {
        try (HttpClient c = HttpClient.newBuilder().checking(true).build()) {
            for (int i = 0; i < 5; i++) {
                assertThat(c.send(HttpRequest.get(peer.uri("/ok"))).bodyAsString()).isEqualTo("ok");
                peer.nextOutcome("/ok", 10);
            }
            CompletableFuture<Map<String, Integer>> footprint = new CompletableFuture<>();
            c.loop().execute(() -> footprint.complete(c.engine().footprint()));
            assertThat(footprint.get(10, TimeUnit.SECONDS)).as("nothing reads the result queue of the facade's engine")
                    .containsEntry("results", 0).containsEntry("finished", 0);
        }
    }

    // ---------------------------------------------------------------- descriptor exhaustion

    private static final int HEADROOM = 16;
    private static final int FIRST_WAVE = 40;
    private static final int SECOND_WAVE = 8;

    /**
     * The child ({@link EmfileClientMain}) may open {@value #HEADROOM} more descriptors; it starts
     * {@value #FIRST_WAVE} transfers at once to a server here that holds its answers. Those that
     * get no socket fail at once naming socket(2) and EMFILE; the child then sits idle (CPU time
     * measured here) with the rest in flight; released, they complete; with their descriptors
     * closed, {@value #SECOND_WAVE} new transfers all succeed; the count is back to the start.
     */
    @Test
    void descriptorExhaustionFailsOnlyTheTransfersWithoutASocket() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (GatedServer server = new GatedServer(gate)) {
            Process child = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-Xshare:off", "-XX:+UseSerialGC", "-XX:CICompilerCount=2",
                    "-cp", System.getProperty("java.class.path"),
                    EmfileClientMain.class.getName(), String.valueOf(server.port()), String.valueOf(HEADROOM),
                    String.valueOf(FIRST_WAVE), String.valueOf(SECOND_WAVE)).start();
            List<String> stderr = new CopyOnWriteArrayList<>();
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getErrorStream()))) {
                    String l;
                    while ((l = r.readLine()) != null) stderr.add(l);
                } catch (IOException ignored) {
                    // the child exited
                }
            });
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
            try (PrintWriter in = new PrintWriter(child.getOutputStream(), true)) {
                String started = out.readLine();
                assertThat(started).as("child said: " + stderr).startsWith("STARTED ");
                Map<String, String> s = fields(started);
                int failedAtOnce = Integer.parseInt(s.get("emfile"));
                assertThat(failedAtOnce).as("transfers that got no socket").isBetween(1, FIRST_WAVE - 1);
                assertThat(Integer.parseInt(s.get("other"))).as("other failures: " + stderr).isZero();

                // Exhausted, with the rest in flight: the loop must wait, not spin.
                double cpu = cpuSeconds(child.pid());
                Thread.sleep(2000);
                double used = cpuSeconds(child.pid()) - cpu;
                System.out.println("child at EMFILE: " + started + ", " + used + " CPU seconds in 2 s");
                assertThat(used).as("CPU seconds in 2 s at EMFILE with transfers waiting (a spinning loop uses ~2)")
                        .isLessThan(1.0);
                gate.countDown();

                String first = out.readLine();
                assertThat(first).as("child said: " + stderr).startsWith("FIRST ");
                Map<String, String> f = fields(first);
                assertThat(Integer.parseInt(f.get("ok"))).isEqualTo(FIRST_WAVE - failedAtOnce);
                assertThat(Integer.parseInt(f.get("emfile"))).isEqualTo(failedAtOnce);
                assertThat(Integer.parseInt(f.get("bad"))).as("wrong bodies or other errors: " + stderr).isZero();
                String error = out.readLine();
                System.out.println("child: " + first + "; " + error);
                assertThat(error).startsWith("ERROR ").contains("socket: EMFILE (Too many open files)")
                        .contains("connect to");

                String second = out.readLine();
                assertThat(second).as("child said: " + stderr).startsWith("SECOND ");
                Map<String, String> w = fields(second);
                assertThat(Integer.parseInt(w.get("ok"))).as("after descriptors were freed: " + stderr).isEqualTo(SECOND_WAVE);

                String fds = out.readLine();
                assertThat(fds).startsWith("FDS ");
                Map<String, String> d = fields(fds);
                assertThat(d.get("end")).as("descriptors at the end vs at the start").isEqualTo(d.get("start"));
            } finally {
                gate.countDown();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(child.exitValue()).as("child stderr: " + stderr).isZero();
        }
    }

    /** {@code WORD k=v k=v} as a map. */
    private static Map<String, String> fields(String line) {
        Map<String, String> m = new java.util.HashMap<>();
        for (String p : line.split(" ")) {
            int eq = p.indexOf('=');
            if (eq > 0) m.put(p.substring(0, eq), p.substring(eq + 1));
        }
        return m;
    }

    /** utime + stime of a process, proc(5) /proc/pid/stat fields 14 and 15, in seconds. */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ is 100 on Linux
    }

    // ---------------------------------------------------------------- helpers

    private static byte[] gzipZeros(int n) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            byte[] zeros = new byte[64 * 1024];
            for (int i = 0; i < n / zeros.length; i++) z.write(zeros);
        }
        return b.toByteArray();
    }

    private static byte[] chunk(int size) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        b.writeBytes("c".repeat(size).getBytes(StandardCharsets.US_ASCII));
        b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    /** The engine on an evloop loop run by the test thread, with the last announced deadline kept. */
    private static final class Rig implements AutoCloseable {
        final EventLoop loop;
        final HttpEngine engine;
        long lastTimer = Long.MIN_VALUE;

        Rig(HttpEngine.Builder b) throws IOException {
            loop = EventLoop.builder().name("limits").build();
            LoopDriver driver = new LoopDriver(loop);
            TimerCallback timers = driver.timerCallback();
            engine = b.socketCallback(driver.socketCallback())
                    .timerCallback(ms -> {
                        lastTimer = ms;
                        timers.onTimer(ms);
                    })
                    .transport(Transport.forBackend(loop.backend())).checking(true).build();
            driver.bind(engine);
        }

        TransferResult fetch(String uri) {
            Transfer t = Transfer.collecting(HttpRequest.get(uri), r -> {});
            engine.add(t);
            runUntil(t::isDone, Duration.ofSeconds(20));
            while (engine.nextResult() != null) {
                // read, so the footprint counts only what the engine keeps by itself
            }
            return t.result();
        }

        void runUntil(BooleanSupplier done, Duration max) {
            long end = System.nanoTime() + max.toNanos();
            while (!done.getAsBoolean()) {
                if (System.nanoTime() - end > 0) {
                    throw new AssertionError("not done within " + max.toMillis() + " ms; running " + engine.running()
                            + ", " + engine.footprint());
                }
                loop.runOnce(10, TimeUnit.MILLISECONDS);
            }
        }

        /** The loop still serves a transfer, and after it the engine keeps nothing at all. */
        void assertServesAndHoldsNothing() throws InterruptedException {
            TransferResult ok = fetch(peer.uri("/ok"));
            assertThat(ok.error()).isNull();
            assertThat(ok.response().bodyAsString()).isEqualTo("ok");
            peer.nextOutcome("/ok", 10);
            assertThat(engine.footprint()).as("engine state left").allSatisfy((k, v) -> assertThat(v).as(k).isZero());
            assertThat(lastTimer).as("no deadline announced").isEqualTo(TimerCallback.NONE);
            assertThat(loop.registrations()).as("sockets watched").isZero();
        }

        @Override
        public void close() {
            engine.close();
            loop.close();
        }
    }

    /**
     * A hostile HTTP/1.1 server: each request path names a {@link Script} that writes the
     * response, possibly without end. A script writes until the client closes the connection (the
     * write fails) or, once done, waits for the next request; either way the connection's
     * {@link Outcome} says how many bytes went out and whether the client closed it.
     */
    static final class RawPeer implements AutoCloseable {
        interface Script {
            void write(Counting out) throws IOException;
        }

        record Outcome(String path, long bytesWritten, boolean closedByClient) {}

        static final class Counting {
            private final OutputStream out;
            long written;

            Counting(OutputStream out) {
                this.out = out;
            }

            void write(byte[] b) throws IOException {
                out.write(b);
                written += b.length;
            }

            void write(String s) throws IOException {
                write(s.getBytes(StandardCharsets.ISO_8859_1));
            }

            /** {@code b} again and again, until the client goes away. */
            void forever(byte[] b) throws IOException {
                while (true) write(b);
            }
        }

        private final ServerSocket server;
        private final Map<String, Script> scripts;
        private final Thread acceptor;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        private final BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();

        RawPeer(Map<String, Script> scripts) throws IOException {
            this.scripts = scripts;
            server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofPlatform().name("raw-peer-accept").daemon().start(this::acceptLoop);
        }

        String uri(String path) {
            return "http://127.0.0.1:" + server.getLocalPort() + path;
        }

        /**
         * The next connection for {@code path} to end; fails the test if none does within
         * {@code seconds}. Others are skipped: a connection of an earlier test may end late.
         */
        Outcome nextOutcome(String path, int seconds) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                Outcome o = outcomes.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (o == null) throw new AssertionError("no connection for " + path + " ended within " + seconds + " s");
                if (o.path().equals(path)) return o;
            }
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    Thread.ofPlatform().name("raw-peer-conn").daemon().start(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            String path = "";
            Counting out = null;
            boolean closedByClient = false;
            try (s) {
                s.setSendBufferSize(16 * 1024);
                InputStream in = s.getInputStream();
                out = new Counting(s.getOutputStream());
                while (true) {
                    String head = ScriptedServer.readHead(in);
                    if (head == null) {
                        closedByClient = true;
                        return;
                    }
                    path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                    Script script = scripts.get(path);
                    if (script == null) throw new IllegalStateException("no script for " + path);
                    script.write(out);
                    if (path.equals("/ok") || path.endsWith("-at") || path.equals("/chunked-3m")) return; // Connection: close
                }
            } catch (IOException e) {
                closedByClient = !server.isClosed(); // the client reset the connection or closed it mid-write
            } finally {
                sockets.remove(s);
                outcomes.add(new Outcome(path, out == null ? 0 : out.written, closedByClient));
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) s.close();
            try {
                acceptor.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Answers {@code /held/...} only once the gate opens, everything else at once; every answer
     * is {@code body <path>} with {@code Connection: close}.
     */
    private static final class GatedServer implements AutoCloseable {
        private final ServerSocket server;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        private final Thread acceptor;
        private final CountDownLatch gate;

        GatedServer(CountDownLatch gate) throws IOException {
            this.gate = gate;
            server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofPlatform().name("gated-accept").daemon().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        sockets.add(s);
                        Thread.ofPlatform().name("gated-conn").daemon().start(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(Socket s) {
            try (s) {
                String head = ScriptedServer.readHead(s.getInputStream());
                if (head == null) return;
                String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                if (path.startsWith("/held/") && !gate.await(30, TimeUnit.SECONDS)) return;
                String body = "body " + path;
                ScriptedServer.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length()
                        + "\r\nConnection: close\r\n\r\n" + body);
            } catch (IOException | InterruptedException e) {
                // the client went away
            } finally {
                sockets.remove(s);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) s.close();
            try {
                acceptor.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
