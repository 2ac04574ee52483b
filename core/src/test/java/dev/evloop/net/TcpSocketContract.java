package dev.evloop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.evloop.os.Libc;
import dev.evloop.os.SocketAbi;
import dev.evloop.poll.Backend;
import dev.evloop.poll.Events;
import dev.evloop.poll.Pollable;
import dev.evloop.poll.Poller;
import dev.evloop.poll.Pollers;
import dev.evloop.poll.Registration;
import dev.evloop.poll.Trigger;
import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every transport shares, written once; one small subclass per backend runs it with
 * that backend's poller and {@link Transport#forBackend its transport}. Real sockets on 127.0.0.1
 * and ::1; every wait goes through the poller with a deadline, never a sleep.
 */
abstract class TcpSocketContract {
    static final InetAddress LOOPBACK4 = address("127.0.0.1", 127, 0, 0, 1);
    static final InetAddress LOOPBACK6 = address("::1", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    private static final long TIMEOUT_NANOS = 5_000_000_000L;
    /** Far more than any socket buffer here can take: a bound for "write until it would block". */
    private static final long MAX_BYTES_BEFORE_FULL = 256L << 20;

    private Poller poller;
    private final List<Closeable> resources = new ArrayList<>();
    private final Map<Pollable, Registration> registrations = new IdentityHashMap<>();

    abstract Backend backend();

    Transport transport() {
        return Transport.forBackend(backend());
    }

    boolean isNative() {
        return transport() == Transport.NATIVE;
    }

    @BeforeEach
    void openPoller() throws IOException {
        poller = Pollers.open(backend());
    }

    /** Closes what the test opened, even after a failure; sockets first (they cancel), then the poller. */
    @AfterEach
    void closeAll() throws IOException {
        IOException failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (IOException e) {
                if (failure == null) failure = e; else failure.addSuppressed(e);
            }
        }
        poller.close();
        if (failure != null) throw failure;
    }

    // ---- connecting, accepting, echo

    @Test
    void connectAcceptAndEcho() throws IOException {
        TcpListener listener = track(transport().listen(new InetSocketAddress(LOOPBACK4, 0), 16, false));
        assertThat(listener.accept()).isNull();
        TcpSocket client = track(transport().connect(listener.localAddress()));
        TcpSocket server = accept(listener);
        finishConnect(client);

        assertThat(client.isConnected()).isTrue();
        assertThat(server.isConnected()).isTrue();
        assertThat(client.finishConnect()).isTrue();
        assertThat(client.remoteAddress()).isEqualTo(listener.localAddress());
        assertThat(server.remoteAddress()).isEqualTo(client.localAddress());
        assertThat(server.localAddress()).isEqualTo(listener.localAddress());
        assertThat(listener.accept()).isNull();

        byte[] message = "hello, evloop".getBytes(StandardCharsets.US_ASCII);
        writeFully(client, ByteBuffer.wrap(message));
        byte[] got = readExactly(server, message.length);
        writeFully(server, ByteBuffer.wrap(got));
        assertThat(readExactly(client, message.length)).isEqualTo(message);
    }

    @Test
    void bulkEchoKeepsOrder() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        TcpSocket client = pair[0];
        TcpSocket server = pair[1];
        int total = 4 << 20;
        ByteBuffer out = ByteBuffer.allocateDirect(64 << 10);
        ByteBuffer echo = ByteBuffer.allocate(64 << 10);
        ByteBuffer in = ByteBuffer.allocate(64 << 10);
        long sent = 0;
        long received = 0;
        long deadline = deadline();
        // The server echoes whatever it reads; the client sends a pattern and checks what comes back.
        while (received < total) {
            checkDeadline(deadline, "bulk echo");
            boolean progress = false;
            if (sent < total) {
                fillPattern(out, sent, (int) Math.min(out.capacity(), total - sent));
                int n = client.write(out);
                sent += n;
                progress |= n > 0;
            }
            if (echo.position() == 0) {
                progress |= server.read(echo) > 0;
            }
            if (echo.position() > 0) {
                echo.flip();
                progress |= server.write(echo) > 0;
                echo.compact();
            }
            in.clear();
            int n = client.read(in);
            assertThat(n).isNotNegative();
            checkPattern(in.flip(), received);
            received += n;
            progress |= n > 0;
            if (!progress) {
                awaitAny(client, Events.READ | (sent < total ? Events.WRITE : 0),
                        server, echo.position() > 0 ? Events.WRITE : Events.READ);
            }
        }
        assertThat(received).isEqualTo(total);
    }

    @Test
    void acceptedSocketsHaveNoDelay() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        for (TcpSocket s : pair) {
            if (isNative()) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
                    MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
                    len.set(ValueLayout.JAVA_INT, 0, 4);
                    assertThat(Libc.getsockopt(s.fd(), SocketAbi.IPPROTO_TCP, SocketAbi.TCP_NODELAY, v, len)).isZero();
                    assertThat(v.get(ValueLayout.JAVA_INT, 0)).as("TCP_NODELAY on %s", s).isNotZero();
                }
            } else {
                assertThat(((SocketChannel) s.channel()).getOption(StandardSocketOptions.TCP_NODELAY)).isTrue();
            }
        }
    }

    @Test
    void ipv6LoopbackRoundTrip() throws IOException {
        TcpListener listener;
        try {
            listener = track(transport().listen(new InetSocketAddress(LOOPBACK6, 0), 4, false));
        } catch (IOException e) {
            assumeTrue(false, "::1 cannot be bound on this machine: " + e.getMessage());
            return;
        }
        assertThat(listener.localAddress().getAddress()).isInstanceOf(Inet6Address.class);
        TcpSocket client = track(transport().connect(listener.localAddress()));
        TcpSocket server = accept(listener);
        finishConnect(client);
        assertThat(server.remoteAddress().getAddress()).isInstanceOf(Inet6Address.class);
        assertThat(client.remoteAddress()).isEqualTo(listener.localAddress());

        writeFully(client, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThat(readExactly(server, 3)).containsExactly(1, 2, 3);
        writeFully(server, ByteBuffer.wrap(new byte[] {4, 5}));
        assertThat(readExactly(client, 2)).containsExactly(4, 5);
    }

    @Test
    void reusePortLetsTwoListenersShareAPort() throws IOException {
        TcpListener first = track(transport().listen(new InetSocketAddress(LOOPBACK4, 0), 4, true));
        TcpListener second = track(transport().listen(first.localAddress(), 4, true));
        assertThat(second.localAddress()).isEqualTo(first.localAddress());
    }

    // ---- reading: would-block, end of stream, half-close

    @Test
    void readReturnsZeroWhenNothingIsThereAndMinusOneAfterPeerShutdownOutput() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        TcpSocket client = pair[0];
        TcpSocket server = pair[1];
        ByteBuffer buf = ByteBuffer.allocate(16);
        assertThat(server.read(buf)).isZero();
        assertThat(buf.position()).isZero();

        writeFully(client, ByteBuffer.wrap(new byte[] {7, 8}));
        client.shutdownOutput();
        // Data sent before the FIN arrives first, then end of stream, then end of stream again.
        assertThat(readExactly(server, 2)).containsExactly(7, 8);
        assertThat(readToEnd(server)).isZero();
        assertThat(server.read(ByteBuffer.allocate(1))).isEqualTo(-1);

        // Half-close: the other direction still works.
        writeFully(server, ByteBuffer.wrap(new byte[] {9}));
        assertThat(readExactly(client, 1)).containsExactly(9);
        server.shutdownOutput();
        assertThat(readToEnd(client)).isZero();
    }

    @Test
    void readWithNothingRemainingReturnsZero() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        assertThat(pair[0].read(ByteBuffer.allocate(0))).isZero();
        assertThat(pair[0].read(MemorySegment.ofArray(new byte[0]))).isZero();
        assertThat(pair[0].write(ByteBuffer.allocate(0))).isZero();
    }

    @Test
    void readIntoReadOnlyBufferIsRejected() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        assertThatThrownBy(() -> pair[0].read(ByteBuffer.allocate(4).asReadOnlyBuffer()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writeFromReadOnlyBuffers() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        ByteBuffer heap = ByteBuffer.wrap(new byte[] {1, 2}).asReadOnlyBuffer();
        ByteBuffer direct = ByteBuffer.allocateDirect(2).put(new byte[] {3, 4}).flip().asReadOnlyBuffer();
        writeFully(pair[0], heap);
        writeFully(pair[0], direct);
        assertThat(readExactly(pair[1], 4)).containsExactly(1, 2, 3, 4);
    }

    // ---- writing: back-pressure, gathering, segments

    @Test
    void writeReturnsZeroWhenThePeerDoesNotReadAndProceedsOnceItDrains() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        TcpSocket writer = pair[0];
        TcpSocket reader = pair[1];
        writer.setSendBufferSize(128 << 10);
        reader.setReceiveBufferSize(128 << 10);
        ByteBuffer chunk = ByteBuffer.allocateDirect(64 << 10);

        long written = fillUntilFull(writer, chunk);

        // The peer drains; the writer gets room again (poller-driven, bounded).
        long read = 0;
        ByteBuffer in = ByteBuffer.allocate(64 << 10);
        long deadline = deadline();
        while (true) {
            checkDeadline(deadline, "writer to get room after the reader drained");
            read += drain(reader, in, read);
            fillPattern(chunk, written, chunk.capacity());
            int n = writer.write(chunk);
            if (n > 0) {
                written += n;
                break;
            }
            awaitAny(reader, Events.READ, writer, Events.WRITE);
        }
        // Nothing lost, nothing reordered: everything written arrives before end of stream.
        writer.shutdownOutput();
        while (true) {
            checkDeadline(deadline, "reader to reach end of stream");
            in.clear();
            int n = reader.read(in);
            if (n < 0) break;
            checkPattern(in.flip(), read);
            read += n;
            if (n == 0) await(reader, Events.READ);
        }
        assertThat(read).isEqualTo(written);
    }

    @Test
    void gatheringWriteSendsBuffersInOrderAndAdvancesPositions() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        ByteBuffer a = ByteBuffer.wrap("ab".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer b = ByteBuffer.allocateDirect(3).put("cde".getBytes(StandardCharsets.US_ASCII)).flip();
        ByteBuffer c = ByteBuffer.wrap("xxfgxx".getBytes(StandardCharsets.US_ASCII), 2, 2);
        ByteBuffer skipped = ByteBuffer.wrap("zz".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer[] srcs = {skipped, a, empty, b, c, skipped};

        assertThat(pair[0].write(srcs, 1, 4)).isEqualTo(7);
        assertThat(a.hasRemaining()).isFalse();
        assertThat(b.hasRemaining()).isFalse();
        assertThat(c.position()).isEqualTo(4);
        assertThat(skipped.position()).isZero();
        assertThat(new String(readExactly(pair[1], 7), StandardCharsets.US_ASCII)).isEqualTo("abcdefg");
        assertThat(pair[0].write(new ByteBuffer[] {empty})).isZero();
        assertThatThrownBy(() -> pair[0].write(srcs, 5, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    /** More buffers than the first iovec array holds: it grows mid-fill and keeps what it had. */
    @Test
    void gatheringWriteOfManyMixedBuffersKeepsEveryByteInOrder() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        ByteBuffer[] srcs = new ByteBuffer[40];
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < srcs.length; i++) {
            byte[] bytes = new byte[1 + i * 7];
            java.util.Arrays.fill(bytes, (byte) ('A' + i % 26));
            srcs[i] = i % 2 == 0 ? ByteBuffer.wrap(bytes) : ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
            expected.writeBytes(bytes);
        }
        for (int round = 0; round < 2; round++) {
            for (ByteBuffer b : srcs) b.rewind();
            long total = expected.size();
            assertThat(pair[0].write(srcs, 0, srcs.length)).isEqualTo(total);
            assertThat(readExactly(pair[1], (int) total)).isEqualTo(expected.toByteArray());
        }
    }

    /** Direct buffers (one writev) and heap ones (staged natively): a full socket takes a prefix. */
    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {true, false})
    void gatheringWriteOnAFullSocketAdvancesPositionsAcrossBuffers(boolean direct) throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        TcpSocket writer = pair[0];
        TcpSocket reader = pair[1];
        // Small enough to fill, and above loopback's 64 KiB MSS: a window below one segment
        // makes TCP crawl on the persist timer (silly window avoidance, RFC 1122 4.2.3.3).
        writer.setSendBufferSize(128 << 10);
        reader.setReceiveBufferSize(128 << 10);
        int each = 1 << 20;
        ByteBuffer[] srcs = new ByteBuffer[5];
        for (int i = 0; i < srcs.length; i++) {
            srcs[i] = direct || i % 2 == 0 ? ByteBuffer.allocateDirect(each) : ByteBuffer.allocate(each);
            fillPattern(srcs[i], (long) i * each, each);
        }
        long total = (long) each * srcs.length;
        long written = 0;
        long read = 0;
        ByteBuffer in = ByteBuffer.allocate(64 << 10);
        long deadline = deadline();
        boolean sawPartial = false;
        while (written < total) {
            checkDeadline(deadline, "gathering write to complete (written " + written + ", read " + read + " of " + total + ")");
            long n = writer.write(srcs);
            written += n;
            // Positions account for exactly the bytes written, front to back.
            long consumed = 0;
            boolean seenUnfinished = false;
            for (ByteBuffer b : srcs) {
                consumed += b.position();
                if (seenUnfinished) assertThat(b.position()).isZero();
                if (b.hasRemaining()) seenUnfinished = true;
            }
            assertThat(consumed).isEqualTo(written);
            if (n > 0 && written < total) sawPartial = true;
            read += drain(reader, in, read);
            if (n == 0) awaitAny(reader, Events.READ, writer, Events.WRITE);
        }
        assertThat(sawPartial).as("a full socket takes part of the batch").isTrue();
        writer.shutdownOutput();
        while (true) {
            checkDeadline(deadline, "reader to reach end of stream");
            in.clear();
            int n = reader.read(in);
            if (n < 0) break;
            checkPattern(in.flip(), read);
            read += n;
            if (n == 0) await(reader, Events.READ);
        }
        assertThat(read).isEqualTo(total);
    }

    @Test
    void memorySegmentsHeapAndNative() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        TcpSocket a = pair[0];
        TcpSocket b = pair[1];
        byte[] bytes = new byte[10_000];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 7);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeIn = arena.allocate(bytes.length);
            assertThat(b.read(nativeIn)).isZero();

            // heap segment out, native segment in
            writeFully(a, MemorySegment.ofArray(bytes));
            readFully(b, nativeIn);
            assertThat(nativeIn.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(bytes);

            // native segment out, heap segment in
            byte[] back = new byte[bytes.length];
            writeFully(b, nativeIn);
            readFully(a, MemorySegment.ofArray(back));
            assertThat(back).isEqualTo(bytes);

            b.shutdownOutput();
            long deadline = deadline();
            long n;
            while ((n = a.read(nativeIn)) == 0) {
                checkDeadline(deadline, "end of stream");
                await(a, Events.READ);
            }
            assertThat(n).isEqualTo(-1);
        }
    }

    // ---- failures

    @Test
    void connectToAClosedPortFailsNamingConnectAndTheAddress() throws IOException {
        InetSocketAddress dead;
        try (TcpListener l = transport().listen(new InetSocketAddress(LOOPBACK4, 0), 1, false)) {
            dead = l.localAddress();
        }
        TcpSocket[] socket = new TcpSocket[1];
        IOException e = catchThrowableOfType(IOException.class, () -> {
            socket[0] = track(transport().connect(dead));
            finishConnect(socket[0]);
        });
        assertThat(e).as("connecting to a closed port").isNotNull();
        assertThat(e.getMessage()).contains("connect").contains("127.0.0.1:" + dead.getPort());
        if (isNative()) assertThat(e.getMessage()).contains("ECONNREFUSED");
        if (socket[0] != null) {
            // The failure sticks; the socket is not connected and must still be closed.
            assertThatThrownBy(socket[0]::finishConnect).isInstanceOf(IOException.class).hasMessageContaining("connect");
            assertThat(socket[0].isConnected()).isFalse();
            assertThatThrownBy(() -> socket[0].read(ByteBuffer.allocate(1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not connected");
        }
    }

    @Test
    void bindToAPortInUseFailsNamingBindAndTheAddress() throws IOException {
        TcpListener first = track(transport().listen(new InetSocketAddress(LOOPBACK4, 0), 1, false));
        IOException e = catchThrowableOfType(IOException.class,
                () -> track(transport().listen(first.localAddress(), 1, false)));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("bind").contains("127.0.0.1:" + first.localAddress().getPort());
        assertThat(e.getMessage()).contains(isNative() ? "EADDRINUSE" : "Address already in use");
    }

    @Test
    void lingerZeroThenCloseResetsThePeer() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        TcpSocket resetter = pair[0];
        TcpSocket peer = pair[1];
        resetter.setLinger(0);
        resetter.close();
        await(peer, Events.READ);
        IOException e = catchThrowableOfType(IOException.class, () -> peer.read(ByteBuffer.allocate(16)));
        assertThat(e).as("read after the peer's reset").isNotNull();
        assertThat(e.getMessage()).startsWith("read: ");
        assertThat(e.getMessage()).contains(isNative() ? "ECONNRESET" : "Connection reset");
        assertThat(e.getMessage()).contains(":" + peer.remoteAddress().getPort());
    }

    @Test
    void writeToAResetPeerFails() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        pair[0].setLinger(0);
        pair[0].close();
        await(pair[1], Events.READ);
        IOException e = catchThrowableOfType(IOException.class, () -> {
            long deadline = deadline();
            // The first write may still be accepted locally; the reset surfaces on the next one.
            while (true) {
                checkDeadline(deadline, "write to fail");
                pair[1].write(ByteBuffer.wrap(new byte[] {1}));
            }
        });
        assertThat(e.getMessage()).containsAnyOf("EPIPE", "ECONNRESET", "Broken pipe", "Connection reset");
    }

    @Test
    void unresolvedAddressesAreRejected() {
        InetSocketAddress unresolved = InetSocketAddress.createUnresolved("evloop.invalid", 80);
        assertThatThrownBy(() -> transport().connect(unresolved))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("evloop.invalid:80");
        assertThatThrownBy(() -> transport().listen(unresolved, 1, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("evloop.invalid:80");
    }

    // ---- closing

    @Test
    void closeCancelsTheRegistrationAndIsIdempotent() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        Registration r = poller.register(pair[0], Events.READ, Trigger.LEVEL, null);
        assertThat(poller.size()).isEqualTo(1);
        pair[0].close();
        assertThat(r.isValid()).isFalse();
        assertThat(poller.size()).isZero();
        pair[0].close();
        assertThat(pair[0].isOpen()).isFalse();
        assertThat(pair[0].isConnected()).isFalse();
        if (isNative()) assertThat(pair[0].fd()).isEqualTo(-1);

        TcpListener listener = track(transport().listen(new InetSocketAddress(LOOPBACK4, 0), 1, false));
        Registration lr = poller.register(listener, Events.READ, Trigger.LEVEL, null);
        listener.close();
        listener.close();
        assertThat(lr.isValid()).isFalse();
    }

    @Test
    void operationsAfterCloseThrowSayingSocketClosed() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        TcpSocket s = pair[0];
        s.close();
        List<ThrowingCallable> calls = List.of(
                () -> s.read(ByteBuffer.allocate(1)),
                () -> s.read(MemorySegment.ofArray(new byte[1])),
                () -> s.write(ByteBuffer.allocate(1)),
                () -> s.write(MemorySegment.ofArray(new byte[1])),
                () -> s.write(new ByteBuffer[] {ByteBuffer.allocate(1)}),
                s::finishConnect,
                s::shutdownOutput,
                s::localAddress,
                s::remoteAddress,
                () -> s.setNoDelay(true),
                () -> s.setKeepAlive(true),
                () -> s.setReceiveBufferSize(1024),
                () -> s.setSendBufferSize(1024),
                s::receiveBufferSize,
                s::sendBufferSize,
                () -> s.setLinger(0));
        for (ThrowingCallable call : calls) {
            assertThatThrownBy(call).isInstanceOf(ClosedChannelException.class).hasMessageContaining("socket closed");
        }

        TcpListener listener = transport().listen(new InetSocketAddress(LOOPBACK4, 0), 1, false);
        listener.close();
        assertThatThrownBy(listener::accept).isInstanceOf(ClosedChannelException.class)
                .hasMessageContaining("accept: listener closed");
        assertThatThrownBy(listener::localAddress).isInstanceOf(ClosedChannelException.class)
                .hasMessageContaining("listener closed");
    }

    // ---- options

    @Test
    void optionsCanBeSetAndBufferSizesRead() throws IOException {
        TcpSocket s = pair(LOOPBACK4)[0];
        s.setNoDelay(false);
        s.setNoDelay(true);
        s.setKeepAlive(true);
        s.setReceiveBufferSize(32 << 10);
        s.setSendBufferSize(32 << 10);
        // socket(7): Linux doubles the value for its bookkeeping.
        assertThat(s.receiveBufferSize()).isGreaterThanOrEqualTo(32 << 10);
        assertThat(s.sendBufferSize()).isGreaterThanOrEqualTo(32 << 10);
        s.setLinger(-1);
        s.setLinger(1);
        s.setLinger(-1); // a lingering close would block this thread
        assertThatThrownBy(() -> s.setSendBufferSize(0)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- the poller hook

    /**
     * EDGE on every backend, native or emulated: after a read returns 0 (which the socket reports
     * to its registration), new data is a new edge.
     */
    @Test
    void edgeTriggerReportsNewDataAfterReadReturnedZero() throws IOException {
        TcpSocket[] pair = pair(LOOPBACK4);
        Registration r = poller.register(pair[1], Events.READ, Trigger.EDGE, null);
        registrations.put(pair[1], r);
        ByteBuffer in = ByteBuffer.allocate(64);
        for (int round = 0; round < 3; round++) {
            writeFully(pair[0], ByteBuffer.wrap(new byte[] {(byte) round}));
            assertThat(awaitEvent(r) & Events.READ).isNotZero();
            in.clear();
            assertThat(pair[1].read(in)).isEqualTo(1);
            assertThat(pair[1].read(in)).isZero();
        }
    }

    @Test
    void listenerReportsReadableAndAcceptDrainsToNull() throws IOException {
        TcpListener listener = track(transport().listen(new InetSocketAddress(LOOPBACK4, 0), 8, false));
        Registration r = poller.register(listener, Events.READ, Trigger.EDGE, null);
        registrations.put(listener, r);
        for (int round = 0; round < 2; round++) {
            TcpSocket c1 = track(transport().connect(listener.localAddress()));
            TcpSocket c2 = track(transport().connect(listener.localAddress()));
            int accepted = 0;
            long deadline = deadline();
            while (accepted < 2) {
                checkDeadline(deadline, "two connections accepted");
                awaitEvent(r);
                TcpSocket s;
                while ((s = listener.accept()) != null) {
                    track(s);
                    accepted++;
                }
            }
            finishConnect(c1);
            finishConnect(c2);
        }
    }

    // ---- helpers

    <T extends Closeable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    TcpSocket[] pair(InetAddress loopback) throws IOException {
        TcpSocket[] pair = transport().connectedPair(loopback);
        track(pair[0]);
        track(pair[1]);
        return pair;
    }

    TcpSocket accept(TcpListener listener) throws IOException {
        long deadline = deadline();
        TcpSocket s;
        while ((s = listener.accept()) == null) {
            checkDeadline(deadline, "accept");
            await(listener, Events.READ);
        }
        return track(s);
    }

    void finishConnect(TcpSocket s) throws IOException {
        long deadline = deadline();
        while (!s.finishConnect()) {
            checkDeadline(deadline, "connect");
            await(s, Events.WRITE);
        }
    }

    /** Waits (bounded) until {@code source} is ready for {@code ops}; returns the ready bits. */
    int await(Pollable source, int ops) throws IOException {
        return awaitAny(source, ops, null, 0);
    }

    /** Waits (bounded) until {@code a} is ready for {@code opsA} or {@code b} for {@code opsB}. */
    int awaitAny(Pollable a, int opsA, Pollable b, int opsB) throws IOException {
        Registration ra = subscribe(a, opsA);
        Registration rb = b == null ? null : subscribe(b, opsB);
        int[] seen = {0};
        long deadline = deadline();
        while (seen[0] == 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail("not ready within 5 s: " + a + " for " + Events.toString(opsA)
                        + (b == null ? "" : ", " + b + " for " + Events.toString(opsB)));
            }
            poller.poll(left, (r, ready) -> {
                if (r == ra || r == rb) seen[0] |= ready;
            });
        }
        ra.interest(0);
        if (rb != null) rb.interest(0);
        return seen[0];
    }

    int awaitEvent(Registration r) throws IOException {
        int[] seen = {0};
        long deadline = deadline();
        while (seen[0] == 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) fail("no event within 5 s for " + r);
            poller.poll(left, (reg, ready) -> {
                if (reg == r) seen[0] |= ready;
            });
        }
        return seen[0];
    }

    private Registration subscribe(Pollable source, int ops) throws IOException {
        Registration r = registrations.get(source);
        if (r == null || !r.isValid()) {
            r = poller.register(source, ops, Trigger.LEVEL, null);
            registrations.put(source, r);
        } else {
            r.interest(ops);
        }
        return r;
    }

    void writeFully(TcpSocket s, ByteBuffer src) throws IOException {
        long deadline = deadline();
        while (src.hasRemaining()) {
            checkDeadline(deadline, "write");
            if (s.write(src) == 0) await(s, Events.WRITE);
        }
    }

    void writeFully(TcpSocket s, MemorySegment src) throws IOException {
        long deadline = deadline();
        long off = 0;
        while (off < src.byteSize()) {
            checkDeadline(deadline, "write");
            long n = s.write(src.asSlice(off));
            off += n;
            if (n == 0) await(s, Events.WRITE);
        }
    }

    byte[] readExactly(TcpSocket s, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        long deadline = deadline();
        while (buf.hasRemaining()) {
            checkDeadline(deadline, "read");
            int r = s.read(buf);
            if (r < 0) fail("end of stream after " + buf.position() + " of " + n + " bytes on " + s);
            if (r == 0) await(s, Events.READ);
        }
        return buf.array();
    }

    void readFully(TcpSocket s, MemorySegment dst) throws IOException {
        long deadline = deadline();
        long off = 0;
        while (off < dst.byteSize()) {
            checkDeadline(deadline, "read");
            long r = s.read(dst.asSlice(off));
            if (r < 0) fail("end of stream after " + off + " bytes on " + s);
            off += r;
            if (r == 0) await(s, Events.READ);
        }
    }

    /** Reads until end of stream; returns the bytes read before it. */
    long readToEnd(TcpSocket s) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1024);
        long total = 0;
        long deadline = deadline();
        while (true) {
            checkDeadline(deadline, "end of stream");
            buf.clear();
            int r = s.read(buf);
            if (r < 0) return total;
            total += r;
            if (r == 0) await(s, Events.READ);
        }
    }

    /** Reads what is there (until a read returns 0), checking the pattern from stream offset {@code at}. */
    private static long drain(TcpSocket s, ByteBuffer in, long at) throws IOException {
        long total = 0;
        while (true) {
            in.clear();
            int n = s.read(in);
            assertThat(n).as("no end of stream while draining").isNotNegative();
            if (n == 0) return total;
            checkPattern(in.flip(), at + total);
            total += n;
        }
    }

    /** Writes the pattern until a write returns 0 (bounded); returns the bytes written. */
    private static long fillUntilFull(TcpSocket writer, ByteBuffer chunk) throws IOException {
        long written = 0;
        while (written < MAX_BYTES_BEFORE_FULL) {
            fillPattern(chunk, written, chunk.capacity());
            int n = writer.write(chunk);
            if (n == 0) return written;
            written += n;
        }
        return fail("the writer never blocked after " + written + " bytes");
    }

    /** Byte k of the stream is (k mod 251): a prime, so buffer boundaries never line up with it. */
    static void fillPattern(ByteBuffer b, long streamOffset, int length) {
        b.clear();
        for (int i = 0; i < length; i++) b.put(i, (byte) ((streamOffset + i) % 251));
        b.limit(length);
    }

    static void checkPattern(ByteBuffer b, long streamOffset) {
        for (int i = b.position(); i < b.limit(); i++) {
            long k = streamOffset + i - b.position();
            if (b.get(i) != (byte) (k % 251)) {
                fail("stream byte " + k + " is " + b.get(i) + ", expected " + (byte) (k % 251));
            }
        }
    }

    static long deadline() {
        return System.nanoTime() + TIMEOUT_NANOS;
    }

    static void checkDeadline(long deadline, String what) {
        if (System.nanoTime() - deadline > 0) fail(what + " did not happen within 5 s");
    }

    private static InetAddress address(String name, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) b[i] = (byte) bytes[i];
        try {
            return InetAddress.getByAddress(name, b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
