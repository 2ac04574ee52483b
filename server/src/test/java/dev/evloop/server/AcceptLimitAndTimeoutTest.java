package dev.evloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.loop.EventLoop;
import dev.evloop.loop.ManualClock;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server driven on the test thread ({@link TcpServer#attach} + {@code runOnce}): the client
 * limit checked through the listener's poller state, read timeouts through an injected clock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AcceptLimitAndTimeoutTest {

    static void runUntil(EventLoop loop, BooleanSupplier done) {
        for (int i = 0; i < 500 && !done.getAsBoolean(); i++) loop.runOnce(10, TimeUnit.MILLISECONDS);
        assertThat(done.getAsBoolean()).as("condition reached within 500 iterations").isTrue();
    }

    static Socket connect(TcpServer server) throws Exception {
        Socket s = new Socket(server.localAddress().getAddress(), server.localAddress().getPort());
        s.setSoTimeout(5_000);
        return s;
    }

    @Test
    void atTheLimitTheListenerIsDisabledUntilAClientLeaves() throws Exception {
        RecordingHandler.Log log = new RecordingHandler.Log();
        try (EventLoop loop = EventLoop.open()) {
            TcpServer server = TcpServer.attach(loop, ServerConfig.builder().maxClients(2).build(), log::echo);
            assertThat(server.isAccepting()).isTrue();
            try (Socket a = connect(server); Socket b = connect(server); Socket c = connect(server)) {
                runUntil(loop, () -> server.connections() == 2);
                assertThat(server.isAccepting()).as("listener disabled in the poller at the limit").isFalse();
                // c completed its handshake in the backlog but is not accepted: no echo for it.
                Frames.send(c, Frames.frame(Frames.payload(10, 3)));
                for (int i = 0; i < 20; i++) loop.runOnce(5, TimeUnit.MILLISECONDS);
                assertThat(server.connections()).isEqualTo(2);
                assertThat(log.opened).hasSize(2);
                c.setSoTimeout(50);
                assertThatThrownBy(() -> Frames.receive(c)).isInstanceOf(SocketTimeoutException.class);
                // The two accepted ones are served.
                Frames.send(a, Frames.frame(Frames.payload(10, 1)));
                runUntil(loop, () -> log.dataCalls.get() >= 1);
                assertThat(Frames.receive(a)).isEqualTo(Frames.payload(10, 1));
                // One leaves: the listener comes back, c is accepted and gets its echo.
                b.close();
                runUntil(loop, () -> log.closed.size() == 1 && log.opened.size() == 3);
                assertThat(log.reasons()).containsExactly(CloseReason.PEER_CLOSED);
                c.setSoTimeout(5_000);
                runUntil(loop, () -> log.dataCalls.get() >= 2);
                assertThat(Frames.receive(c)).isEqualTo(Frames.payload(10, 3));
                assertThat(server.isAccepting()).as("at the limit again").isFalse();
            }
            server.shutdown(Duration.ZERO);
            runUntil(loop, () -> server.connections() == 0);
        }
    }

    @Test
    void idleClientsAreClosedInOrderAndActiveOnesKept() throws Exception {
        ManualClock clock = new ManualClock(1_000_000_000L);
        RecordingHandler.Log log = new RecordingHandler.Log();
        try (EventLoop loop = EventLoop.builder().clock(clock).build()) {
            TcpServer server = TcpServer.attach(loop,
                    ServerConfig.builder().readTimeout(Duration.ofSeconds(1)).build(), log::echo);
            try (Socket a = connect(server); Socket b = connect(server); Socket c = connect(server)) {
                runUntil(loop, () -> server.connections() == 3);
                int portB = b.getLocalPort();
                int portC = c.getLocalPort();
                clock.advanceMillis(500);
                Frames.send(a, Frames.frame(Frames.payload(4, 1))); // a is active at t = 0.5 s
                runUntil(loop, () -> log.dataCalls.get() == 1);
                assertThat(Frames.receive(a)).isEqualTo(Frames.payload(4, 1));
                clock.advanceMillis(499);
                loop.runOnce(0, TimeUnit.MILLISECONDS);
                assertThat(log.closed).as("t = 0.999 s: nobody idle for 1 s yet").isEmpty();
                clock.advanceMillis(1);
                runUntil(loop, () -> log.closed.size() == 2);
                assertThat(log.closed).extracting(RecordingHandler.Closed::remotePort).containsExactly(portB, portC);
                assertThat(log.reasons()).containsOnly(CloseReason.READ_TIMEOUT);
                assertThat(Frames.closedByPeer(b)).isTrue();
                assertThat(server.connections()).isEqualTo(1);
                clock.advanceMillis(499);
                loop.runOnce(0, TimeUnit.MILLISECONDS);
                assertThat(server.connections()).as("a read at 0.5 s: kept until 1.5 s").isEqualTo(1);
                clock.advanceMillis(1);
                runUntil(loop, () -> log.closed.size() == 3);
                assertThat(log.closed.get(2).remotePort()).isEqualTo(a.getLocalPort());
            }
            server.shutdown(Duration.ZERO);
            runUntil(loop, () -> server.connections() == 0);
        }
    }
}
