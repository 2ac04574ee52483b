package dev.evloop.server;

import dev.evloop.loop.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A TCP server on evloop: one {@link Handler} per connection, from the given supplier, called on
 * the connection's loop thread.
 *
 * <p>Two ways to run it: {@link #start} creates {@link ServerConfig#loops()} event loops, each on
 * its own thread with its own listener on the same port (SO_REUSEPORT lets the kernel spread
 * connections over them: one loop per core, nothing shared); {@link #attach} puts the server on a
 * loop the application already runs (or drives with {@code runOnce}), which is also how the tests
 * drive it deterministically.
 *
 * <p>See {@link ServerWorker} for the accept policy (limits, EMFILE back-off) and
 * {@link Connection} for read/write mode and buffering.
 */
public final class TcpServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.evloop.server");

    private final List<ServerWorker> workers;
    private final List<Thread> threads;
    private final boolean ownsLoops;
    private final InetSocketAddress address;
    private CompletableFuture<Void> shutdown;
    private volatile boolean shutdownRequested;

    private TcpServer(List<ServerWorker> workers, List<Thread> threads, boolean ownsLoops) throws IOException {
        this.workers = workers;
        this.threads = threads;
        this.ownsLoops = ownsLoops;
        this.address = workers.getFirst().localAddress();
    }

    /** Starts the server on {@code config.loops()} new event loops, each on its own thread. */
    public static TcpServer start(ServerConfig config, Supplier<? extends Handler> handlers) throws IOException {
        Objects.requireNonNull(handlers, "handlers");
        boolean reusePort = config.loops() > 1;
        List<EventLoop> loops = new ArrayList<>();
        List<ServerWorker> workers = new ArrayList<>();
        try {
            InetSocketAddress bindTo = config.address();
            for (int i = 0; i < config.loops(); i++) {
                EventLoop.Builder b = EventLoop.builder().clock(config.clock()).name("evloop-server-" + (i + 1))
                        .errorHandler(errorHandler());
                if (config.backend() != null) b.backend(config.backend());
                EventLoop loop = b.build();
                loops.add(loop);
                ServerWorker w = new ServerWorker(loop, config, bindTo, reusePort, handlers, errorHandler());
                workers.add(w);
                // Port 0 picks an ephemeral port once; the other loops join that port.
                bindTo = new InetSocketAddress(config.address().getAddress(), w.localAddress().getPort());
            }
        } catch (IOException | RuntimeException e) {
            loops.forEach(EventLoop::close);
            throw e;
        }
        List<Thread> threads = new ArrayList<>();
        for (EventLoop loop : loops) threads.add(loop.start());
        return new TcpServer(workers, threads, true);
    }

    /**
     * Puts the server on {@code loop}, which the caller runs. Call on the loop's owner thread.
     * {@link ServerConfig#loops()} and {@link ServerConfig#clock()} are the loop's business here.
     */
    public static TcpServer attach(EventLoop loop, ServerConfig config, Supplier<? extends Handler> handlers)
            throws IOException {
        Objects.requireNonNull(handlers, "handlers");
        ServerWorker w = new ServerWorker(loop, config, config.address(), false, handlers, errorHandler());
        return new TcpServer(List.of(w), List.of(), false);
    }

    private static Consumer<Throwable> errorHandler() {
        return e -> LOG.log(System.Logger.Level.WARNING, "uncaught in a server handler", e);
    }

    /** Where the server listens (the actual port when port 0 was asked for). */
    public InetSocketAddress localAddress() {
        return address;
    }

    /** Open connections over all loops (a snapshot from any thread). */
    public int connections() {
        int n = 0;
        for (ServerWorker w : workers) n += w.connectionCount();
        return n;
    }

    /**
     * True while every loop's listener is enabled. False while at the client limit, while
     * backing off after EMFILE, and after shutdown. Any thread (a snapshot).
     */
    public boolean isAccepting() {
        if (shutdownRequested) return false;
        for (ServerWorker w : workers) {
            if (!w.isAccepting()) return false;
        }
        return true;
    }

    /** The event loops the server runs on. */
    public List<EventLoop> loops() {
        return workers.stream().map(ServerWorker::loop).toList();
    }

    /**
     * Stops accepting, lets pending output drain for up to {@code grace}, closes every connection.
     * The future completes when all are closed (and, for {@link #start}ed servers, the loops have
     * stopped). Any thread; later calls return the same future.
     */
    public synchronized CompletableFuture<Void> shutdown(Duration grace) {
        if (shutdown != null) return shutdown;
        shutdownRequested = true;
        long graceNanos = grace.toNanos();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (ServerWorker w : workers) {
            done.add(w.terminated());
            if (w.loop().inLoop()) {
                w.shutdown(graceNanos);
            } else {
                w.loop().execute(() -> w.shutdown(graceNanos));
            }
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(done.toArray(CompletableFuture[]::new));
        if (ownsLoops) {
            all = all.thenRunAsync(() -> {
                workers.forEach(w -> w.loop().close());
                for (Thread t : threads) {
                    try {
                        t.join(TimeUnit.SECONDS.toMillis(10));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            });
        }
        shutdown = all;
        return all;
    }

    /** {@link #shutdown} with no grace, waiting for it to finish. */
    @Override
    public void close() {
        shutdown(Duration.ZERO).join();
    }
}
