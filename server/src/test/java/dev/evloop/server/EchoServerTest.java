package dev.evloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.loop.EventLoop;
import dev.evloop.poll.Backend;
import dev.evloop.server.echo.EchoHandler;
import dev.evloop.testing.Backends;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The echo service end to end, on real loopback sockets. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EchoServerTest {

    static ServerConfig config(Backend backend) {
        return ServerConfig.builder().backend(backend)
                .maxBufferedInput(EchoHandler.bufferedInputFor(EchoHandler.DEFAULT_MAX_MESSAGE)).build();
    }

    @ParameterizedTest(name = "{0} connections, {1} bytes")
    @CsvSource({
        "1, 0", "1, 1", "1, 100", "1, 65536", "1, 1048576",
        "64, 0", "64, 4096", "64, 65536", "64, 1048576",
        "1000, 0", "1000, 1", "1000, 4096", "1000, 65536",
    })
    void echoesEveryByte(int connections, int size) throws Exception {
        try (TcpServer server = TcpServer.start(config(null), EchoHandler::new)) {
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
        ServerConfig cfg = config(backend).toBuilder().loops(2).build();
        try (TcpServer server = TcpServer.start(cfg, EchoHandler::new)) {
            assertThat(server.loops()).hasSize(2);
            var r = SelectorEchoClient.run(server.localAddress(), 64, 1000, 20, 60_000);
            assertThat(r.errors()).isZero();
            assertThat(r.mismatches()).isZero();
            assertThat(r.messages()).isEqualTo(64 * 20);
        }
    }

    /**
     * One byte per write, and the server runs a loop iteration after each: every split point of
     * the header and the payload reaches the handler as its own read.
     */
    @Test
    void messagesSplitAtEveryBoundary() throws Exception {
        RecordingHandler.Log log = new RecordingHandler.Log();
        try (EventLoop loop = EventLoop.open()) {
            TcpServer server = TcpServer.attach(loop, config(null), log::echo);
            try (Socket client = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
                client.setTcpNoDelay(true);
                client.setSoTimeout(10_000);
                for (int size : new int[] {0, 1, 2, 5, 300}) {
                    byte[] frame = Frames.frame(Frames.payload(size, size));
                    for (byte b : frame) {
                        int before = log.dataCalls.get();
                        Frames.send(client, new byte[] {b});
                        for (int i = 0; i < 1000 && log.dataCalls.get() == before; i++) {
                            loop.runOnce(10, TimeUnit.MILLISECONDS);
                        }
                        assertThat(log.dataCalls.get()).as("each byte read on its own").isEqualTo(before + 1);
                    }
                    assertThat(Frames.receive(client)).isEqualTo(Frames.payload(size, size));
                }
            }
            server.shutdown(Duration.ZERO);
            loop.runOnce(0, TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void pipelinedMessagesInOneWriteAreAllEchoedInOrder() throws Exception {
        try (TcpServer server = TcpServer.start(config(null), EchoHandler::new);
                Socket client = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
            client.setSoTimeout(10_000);
            java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < 200; i++) batch.writeBytes(Frames.frame(Frames.payload(i * 13, i)));
            Frames.send(client, batch.toByteArray());
            for (int i = 0; i < 200; i++) {
                assertThat(Frames.receive(client)).isEqualTo(Frames.payload(i * 13, i));
            }
        }
    }
}
