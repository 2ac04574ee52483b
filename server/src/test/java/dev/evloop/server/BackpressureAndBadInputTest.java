package dev.evloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.loop.EventLoop;
import dev.evloop.server.echo.EchoHandler;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackpressureAndBadInputTest {
    private static final int MAX_PENDING = 256 * 1024;

    @Test
    void aClientThatNeverReadsCannotGrowTheServerAndOthersAreServed() throws Exception {
        RecordingHandler.Log log = new RecordingHandler.Log();
        try (EventLoop loop = EventLoop.open()) {
            TcpServer server = TcpServer.attach(loop,
                    ServerConfig.builder().maxPendingOutput(MAX_PENDING).build(), log::echo);
            InetSocketAddress addr = server.localAddress();
            try (SocketChannel greedy = SocketChannel.open(addr); Socket polite = AcceptLimitAndTimeoutTest.connect(server)) {
                greedy.configureBlocking(false);
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.opened.size() == 2);
                Connection greedyConn = log.opened.getFirst();
                ByteBuffer frame = ByteBuffer.wrap(Frames.frame(Frames.payload(16 * 1024, 9)));
                long sent = 0;
                int stalls = 0;
                int maxPending = 0;
                // Send until the kernel refuses more for a while: the server has stopped reading.
                for (int i = 0; i < 20_000 && stalls < 50; i++) {
                    frame.rewind();
                    int n = greedy.write(frame);
                    sent += n;
                    stalls = n == 0 ? stalls + 1 : 0;
                    loop.runOnce(0, TimeUnit.MILLISECONDS);
                    maxPending = Math.max(maxPending, greedyConn.pendingOutput());
                }
                assertThat(stalls).as("the greedy client was pushed back").isEqualTo(50);
                assertThat(greedyConn.isOpen()).isTrue();
                assertThat(greedyConn.isWriteMode()).as("stopped reading it").isTrue();
                assertThat(maxPending).as("pending output stays under the bound").isLessThanOrEqualTo(MAX_PENDING);
                assertThat(sent).as("far more than the bound was offered").isGreaterThan(4L * MAX_PENDING);
                // Meanwhile the polite client is served.
                Frames.send(polite, Frames.frame(Frames.payload(100, 1)));
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.dataCalls.get() > 0 && polite.isConnected());
                for (int i = 0; i < 20; i++) loop.runOnce(1, TimeUnit.MILLISECONDS);
                assertThat(Frames.receive(polite)).isEqualTo(Frames.payload(100, 1));
            }
            server.shutdown(Duration.ZERO);
            AcceptLimitAndTimeoutTest.runUntil(loop, () -> server.connections() == 0);
        }
    }

    @Test
    void outputPastTheLimitClosesThatConnectionOnly() throws Exception {
        RecordingHandler.Log log = new RecordingHandler.Log();
        // A handler that answers each byte with 64 KiB: the output outruns any reader.
        Handler firehose = (c, in) -> {
            byte[] big = new byte[64 * 1024];
            while (in.hasRemaining()) {
                in.get();
                c.write(ByteBuffer.wrap(big));
            }
        };
        try (EventLoop loop = EventLoop.open()) {
            TcpServer server = TcpServer.attach(loop,
                    ServerConfig.builder().maxPendingOutput(MAX_PENDING).build(), () -> log.wrap(firehose));
            try (Socket s = AcceptLimitAndTimeoutTest.connect(server)) {
                s.setReceiveBufferSize(4096);
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.opened.size() == 1);
                Frames.send(s, new byte[200]);
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.closed.size() == 1);
                assertThat(log.reasons()).containsExactly(CloseReason.OUTPUT_LIMIT);
            }
            server.shutdown(Duration.ZERO);
        }
    }

    @Test
    void closeRightAfterWriteInsideOnDataStillSendsTheWrite() throws Exception {
        RecordingHandler.Log log = new RecordingHandler.Log();
        Handler replyAndClose = (c, in) -> {
            byte[] reply = new byte[in.remaining()];
            in.get(reply);
            c.write(ByteBuffer.wrap(reply));
            c.close();
        };
        try (EventLoop loop = EventLoop.open()) {
            TcpServer server = TcpServer.attach(loop, ServerConfig.builder().build(), () -> log.wrap(replyAndClose));
            try (Socket s = AcceptLimitAndTimeoutTest.connect(server)) {
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.opened.size() == 1);
                Frames.send(s, "last words".getBytes());
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.closed.size() == 1);
                assertThat(new String(s.getInputStream().readAllBytes())).isEqualTo("last words");
                assertThat(log.reasons()).containsExactly(CloseReason.LOCAL);
            }
            server.shutdown(Duration.ZERO);
        }
    }

    /** Writes in one onData that outgrow the socket and the staging buffer keep their order. */
    @Test
    void manyLargeWritesInOneOnDataArriveInOrder() throws Exception {
        int slices = 100;
        int size = 60_000;
        Handler many = (c, in) -> {
            in.position(in.limit());
            for (int i = 0; i < slices; i++) {
                ByteBuffer b = ByteBuffer.allocate(size);
                while (b.hasRemaining()) b.putInt(i);
                c.write(b.flip());
            }
        };
        try (TcpServer server = TcpServer.start(ServerConfig.builder().maxPendingOutput(64 << 20).build(), () -> many);
                Socket s = new Socket()) {
            s.setReceiveBufferSize(4096); // before connect: a small window, so the server's output backs up
            s.connect(server.localAddress());
            s.setSoTimeout(10_000);
            s.getOutputStream().write(1);
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            for (int i = 0; i < slices; i++) {
                assertThat(in.readInt()).as("slice " + i).isEqualTo(i);
                in.skipNBytes(size - 4);
            }
        }
    }

    @Test
    void negativeAndOversizedLengthsCloseThatConnectionOnly() throws Exception {
        RecordingHandler.Log log = new RecordingHandler.Log();
        try (EventLoop loop = EventLoop.open()) {
            TcpServer server = TcpServer.attach(loop, ServerConfig.builder().build(),
                    () -> log.wrap(new EchoHandler(1000)));
            try (Socket good = AcceptLimitAndTimeoutTest.connect(server);
                    Socket negative = AcceptLimitAndTimeoutTest.connect(server);
                    Socket oversized = AcceptLimitAndTimeoutTest.connect(server)) {
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.opened.size() == 3);
                Frames.send(negative, Frames.header(-5));
                Frames.send(oversized, Frames.header(1001));
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.closed.size() == 2);
                assertThat(log.reasons()).containsOnly(CloseReason.PROTOCOL_ERROR);
                assertThat(Frames.closedByPeer(negative)).isTrue();
                assertThat(Frames.closedByPeer(oversized)).isTrue();
                Frames.send(good, Frames.frame(Frames.payload(1000, 2))); // exactly the maximum: fine
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.dataCalls.get() >= 3);
                for (int i = 0; i < 10; i++) loop.runOnce(1, TimeUnit.MILLISECONDS);
                assertThat(Frames.receive(good)).isEqualTo(Frames.payload(1000, 2));
                assertThat(server.connections()).isEqualTo(1);
            }
            server.shutdown(Duration.ZERO);
            AcceptLimitAndTimeoutTest.runUntil(loop, () -> server.connections() == 0);
        }
    }

    @Test
    void aClientResettingMidMessageIsClosedAndOthersGoOn() throws Exception {
        RecordingHandler.Log log = new RecordingHandler.Log();
        try (EventLoop loop = EventLoop.open()) {
            TcpServer server = TcpServer.attach(loop, ServerConfig.builder().build(), log::echo);
            try (Socket good = AcceptLimitAndTimeoutTest.connect(server)) {
                Socket rude = AcceptLimitAndTimeoutTest.connect(server);
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.opened.size() == 2);
                byte[] frame = Frames.frame(Frames.payload(5000, 4));
                Frames.send(rude, java.util.Arrays.copyOf(frame, 2000)); // half a message
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.dataCalls.get() >= 1);
                assertThat(log.opened.stream().mapToInt(Connection::bufferedInput).sum())
                        .as("the partial message is held").isEqualTo(2000);
                rude.setSoLinger(true, 0);
                rude.close(); // RST
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.closed.size() == 1);
                assertThat(log.reasons()).singleElement().isIn(CloseReason.ERROR, CloseReason.PEER_CLOSED);
                Frames.send(good, Frames.frame(Frames.payload(10, 5)));
                AcceptLimitAndTimeoutTest.runUntil(loop, () -> log.dataCalls.get() >= 2);
                for (int i = 0; i < 10; i++) loop.runOnce(1, TimeUnit.MILLISECONDS);
                assertThat(Frames.receive(good)).isEqualTo(Frames.payload(10, 5));
            }
            server.shutdown(Duration.ZERO);
            AcceptLimitAndTimeoutTest.runUntil(loop, () -> server.connections() == 0);
        }
    }
}
