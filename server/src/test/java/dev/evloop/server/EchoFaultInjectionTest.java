package dev.evloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.server.echo.EchoHandler;
import dev.evloop.testing.FaultProxy;
import dev.evloop.testing.FaultProxy.Cut;
import dev.evloop.testing.FaultProxy.Direction;
import dev.evloop.testing.FaultProxy.Fault;
import dev.evloop.testing.FaultProxy.Flow;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The echo server through a {@link FaultProxy}: delayed and split bytes are echoed exactly;
 * connections reset, dropped, half-closed or stalled mid-message fail on their own while the
 * others, running at the same time, finish with exact echoes; the server's connection count goes
 * back to 0 and it keeps accepting.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EchoFaultInjectionTest {
    /** Each client's work ends (an echo, an error, end of stream) within this. */
    private static final int SO_TIMEOUT_MILLIS = 10_000;

    static ServerConfig config() {
        return ServerConfig.builder().readTimeout(Duration.ofSeconds(2))
                .maxBufferedInput(EchoHandler.bufferedInputFor(EchoHandler.DEFAULT_MAX_MESSAGE)).build();
    }

    @Test
    void delayedAndOneBytePiecesAreEchoedExactly() throws Exception {
        Flow delayed = Flow.PASS.delay(Duration.ofMillis(1));
        Flow split = Flow.PASS.oneByteWrites();
        Fault[] plans = {Fault.both(delayed), Fault.up(split), Fault.down(split), Fault.both(split)};
        try (TcpServer server = TcpServer.start(config(), EchoHandler::new);
                FaultProxy proxy = FaultProxy.start(server.localAddress(), i -> plans[i % plans.length])) {
            var r = SelectorEchoClient.run(proxy.address(), 8, 3000, 5, 30_000);
            assertThat(r.errors()).isZero();
            assertThat(r.mismatches()).isZero();
            assertThat(r.messages()).isEqualTo(8 * 5);
            // Six of the eight connections split one way or both: most writes carry one byte.
            long frames = 8L * 5 * 3004;
            assertThat(proxy.bytes(Direction.UP)).isEqualTo(frames);
            assertThat(proxy.writes(Direction.UP) + proxy.writes(Direction.DOWN)).isGreaterThan(frames);
            // A message larger than a socket buffer, delayed chunk by chunk.
            var big = SelectorEchoClient.run(proxy.address(), 1, 1 << 20, 2, 30_000);
            assertThat(big.mismatches() + big.errors()).isZero();
            assertThat(big.messages()).isEqualTo(2);
            waitFor(() -> server.connections() == 0);
        }
    }

    @Test
    void brokenConnectionsDoNotDisturbTheOthers() throws Exception {
        int size = 20_000;
        int messages = 5;
        Map<Integer, Fault> faults = Map.of(
                1, Fault.up(Flow.PASS.resetAfter(5000)),
                3, Fault.down(Flow.PASS.dropAfter(5000)),
                5, Fault.up(Flow.PASS.halfCloseAfter(5000)),
                7, Fault.down(Flow.PASS.resetAfter(5000)),
                9, Fault.up(Flow.PASS.stallForeverAfter(5000)), // the server's read timeout ends it
                11, Fault.down(Flow.PASS.halfCloseAfter(5000)),
                13, Fault.up(Flow.PASS.dropAfter(5000)));
        int connections = 16;
        try (TcpServer server = TcpServer.start(config(), EchoHandler::new);
                FaultProxy proxy = FaultProxy.start(server.localAddress(), i -> faults.getOrDefault(i, Fault.NONE))) {
            List<Socket> sockets = new ArrayList<>();
            List<CompletableFuture<String>> outcomes = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            try {
                for (int i = 0; i < connections; i++) {
                    Socket s = connect(proxy.address());
                    sockets.add(s); // connected in order: the proxy accepts them in this order
                    waitFor(() -> proxy.accepted() == sockets.size());
                    outcomes.add(exchange(s, size, messages, sockets.size() - 1, go));
                }
                go.countDown();
                for (int i = 0; i < connections; i++) {
                    String outcome = outcomes.get(i).get(30, TimeUnit.SECONDS);
                    if (faults.containsKey(i)) {
                        assertThat(outcome).as("connection %d, %s", i, faults.get(i)).startsWith("failed");
                    } else {
                        assertThat(outcome).as("connection %d", i).isEqualTo("echoed " + messages);
                    }
                }
            } finally {
                for (Socket s : sockets) s.close();
            }
            assertThat(proxy.cuts(Cut.RESET)).isEqualTo(2);
            assertThat(proxy.cuts(Cut.DROP)).isEqualTo(2);
            assertThat(proxy.cuts(Cut.HALF_CLOSE)).isEqualTo(2);
            assertThat(proxy.cuts(Cut.STALL)).isEqualTo(1);
            waitFor(() -> server.connections() == 0);
            // Still accepting, directly and through the proxy (connection 16: no fault).
            try (Socket direct = connect(server.localAddress()); Socket proxied = connect(proxy.address())) {
                assertThat(exchange(direct, size, 2, 100, new CountDownLatch(0)).get(10, TimeUnit.SECONDS)).isEqualTo("echoed 2");
                assertThat(exchange(proxied, size, 2, 101, new CountDownLatch(0)).get(10, TimeUnit.SECONDS)).isEqualTo("echoed 2");
            }
            waitFor(() -> server.connections() == 0);
        }
    }

    /**
     * End of stream right after whole messages: the server echoes every one of them, then closes
     * (its half-close rule: flush what is owed, then close). 1 MiB messages, so output is still
     * pending when the end of stream arrives.
     */
    @Test
    void aHalfCloseAfterWholeMessagesStillGetsEveryEcho() throws Exception {
        int size = 1 << 20;
        long frames = 3L * (4 + size);
        try (TcpServer server = TcpServer.start(config(), EchoHandler::new);
                FaultProxy proxy = FaultProxy.start(server.localAddress(), Fault.up(Flow.PASS.halfCloseAfter(frames)));
                Socket s = connect(proxy.address())) {
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    for (int m = 0; m < 3; m++) Frames.send(s, Frames.frame(Frames.payload(size, m)));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            for (int m = 0; m < 3; m++) assertThat(Frames.receive(s)).isEqualTo(Frames.payload(size, m));
            assertThat(s.getInputStream().read()).as("then end of stream").isEqualTo(-1);
            sent.get(10, TimeUnit.SECONDS);
            assertThat(proxy.cuts(Cut.HALF_CLOSE)).isEqualTo(1);
            waitFor(() -> server.connections() == 0);
        }
    }

    /**
     * Sends {@code messages} frames one after another on its own thread once {@code go} opens,
     * checking each echo: "echoed N", or "failed: why" at the first error, short read or wrong byte.
     */
    private static CompletableFuture<String> exchange(Socket s, int size, int messages, int seed, CountDownLatch go) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                go.await();
                for (int m = 0; m < messages; m++) {
                    byte[] payload = Frames.payload(size, seed * 100 + m);
                    Frames.send(s, Frames.frame(payload));
                    if (!Arrays.equals(Frames.receive(s), payload)) {
                        f.complete("failed: wrong echo for message " + m);
                        return;
                    }
                }
                f.complete("echoed " + messages);
            } catch (IOException | InterruptedException e) {
                f.complete("failed: " + e);
            }
        });
        return f;
    }

    private static Socket connect(InetSocketAddress a) throws IOException {
        Socket s = new Socket(a.getAddress(), a.getPort());
        s.setTcpNoDelay(true);
        s.setSoTimeout(SO_TIMEOUT_MILLIS);
        return s;
    }

    private static void waitFor(BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - end > 0) throw new AssertionError("condition not met within 10 s");
            Thread.sleep(5);
        }
    }
}
