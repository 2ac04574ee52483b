package dev.evloop.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;

/**
 * A loopback TCP proxy that misbehaves on purpose: it listens on 127.0.0.1 (ephemeral port),
 * connects each accepted client to one target, and forwards both directions according to a
 * {@link Fault} chosen per connection (by its index, 0 for the first accepted). Per direction a
 * {@link Flow} can delay each chunk, write it one byte per system call, and once it has forwarded
 * N bytes stall, half-close, reset or drop. Plain blocking sockets, two platform threads per
 * connection; TCP_NODELAY on both sides, so one write is one segment (RFC 896's Nagle delay
 * would merge the 1-byte pieces).
 *
 * <p>The cuts, once {@link Flow#after} bytes went through in that direction (0: before any):
 * <ol>
 *   <li>{@link Cut#STALL}: stop reading and forwarding that direction, sockets kept open, for the
 *       stall time (then forward normally again) or until the connection or proxy closes.
 *   <li>{@link Cut#HALF_CLOSE}: {@code shutdown(SHUT_WR)} toward the receiving side, which reads
 *       end of stream; that direction stops, the other goes on. The connection closes once both
 *       directions have ended.
 *   <li>{@link Cut#RESET}: SO_LINGER 0 on both sockets, then close: both peers get RST and see
 *       "Connection reset" (tcp(7), socket(7) SO_LINGER).
 *   <li>{@link Cut#DROP}: a plain close of both sockets. Each peer reads end of stream, unless
 *       the proxy still held unread bytes from it: then the kernel sends RST instead of FIN
 *       (RFC 1122 §4.2.2.13).
 * </ol>
 * A peer's end of stream is passed on as a half-close, and a peer's reset as a reset of the other
 * side, as a transparent middlebox would. Counters (connections, bytes and writes per direction,
 * cuts made) let a test check that the fault it asked for really happened. {@link #close} closes
 * every socket the proxy opened and waits for its threads.
 */
public final class FaultProxy implements AutoCloseable {
    /** UP: client to target; DOWN: target to client. */
    public enum Direction { UP, DOWN }

    /** What happens to a direction once its byte budget is forwarded. */
    public enum Cut { NONE, STALL, HALF_CLOSE, RESET, DROP }

    /**
     * One direction's behaviour. Start from {@link #PASS} and add: {@code Flow.PASS.oneByteWrites()
     * .resetAfter(5000)}.
     *
     * @param delayMillis sleep before forwarding each chunk read (each byte with {@code oneByte})
     * @param oneByte     write each byte with its own system call
     * @param after       bytes forwarded before {@code cut} (ignored for {@link Cut#NONE})
     * @param stallMillis for {@link Cut#STALL}: how long; negative: until closed
     */
    public record Flow(long delayMillis, boolean oneByte, long after, Cut cut, long stallMillis) {
        public static final Flow PASS = new Flow(0, false, 0, Cut.NONE, 0);

        public Flow {
            Objects.requireNonNull(cut, "cut");
            if (delayMillis < 0) throw new IllegalArgumentException("delayMillis must not be negative: " + delayMillis);
            if (after < 0) throw new IllegalArgumentException("after must not be negative: " + after);
        }

        public Flow delay(Duration perChunk) {
            return new Flow(perChunk.toMillis(), oneByte, after, cut, stallMillis);
        }

        public Flow oneByteWrites() {
            return new Flow(delayMillis, true, after, cut, stallMillis);
        }

        /** Stop forwarding after {@code n} bytes for {@code d}, then forward normally again. */
        public Flow stallAfter(long n, Duration d) {
            return new Flow(delayMillis, oneByte, n, Cut.STALL, d.toMillis());
        }

        public Flow stallForeverAfter(long n) {
            return new Flow(delayMillis, oneByte, n, Cut.STALL, -1);
        }

        public Flow halfCloseAfter(long n) {
            return new Flow(delayMillis, oneByte, n, Cut.HALF_CLOSE, 0);
        }

        public Flow resetAfter(long n) {
            return new Flow(delayMillis, oneByte, n, Cut.RESET, 0);
        }

        public Flow dropAfter(long n) {
            return new Flow(delayMillis, oneByte, n, Cut.DROP, 0);
        }
    }

    /** The plan for one connection: one {@link Flow} per direction. */
    public record Fault(Flow up, Flow down) {
        public static final Fault NONE = new Fault(Flow.PASS, Flow.PASS);

        public Fault {
            Objects.requireNonNull(up, "up");
            Objects.requireNonNull(down, "down");
        }

        public static Fault up(Flow f) {
            return new Fault(f, Flow.PASS);
        }

        public static Fault down(Flow f) {
            return new Fault(Flow.PASS, f);
        }

        public static Fault both(Flow f) {
            return new Fault(f, f);
        }

        public Flow flow(Direction d) {
            return d == Direction.UP ? up : down;
        }
    }

    private static final int BUFFER = 64 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final long JOIN_MILLIS = 5_000;

    private final InetSocketAddress target;
    private final IntFunction<Fault> plan;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Map<Integer, Link> links = new ConcurrentHashMap<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger failedConnects = new AtomicInteger();
    private final AtomicLongArray bytes = new AtomicLongArray(2);
    private final AtomicLongArray writes = new AtomicLongArray(2);
    private final AtomicIntegerArray cuts = new AtomicIntegerArray(Cut.values().length);
    private volatile boolean closed;

    private FaultProxy(InetSocketAddress target, IntFunction<Fault> plan) throws IOException {
        this.target = Objects.requireNonNull(target, "target");
        this.plan = Objects.requireNonNull(plan, "plan");
        listener = new ServerSocket(0, 200, InetAddress.getByName("127.0.0.1"));
        acceptor = Thread.ofPlatform().daemon().name("fault-proxy-accept").start(this::acceptLoop);
    }

    /** A proxy to {@code target}; connection {@code i} (in accept order, from 0) gets {@code plan.apply(i)}. */
    public static FaultProxy start(InetSocketAddress target, IntFunction<Fault> plan) throws IOException {
        return new FaultProxy(target, plan);
    }

    /** A proxy to {@code target} applying {@code fault} to every connection. */
    public static FaultProxy start(InetSocketAddress target, Fault fault) throws IOException {
        Objects.requireNonNull(fault, "fault");
        return new FaultProxy(target, i -> fault);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /** Accepted connections whose connect to the target failed (closed at once). */
    public int failedConnects() {
        return failedConnects.get();
    }

    /** Bytes forwarded in {@code d} (handed to the receiving socket), over all connections. */
    public long bytes(Direction d) {
        return bytes.get(d.ordinal());
    }

    /** Bytes forwarded in {@code d} on connection {@code index}; 0 for a connection not (yet) made. */
    public long bytes(int index, Direction d) {
        Link l = links.get(index);
        return l == null ? 0 : l.bytes.get(d.ordinal());
    }

    /** Write system calls made in {@code d}, over all connections. */
    public long writes(Direction d) {
        return writes.get(d.ordinal());
    }

    /** How many times {@code cut} was made, over all connections and directions. */
    public int cuts(Cut cut) {
        return cuts.get(cut.ordinal());
    }

    /** Connections whose sockets are not both closed yet. */
    public int open() {
        int n = 0;
        for (Link l : links.values()) if (!l.isClosed()) n++;
        return n;
    }

    /** Waits until every connection made so far has closed both its sockets. */
    public boolean awaitAllClosed(Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        for (Link l : links.values()) {
            long left = end - System.nanoTime();
            if (left <= 0 || !l.closedLatch.await(left, TimeUnit.NANOSECONDS)) return false;
        }
        return true;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            int index = accepted.getAndIncrement();
            Socket server = new Socket();
            try {
                Fault fault = plan.apply(index);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                server.connect(target, CONNECT_TIMEOUT_MILLIS);
                Link link = new Link(index, client, server, fault);
                links.put(index, link);
                if (closed) link.abort(false); // close() raced with this accept and may not have seen it
                link.start();
            } catch (IOException | RuntimeException e) {
                failedConnects.incrementAndGet();
                closeQuietly(client);
                closeQuietly(server);
            }
        }
    }

    /** One proxied connection: the client's socket, the socket to the target, a pump per direction. */
    private final class Link {
        final int index;
        final Socket client;
        final Socket server;
        final Fault fault;
        final AtomicLongArray bytes = new AtomicLongArray(2);
        /** Counted down when the link is torn down (cut, peer reset, proxy closed): wakes stalls and delays. */
        final CountDownLatch aborted = new CountDownLatch(1);
        final CountDownLatch closedLatch = new CountDownLatch(1);
        final AtomicInteger pumpsLeft = new AtomicInteger(2);
        Thread up;
        Thread down;

        Link(int index, Socket client, Socket server, Fault fault) {
            this.index = index;
            this.client = client;
            this.server = server;
            this.fault = fault;
        }

        void start() {
            up = Thread.ofPlatform().daemon().name("fault-proxy-" + index + "-up")
                    .start(() -> pump(Direction.UP, client, server, fault.up()));
            down = Thread.ofPlatform().daemon().name("fault-proxy-" + index + "-down")
                    .start(() -> pump(Direction.DOWN, server, client, fault.down()));
        }

        boolean isClosed() {
            return closedLatch.getCount() == 0;
        }

        private void pump(Direction d, Socket from, Socket to, Flow flow) {
            int dir = d.ordinal();
            byte[] buf = new byte[BUFFER];
            long forwarded = 0;
            boolean pending = flow.cut() != Cut.NONE;
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                while (true) {
                    if (pending && forwarded == flow.after()) {
                        pending = false;
                        cuts.incrementAndGet(flow.cut().ordinal());
                        switch (flow.cut()) {
                            case STALL -> {
                                boolean torn = flow.stallMillis() < 0 ? awaitAbort()
                                        : aborted.await(flow.stallMillis(), TimeUnit.MILLISECONDS);
                                if (torn) return;
                            }
                            case HALF_CLOSE -> {
                                to.shutdownOutput();
                                return;
                            }
                            case RESET -> {
                                abort(true);
                                return;
                            }
                            case DROP -> {
                                abort(false);
                                return;
                            }
                            case NONE -> throw new AssertionError();
                        }
                    }
                    int max = pending ? (int) Math.min(buf.length, flow.after() - forwarded) : buf.length;
                    int n = in.read(buf, 0, max);
                    if (n < 0) {
                        to.shutdownOutput(); // pass the peer's FIN on
                        return;
                    }
                    if (flow.oneByte()) {
                        for (int i = 0; i < n; i++) {
                            if (flow.delayMillis() > 0 && aborted.await(flow.delayMillis(), TimeUnit.MILLISECONDS)) return;
                            count(dir, 1);
                            out.write(buf, i, 1);
                        }
                    } else {
                        if (flow.delayMillis() > 0 && aborted.await(flow.delayMillis(), TimeUnit.MILLISECONDS)) return;
                        count(dir, n);
                        out.write(buf, 0, n);
                    }
                    forwarded += n;
                }
            } catch (IOException e) {
                // A peer reset (or this link was torn down meanwhile): reset the other side too.
                abort(true);
            } catch (InterruptedException e) {
                abort(false);
            } finally {
                if (pumpsLeft.decrementAndGet() == 0) closeBoth();
            }
        }

        private boolean awaitAbort() throws InterruptedException {
            aborted.await();
            return true;
        }

        /**
         * Counted before the write, so a test that saw the peer react to these bytes also sees them
         * counted; a write that then fails leaves them counted, the link being torn down anyway.
         */
        private void count(int dir, int n) {
            bytes.addAndGet(dir, n);
            FaultProxy.this.bytes.addAndGet(dir, n);
            writes.incrementAndGet(dir);
        }

        /** Tears the link down: both sockets closed, with SO_LINGER 0 first when {@code reset}. */
        void abort(boolean reset) {
            if (aborted.getCount() == 0) return;
            aborted.countDown();
            if (reset) {
                lingerZero(client);
                lingerZero(server);
            }
            closeBoth();
        }

        private void closeBoth() {
            closeQuietly(client);
            closeQuietly(server);
            closedLatch.countDown();
        }

        void join() throws InterruptedException {
            if (up != null) up.join(JOIN_MILLIS);
            if (down != null) down.join(JOIN_MILLIS);
        }
    }

    private static void lingerZero(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException alreadyClosed) {
            // nothing to reset
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing is all that was asked
        }
    }

    /** Stops accepting, closes every socket (plain close) and waits for the proxy's threads. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // the acceptor ends either way
        }
        acceptor.join(JOIN_MILLIS);
        for (Link l : links.values()) l.abort(false);
        for (Link l : links.values()) l.join();
    }

    @Override
    public String toString() {
        return "FaultProxy[" + address() + " -> " + target + ", accepted " + accepted() + ", up " + bytes(Direction.UP)
                + " B, down " + bytes(Direction.DOWN) + " B]";
    }
}
