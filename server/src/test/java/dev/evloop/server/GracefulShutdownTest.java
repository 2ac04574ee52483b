package dev.evloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.server.echo.EchoHandler;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GracefulShutdownTest {

    @Test
    void shutdownFlushesInFlightEchoesClosesEveryoneAndStopsTheLoops() throws Exception {
        RecordingHandler.Log log = new RecordingHandler.Log();
        // 8 MiB echoes to peers with small receive buffers: more than the server's send buffer
        // (tcp_wmem max 4 MiB) holds, so output is still pending in the server at shutdown.
        int size = 8 << 20;
        ServerConfig cfg = ServerConfig.builder().maxPendingOutput(16 << 20)
                .maxBufferedInput(EchoHandler.bufferedInputFor(size)).build();
        TcpServer server = TcpServer.start(cfg, () -> log.wrap(new EchoHandler(size)));
        Socket reader = smallWindow(server);
        Socket halfSent = smallWindow(server);
        Socket stuck = smallWindow(server);
        try (reader; halfSent; stuck) {
            reader.setSoTimeout(10_000);
            halfSent.setSoTimeout(10_000);
            // reader: its echo is read only after shutdown begins
            byte[] big = Frames.payload(size, 1);
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    Frames.send(reader, Frames.frame(big));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            // halfSent: half a message, then silence
            Frames.send(halfSent, java.util.Arrays.copyOf(Frames.frame(Frames.payload(100, 2)), 50));
            // stuck: never reads a 1 MiB echo; only the deadline ends it
            CompletableFuture.runAsync(() -> {
                try {
                    Frames.send(stuck, Frames.frame(big));
                } catch (IOException ignored) {
                    // closed by the server at the deadline
                }
            });
            // The reader's echo must be under way: with only part of its message in, shutdown
            // would rightly close it without an echo.
            int readerPort = reader.getLocalPort();
            waitFor(() -> log.opened.size() == 3 && onLoop(server, () -> log.opened.stream()
                    .filter(c -> c.pendingOutput() > 0 || c.bufferedInput() > 0).count() == 3
                    && log.opened.stream().anyMatch(c -> c.remoteAddress().getPort() == readerPort && c.pendingOutput() > 0)));
            // The grace covers the reader's 5 MiB still waiting, taken 4 KiB at a time (some 100 ms
            // on a quiet machine, over 500 ms on a loaded one); the stuck peer is cut when it ends.
            CompletableFuture<Void> done = server.shutdown(Duration.ofSeconds(5));
            assertThat(server.isAccepting()).isFalse();
            // The reader still gets its whole echo, then end of stream.
            assertThat(Frames.receive(reader)).isEqualTo(big);
            sent.get(10, TimeUnit.SECONDS);
            assertThat(new DataInputStream(reader.getInputStream()).read()).isEqualTo(-1);
            assertThat(Frames.closedByPeer(halfSent)).isTrue();
            done.get(10, TimeUnit.SECONDS);
            assertThat(log.closed).hasSize(3);
            assertThat(log.reasons()).containsOnly(CloseReason.SHUTDOWN);
            assertThat(server.connections()).isZero();
            assertThat(server.loops()).allSatisfy(l -> assertThat(l.isTerminated()).isTrue());
            assertThatThrownBy(() -> new Socket(server.localAddress().getAddress(), server.localAddress().getPort()).close())
                    .isInstanceOf(ConnectException.class);
            assertThat(server.shutdown(Duration.ZERO)).as("the same future").isSameAs(done);
        }
    }

    @Test
    void closeWithNoConnectionsReturnsAtOnce() throws Exception {
        TcpServer server = TcpServer.start(ServerConfig.builder().loops(2).build(), EchoHandler::new);
        server.close();
        assertThat(server.loops()).allSatisfy(l -> assertThat(l.isTerminated()).isTrue());
    }

    private static Socket smallWindow(TcpServer server) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096); // before connect, so the window is negotiated small
        s.connect(server.localAddress());
        return s;
    }

    /** Reads server state on its loop thread, where it lives. */
    private static <T> T onLoop(TcpServer server, java.util.function.Supplier<T> read) {
        CompletableFuture<T> f = new CompletableFuture<>();
        server.loops().getFirst().execute(() -> f.complete(read.get()));
        return f.join();
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 1000 && !condition.getAsBoolean(); i++) Thread.sleep(10);
        assertThat(condition.getAsBoolean()).as("condition within 10 s").isTrue();
    }
}
