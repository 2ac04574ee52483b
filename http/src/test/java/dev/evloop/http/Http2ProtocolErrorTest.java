package dev.evloop.http;

import static dev.evloop.http.codec.h2.Http2.GOAWAY;
import static dev.evloop.http.codec.h2.Http2.HEADERS;
import static dev.evloop.http.codec.h2.Http2.PING;
import static dev.evloop.http.codec.h2.Http2.RST_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.http.H2ScriptedPeer.Conn;
import dev.evloop.http.H2ScriptedPeer.Frame;
import dev.evloop.http.codec.ParserLimits;
import dev.evloop.http.codec.h2.ErrorCode;
import dev.evloop.http.codec.h2.Http2;
import dev.evloop.http.codec.h2.Http2FrameWriter;
import dev.evloop.http.codec.h2.Http2Settings;
import dev.evloop.loop.ManualClock;
import dev.evloop.poll.Backend;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 protocol errors and flood shapes from a scripted server ({@link H2ScriptedPeer}), the
 * engine on evloop's loop with the checking mode on, h2c with prior knowledge. Each test checks
 * the transfer's error (the frame and the code named), what the server received (GOAWAY with the
 * code, RST_STREAM for one stream), and that other streams were left alone where that applies.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http2ProtocolErrorTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static HttpEngine.Builder builder() {
        return HttpEngine.builder().versionPolicy(HttpVersionPolicy.HTTP_2_PRIOR_KNOWLEDGE);
    }

    private static Transfer add(LoopHarness h, H2ScriptedPeer peer, String path, List<TransferResult> results) {
        Transfer t = Transfer.collecting(HttpRequest.newBuilder(peer.uri(path)).build(), results::add);
        h.engine.add(t);
        return t;
    }

    /** One transfer to a peer running {@code script}; its result, once the engine has settled. */
    private static TransferResult single(HttpEngine.Builder b, H2ScriptedPeer peer) throws IOException {
        List<TransferResult> results = new ArrayList<>();
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, b)) {
            add(h, peer, "/one", results);
            h.runUntil(() -> results.size() == 1, WAIT);
            h.runUntil(() -> h.engine.http2Connections() == 0, WAIT);
            return results.get(0);
        }
    }

    private static Predicate<Frame> goAway(ErrorCode code) {
        return f -> f.type() == GOAWAY && f.code() == code.code();
    }

    private static Predicate<Frame> reset(int stream, ErrorCode code) {
        return f -> f.type() == RST_STREAM && f.stream() == stream && f.code() == code.code();
    }

    private static Predicate<Frame> headersFor(String path) {
        return f -> f.type() == HEADERS && path.equals(f.fields().get(":path"));
    }

    private static String message(TransferResult r) {
        assertThat(r.error()).as("the transfer's error").isNotNull();
        return String.valueOf(r.error().getMessage());
    }

    // ---------------------------------------------------------------- connection errors

    @Test
    void pushPromiseIsAConnectionProtocolError() throws Exception {
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            int stream = c.handshake().awaitHeaders().stream();
            ByteBuffer block = c.block(":method", "GET", ":scheme", "http", ":authority", "127.0.0.1", ":path", "/pushed");
            byte[] payload = new byte[4 + block.remaining()];
            payload[3] = 2; // promised stream 2
            block.get(payload, 4, block.remaining());
            c.frame(Http2.PUSH_PROMISE, Http2.FLAG_END_HEADERS, stream, payload);
        })) {
            TransferResult r = single(builder(), peer);
            assertThat(message(r)).contains("PUSH_PROMISE").contains("PROTOCOL_ERROR");
            assertThat(peer.conn(0).seen(goAway(ErrorCode.PROTOCOL_ERROR), WAIT)).as("GOAWAY PROTOCOL_ERROR").isNotNull();
        }
    }

    @Test
    void enablePushFromTheServerIsAProtocolError() throws Exception {
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> c.handshake(new Http2Settings().set(Http2Settings.ENABLE_PUSH, 1)))) {
            TransferResult r = single(builder(), peer);
            assertThat(message(r)).contains("SETTINGS_ENABLE_PUSH").contains("PROTOCOL_ERROR");
            assertThat(peer.conn(0).seen(goAway(ErrorCode.PROTOCOL_ERROR), WAIT)).as("GOAWAY PROTOCOL_ERROR").isNotNull();
        }
    }

    /** 2: a server-initiated (even) stream; 7: an odd stream the client never opened (§5.1, idle). */
    @ParameterizedTest
    @ValueSource(ints = {2, 7})
    void headersOnAStreamTheClientNeverOpenedIsAConnectionError(int stream) throws Exception {
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            c.handshake().awaitHeaders();
            c.headers(stream, true, ":status", "200");
        })) {
            TransferResult r = single(builder(), peer);
            assertThat(message(r)).contains("HEADERS on stream " + stream).contains("never opened").contains("PROTOCOL_ERROR");
            assertThat(peer.conn(0).seen(goAway(ErrorCode.PROTOCOL_ERROR), WAIT)).as("GOAWAY PROTOCOL_ERROR").isNotNull();
        }
    }

    @Test
    void aFrameOverOurMaxFrameSizeIsAFrameSizeError() throws Exception {
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            int stream = c.handshake().awaitHeaders().stream();
            c.headers(stream, false, ":status", "200");
            c.frame(Http2.DATA, 0, stream, new byte[Http2.DEFAULT_MAX_FRAME_SIZE + 1]);
        })) {
            TransferResult r = single(builder(), peer);
            assertThat(message(r)).contains("FRAME_SIZE_ERROR").contains("DATA frame of 16385 bytes")
                    .contains("SETTINGS_MAX_FRAME_SIZE 16384");
            assertThat(peer.conn(0).seen(goAway(ErrorCode.FRAME_SIZE_ERROR), WAIT)).as("GOAWAY FRAME_SIZE_ERROR").isNotNull();
        }
    }

    @Test
    void aHeaderListOverTheLimitFailsClearly() throws Exception {
        String big = "v".repeat(1000);
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            int stream = c.handshake().awaitHeaders().stream();
            List<String> fields = new ArrayList<>(List.of(":status", "200"));
            for (int i = 0; i < 8; i++) fields.addAll(List.of("x-big-" + i, big + i)); // 8 KB of fields
            c.headers(stream, true, fields.toArray(String[]::new));
        })) {
            TransferResult r = single(builder().parserLimits(ParserLimits.DEFAULT.withMaxHeaderSectionBytes(4096)), peer);
            assertThat(message(r)).contains("4096").containsAnyOf("header block", "header list");
            assertThat(peer.conn(0).seen(f -> f.type() == GOAWAY && f.code() != 0, WAIT)).as("GOAWAY with an error").isNotNull();
        }
    }

    // ---------------------------------------------------------------- flow control

    /**
     * The connection window is given back as bytes arrive (at half of it), so a server can never
     * be caught beyond it with frames of at most 16,384 bytes: 70,000 bytes sent without waiting
     * on two streams (each within its own window) are taken, and the client's WINDOW_UPDATE on
     * stream 0 is what made that legal.
     */
    @Test
    void seventyThousandBytesWithinTheReturnedConnectionWindowAreTaken() throws Exception {
        byte[] a = new byte[40_000];
        byte[] b = new byte[30_000];
        Arrays.fill(a, (byte) 'a');
        Arrays.fill(b, (byte) 'b');
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            c.handshake();
            int sa = c.await(headersFor("/a"), WAIT).stream();
            int sb = c.await(headersFor("/b"), WAIT).stream();
            c.headers(sa, false, ":status", "200");
            c.headers(sb, false, ":status", "200");
            c.data(sa, a, true);
            c.data(sb, b, true);
        })) {
            List<TransferResult> results = new ArrayList<>();
            try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder().http2Windows(65_535, 65_535))) {
                Transfer ta = add(h, peer, "/a", results);
                Transfer tb = add(h, peer, "/b", results);
                h.runUntil(() -> results.size() == 2, WAIT);
                assertThat(ta.result().response().body()).isEqualTo(a);
                assertThat(tb.result().response().body()).isEqualTo(b);
            }
            assertThat(peer.conn(0).seen(f -> f.type() == Http2.WINDOW_UPDATE && f.stream() == 0, WAIT))
                    .as("the client's connection WINDOW_UPDATE").isNotNull();
        }
    }

    /**
     * A paused stream's window is not given back, so a server that sends 70,000 bytes on it
     * without waiting goes beyond its 65,535: that stream alone is reset with FLOW_CONTROL_ERROR,
     * and a second stream on the connection completes.
     */
    @Test
    void dataBeyondAPausedStreamsWindowResetsThatStreamOnly() throws Exception {
        byte[] flood = new byte[70_000];
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            c.handshake();
            int slow = c.await(headersFor("/slow"), WAIT).stream();
            int fine = c.await(headersFor("/fine"), WAIT).stream();
            c.headers(slow, false, ":status", "200");
            c.data(slow, new byte[1], false); // the client pauses on these first bytes
            Thread.sleep(100);
            c.data(slow, flood, true);
            c.ok(fine, "fine");
        })) {
            List<TransferResult> results = new ArrayList<>();
            try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder().http2Windows(65_535, 65_535))) {
                Transfer slow = Transfer.streaming(HttpRequest.newBuilder(peer.uri("/slow")).build(), new TransferListener() {
                    @Override
                    public void onBody(Transfer t, ByteBuffer bytes) {
                        h.engine.pause(t);
                    }

                    @Override
                    public void onComplete(TransferResult result) {
                        results.add(result);
                    }
                });
                h.engine.add(slow);
                Transfer fine = add(h, peer, "/fine", results);
                h.runUntil(() -> results.size() == 2, WAIT);
                assertThat(message(slow.result())).contains("stream window").contains("FLOW_CONTROL_ERROR");
                assertThat(fine.result().response().bodyAsString()).isEqualTo("fine");
                Conn c = peer.conn(0);
                int slowStream = c.seen(headersFor("/slow"), WAIT).stream();
                assertThat(c.seen(reset(slowStream, ErrorCode.FLOW_CONTROL_ERROR), WAIT)).as("RST_STREAM FLOW_CONTROL_ERROR")
                        .isNotNull();
                assertThat(c.seen(f -> f.type() == GOAWAY && f.code() != 0, Duration.ZERO)).as("no connection error").isNull();
            }
        }
    }

    // ---------------------------------------------------------------- malformed responses

    enum Malformed {
        UPPER_CASE_NAME("upper case"), CONNECTION_FIELD("connection-specific field 'connection'"),
        NO_STATUS(":status"), DATA_OVER_CONTENT_LENGTH("more DATA than its content-length 3");

        final String named;

        Malformed(String named) {
            this.named = named;
        }

        void send(Conn c, int stream) throws IOException {
            switch (this) {
                case UPPER_CASE_NAME -> c.headers(stream, true, ":status", "200", "X-Upper", "1");
                case CONNECTION_FIELD -> c.headers(stream, true, ":status", "200", "connection", "close");
                case NO_STATUS -> c.headers(stream, true, "content-type", "text/plain");
                case DATA_OVER_CONTENT_LENGTH -> {
                    c.headers(stream, false, ":status", "200", "content-length", "3");
                    c.data(stream, "hello".getBytes(StandardCharsets.US_ASCII), true);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Malformed.class)
    void aMalformedResponseFailsItsStreamAlone(Malformed shape) throws Exception {
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            c.handshake();
            int bad = c.await(headersFor("/bad"), WAIT).stream();
            int good = c.await(headersFor("/good"), WAIT).stream();
            shape.send(c, bad);
            c.ok(good, "good");
        })) {
            List<TransferResult> results = new ArrayList<>();
            try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder())) {
                Transfer bad = add(h, peer, "/bad", results);
                Transfer good = add(h, peer, "/good", results);
                h.runUntil(() -> results.size() == 2, WAIT);
                assertThat(message(bad.result())).contains("malformed HTTP/2 response").contains(shape.named);
                assertThat(good.result().response().bodyAsString()).isEqualTo("good");
                Conn c = peer.conn(0);
                int badStream = c.seen(headersFor("/bad"), WAIT).stream();
                assertThat(c.seen(reset(badStream, ErrorCode.PROTOCOL_ERROR), WAIT)).as("RST_STREAM PROTOCOL_ERROR").isNotNull();
                assertThat(h.engine.http2Connections()).as("the connection lives on").isEqualTo(1);
            }
        }
    }

    // ---------------------------------------------------------------- floods

    @Test
    void continuationFloodIsStoppedWithEnhanceYourCalm() throws Exception {
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            int stream = c.handshake().awaitHeaders().stream();
            ByteBuffer block = c.block(":status", "200");
            byte[] head = new byte[block.remaining()];
            block.get(head);
            c.frame(HEADERS, 0, stream, head); // no END_HEADERS
            byte[] empty = new byte[10_000 * Http2.FRAME_HEADER_LENGTH];
            for (int i = 0; i < 10_000; i++) {
                int at = i * Http2.FRAME_HEADER_LENGTH;
                empty[at + 3] = Http2.CONTINUATION;
                empty[at + 8] = (byte) stream;
            }
            try {
                c.raw(empty);
            } catch (SocketException closedByTheClient) {
                // expected once the client gave up
            }
        })) {
            TransferResult r = single(builder(), peer); // fails if it does not end within WAIT
            assertThat(message(r)).contains("ENHANCE_YOUR_CALM").contains("CONTINUATION");
            // Best effort: the client may have closed before the peer read its GOAWAY.
            Frame g = peer.conn(0).seen(f -> f.type() == GOAWAY, Duration.ofSeconds(1));
            if (g != null) assertThat(ErrorCode.describe(g.code())).isEqualTo("ENHANCE_YOUR_CALM");
        }
    }

    /**
     * A server that stops reading and sends PINGs: each asks for a 17-byte acknowledgement that
     * the client can only queue; at {@link Http2Connection#OUT_LIMIT} it stops with
     * ENHANCE_YOUR_CALM instead of growing.
     */
    @Test
    void pingFloodFromAPeerThatDoesNotReadIsBounded() throws Exception {
        try (H2ScriptedPeer peer = new H2ScriptedPeer(4096, c -> {
            c.handshake().awaitHeaders();
            c.stopReading();
            byte[] batch = new byte[1024 * 17];
            ByteBuffer b = ByteBuffer.wrap(batch);
            for (int i = 0; i < 1024; i++) {
                b.put(new byte[] {0, 0, 8, Http2.PING, 0, 0, 0, 0, 0}).putLong(i);
            }
            try {
                for (int i = 0; i < 4096 && !c.ended; i++) c.raw(batch); // at most 4M PINGs, 68 MB
            } catch (SocketException closedByTheClient) {
                // expected: the client gave up and closed
            }
        })) {
            TransferResult r = single(builder(), peer); // fails if it does not end within WAIT
            assertThat(message(r)).contains("ENHANCE_YOUR_CALM").contains("PING");
        }
    }

    /**
     * Every stream refused: the transfer goes again at most {@link Http2Connection#MAX_REFUSALS}
     * times, then fails naming REFUSED_STREAM; the server saw MAX_REFUSALS + 1 HEADERS, no more.
     */
    @Test
    void refusedStreamsAreRetriedABoundedNumberOfTimes() throws Exception {
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            c.handshake();
            Frame f;
            while ((f = c.poll(x -> x.type() == HEADERS, Duration.ofSeconds(1))) != null) c.rst(f.stream(), ErrorCode.REFUSED_STREAM);
        })) {
            List<TransferResult> results = new ArrayList<>();
            try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder())) {
                Transfer t = add(h, peer, "/refused", results);
                h.runUntil(() -> results.size() == 1, WAIT);
                assertThat(message(t.result())).contains("REFUSED_STREAM").contains("RST_STREAM");
                h.runFor(Duration.ofMillis(300)); // a retry storm would show here
                Conn c = peer.conn(0);
                assertThat(H2ScriptedPeer.ofType(c.frames, HEADERS)).hasSize(Http2Connection.MAX_REFUSALS + 1);
                assertThat(peer.accepted()).isEqualTo(1);
            }
        }
    }

    /**
     * 200 streams reset with CANCEL as they come, on one connection (100 streams at a time, the
     * rest waiting for a stream): 200 failures naming it, then the connection still serves.
     */
    @Test
    void streamsResetAsFastAsTheyComeFailEachAndTheConnectionServesOn() throws Exception {
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            c.handshake();
            while (true) {
                Frame f = c.await(x -> x.type() == HEADERS, WAIT);
                if ("/ok".equals(f.fields().get(":path"))) {
                    c.ok(f.stream(), "ok");
                    return;
                }
                c.rst(f.stream(), ErrorCode.CANCEL);
            }
        })) {
            List<TransferResult> results = new ArrayList<>();
            try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder().maxConnectionsPerHost(1))) {
                for (int i = 0; i < 200; i++) add(h, peer, "/cancel/" + i, results);
                h.runUntil(() -> results.size() == 200, WAIT);
                for (TransferResult r : results) assertThat(message(r)).contains("CANCEL").contains("reset by");
                Transfer ok = add(h, peer, "/ok", results);
                h.runUntil(() -> results.size() == 201, WAIT);
                assertThat(ok.result().response().bodyAsString()).isEqualTo("ok");
                assertThat(peer.accepted()).isEqualTo(1);
                assertThat(H2ScriptedPeer.ofType(peer.conn(0).frames, HEADERS)).hasSize(201);
            }
        }
    }

    // ---------------------------------------------------------------- GOAWAY, PING, SETTINGS

    /** GOAWAY last-stream-id 1 with streams 1, 3, 5 open: 1 completes here, 3 and 5 go again on a new connection (§6.8). */
    @Test
    void streamsAboveTheGoAwayLastStreamGoAgainOnANewConnection() throws Exception {
        H2ScriptedPeer.Script first = c -> {
            c.handshake();
            List<Frame> heads = new ArrayList<>();
            for (int i = 0; i < 3; i++) heads.add(c.awaitHeaders());
            assertThat(heads).extracting(Frame::stream).containsExactly(1, 3, 5);
            c.goAway(1, ErrorCode.NO_ERROR);
            c.ok(1, heads.get(0).fields().get(":path"));
        };
        H2ScriptedPeer.Script second = c -> {
            c.handshake();
            for (int i = 0; i < 2; i++) {
                Frame f = c.awaitHeaders();
                c.ok(f.stream(), f.fields().get(":path"));
            }
        };
        try (H2ScriptedPeer peer = new H2ScriptedPeer(first, second)) {
            List<TransferResult> results = new ArrayList<>();
            try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder())) {
                List<Transfer> ts = new ArrayList<>();
                for (String p : List.of("/s1", "/s3", "/s5")) ts.add(add(h, peer, p, results));
                h.runUntil(() -> results.size() == 3, WAIT);
                for (Transfer t : ts) {
                    assertThat(t.result().error()).as("%s", t).isNull();
                    assertThat(t.result().response().bodyAsString()).isEqualTo(t.request().uri().getPath());
                }
                assertThat(ts.get(0).result().reusedConnection()).isFalse();
                assertThat(peer.accepted()).isEqualTo(2);
                assertThat(peer.conn(1).seen(headersFor("/s3"), WAIT)).isNotNull();
                assertThat(peer.conn(1).seen(headersFor("/s5"), WAIT)).isNotNull();
            }
        }
    }

    /**
     * A GOAWAY read together with more frames sends a stream to another, idle connection, whose
     * reuse check must not read into the buffer the first connection is still parsing: the rest
     * of that buffer would be misread and fail the stream that stays.
     */
    @Test
    void aRetryFromInsideAReadLeavesTheSharedReadBufferAlone() throws Exception {
        CountDownLatch bDone = new CountDownLatch(1);
        H2ScriptedPeer.Script a = c -> {
            c.handshake();
            assertThat(c.awaitHeaders().stream()).isEqualTo(1);
            assertThat(c.awaitHeaders().stream()).isEqualTo(3);
            // The client completed /b: its connection is idle, so the retry lands there.
            assertThat(bDone.await(10, TimeUnit.SECONDS)).isTrue();
            ByteBuffer frames = Http2FrameWriter.goAway(ByteBuffer.allocate(256), 1, ErrorCode.NO_ERROR, null);
            frames = Http2FrameWriter.headers(frames, 1, c.block(":status", "200"), false, Http2.DEFAULT_MAX_FRAME_SIZE);
            c.raw(Arrays.copyOf(frames.array(), frames.position())); // one write: one read on the client
            Thread.sleep(100);
            c.data(1, "/a1".getBytes(StandardCharsets.US_ASCII), true);
        };
        H2ScriptedPeer.Script b = c -> {
            c.handshake();
            c.ok(c.awaitHeaders().stream(), "/b");
            Frame again = c.awaitHeaders();
            c.ok(again.stream(), again.fields().get(":path"));
        };
        try (H2ScriptedPeer peer = new H2ScriptedPeer(a, b)) {
            List<TransferResult> results = new ArrayList<>();
            try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder().maxStreamsPerConnection(2))) {
                List<Transfer> ts = new ArrayList<>();
                for (String p : List.of("/a1", "/a2")) ts.add(add(h, peer, p, results));
                Transfer tb = Transfer.collecting(HttpRequest.newBuilder(peer.uri("/b")).build(), r -> {
                    results.add(r);
                    bDone.countDown();
                });
                h.engine.add(tb);
                ts.add(tb);
                h.runUntil(() -> results.size() == 3, WAIT);
                for (Transfer t : ts) {
                    assertThat(t.result().error()).as("%s", t).isNull();
                    assertThat(t.result().response().bodyAsString()).isEqualTo(t.request().uri().getPath());
                }
                assertThat(peer.conn(1).seen(headersFor("/a2"), WAIT)).as("/a2 went again on the second connection").isNotNull();
                assertThat(peer.accepted()).isEqualTo(2);
            }
        }
    }

    /** After an idle longer than PING_AFTER_IDLE_NANOS the reused connection is checked with a PING (§6.7). */
    @Test
    void anIdlePooledConnectionIsCheckedWithAPingWhenReused() throws Exception {
        ManualClock clock = new ManualClock();
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            c.handshake();
            c.ok(c.awaitHeaders().stream(), "first");
            Frame ping = c.await(f -> f.type() == PING && (f.flags() & Http2.FLAG_ACK) == 0, WAIT);
            c.ping(true, ping.payload());
            c.ok(c.awaitHeaders().stream(), "second");
        })) {
            List<TransferResult> results = new ArrayList<>();
            try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder().clock(clock))) {
                add(h, peer, "/first", results);
                h.runUntil(() -> results.size() == 1, WAIT);
                assertThat(results.get(0).response().bodyAsString()).isEqualTo("first");
                clock.advance(Http2Connection.PING_AFTER_IDLE_NANOS + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
                Transfer second = add(h, peer, "/second", results);
                h.runUntil(() -> results.size() == 2, WAIT);
                assertThat(second.result().response().bodyAsString()).isEqualTo("second");
                assertThat(second.result().reusedConnection()).isTrue();
                assertThat(peer.accepted()).isEqualTo(1);
                List<Frame> frames = peer.conn(0).frames;
                int ping = frames.indexOf(peer.conn(0).seen(f -> f.type() == PING, WAIT));
                int head = frames.indexOf(peer.conn(0).seen(headersFor("/second"), WAIT));
                assertThat(ping).as("the PING goes out before the reused connection's new HEADERS").isLessThan(head);
            }
        }
    }

    /** The PING is never acknowledged: the connection is taken for dead, the idempotent GET goes again on a new one. */
    @Test
    void aPooledConnectionThatDoesNotAnswerThePingIsReplaced() throws Exception {
        ManualClock clock = new ManualClock();
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            c.handshake();
            c.ok(c.awaitHeaders().stream(), "first");
            c.await(f -> f.type() == PING && (f.flags() & Http2.FLAG_ACK) == 0, WAIT); // and then silence
        }, c -> {
            c.handshake();
            c.ok(c.awaitHeaders().stream(), "second");
        })) {
            List<TransferResult> results = new ArrayList<>();
            try (LoopHarness h = new LoopHarness(Backend.EPOLL, builder().clock(clock).connectTimeout(Duration.ofMillis(300)))) {
                add(h, peer, "/first", results);
                h.runUntil(() -> results.size() == 1, WAIT);
                clock.advance(Http2Connection.PING_AFTER_IDLE_NANOS + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
                Transfer second = add(h, peer, "/second", results);
                Conn first = peer.conn(0);
                h.runUntil(() -> first.frames.stream().anyMatch(headersFor("/second")), WAIT);
                assertThat(results).hasSize(1);
                clock.advanceMillis(301);
                h.engine.timeoutAction();
                h.runUntil(() -> results.size() == 2, WAIT);
                assertThat(second.result().error()).isNull();
                assertThat(second.result().response().bodyAsString()).isEqualTo("second");
                assertThat(peer.accepted()).isEqualTo(2);
                assertThat(first.seen(f -> f.type() == PING, Duration.ZERO)).isNotNull();
            }
        }
    }

    @Test
    void settingsNotAcknowledgedWithinTheConnectTimeoutIsASettingsTimeout() throws Exception {
        try (H2ScriptedPeer peer = new H2ScriptedPeer(c -> {
            c.handshake(new Http2Settings(), false);
            c.awaitHeaders(); // and no answer
        })) {
            TransferResult r = single(builder().connectTimeout(Duration.ofMillis(300)), peer);
            assertThat(message(r)).contains("SETTINGS_TIMEOUT").contains("no SETTINGS acknowledgement");
            assertThat(peer.conn(0).seen(goAway(ErrorCode.SETTINGS_TIMEOUT), WAIT)).as("GOAWAY SETTINGS_TIMEOUT").isNotNull();
        }
    }
}
