package dev.evloop.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.evloop.loop.EventLoop;
import dev.evloop.poll.Backend;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The completion I/O contract, written once; one small subclass per backend runs it (emulated on
 * readiness, or native). Real sockets on 127.0.0.1, both ends driven by the same loop on the test
 * thread; every wait is bounded.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class CompletionContract {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final long TIMEOUT_NANOS = 10_000_000_000L;

    private final List<Throwable> loopErrors = new CopyOnWriteArrayList<>();
    private final Arena arena = Arena.ofShared();
    EventLoop loop;
    Completions io;

    abstract Backend backend();

    /** True to run emulated on readiness even where the backend has a native engine (io_uring). */
    boolean emulated() {
        return false;
    }

    @BeforeEach
    void openLoop() throws IOException {
        loop = EventLoop.builder().backend(backend()).errorHandler(loopErrors::add).build();
        io = emulated() ? Completions.emulatedOn(loop) : Completions.on(loop);
    }

    @AfterEach
    void closeLoop() {
        loop.close();
        arena.close();
    }

    // ---- connecting, accepting, echo

    @Test
    void acceptConnectAndEchoRoundTrip() throws IOException {
        AsyncListener listener = io.listen(new InetSocketAddress(LOOPBACK, 0), 16);
        Recorder accepted = new Recorder();
        Recorder connected = new Recorder();
        listener.accept(accepted);
        io.connect(listener.localAddress(), connected);
        await("accept and connect", () -> accepted.count() == 1 && connected.count() == 1);
        AsyncSocket server = accepted.single().socket();
        AsyncSocket client = connected.single().socket();
        assertThat(accepted.single().isSuccess()).isTrue();
        assertThat(client.remoteAddress()).isEqualTo(listener.localAddress());
        assertThat(server.remoteAddress()).isEqualTo(client.localAddress());

        byte[] message = "hello, completions".getBytes(StandardCharsets.US_ASCII);
        Recorder sent = new Recorder();
        client.writeAll(direct(message), sent);
        ByteBuffer serverIn = ByteBuffer.allocateDirect(64);
        Recorder serverRead = new Recorder();
        server.read(serverIn, serverRead);
        await("server read", () -> serverRead.count() == 1);
        assertThat(sent.single().result()).isEqualTo(message.length);
        serverIn.flip();
        Recorder echoed = new Recorder();
        server.writeAll(serverIn, echoed);
        ByteBuffer clientIn = ByteBuffer.allocateDirect(64);
        Recorder clientRead = new Recorder();
        client.read(clientIn, clientRead);
        await("echo back", () -> clientRead.count() == 1 && echoed.count() == 1);

        assertThat(clientRead.single().result()).isEqualTo(message.length);
        assertThat(clientIn.position()).isEqualTo(message.length);
        assertThat(bytes(clientIn.flip())).isEqualTo(message);
        assertThat(loopErrors).isEmpty();
    }

    @Test
    void connectToAClosedPortCompletesWithEconnrefused() throws IOException {
        AsyncListener listener = io.listen(new InetSocketAddress(LOOPBACK, 0), 1);
        InetSocketAddress address = listener.localAddress();
        Recorder closed = new Recorder();
        listener.close(closed);
        await("listener closed", () -> closed.count() == 1);

        Recorder connected = new Recorder();
        io.connect(address, connected);
        await("connect fails", () -> connected.count() == 1);
        Operation op = connected.single();
        assertThat(op.isSuccess()).isFalse();
        assertThat(op.errnoName()).isEqualTo("ECONNREFUSED");
        assertThat(op.error().getMessage()).contains("connect").contains(String.valueOf(address.getPort()));
        assertThat(op.socket()).isNull();
    }

    @Test
    void aCompletionIsNeverDeliveredInsideTheSubmittingCall() throws IOException {
        AsyncSocket[] pair = pair();
        Recorder r = new Recorder();
        Operation op = pair[0].write(direct(new byte[0]), r); // complete at once: nothing to write
        assertThat(op.isDone()).isTrue();
        assertThat(r.count()).isZero();
        loop.runOnce(0, TimeUnit.MILLISECONDS);
        assertThat(r.count()).isEqualTo(1);
        assertThat(r.single().result()).isZero();
    }

    // ---- partial reads and writes

    @Test
    void smallReadsAgainstALargeWriteGetEveryByteInOrder() throws IOException {
        AsyncSocket[] pair = pair();
        int total = 1 << 20;
        ByteBuffer out = ByteBuffer.allocateDirect(total);
        for (int i = 0; i < total; i++) out.put(pattern(i));
        out.flip();
        Recorder written = new Recorder();
        pair[0].writeAll(out, written);

        MemorySegment small = arena.allocate(1000);
        long[] got = {0};
        int[] reads = {0};
        List<String> problems = new ArrayList<>();
        CompletionHandler[] reader = new CompletionHandler[1];
        reader[0] = op -> {
            if (!op.isSuccess() || op.result() <= 0 || op.result() > small.byteSize()) {
                problems.add(op.toString());
                return;
            }
            for (long i = 0; i < op.result(); i++) {
                if (small.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) != pattern(got[0] + i)) {
                    problems.add("byte " + (got[0] + i) + " out of order");
                    return;
                }
            }
            got[0] += op.result();
            reads[0]++;
            if (got[0] < total) pair[1].read(small, reader[0]);
        };
        pair[1].read(small, reader[0]);
        await("all bytes read", () -> got[0] == total || !problems.isEmpty());
        assertThat(problems).isEmpty();
        assertThat(reads[0]).isGreaterThanOrEqualTo(total / 1000);
        await("the write completes", () -> written.count() == 1);
        assertThat(written.single().result()).isEqualTo(total);
        assertThat(out.hasRemaining()).isFalse();
    }

    @Test
    void aWriteAgainstAFullPeerCompletesPartiallyAndWriteAllDeliversEverythingToASlowReader() throws IOException {
        AsyncSocket[] pair = pair();
        pair[0].setSendBufferSize(16 << 10);
        pair[1].setReceiveBufferSize(16 << 10);
        int total = 8 << 20;
        ByteBuffer out = ByteBuffer.allocateDirect(total);
        for (int i = 0; i < total; i++) out.put(pattern(i));
        out.flip();

        Recorder partial = new Recorder();
        pair[0].write(out, partial);
        await("partial write", () -> partial.count() == 1);
        long first = partial.single().result();
        assertThat(first).isPositive().isLessThan(total);
        assertThat(out.position()).isEqualTo((int) first);

        Recorder rest = new Recorder();
        pair[0].writeAll(out, rest);
        ByteBuffer in = ByteBuffer.allocateDirect(4096);
        long[] got = {0};
        List<String> problems = new ArrayList<>();
        // A slow reader: one 4 KiB read per loop iteration at most.
        while (got[0] < total && problems.isEmpty()) {
            Recorder r = new Recorder();
            in.clear();
            pair[1].read(in, r);
            await("a read", () -> r.count() == 1);
            Operation op = r.single();
            if (!op.isSuccess() || op.result() == 0) {
                problems.add(op.toString());
                break;
            }
            in.flip();
            for (int i = 0; in.hasRemaining(); i++) {
                if (in.get() != pattern(got[0] + i)) {
                    problems.add("byte " + (got[0] + i) + " out of order");
                    break;
                }
            }
            got[0] += op.result();
        }
        assertThat(problems).isEmpty();
        assertThat(got[0]).isEqualTo(total);
        await("writeAll completes", () -> rest.count() == 1);
        assertThat(rest.single().result()).isEqualTo(total - first);
        assertThat(out.hasRemaining()).isFalse();
    }

    @Test
    void writevSendsTheBuffersInOrder() throws IOException {
        AsyncSocket[] pair = pair();
        ByteBuffer[] parts = {direct(ascii("one,")), direct(ascii("two,")), direct(ascii("three"))};
        Recorder written = new Recorder();
        pair[0].writev(parts, written);
        ByteBuffer in = ByteBuffer.allocateDirect(64);
        StringBuilder got = new StringBuilder();
        await("writev and read", () -> {
            if (written.count() == 1 && got.length() < 13) readInto(pair[1], in, got);
            return got.length() == 13;
        });
        assertThat(written.single().result()).isEqualTo(13);
        assertThat(got.toString()).isEqualTo("one,two,three");
        for (ByteBuffer b : parts) assertThat(b.hasRemaining()).isFalse();
    }

    @Test
    void writevAllOfManyLargeBuffersArrivesWhole() throws IOException {
        AsyncSocket[] pair = pair();
        int each = 256 << 10;
        ByteBuffer[] parts = new ByteBuffer[8];
        for (int p = 0; p < parts.length; p++) {
            parts[p] = ByteBuffer.allocateDirect(each);
            for (int i = 0; i < each; i++) parts[p].put(pattern((long) p * each + i));
            parts[p].flip();
        }
        Recorder written = new Recorder();
        pair[0].writevAll(parts, written);
        long total = (long) each * parts.length;
        ByteBuffer in = ByteBuffer.allocateDirect(64 << 10);
        long[] got = {0};
        boolean[] ordered = {true};
        Recorder[] pending = {null};
        await("all bytes", () -> {
            if (pending[0] != null && pending[0].count() == 1) {
                Operation op = pending[0].single();
                assertThat(op.isSuccess()).as("%s", op).isTrue();
                in.flip();
                for (int i = 0; in.hasRemaining(); i++) {
                    if (in.get() != pattern(got[0] + i)) ordered[0] = false;
                }
                got[0] += op.result();
                pending[0] = null;
            }
            if (pending[0] == null && got[0] < total) {
                in.clear();
                pending[0] = new Recorder();
                pair[1].read(in, pending[0]);
            }
            return got[0] == total;
        });
        assertThat(ordered[0]).isTrue();
        await("writevAll completes", () -> written.count() == 1);
        assertThat(written.single().result()).isEqualTo(total);
    }

    // ---- cancellation

    @Test
    void aCancelledReadCompletesWithEcanceledAndConsumesNothing() throws IOException {
        AsyncSocket[] pair = pair();
        Recorder r = new Recorder();
        ByteBuffer in = ByteBuffer.allocateDirect(16);
        Operation read = pair[1].read(in, r);
        for (int i = 0; i < 3; i++) loop.runOnce(1, TimeUnit.MILLISECONDS);
        assertThat(read.isDone()).isFalse();

        assertThat(read.cancel()).isTrue();
        assertThat(read.cancel()).isFalse();
        await("cancellation delivered", () -> r.count() == 1);
        assertThat(read.isCancelled()).isTrue();
        assertThat(read.errnoName()).isEqualTo("ECANCELED");
        assertThat(read.error().getMessage()).startsWith("read: ECANCELED");
        assertThat(in.position()).isZero();

        Recorder w = new Recorder();
        pair[0].writeAll(direct(ascii("after")), w);
        StringBuilder got = new StringBuilder();
        ByteBuffer again = ByteBuffer.allocateDirect(16);
        await("the next read gets the data", () -> {
            readInto(pair[1], again, got);
            return got.length() == 5;
        });
        assertThat(got.toString()).isEqualTo("after");
        assertThat(r.count()).isEqualTo(1);
    }

    @Test
    void cancellingAnOperationWhoseResultIsKnownKeepsTheResult() throws IOException {
        AsyncSocket[] a = pair();
        AsyncSocket[] b = pair();
        Operation[] reads = new Operation[2];
        List<Operation> delivered = new ArrayList<>();
        boolean[] cancelResult = {true};
        CompletionHandler h = op -> {
            if (delivered.isEmpty()) {
                // Both reads completed in the same dispatch: the other is complete, not delivered.
                Operation other = op == reads[0] ? reads[1] : reads[0];
                cancelResult[0] = other.cancel();
            }
            delivered.add(op);
        };
        // Data first, so both reads complete in one iteration.
        Recorder w1 = new Recorder();
        Recorder w2 = new Recorder();
        a[0].writeAll(direct(ascii("x")), w1);
        b[0].writeAll(direct(ascii("y")), w2);
        await("writes", () -> w1.count() == 1 && w2.count() == 1);
        settle();
        reads[0] = a[1].read(ByteBuffer.allocateDirect(8), h);
        reads[1] = b[1].read(ByteBuffer.allocateDirect(8), h);
        await("both reads delivered", () -> delivered.size() == 2);
        assertThat(cancelResult[0]).isFalse();
        for (Operation op : reads) {
            assertThat(op.isSuccess()).as("%s", op).isTrue();
            assertThat(op.result()).isEqualTo(1);
        }
    }

    @Test
    void aCancelledConnectClosesTheSocketItMade() throws IOException {
        AsyncListener listener = io.listen(new InetSocketAddress(LOOPBACK, 0), 4);
        Recorder c = new Recorder();
        Operation op = io.connect(listener.localAddress(), c);
        boolean cancelled = op.cancel();
        await("connect delivered", () -> c.count() == 1);
        // A loopback connect may be done before the cancel reaches it (emulated: within connect()
        // itself, and cancel says false; natively: in the kernel, and the real result is delivered).
        if (op.isCancelled()) {
            assertThat(cancelled).isTrue();
            assertThat(op.socket()).isNull();
        } else {
            assertThat(op.isSuccess()).as("%s", op).isTrue();
            assertThat(op.socket().isOpen()).isTrue();
        }
    }

    // ---- close

    @Test
    void closeWithAReadAndAWriteInFlightCancelsBothThenCloses() throws IOException {
        AsyncSocket[] pair = pair();
        pair[0].setSendBufferSize(16 << 10);
        pair[1].setReceiveBufferSize(16 << 10);
        ByteBuffer in = ByteBuffer.allocateDirect(64);
        while (in.hasRemaining()) in.put((byte) 0x5A);
        in.clear();
        ByteBuffer out = ByteBuffer.allocateDirect(8 << 20);
        List<Operation> order = new ArrayList<>();
        int[] calls = new int[3];
        Operation read = pair[0].read(in, op -> { calls[0]++; order.add(op); });
        Operation write = pair[0].writeAll(out, op -> { calls[1]++; order.add(op); });
        await("the write is stuck on a full peer", () -> out.position() > 0);
        settle();
        assertThat(write.isDone()).isFalse();
        assertThat(read.isDone()).isFalse();

        Operation close = pair[0].close(op -> { calls[2]++; order.add(op); });
        assertThat(pair[0].isOpen()).isFalse();
        assertThatThrownBy(() -> pair[0].read(ByteBuffer.allocateDirect(1), op -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed socket");
        await("all three delivered", () -> order.size() == 3);
        assertThat(order).containsExactly(read, write, close);
        assertThat(read.isCancelled()).isTrue();
        assertThat(write.isCancelled()).isTrue();
        assertThat(write.result()).isEqualTo(out.position()).isLessThan(out.capacity());
        assertThat(close.isSuccess()).isTrue();

        // The peer keeps sending to the closed socket; nothing touches the lent buffers any more.
        Recorder late = new Recorder();
        pair[1].write(direct(ascii("late data")), late);
        int written = out.position();
        for (int i = 0; i < 20; i++) loop.runOnce(1, TimeUnit.MILLISECONDS);
        assertThat(calls).containsExactly(1, 1, 1);
        assertThat(in.position()).isZero();
        for (int i = 0; i < in.capacity(); i++) assertThat(in.get(i)).isEqualTo((byte) 0x5A);
        assertThat(out.position()).isEqualTo(written);
    }

    @Test
    void closingAListenerCancelsItsPendingAccepts() throws IOException {
        AsyncListener listener = io.listen(new InetSocketAddress(LOOPBACK, 0), 4);
        Recorder accepts = new Recorder();
        listener.accept(accepts);
        listener.accept(accepts);
        Recorder closed = new Recorder();
        listener.close(closed);
        await("delivered", () -> accepts.count() == 2 && closed.count() == 1);
        for (Operation op : accepts.ops) {
            assertThat(op.isCancelled()).isTrue();
            assertThat(op.error().getMessage()).startsWith("accept: ECANCELED");
        }
    }

    @Test
    void closingTheLoopCancelsWhatIsPendingAndClosesTheSockets() throws IOException {
        AsyncSocket[] pair = pair();
        Recorder r = new Recorder();
        pair[1].read(ByteBuffer.allocateDirect(8), r);
        loop.runOnce(1, TimeUnit.MILLISECONDS);
        loop.close();
        assertThat(r.count()).isEqualTo(1);
        assertThat(r.single().isCancelled()).isTrue();
        assertThat(pair[0].isOpen()).isFalse();
        assertThat(pair[1].isOpen()).isFalse();
    }

    // ---- the peer

    @Test
    void aPeerResetFailsTheReadWithEconnreset() throws IOException {
        AsyncSocket[] pair = pair();
        Recorder r = new Recorder();
        pair[1].read(ByteBuffer.allocateDirect(8), r);
        pair[0].setLinger(0); // close(2) then sends RST (socket(7) SO_LINGER)
        Recorder closed = new Recorder();
        pair[0].close(closed);
        await("read fails", () -> r.count() == 1);
        Operation op = r.single();
        assertThat(op.isSuccess()).isFalse();
        assertThat(op.errnoName()).isEqualTo("ECONNRESET");
        assertThat(op.error().getMessage()).startsWith("read");
    }

    @Test
    void readAtTheEndOfTheStreamCompletesWithZero() throws IOException {
        AsyncSocket[] pair = pair();
        Recorder w = new Recorder();
        pair[0].writeAll(direct(ascii("bye")), w);
        await("written", () -> w.count() == 1); // a close before that would cancel the write
        Recorder closed = new Recorder();
        pair[0].close(closed);
        ByteBuffer in = ByteBuffer.allocateDirect(8);
        StringBuilder got = new StringBuilder();
        Recorder eof = new Recorder();
        await("data then end of stream", () -> {
            if (got.length() < 3) {
                readInto(pair[1], in, got);
            } else if (!eof.submitted) {
                eof.submitted = true;
                pair[1].read(ByteBuffer.allocateDirect(8), eof);
            }
            return eof.count() == 1;
        });
        assertThat(got.toString()).isEqualTo("bye");
        assertThat(eof.single().isSuccess()).isTrue();
        assertThat(eof.single().result()).isZero();
        Recorder again = new Recorder();
        pair[1].read(ByteBuffer.allocateDirect(8), again);
        await("again", () -> again.count() == 1);
        assertThat(again.single().result()).isZero();
    }

    // ---- batching

    @Test
    void manyOperationsQueuedInOneIterationAllComplete() throws IOException {
        int n = 32;
        AsyncListener listener = io.listen(new InetSocketAddress(LOOPBACK, 0), 64);
        Recorder accepts = new Recorder();
        Recorder connects = new Recorder();
        for (int i = 0; i < n; i++) {
            listener.accept(accepts);
            io.connect(listener.localAddress(), connects);
        }
        await("all accepted and connected", () -> accepts.count() == n && connects.count() == n);
        Set<InetSocketAddress> clients = new HashSet<>();
        Set<InetSocketAddress> servers = new HashSet<>();
        for (int i = 0; i < n; i++) {
            assertThat(connects.ops.get(i).isSuccess()).isTrue();
            assertThat(accepts.ops.get(i).isSuccess()).isTrue();
            clients.add(connects.ops.get(i).socket().localAddress());
            servers.add(accepts.ops.get(i).socket().remoteAddress());
        }
        assertThat(servers).isEqualTo(clients).hasSize(n);

        // One write and one read per pair, all submitted in one go.
        Recorder io2 = new Recorder();
        for (int i = 0; i < n; i++) {
            connects.ops.get(i).socket().writeAll(direct(new byte[] {(byte) i}), io2);
            accepts.ops.get(i).socket().read(ByteBuffer.allocateDirect(4), io2);
        }
        await("all reads and writes", () -> io2.count() == 2 * n);
        for (Operation op : io2.ops) assertThat(op.result()).as("%s", op).isEqualTo(1);
    }

    // ---- buffers and misuse

    @Test
    void heapBuffersAreRefusedByName() throws IOException {
        AsyncSocket[] pair = pair();
        assertThatThrownBy(() -> pair[0].read(ByteBuffer.allocate(8), op -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heap ByteBuffer");
        assertThatThrownBy(() -> pair[0].write(MemorySegment.ofArray(new byte[8]), op -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heap MemorySegment");
        assertThatThrownBy(() -> pair[0].writev(new ByteBuffer[] {direct(new byte[1]), ByteBuffer.allocate(1)}, op -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("buffer 1 is a heap ByteBuffer");
        assertThatThrownBy(() -> pair[0].read(ByteBuffer.allocateDirect(0), op -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nothing remaining");
    }

    @Test
    void useFromAnotherThreadIsRefused() throws Exception {
        AsyncSocket[] pair = pair();
        CompletableFuture<Throwable> f = CompletableFuture.supplyAsync(() -> {
            try {
                pair[0].read(ByteBuffer.allocateDirect(8), op -> { });
                return null;
            } catch (Throwable e) {
                return e;
            }
        });
        assertThat(f.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("read()").hasMessageContaining("its thread only");
    }

    @Test
    void aLentBufferStaysReachableUntilItsCompletionIsDelivered() throws IOException {
        AsyncSocket[] pair = pair();
        Recorder r = new Recorder();
        WeakReference<ByteBuffer> lent = lendAndForget(pair[1], r);
        for (int i = 0; i < 5; i++) {
            System.gc();
            loop.runOnce(1, TimeUnit.MILLISECONDS);
        }
        assertThat(lent.get()).isNotNull();
        Recorder w = new Recorder();
        pair[0].writeAll(direct(ascii("data")), w);
        await("read", () -> r.count() == 1);
        assertThat(r.single().result()).isEqualTo(4);
    }

    private static WeakReference<ByteBuffer> lendAndForget(AsyncSocket s, Recorder r) {
        ByteBuffer b = ByteBuffer.allocateDirect(16);
        s.read(b, r);
        return new WeakReference<>(b);
    }

    @Test
    void aThrowingHandlerGoesToTheErrorHandlerAndTheLoopGoesOn() throws IOException {
        AsyncSocket[] pair = pair();
        RuntimeException boom = new IllegalStateException("boom");
        pair[0].write(direct(new byte[0]), op -> { throw boom; });
        Recorder next = new Recorder();
        pair[0].write(direct(new byte[0]), next);
        await("next delivered", () -> next.count() == 1);
        assertThat(loopErrors).containsExactly(boom);
    }

    // ---- helpers

    /** A connected pair: {client, server}. */
    AsyncSocket[] pair() throws IOException {
        AsyncListener listener = io.listen(new InetSocketAddress(LOOPBACK, 0), 4);
        Recorder accepted = new Recorder();
        Recorder connected = new Recorder();
        listener.accept(accepted);
        io.connect(listener.localAddress(), connected);
        await("pair", () -> accepted.count() == 1 && connected.count() == 1);
        assertThat(accepted.single().isSuccess()).as("%s", accepted.single()).isTrue();
        assertThat(connected.single().isSuccess()).as("%s", connected.single()).isTrue();
        Recorder closed = new Recorder();
        listener.close(closed);
        await("listener closed", () -> closed.count() == 1);
        return new AsyncSocket[] {connected.single().socket(), accepted.single().socket()};
    }

    /** Runs the loop until {@code done}, failing after {@link #TIMEOUT_NANOS}. */
    void await(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("timed out waiting for " + what);
            loop.runOnce(5, TimeUnit.MILLISECONDS);
        }
    }

    /** A few iterations for whatever is in flight to settle. */
    void settle() {
        for (int i = 0; i < 5; i++) loop.runOnce(1, TimeUnit.MILLISECONDS);
    }

    /** Keeps one read pending on {@code s}; appends what it delivers to {@code got}. */
    private final java.util.Map<AsyncSocket, Operation> pendingReads = new java.util.IdentityHashMap<>();

    void readInto(AsyncSocket s, ByteBuffer in, StringBuilder got) {
        Operation op = pendingReads.get(s);
        if (op != null && !op.isDone()) return;
        if (op != null) pendingReads.remove(s);
        in.clear();
        pendingReads.put(s, s.read(in, done -> {
            assertThat(done.isSuccess()).as("%s", done).isTrue();
            in.flip();
            got.append(StandardCharsets.US_ASCII.decode(in));
        }));
    }

    static byte pattern(long i) {
        return (byte) (i * 31 + (i >>> 8));
    }

    static ByteBuffer direct(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    /** Counts deliveries; each operation must be delivered once. */
    static final class Recorder implements CompletionHandler {
        final List<Operation> ops = new ArrayList<>();
        boolean submitted;

        @Override
        public void completed(Operation op) {
            if (ops.contains(op)) throw new AssertionError("delivered twice: " + op);
            ops.add(op);
        }

        int count() {
            return ops.size();
        }

        Operation single() {
            assertThat(ops).hasSize(1);
            return ops.getFirst();
        }
    }
}
