package dev.evloop.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.testing.FaultProxy.Cut;
import dev.evloop.testing.FaultProxy.Direction;
import dev.evloop.testing.FaultProxy.Fault;
import dev.evloop.testing.FaultProxy.Flow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each fault's observable effect on plain blocking sockets: an echo peer (echoes until end of
 * stream, then closes) and a talker peer (sends {@link #TALK} bytes, then reads until end of
 * stream), both reached through the proxy.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultProxyTest {
    private static final int TALK = 5000;

    private Peer echo;
    private Peer talker;

    @BeforeEach
    void startPeers() throws IOException {
        echo = new Peer(s -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] b = new byte[8192];
            for (int n; (n = in.read(b)) >= 0; ) out.write(b, 0, n);
        });
        talker = new Peer(s -> {
            s.getOutputStream().write(pattern(TALK));
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // until the client (or the proxy) closes
            }
        });
    }

    @AfterEach
    void stopPeers() throws Exception {
        echo.close();
        talker.close();
    }

    @Test
    void withoutFaultsBytesPassBothWaysAndAreCounted() throws Exception {
        byte[] data = pattern(100_000);
        try (FaultProxy proxy = FaultProxy.start(echo.address(), Fault.NONE); Socket c = connect(proxy)) {
            sendAndShutdown(c, data);
            assertThat(c.getInputStream().readAllBytes()).isEqualTo(data);
            assertThat(proxy.accepted()).isEqualTo(1);
            assertThat(proxy.bytes(Direction.UP)).isEqualTo(data.length);
            assertThat(proxy.bytes(Direction.DOWN)).isEqualTo(data.length);
            assertThat(proxy.bytes(0, Direction.UP)).isEqualTo(data.length);
            assertThat(proxy.bytes(1, Direction.UP)).as("no second connection").isZero();
            assertThat(proxy.awaitAllClosed(Duration.ofSeconds(5))).as("ends when both sides ended").isTrue();
            assertThat(proxy.open()).isZero();
        }
    }

    @Test
    void oneByteWritesAreOneSystemCallPerByteAndArriveOneAtATime() throws Exception {
        byte[] data = pattern(10_000);
        try (FaultProxy proxy = FaultProxy.start(echo.address(), Fault.up(Flow.PASS.oneByteWrites()));
                Socket c = connect(proxy)) {
            sendAndShutdown(c, data);
            assertThat(c.getInputStream().readAllBytes()).isEqualTo(data);
            assertThat(proxy.writes(Direction.UP)).isEqualTo(data.length);
        }
        // With a pause between the pieces, the reader sees them one by one, not the one 5000-byte
        // write the talker made. A reader held up longer than the pause (a loaded machine) may get
        // two or three at once, hence "mostly".
        try (FaultProxy proxy = FaultProxy.start(talker.address(),
                Fault.down(Flow.PASS.oneByteWrites().delay(Duration.ofMillis(20))));
                Socket c = connect(proxy)) {
            InputStream in = c.getInputStream();
            byte[] b = new byte[100];
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            List<Integer> sizes = new ArrayList<>();
            while (got.size() < 20) {
                int n = in.read(b, 0, 20 - got.size());
                sizes.add(n);
                got.write(b, 0, n);
            }
            assertThat(sizes.stream().filter(n -> n == 1).count()).as("reads of one byte in %s", sizes)
                    .isGreaterThanOrEqualTo(10);
            assertThat(got.toByteArray()).isEqualTo(java.util.Arrays.copyOf(pattern(TALK), 20));
        }
    }

    @Test
    void delayHoldsEachChunkBack() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(echo.address(), Fault.up(Flow.PASS.delay(Duration.ofMillis(200))));
                Socket c = connect(proxy)) {
            long start = System.nanoTime();
            c.getOutputStream().write(42);
            assertThat(c.getInputStream().read()).isEqualTo(42);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        }
    }

    @Test
    void halfCloseDownEndsTheStreamAfterNBytesAndTheOtherDirectionGoesOn() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(echo.address(), Fault.down(Flow.PASS.halfCloseAfter(1000)));
                Socket c = connect(proxy)) {
            c.getOutputStream().write(pattern(3000));
            assertThat(c.getInputStream().readAllBytes()).as("end of stream after 1000 bytes")
                    .isEqualTo(pattern(1000));
            c.getOutputStream().write(pattern(500));
            waitFor(() -> proxy.bytes(Direction.UP) == 3500);
            assertThat(proxy.cuts(Cut.HALF_CLOSE)).isEqualTo(1);
        }
    }

    @Test
    void halfCloseUpGivesThePeerEndOfStream() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(echo.address(), Fault.up(Flow.PASS.halfCloseAfter(1000)));
                Socket c = connect(proxy)) {
            // The client never shuts its output down; the echo peer still sees end of stream and closes.
            c.getOutputStream().write(pattern(1000));
            assertThat(c.getInputStream().readAllBytes()).isEqualTo(pattern(1000));
            assertThat(echo.ends).containsExactly("eof");
        }
    }

    @Test
    void resetAfterNBytesIsAConnectionResetOnBothSides() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(talker.address(), Fault.down(Flow.PASS.resetAfter(1000)));
                Socket c = connect(proxy)) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            assertThatThrownBy(() -> readInto(c, got)).isInstanceOf(SocketException.class)
                    .hasMessageContaining("Connection reset");
            assertThat(got.size()).isLessThanOrEqualTo(1000);
            assertThat(got.toByteArray()).isEqualTo(java.util.Arrays.copyOf(pattern(TALK), got.size()));
            assertThat(proxy.cuts(Cut.RESET)).isEqualTo(1);
        }
        try (FaultProxy proxy = FaultProxy.start(echo.address(), Fault.up(Flow.PASS.resetAfter(100)));
                Socket c = connect(proxy)) {
            c.getOutputStream().write(pattern(1000));
            assertThatThrownBy(() -> readInto(c, new ByteArrayOutputStream())).isInstanceOf(SocketException.class)
                    .hasMessageContaining("Connection reset");
            waitFor(() -> echo.ends.size() == 1);
            assertThat(echo.ends).as("the target saw the reset too").first().asString().contains("Connection reset");
        }
    }

    @Test
    void dropAfterNBytesIsEndOfStreamAfterExactlyN() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(talker.address(), Fault.down(Flow.PASS.dropAfter(1000)));
                Socket c = connect(proxy)) {
            assertThat(c.getInputStream().readAllBytes()).isEqualTo(pattern(1000));
            assertThat(proxy.cuts(Cut.DROP)).isEqualTo(1);
            assertThat(proxy.awaitAllClosed(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void stallForeverStopsAfterNBytesUntilTheReaderTimesOut() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(talker.address(), Fault.down(Flow.PASS.stallForeverAfter(1000)));
                Socket c = connect(proxy)) {
            waitFor(() -> proxy.cuts(Cut.STALL) == 1); // the 1000 bytes are on their way, the rest held
            c.setSoTimeout(300);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            assertThatThrownBy(() -> readInto(c, got)).isInstanceOf(SocketTimeoutException.class);
            assertThat(got.toByteArray()).isEqualTo(pattern(1000));
            assertThat(proxy.open()).as("sockets kept open while stalled").isEqualTo(1);
        }
    }

    @Test
    void aTimedStallResumesWithEveryByte() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(talker.address(),
                Fault.down(Flow.PASS.stallAfter(1000, Duration.ofMillis(300))));
                Socket c = connect(proxy)) {
            long start = System.nanoTime();
            byte[] b = c.getInputStream().readNBytes(TALK);
            assertThat(b).isEqualTo(pattern(TALK));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void thePlanIsPerConnectionAndCloseEndsStalledConnections() throws Exception {
        Fault stalled = Fault.down(Flow.PASS.stallForeverAfter(0));
        try (FaultProxy proxy = FaultProxy.start(talker.address(), i -> i % 2 == 0 ? stalled : Fault.NONE)) {
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) clients.add(connect(proxy));
                for (int i = 0; i < 4; i++) {
                    Socket c = clients.get(i);
                    c.setSoTimeout(i % 2 == 0 ? 200 : 5000);
                    if (i % 2 == 0) {
                        assertThatThrownBy(() -> c.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
                    } else {
                        assertThat(c.getInputStream().readNBytes(TALK)).isEqualTo(pattern(TALK));
                    }
                }
                proxy.close();
                assertThat(proxy.open()).isZero();
                for (Socket c : clients) {
                    c.setSoTimeout(5000);
                    assertThat(c.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
                }
            } finally {
                for (Socket c : clients) c.close();
            }
        }
    }

    @Test
    void aTargetThatRefusesClosesTheClientAndIsCounted() throws Exception {
        java.net.InetSocketAddress nobody;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobody = new java.net.InetSocketAddress(s.getInetAddress(), s.getLocalPort());
        }
        try (FaultProxy proxy = FaultProxy.start(nobody, Fault.NONE); Socket c = connect(proxy)) {
            assertThat(c.getInputStream().read()).isEqualTo(-1);
            assertThat(proxy.failedConnects()).isEqualTo(1);
        }
    }

    @Test
    void badFlowsAreRefused() {
        assertThatThrownBy(() -> Flow.PASS.resetAfter(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("after");
        assertThatThrownBy(() -> Flow.PASS.delay(Duration.ofMillis(-5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delayMillis");
    }

    // ---------------------------------------------------------------- helpers

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + (i >>> 8));
        return b;
    }

    private static Socket connect(FaultProxy proxy) throws IOException {
        Socket s = new Socket(proxy.address().getAddress(), proxy.port());
        s.setSoTimeout(10_000);
        return s;
    }

    private static void sendAndShutdown(Socket c, byte[] data) {
        // From another thread: the echo comes back while we write, and both buffers are finite.
        Thread.ofPlatform().daemon().start(() -> {
            try {
                c.getOutputStream().write(data);
                c.shutdownOutput();
            } catch (IOException ignored) {
                // the reading side reports what went wrong
            }
        });
    }

    private static void readInto(Socket c, ByteArrayOutputStream got) throws IOException {
        byte[] b = new byte[4096];
        for (int n; (n = c.getInputStream().read(b)) >= 0; ) got.write(b, 0, n);
    }

    private static void waitFor(java.util.function.BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - end > 0) throw new AssertionError("condition not met within 5 s");
            Thread.sleep(5);
        }
    }

    /** A blocking loopback server running {@code handler} per connection; records how each ended. */
    private static final class Peer implements AutoCloseable {
        interface Handler {
            void serve(Socket s) throws IOException;
        }

        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Queue<String> ends = new ConcurrentLinkedQueue<>();
        final Queue<Socket> sockets = new ConcurrentLinkedQueue<>();
        final Thread acceptor;

        Peer(Handler handler) throws IOException {
            acceptor = Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    Socket s;
                    try {
                        s = server.accept();
                    } catch (IOException e) {
                        return;
                    }
                    sockets.add(s);
                    Thread.ofPlatform().daemon().start(() -> {
                        try (s) {
                            handler.serve(s);
                            ends.add("eof");
                        } catch (IOException e) {
                            ends.add(String.valueOf(e.getMessage()));
                        }
                    });
                }
            });
        }

        java.net.InetSocketAddress address() {
            return new java.net.InetSocketAddress(server.getInetAddress(), server.getLocalPort());
        }

        @Override
        public void close() throws Exception {
            server.close();
            acceptor.join(5000);
            for (Socket s : sockets) s.close();
        }
    }
}
