package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.poll.Backend;
import dev.evloop.testing.Backends;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Streamed request bodies ({@link BodySource}) against Jetty, checking mode on. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamedUploadTest {
    static JettyFixture jetty;

    @BeforeAll
    static void startJetty() throws Exception {
        jetty = new JettyFixture();
    }

    @AfterAll
    static void stopJetty() throws Exception {
        jetty.close();
    }

    static byte pattern(long i) {
        return (byte) (i * 31 + (i >> 11));
    }

    static byte[] expected(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = pattern(i);
        return b;
    }

    /** Produces {@code total} pattern bytes in reads of at most {@code step}; counts reads. */
    static class PatternSource implements BodySource {
        final long total;
        final boolean known;
        final int step;
        long produced;
        int reads;

        PatternSource(long total, boolean known, int step) {
            this.total = total;
            this.known = known;
            this.step = step;
        }

        @Override
        public int read(ByteBuffer dst) {
            reads++;
            if (produced == total) return -1;
            int n = (int) Math.min(Math.min(dst.remaining(), step), total - produced);
            for (int i = 0; i < n; i++) dst.put(pattern(produced + i));
            produced += n;
            return n;
        }

        @Override
        public long length() {
            return known ? total : -1;
        }
    }

    static TransferResult run(LoopHarness h, Transfer t) {
        h.engine.add(t);
        h.runUntil(t::isDone, Duration.ofSeconds(30));
        return t.result();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void fiveMegabytesStreamedChunkedAndWithAKnownLengthAreEchoed(Backend backend) throws Exception {
        int n = 5 * 1024 * 1024;
        byte[] want = expected(n);
        try (LoopHarness h = new LoopHarness(backend, HttpEngine.builder())) {
            TransferResult chunked = run(h, Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/echoinfo"))
                    .POST(new PatternSource(n, false, 7000)).build(), r -> { }));
            assertThat(chunked.error()).isNull();
            assertThat(chunked.response().headers().first("X-Transfer-Encoding")).contains("chunked");
            assertThat(chunked.response().body()).isEqualTo(want);

            TransferResult known = run(h, Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/echoinfo"))
                    .PUT(new PatternSource(n, true, 100_000)).build(), r -> { }));
            assertThat(known.error()).isNull();
            assertThat(known.response().headers().first("X-Content-Length")).contains(String.valueOf(n));
            assertThat(known.response().headers().first("X-Transfer-Encoding")).contains("null");
            assertThat(known.response().body()).isEqualTo(want);
            assertThat(known.reusedConnection()).isTrue();
            assertThat(h.watched()).as("nothing watched when idle").isZero();
        }
    }

    /** A source with nothing now returns 0; a loop timer feeds it and calls resumeUpload. */
    @Test
    void aSourceFedOverSeveralTimerTicksIsNotWatchedWhileEmpty() throws Exception {
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, HttpEngine.builder().idleTimeout(Duration.ofMillis(100)))) {
            ByteBuffer pending = ByteBuffer.allocate(1 << 20).flip();
            boolean[] ended = {false};
            int[] zeros = {0};
            BodySource source = dst -> {
                if (!pending.hasRemaining()) {
                    if (ended[0]) return -1;
                    zeros[0]++;
                    return 0;
                }
                int n = Math.min(dst.remaining(), pending.remaining());
                dst.put(pending.slice(pending.position(), n));
                pending.position(pending.position() + n);
                return n;
            };
            Transfer t = Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/echoinfo")).POST(source).build(), r -> { });
            List<Long> watchedWhileEmpty = new ArrayList<>();
            int ticks = 8;
            int[] tick = {0};
            ByteBuffer all = ByteBuffer.allocate(ticks * 10_000);
            Runnable[] feed = new Runnable[1];
            feed[0] = () -> {
                watchedWhileEmpty.add(h.watched()); // the source was empty since the last tick
                pending.compact();
                for (int i = 0; i < 10_000; i++) {
                    byte b = (byte) ('A' + (tick[0] + i) % 26);
                    pending.put(b);
                    all.put(b);
                }
                pending.flip();
                if (++tick[0] == ticks) ended[0] = true; else h.loop.schedule(150, TimeUnit.MILLISECONDS, feed[0]);
                h.engine.resumeUpload(t);
            };
            h.engine.add(t);
            h.loop.schedule(150, TimeUnit.MILLISECONDS, feed[0]); // each wait outlasts the 100 ms idle timeout
            h.runUntil(t::isDone, Duration.ofSeconds(20));
            assertThat(t.result().error()).isNull();
            assertThat(t.result().response().headers().first("X-Transfer-Encoding")).contains("chunked");
            assertThat(t.result().response().body()).isEqualTo(all.array());
            assertThat(zeros[0]).as("times the source had nothing").isGreaterThanOrEqualTo(ticks);
            assertThat(watchedWhileEmpty).as("sockets watched while the source was empty").containsOnly(0L);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void throughTheClientFacadeOnEveryBackend(Backend backend) throws Exception {
        Backends.assumeAvailable(backend);
        try (HttpClient c = HttpClient.newBuilder().backend(backend).checking(true).build()) {
            HttpResponse r = c.send(HttpRequest.newBuilder(jetty.uri("/echoinfo"))
                    .POST(new PatternSource(2_000_000, false, 50_000)).build());
            assertThat(r.body()).isEqualTo(expected(2_000_000));
            HttpResponse k = c.send(HttpRequest.newBuilder(jetty.uri("/echoinfo")).expectContinue(true)
                    .PUT(new PatternSource(1_000_000, true, 50_000)).build());
            assertThat(k.body()).isEqualTo(expected(1_000_000));
        }
    }

    @Test
    void aSourceEndingShortOfItsLengthFailsTheTransfer() throws Exception {
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, HttpEngine.builder())) {
            BodySource shortOne = new PatternSource(1000, false, 1000) {
                @Override
                public long length() {
                    return 2000;
                }
            };
            TransferResult r = run(h, Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/echo")).POST(shortOne).build(), x -> { }));
            assertThat(r.error()).isInstanceOf(IOException.class).hasMessageContaining("ended after 1000 of its 2000 bytes");
            assertThat(h.watched()).isZero();
        }
    }
}
