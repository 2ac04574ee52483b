package dev.evloop.server.echo;

import dev.evloop.completion.AsyncListener;
import dev.evloop.completion.AsyncSocket;
import dev.evloop.completion.CompletionHandler;
import dev.evloop.completion.Completions;
import dev.evloop.completion.Operation;
import dev.evloop.loop.EventLoop;
import dev.evloop.poll.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The length-prefixed echo service (seed 004) on completion I/O ({@link Completions}): natively on
 * io_uring, emulated on the readiness backends. Each connection lends two direct buffers in turn
 * (made when first needed, 4 KiB at first, grown up to 64 KiB while reads fill them, so a busy
 * connection needs few reads per message and an idle one holds little):
 * a read completes into one, its bytes are checked against the framing and handed to
 * {@code writeAll} at once, and the next read goes into the other buffer while the write is in
 * flight (writes leave in submission order, so echoes keep their order). Bytes are echoed as they
 * arrive, frame boundaries or not; a negative or oversized length closes the connection after the
 * bytes before it, with the reason logged, as {@link EchoHandler} does. Nothing is copied; the
 * handlers and the read-timeout task are made once per connection, so the echo itself allocates
 * nothing here (the completion layer's {@code Operation} per read and write aside).
 *
 * <p>One event loop per {@code loops}, each with its own listener on the port (SO_REUSEPORT
 * spreads the connections). {@link #shutdown} stops accepting, lets each connection finish the
 * echo in flight, and closes what is left at the deadline.
 */
public final class CompletionEchoServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.evloop.server");
    /** Accepts kept pending at once per loop, so a burst of connects is not served one per wait. */
    private static final int ACCEPTS = 16;
    /** A connection's buffers start at this size: an idle connection holds at most two of them. */
    static final int MIN_BUFFER = 4 * 1024;
    /** ... and grow, by four each time a read fills one, up to this. */
    static final int MAX_BUFFER = 64 * 1024;

    /**
     * @param maxClients connections per loop at most; 0 for no limit (accepting pauses at the limit)
     * @param readTimeout a connection silent this long is closed; zero for none
     */
    public record Config(InetSocketAddress address, int loops, Backend backend, int maxClients, int maxMessage,
            Duration readTimeout) {
        public Config {
            if (loops < 1) throw new IllegalArgumentException("loops must be at least 1, got " + loops);
            if (maxClients < 0) throw new IllegalArgumentException("maxClients must not be negative, got " + maxClients);
            if (maxMessage < 0) throw new IllegalArgumentException("maxMessage must not be negative, got " + maxMessage);
            if (readTimeout == null || readTimeout.isNegative()) {
                throw new IllegalArgumentException("readTimeout must be zero or positive, got " + readTimeout);
            }
        }
    }

    private final List<Worker> workers;

    private CompletionEchoServer(List<Worker> workers) {
        this.workers = workers;
    }

    /** Starts the loops, each on its own thread, and their listeners. */
    public static CompletionEchoServer start(Config config) throws IOException {
        List<Worker> workers = new ArrayList<>();
        InetSocketAddress bindTo = config.address();
        try {
            for (int i = 0; i < config.loops(); i++) {
                EventLoop.Builder b = EventLoop.builder().name("evloop-echo-" + (i + 1));
                if (config.backend() != null) b.backend(config.backend());
                EventLoop loop = b.build();
                Worker w = new Worker(loop, config);
                workers.add(w);
                w.thread = loop.start();
                w.listen(bindTo, config.loops() > 1);
                // Port 0 picks an ephemeral port once; the other loops join that port.
                bindTo = new InetSocketAddress(config.address().getAddress(), w.address.getPort());
            }
        } catch (IOException | RuntimeException e) {
            for (Worker w : workers) w.loop.close();
            throw e;
        }
        return new CompletionEchoServer(workers);
    }

    public InetSocketAddress localAddress() {
        return workers.getFirst().address;
    }

    /** True if every loop's completion I/O is native (io_uring), false if emulated on readiness. */
    public boolean isNative() {
        return workers.stream().allMatch(w -> w.nativeIo);
    }

    /** Open connections over all loops. */
    public int connections() {
        return workers.stream().mapToInt(w -> w.count.get()).sum();
    }

    public List<EventLoop> loops() {
        return workers.stream().map(w -> w.loop).toList();
    }

    /**
     * Stops accepting, lets the connections finish the echo in flight (then close), and closes
     * whatever is still open after {@code grace}; completes when the loops have ended.
     */
    public CompletableFuture<Void> shutdown(Duration grace) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Worker w : workers) all.add(w.shutdown(grace));
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)); // each: its loop thread ended
    }

    @Override
    public void close() {
        try {
            shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            for (Worker w : workers) w.loop.close();
        }
    }

    /** One loop: its listener, its connections. Loop thread only, except the atomics. */
    private static final class Worker {
        final EventLoop loop;
        final Config config;
        final AtomicInteger count = new AtomicInteger();
        final Set<Conn> conns = new LinkedHashSet<>();
        final EchoFraming framing;
        final long timeoutNanos;
        Completions io;
        AsyncListener listener;
        InetSocketAddress address;
        volatile boolean nativeIo;
        Thread thread;
        int accepting;
        boolean draining;

        Worker(EventLoop loop, Config config) {
            this.loop = loop;
            this.config = config;
            this.framing = new EchoFraming(config.maxMessage());
            this.timeoutNanos = config.readTimeout().toNanos();
        }

        void listen(InetSocketAddress at, boolean reusePort) throws IOException {
            CompletableFuture<Void> done = new CompletableFuture<>();
            loop.execute(() -> {
                try {
                    io = Completions.on(loop);
                    nativeIo = io.isNative();
                    listener = io.listen(at, 0, reusePort);
                    address = listener.localAddress();
                    acceptMore();
                    done.complete(null);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
            try {
                done.get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting the echo listener", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) throw io;
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw new UncheckedIOException(new IOException(e.getCause()));
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IOException("echo listener on " + at + " did not start within 10 s", e);
            }
        }

        /** Keeps {@link #ACCEPTS} accepts pending, fewer near the client limit. */
        void acceptMore() {
            int max = config.maxClients();
            while (!draining && accepting < ACCEPTS && (max == 0 || count.get() + accepting < max)) {
                accepting++;
                listener.accept(this::accepted);
            }
        }

        void accepted(Operation op) {
            accepting--;
            if (op.isSuccess()) {
                if (draining) {
                    op.socket().close(ignored -> { });
                } else {
                    Conn c = new Conn(this, op.socket());
                    conns.add(c);
                    count.incrementAndGet();
                    c.start();
                }
            } else if (!op.isCancelled()) {
                LOG.log(System.Logger.Level.WARNING, "echo: accept failed: " + op.error().getMessage());
            }
            acceptMore();
        }

        void closed(Conn c) {
            if (conns.remove(c)) count.decrementAndGet();
            if (draining) {
                if (conns.isEmpty()) loop.close();
            } else {
                acceptMore();
            }
        }

        CompletableFuture<Void> shutdown(Duration grace) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            if (loop.isClosed()) {
                done.complete(null);
                return done;
            }
            loop.execute(() -> {
                draining = true;
                if (listener != null) listener.close(ignored -> { });
                for (Conn c : List.copyOf(conns)) c.drain();
                if (conns.isEmpty()) {
                    loop.close();
                } else {
                    loop.schedule(grace.toNanos(), TimeUnit.NANOSECONDS, () -> {
                        for (Conn c : List.copyOf(conns)) c.close();
                        loop.close();
                    });
                }
            });
            Thread.ofVirtual().name("evloop-echo-shutdown").start(() -> {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.complete(null);
            });
            return done;
        }
    }

    /** One connection: two buffers lent in turn, a little framing state, a read deadline. */
    private static final class Conn {
        final Worker w;
        final AsyncSocket s;
        final ByteBuffer[] buffers = new ByteBuffer[2];
        /** The size of the next buffer made: grows while reads fill them. */
        int size = MIN_BUFFER;
        /** Buffers not lent: a read may start when one is free. */
        int free = 2;
        int next;
        boolean reading;
        boolean closing;
        boolean draining;
        int writing;
        // Framing: bytes of the current length prefix seen, its value so far, payload bytes still owed.
        int headerSeen;
        int length;
        long payloadLeft;
        long timer;
        // Made once per connection, not per operation.
        private final CompletionHandler[] readInto = {op -> onRead(op, 0), op -> onRead(op, 1)};
        private final CompletionHandler written = this::onWritten;
        private final Runnable timedOut = this::timedOut;

        Conn(Worker w, AsyncSocket s) {
            this.w = w;
            this.s = s;
        }

        void start() {
            armTimer();
            readMore();
        }

        void readMore() {
            if (closing || draining || reading || free == 0) return;
            int i = next;
            if (buffers[i] == null || buffers[i].capacity() < size) buffers[i] = ByteBuffer.allocateDirect(size);
            next ^= 1;
            free--;
            reading = true;
            s.read(buffers[i].clear(), readInto[i]);
        }

        void onRead(Operation op, int i) {
            ByteBuffer b = buffers[i];
            reading = false;
            if (closing) {
                free++;
                return;
            }
            if (!op.isSuccess() || op.result() == 0) { // an error, or the end of the stream
                free++;
                close();
                return;
            }
            armTimer();
            if (op.result() == b.capacity() && size < MAX_BUFFER) size = Math.min(MAX_BUFFER, size * 4);
            b.flip();
            int bad = scan(b);
            if (bad >= 0) {
                String why = w.framing.badLengthReason(length);
                LOG.log(System.Logger.Level.INFO, why + "; closing " + s);
                b.limit(bad);
                closing = true; // after the bytes before the bad prefix
            }
            writing++;
            s.writeAll(b, written);
            readMore();
        }

        void onWritten(Operation op) {
            writing--;
            free++;
            if (!op.isSuccess()) {
                close();
                return;
            }
            if ((closing || draining) && writing == 0) { // a read still pending is cancelled by the close
                close();
                return;
            }
            readMore();
        }

        /** Walks the framing over {@code b}'s bytes; the index of a refused length prefix, or -1. */
        int scan(ByteBuffer b) {
            int i = b.position();
            int limit = b.limit();
            while (i < limit) {
                if (payloadLeft > 0) {
                    int n = (int) Math.min(payloadLeft, limit - i);
                    payloadLeft -= n;
                    i += n;
                    continue;
                }
                int start = i - headerSeen; // where this prefix began (maybe in an earlier read)
                length |= (b.get(i) & 0xFF) << (8 * headerSeen);
                headerSeen++;
                i++;
                if (headerSeen == EchoFraming.HEADER) {
                    if (!w.framing.isValidLength(length)) return Math.max(start, b.position());
                    payloadLeft = length;
                    headerSeen = 0;
                    length = 0;
                }
            }
            return -1;
        }

        /** The read deadline starts over: one timer per connection, moved, not replaced. */
        void armTimer() {
            long nanos = w.timeoutNanos;
            if (nanos == 0) return;
            if (timer == 0 || !w.loop.rescheduleTimer(timer, nanos, TimeUnit.NANOSECONDS)) {
                timer = w.loop.schedule(nanos, TimeUnit.NANOSECONDS, timedOut);
            }
        }

        private void timedOut() {
            timer = 0;
            LOG.log(System.Logger.Level.DEBUG, "echo: no bytes for " + w.config.readTimeout().toMillis() + " ms; closing " + s);
            close();
        }

        /** Shutting down: finish the echo in flight, then close. */
        void drain() {
            draining = true;
            if (writing == 0) close(); // a pending read is cancelled by the close
        }

        void close() {
            if (!s.isOpen()) return;
            closing = true;
            if (timer != 0) {
                w.loop.cancelTimer(timer);
                timer = 0;
            }
            s.close(op -> w.closed(this));
        }
    }
}
