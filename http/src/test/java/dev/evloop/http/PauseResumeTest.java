package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.poll.Backend;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Pause/resume of response bodies (backpressure) against Jetty, checking mode on. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PauseResumeTest {
    static JettyFixture jetty;

    @BeforeAll
    static void startJetty() throws Exception {
        jetty = new JettyFixture();
    }

    @AfterAll
    static void stopJetty() throws Exception {
        jetty.close();
    }

    /** Checks the /bytes pattern as it arrives. */
    static class Receiver implements TransferListener {
        long received;
        int calls;
        boolean bad;
        TransferResult result;
        Runnable onFirst;

        @Override
        public void onBody(Transfer t, ByteBuffer bytes) {
            calls++;
            while (bytes.hasRemaining()) {
                if (bytes.get() != (byte) ('a' + received % 26)) bad = true;
                received++;
            }
            if (calls == 1 && onFirst != null) onFirst.run();
        }

        @Override
        public void onComplete(TransferResult r) {
            result = r;
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void twentyMegabytesPausedAfterTheFirstChunkNothingWatchedNothingDeliveredThenResumedFromATimer(Backend backend)
            throws Exception {
        int n = 20 * 1024 * 1024;
        try (LoopHarness h = new LoopHarness(backend, HttpEngine.builder().idleTimeout(Duration.ofMillis(1000)))) {
            Receiver rec = new Receiver();
            Transfer t = Transfer.streaming(HttpRequest.newBuilder(jetty.uri("/bytes/" + n)).build(), rec);
            rec.onFirst = () -> h.engine.pause(t);
            h.engine.add(t);
            h.runUntil(() -> rec.calls >= 1, Duration.ofSeconds(10));
            long bodyCalls = rec.calls;
            long events = h.delivered();
            int socketCalls = h.socketCalls.size();
            h.runFor(Duration.ofMillis(1200)); // longer than the idle timeout: held while paused
            assertThat(rec.calls).as("no onBody while paused").isEqualTo(bodyCalls);
            assertThat(h.delivered() - events).as("events delivered while paused").isZero();
            assertThat(h.socketCalls.size()).as("socket callbacks while paused").isEqualTo(socketCalls);
            assertThat(h.watched()).as("sockets watched while paused").isZero();
            assertThat(h.socketCalls.getLast()).endsWith("REMOVE");
            assertThat(t.isDone()).isFalse();
            assertThat(h.engine.connections()).as("nothing closed").isEqualTo(1);

            h.loop.schedule(10, TimeUnit.MILLISECONDS, () -> h.engine.resume(t));
            h.runUntil(t::isDone, Duration.ofSeconds(30));
            assertThat(rec.result.error()).isNull();
            assertThat(rec.received).isEqualTo(n);
            assertThat(rec.bad).isFalse();
            assertThat(h.engine.connections()).as("kept alive after").isEqualTo(1);
            assertThat(h.watched()).isZero();
        }
    }

    /** Paused and resumed over and over (every body callback, resumed by a 1 ms timer), then a reuse. */
    @Test
    void pausedAtEveryCallbackStillGetsEveryByteInOrder() throws Exception {
        int n = 3 * 1024 * 1024;
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, HttpEngine.builder())) {
            Transfer[] box = new Transfer[1];
            Receiver rec = new Receiver() {
                @Override
                public void onBody(Transfer t, ByteBuffer bytes) {
                    super.onBody(t, bytes);
                    h.engine.pause(t);
                    h.loop.schedule(1, TimeUnit.MILLISECONDS, () -> h.engine.resume(t));
                }
            };
            box[0] = Transfer.streaming(HttpRequest.newBuilder(jetty.uri("/bytes/" + n)).build(), rec);
            h.engine.add(box[0]);
            h.runUntil(box[0]::isDone, Duration.ofSeconds(30));
            assertThat(rec.result.error()).isNull();
            assertThat(rec.received).isEqualTo(n);
            assertThat(rec.bad).isFalse();
            Receiver again = new Receiver();
            Transfer next = Transfer.streaming(HttpRequest.newBuilder(jetty.uri("/bytes/1000")).build(), again);
            h.engine.add(next);
            h.runUntil(next::isDone, Duration.ofSeconds(10));
            assertThat(again.received).isEqualTo(1000);
            assertThat(next.result().reusedConnection()).isTrue();
        }
    }

    @Test
    void aCollectingTransferCannotPause() throws Exception {
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, HttpEngine.builder())) {
            Transfer t = Transfer.collecting(HttpRequest.get(jetty.uri("/hello").toString()), r -> { });
            assertThatThrownBy(() -> h.engine.pause(t)).isInstanceOf(IllegalStateException.class);
        }
    }
}
