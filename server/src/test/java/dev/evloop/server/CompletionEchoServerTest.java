package dev.evloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.poll.Backend;
import dev.evloop.server.echo.CompletionEchoServer;
import dev.evloop.server.echo.EchoHandler;
import dev.evloop.testing.Backends;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The echo service on completion I/O: natively on io_uring, emulated on the readiness backends;
 * every byte back, framing limits, the read timeout, the client limit, graceful shutdown.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CompletionEchoServerTest {

    static CompletionEchoServer.Config config(Backend backend, int loops) {
        return new CompletionEchoServer.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), loops, backend,
                0, EchoHandler.DEFAULT_MAX_MESSAGE, Duration.ZERO);
    }

    @ParameterizedTest(name = "{0} connections, {1} bytes")
    @CsvSource({"1, 0", "1, 100", "1, 1048576", "64, 4096", "64, 65536", "1000, 1", "1000, 4096"})
    void echoesEveryByteOnIoUring(int connections, int size) throws Exception {
        Backends.assumeAvailable(Backend.IO_URING);
        try (CompletionEchoServer server = CompletionEchoServer.start(config(Backend.IO_URING, 1))) {
            int messages = size >= 1 << 20 ? 2 : 5;
            var r = SelectorEchoClient.run(server.localAddress(), connections, size, messages, 90_000);
            assertThat(r.errors()).isZero();
            assertThat(r.mismatches()).isZero();
            assertThat(r.messages()).isEqualTo((long) connections * messages);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void echoesOnEveryBackendWithTwoLoops(Backend backend) throws Exception {
        Backends.assumeAvailable(backend);
        try (CompletionEchoServer server = CompletionEchoServer.start(config(backend, 2))) {
            assertThat(server.loops()).hasSize(2);
            var r = SelectorEchoClient.run(server.localAddress(), 64, 1000, 20, 60_000);
            assertThat(r.errors()).isZero();
            assertThat(r.mismatches()).isZero();
            assertThat(r.messages()).isEqualTo(64 * 20);
        }
    }

    @Test
    void anOversizedLengthClosesTheConnectionAfterTheMessagesBeforeIt() throws Exception {
        CompletionEchoServer.Config cfg = new CompletionEchoServer.Config(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1, null, 0, 100, Duration.ZERO);
        try (CompletionEchoServer server = CompletionEchoServer.start(cfg);
                Socket client = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
            client.setSoTimeout(10_000);
            byte[] ok = Frames.frame(Frames.payload(50, 1));
            byte[] both = new byte[ok.length + 4];
            System.arraycopy(ok, 0, both, 0, ok.length);
            System.arraycopy(Frames.header(101), 0, both, ok.length, 4);
            Frames.send(client, both);
            assertThat(Frames.receive(client)).isEqualTo(Frames.payload(50, 1));
            assertThat(Frames.closedByPeer(client)).isTrue();
            // a second connection is served as usual
            try (Socket other = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
                other.setSoTimeout(10_000);
                Frames.send(other, Frames.frame(Frames.payload(100, 2)));
                assertThat(Frames.receive(other)).isEqualTo(Frames.payload(100, 2));
            }
        }
    }

    @Test
    void aSilentConnectionIsClosedAfterTheReadTimeout() throws Exception {
        CompletionEchoServer.Config cfg = new CompletionEchoServer.Config(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1, null, 0, 1000, Duration.ofMillis(200));
        try (CompletionEchoServer server = CompletionEchoServer.start(cfg);
                Socket client = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
            client.setSoTimeout(10_000);
            Frames.send(client, Frames.frame(Frames.payload(10, 3)));
            assertThat(Frames.receive(client)).isEqualTo(Frames.payload(10, 3));
            assertThat(Frames.closedByPeer(client)).isTrue(); // within the 10 s socket timeout, or it throws
        }
    }

    @Test
    void theClientLimitHoldsNewConnectionsUntilOneCloses() throws Exception {
        CompletionEchoServer.Config cfg = new CompletionEchoServer.Config(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1, null, 2, 1000, Duration.ZERO);
        try (CompletionEchoServer server = CompletionEchoServer.start(cfg)) {
            InetSocketAddress a = server.localAddress();
            Socket one = new Socket(a.getAddress(), a.getPort());
            Socket two = new Socket(a.getAddress(), a.getPort());
            try (Socket three = new Socket(a.getAddress(), a.getPort())) { // waits in the accept queue
                three.setSoTimeout(300);
                for (Socket s : new Socket[] {one, two}) {
                    s.setSoTimeout(10_000);
                    Frames.send(s, Frames.frame(Frames.payload(5, 4)));
                    assertThat(Frames.receive(s)).isEqualTo(Frames.payload(5, 4));
                }
                Frames.send(three, Frames.frame(Frames.payload(5, 5)));
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> Frames.receive(three))
                        .isInstanceOf(java.net.SocketTimeoutException.class);
                assertThat(server.connections()).isEqualTo(2);
                one.close();
                three.setSoTimeout(10_000);
                assertThat(Frames.receive(three)).isEqualTo(Frames.payload(5, 5));
            } finally {
                one.close();
                two.close();
            }
        }
    }

    @Test
    void shutdownFinishesTheEchoInFlightAndClosesEverything() throws Exception {
        CompletionEchoServer server = CompletionEchoServer.start(config(null, 2));
        InetSocketAddress a = server.localAddress();
        try (Socket client = new Socket(a.getAddress(), a.getPort())) {
            client.setSoTimeout(10_000);
            Frames.send(client, Frames.frame(Frames.payload(1000, 6)));
            assertThat(Frames.receive(client)).isEqualTo(Frames.payload(1000, 6));
            server.shutdown(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
            assertThat(Frames.closedByPeer(client)).isTrue();
            assertThat(server.loops()).allMatch(dev.evloop.loop.EventLoop::isClosed);
        }
    }
}
