package dev.evloop.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The application side of async-action mode, written independently of the engine: every request
 * is performed with blocking {@link SocketChannel} calls on threads of its own (one reader and one
 * writer thread per socket; the connect runs on the writer), and each completion is posted to a
 * queue that the single driving thread ({@link #runUntil}) drains into the engine's driving calls.
 * It also keeps the engine's timer. Counts what it was asked and what it reported, for the tests.
 */
final class BlockingThreadsApp implements AsyncIo, TimerCallback {
    private final LinkedBlockingQueue<Runnable> completions = new LinkedBlockingQueue<>();
    private final Map<SocketHandle, Sock> sockets = new ConcurrentHashMap<>();
    private HttpEngine engine;
    private boolean armed;
    private long deadline;
    final AtomicInteger connects = new AtomicInteger();
    final AtomicInteger receives = new AtomicInteger();
    final AtomicInteger sends = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    final AtomicInteger shutdowns = new AtomicInteger();
    /** Operations outstanding (requested, completion not yet handed to the engine). */
    final AtomicInteger outstanding = new AtomicInteger();
    /** Completions reported after the engine had asked to close their socket. */
    final AtomicInteger afterClose = new AtomicInteger();
    /** Sends reported with fewer bytes than lent. */
    final AtomicInteger partialSends = new AtomicInteger();
    /** Sends are capped at this many bytes (forces partial sends); 0 for none. */
    volatile int sendCap;


    private static final class Sock {
        final SocketHandle handle;
        final ExecutorService reader;
        final ExecutorService writer;
        SocketChannel channel;
        boolean closed;

        Sock(SocketHandle handle) {
            this.handle = handle;
            reader = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("app-reader " + handle).factory());
            writer = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("app-writer " + handle).factory());
        }

        synchronized SocketChannel channel() throws IOException {
            if (channel == null || closed) throw new java.nio.channels.ClosedChannelException();
            return channel;
        }
    }

    void attach(HttpEngine engine) {
        this.engine = engine;
    }

    @Override
    public void connect(SocketHandle socket, InetSocketAddress address) {
        connects.incrementAndGet();
        Sock s = new Sock(socket);
        if (sockets.putIfAbsent(socket, s) != null) throw new AssertionError("connect twice for " + socket);
        outstanding.incrementAndGet();
        s.writer.execute(() -> {
            IOException error = null;
            try {
                SocketChannel ch = SocketChannel.open();
                synchronized (s) {
                    if (s.closed) {
                        ch.close();
                        throw new java.nio.channels.ClosedChannelException();
                    }
                    s.channel = ch;
                }
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.connect(address); // blocking
            } catch (IOException e) {
                error = e;
            }
            IOException err = error;
            post(s, () -> engine.connected(socket, err));
        });
    }

    @Override
    public void receive(SocketHandle socket, ByteBuffer buffer) {
        receives.incrementAndGet();
        Sock s = sock(socket, "receive");
        outstanding.incrementAndGet();
        s.reader.execute(() -> {
            int n = 0;
            IOException error = null;
            try {
                n = s.channel().read(buffer); // blocks until at least one byte or the end
            } catch (IOException e) {
                error = e;
            }
            int bytes = n;
            IOException err = error;
            post(s, () -> engine.received(socket, bytes, err));
        });
    }

    @Override
    public void send(SocketHandle socket, ByteBuffer buffer) {
        sends.incrementAndGet();
        Sock s = sock(socket, "send");
        outstanding.incrementAndGet();
        s.writer.execute(() -> {
            int n = 0;
            IOException error = null;
            try {
                int cap = sendCap;
                if (cap > 0 && buffer.remaining() > cap) {
                    buffer.limit(buffer.position() + cap);
                    partialSends.incrementAndGet();
                }
                SocketChannel ch = s.channel();
                while (buffer.hasRemaining()) n += ch.write(buffer); // blocking: writes all unless it fails
            } catch (IOException e) {
                error = e;
            }
            int bytes = n;
            IOException err = error;
            post(s, () -> engine.sent(socket, bytes, err));
        });
    }

    @Override
    public void shutdownOutput(SocketHandle socket) {
        shutdowns.incrementAndGet();
        Sock s = sock(socket, "shutdownOutput");
        // On the writer thread, after any send queued before it (the engine asks only when none is
        // outstanding, so there is none); a failure shows in the next receive.
        s.writer.execute(() -> {
            try {
                s.channel().shutdownOutput();
            } catch (IOException ignored) {
                // the peer is gone: the reader hears it
            }
        });
    }

    @Override
    public void close(SocketHandle socket) {
        closes.incrementAndGet();
        Sock s = sock(socket, "close");
        synchronized (s) {
            s.closed = true;
            if (s.channel != null) {
                try {
                    s.channel.close(); // a blocked read or write fails with AsynchronousCloseException
                } catch (IOException ignored) {
                    // nothing to keep
                }
            }
        }
        s.reader.shutdown();
        s.writer.shutdown();
    }

    private Sock sock(SocketHandle h, String op) {
        Sock s = sockets.get(h);
        if (s == null) throw new AssertionError(op + " for a socket never connected: " + h);
        return s;
    }

    private void post(Sock s, Runnable completion) {
        completions.add(() -> {
            outstanding.decrementAndGet();
            boolean closed;
            synchronized (s) {
                closed = s.closed;
            }
            if (closed) afterClose.incrementAndGet();
            completion.run();
        });
    }

    @Override
    public void onTimer(long delayMillis) {
        armed = delayMillis >= 0;
        if (armed) deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
    }

    /** Drives the engine (completions and the timer) on this thread until {@code done}. */
    void runUntil(BooleanSupplier done, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean()) {
            long now = System.nanoTime();
            if (now - end >= 0) throw new AssertionError("not done within " + max + "; sockets " + sockets.keySet());
            long wait = end - now;
            if (armed) wait = Math.max(0, Math.min(wait, deadline - now));
            Runnable r = completions.poll(wait, TimeUnit.NANOSECONDS);
            if (r != null) r.run();
            if (armed && System.nanoTime() - deadline >= 0) {
                armed = false;
                engine.timeoutAction();
            }
        }
    }

    /** Sockets the engine asked to connect and has not asked to close. */
    int openSockets() {
        int n = 0;
        for (Sock s : sockets.values()) {
            synchronized (s) {
                if (!s.closed) n++;
            }
        }
        return n;
    }

    /**
     * Closes the engine and drives it until every socket is closed and every operation has
     * reported; then the threads end.
     */
    void closeAndSettle(Duration max) throws InterruptedException {
        engine.close();
        runUntil(() -> openSockets() == 0 && outstanding.get() == 0 && engine.footprint().get("asyncSockets") == 0, max);
        for (Sock s : sockets.values()) {
            s.reader.awaitTermination(max.toMillis(), TimeUnit.MILLISECONDS);
            s.writer.awaitTermination(max.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
