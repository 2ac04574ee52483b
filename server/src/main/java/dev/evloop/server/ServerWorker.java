package dev.evloop.server;

import dev.evloop.loop.EventLoop;
import dev.evloop.net.TcpListener;
import dev.evloop.net.TcpSocket;
import dev.evloop.net.Transport;
import dev.evloop.os.Errno;
import dev.evloop.os.NativeException;
import dev.evloop.poll.Events;
import dev.evloop.poll.Registration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The server on one loop: its listener, its connections, its read-timeout list and its shared
 * buffers. Everything here runs on that loop's thread.
 *
 * <p>Accept policy, in order:
 * <ol>
 *   <li>On each readiness of the listener, accept until EAGAIN (or until the limit).
 *   <li>At {@link ServerConfig#maxClients()} the listener is disabled (still registered); the
 *       first connection to close enables it again. Waiting clients sit in the kernel's backlog.
 *   <li>EMFILE / ENFILE (or the NIO equivalent) disables the listener too, so a level-triggered
 *       listener cannot spin; accepting resumes when a connection closes (a descriptor is free)
 *       or after a back-off that doubles from {@link ServerConfig#acceptBackoffMin()} to
 *       {@link ServerConfig#acceptBackoffMax()}. One log line per episode, not per attempt.
 *   <li>Shutdown closes the listener.
 * </ol>
 *
 * <p>Read timeouts: a connection is on one of two {@link TimeoutList}s. {@code connections} holds
 * those under the server's timeout, sorted by last read, with one loop timer for the head; the
 * others ({@link Connection#readTimeout}: their own timeout, or none) are on {@code untimed}, and
 * an own timeout is a loop timer per connection that is not moved on each read: when it fires it
 * looks at the last read and either closes or waits for the rest.
 *
 * <p>Shutdown, in order: the listener is closed; every connection's handler gets
 * {@link Handler#onShutdown} (by default a close once output is written; an upgraded protocol
 * may say goodbye and finish its own closing handshake, still reading); at the grace deadline
 * what is left is closed at once.
 */
final class ServerWorker {
    private static final System.Logger LOG = System.getLogger("dev.evloop.server");

    private final EventLoop loop;
    private final ServerConfig config;
    private final Supplier<? extends Handler> handlers;
    private final Consumer<Throwable> errors;
    private final TcpListener listener;
    private final Registration listenerRegistration;
    private final ByteBuffer readBuffer;
    /** Output written during one onData, sent with one system call when it returns. */
    private final ByteBuffer staging;
    /** Connections under the server's read timeout, oldest read first. */
    private final TimeoutList connections = new TimeoutList();
    /** Connections with a read timeout of their own, or none. */
    private final TimeoutList untimed = new TimeoutList();
    private final long readTimeoutNanos;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    /** The connection whose onData is running, whose writes are staged; else null. */
    private Connection dispatching;
    private volatile int connectionCount;
    private volatile boolean accepting = true;
    private boolean pausedForLimit;
    private boolean pausedForDescriptors;
    private long backoffNanos;
    private long backoffTimer;
    private long exhaustionStart;
    private long refusedAccepts;
    private long timeoutTimer;
    private boolean shuttingDown;
    private long acceptedTotal;

    ServerWorker(EventLoop loop, ServerConfig config, InetSocketAddress bindTo, boolean reusePort,
            Supplier<? extends Handler> handlers, Consumer<Throwable> errors) throws IOException {
        this.loop = loop;
        this.config = config;
        this.handlers = handlers;
        this.errors = errors;
        this.readTimeoutNanos = config.readTimeout().toNanos();
        this.readBuffer = ByteBuffer.allocateDirect(config.readBufferSize());
        this.staging = ByteBuffer.allocate(config.readBufferSize());
        this.listener = Transport.forBackend(loop.backend()).listen(bindTo, config.backlog(), reusePort);
        try {
            this.listenerRegistration = loop.register(listener, Events.READ, (r, ready) -> acceptAll());
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    EventLoop loop() {
        return loop;
    }

    ServerConfig config() {
        return config;
    }

    ByteBuffer readBuffer() {
        return readBuffer;
    }

    InetSocketAddress localAddress() throws IOException {
        return listener.localAddress();
    }

    int connectionCount() {
        return connectionCount;
    }

    /** True while the listener is enabled: not at the client limit, not backing off, not shut down. */
    boolean isAccepting() {
        if (loop.inLoop()) { // the poller's own state, not a copy of it
            return listenerRegistration.isValid() && !listenerRegistration.isDisabledRead();
        }
        return accepting;
    }

    long acceptedTotal() {
        return acceptedTotal;
    }

    CompletableFuture<Void> terminated() {
        return terminated;
    }

    boolean isShuttingDown() {
        return shuttingDown;
    }

    /** True while some connection's onData runs (its writes are being staged). */
    boolean isDispatching() {
        return dispatching != null;
    }

    void checkInLoop(String what) {
        if (!loop.inLoop()) {
            throw new IllegalStateException(what + "() called on thread " + Thread.currentThread().getName()
                    + "; the connection belongs to loop " + loop.name() + " (post work with loop().execute())");
        }
    }

    // ------------------------------------------------------------------ accepting

    private void acceptAll() {
        while (!shuttingDown) {
            if (connectionCount >= config.maxClients()) {
                pauseForLimit();
                return;
            }
            TcpSocket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (isDescriptorExhaustion(e)) {
                    pauseForDescriptors(e);
                } else {
                    LOG.log(System.Logger.Level.WARNING, "accept on " + listener + " failed", e);
                }
                return;
            }
            if (socket == null) return; // EAGAIN: the backlog is empty
            endExhaustionEpisode();
            open(socket);
        }
    }

    private void open(TcpSocket socket) {
        acceptedTotal++;
        Connection c = new Connection(this, socket, handlers.get());
        try {
            c.register();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not register " + socket, e);
            try {
                socket.close();
            } catch (IOException ignored) {
                // already failing; the registration error is the one worth reporting
            }
            return;
        }
        connectionCount++;
        connections.add(c, loop.nanoTime());
        armTimeoutTimer();
        try {
            c.handler().onOpen(c);
        } catch (Exception e) {
            report(e);
            c.closeNow(CloseReason.ERROR, e);
        }
    }

    static boolean isDescriptorExhaustion(IOException e) {
        if (e instanceof NativeException n) {
            return n.errno() == Errno.EMFILE || n.errno() == Errno.ENFILE
                    || n.errno() == Errno.ENOBUFS || n.errno() == Errno.ENOMEM;
        }
        String m = String.valueOf(e.getMessage());
        return m.contains("Too many open files"); // the JDK's message for EMFILE/ENFILE
    }

    private void pauseForLimit() {
        if (!pausedForLimit) {
            pausedForLimit = true;
            updateListener();
        }
    }

    private void pauseForDescriptors(IOException e) {
        refusedAccepts++;
        if (exhaustionStart == 0) {
            exhaustionStart = loop.nanoTime() | 1;
            backoffNanos = config.acceptBackoffMin().toNanos();
            LOG.log(System.Logger.Level.WARNING, "accept on {0}: {1}; pausing accepts, still serving {2} connections",
                    String.valueOf(listener), e.getMessage(), connectionCount);
        } else {
            backoffNanos = Math.min(backoffNanos * 2, config.acceptBackoffMax().toNanos());
        }
        pausedForDescriptors = true;
        updateListener();
        backoffTimer = loop.schedule(backoffNanos, TimeUnit.NANOSECONDS, this::retryAfterBackoff);
    }

    private void retryAfterBackoff() {
        backoffTimer = 0;
        pausedForDescriptors = false;
        updateListener();
    }

    private void endExhaustionEpisode() {
        if (exhaustionStart != 0) {
            LOG.log(System.Logger.Level.INFO, "accept on {0}: accepting again after {1} ms and {2} refused attempts",
                    String.valueOf(listener), (loop.nanoTime() - exhaustionStart) / 1_000_000, refusedAccepts);
            exhaustionStart = 0;
            refusedAccepts = 0;
        }
    }

    /** Enables the listener exactly when nothing holds it back. */
    private void updateListener() {
        if (!listenerRegistration.isValid()) return;
        boolean enable = !shuttingDown && !pausedForLimit && !pausedForDescriptors;
        if (enable && listenerRegistration.isDisabledRead()) {
            listenerRegistration.enable(Events.READ);
        } else if (!enable && !listenerRegistration.isDisabledRead()) {
            listenerRegistration.disable(Events.READ);
        }
        accepting = enable;
    }

    /** Called by a connection once it is closed. */
    void closed(Connection c) {
        if (c.list != null) c.list.remove(c);
        if (c.readTimer != 0) {
            loop.cancelTimer(c.readTimer);
            c.readTimer = 0;
        }
        connectionCount--;
        if (dispatching == c) dispatching = null;
        if (pausedForLimit && connectionCount < config.maxClients()) {
            pausedForLimit = false;
            updateListener();
        }
        if (pausedForDescriptors) {
            // A descriptor was just freed: try now rather than at the end of the back-off.
            loop.cancelTimer(backoffTimer);
            retryAfterBackoff();
        }
        if (shuttingDown && connectionCount == 0) {
            finishShutdown();
        }
    }

    // ------------------------------------------------------------------ read timeouts

    void touched(Connection c) {
        if (c.list == connections) {
            connections.touch(c, loop.nanoTime());
        } else {
            c.lastRead = loop.nanoTime(); // an own timer looks at it when it fires
        }
    }

    /** {@code nanos}: -1 the server's timeout, 0 none, else the connection's own. */
    void readTimeout(Connection c, long nanos) {
        if (c.readTimer != 0) {
            loop.cancelTimer(c.readTimer);
            c.readTimer = 0;
        }
        c.readTimeoutNanos = nanos;
        long now = loop.nanoTime();
        c.list.remove(c);
        if (nanos < 0) {
            connections.add(c, now); // the newest read: the tail keeps the list sorted
            armTimeoutTimer();
            return;
        }
        untimed.add(c, now);
        if (nanos > 0) {
            if (c.readTimerTask == null) c.readTimerTask = () -> expireOwn(c);
            c.readTimer = loop.schedule(nanos, TimeUnit.NANOSECONDS, c.readTimerTask);
        }
    }

    /** An own read timeout fired: close if nothing was read since, else wait for the rest. */
    private void expireOwn(Connection c) {
        c.readTimer = 0;
        if (!c.isOpen()) return;
        long now = loop.nanoTime();
        if (c.isReadingPaused()) c.lastRead = now; // not reading by choice: not idle
        long idle = now - c.lastRead;
        if (idle >= c.readTimeoutNanos) {
            c.closeNow(CloseReason.READ_TIMEOUT, null);
        } else {
            c.readTimer = loop.schedule(c.readTimeoutNanos - idle, TimeUnit.NANOSECONDS, c.readTimerTask);
        }
    }

    private void armTimeoutTimer() {
        if (readTimeoutNanos == 0 || timeoutTimer != 0 || shuttingDown || connections.head() == null) return;
        long due = connections.head().lastRead + readTimeoutNanos - loop.nanoTime();
        timeoutTimer = loop.schedule(Math.max(0, due), TimeUnit.NANOSECONDS, this::expireIdle);
    }

    /** Closes every connection idle for the read timeout, oldest first; re-arms for the next. */
    private void expireIdle() {
        timeoutTimer = 0;
        long now = loop.nanoTime();
        Connection c;
        while ((c = connections.head()) != null && now - c.lastRead >= readTimeoutNanos) {
            if (c.isReadingPaused()) {
                connections.touch(c, now); // not reading by choice: not idle
            } else {
                c.closeNow(CloseReason.READ_TIMEOUT, null);
            }
        }
        armTimeoutTimer();
    }

    // ------------------------------------------------------------------ output staging

    void beginDispatch(Connection c) {
        dispatching = c;
    }

    void endDispatch(Connection c) {
        if (dispatching != c) return;
        dispatching = null;
        flushStaging(c);
    }

    /** A write from {@link Connection#write}: staged during that connection's onData, else written now. */
    boolean stage(Connection c, ByteBuffer src, int from, int length) {
        if (dispatching != c) {
            return c.writeNow(src, from, length);
        }
        if (length > staging.remaining()) {
            if (!flushStaging(c)) return false;
            // Once output waits in the connection, later bytes must queue behind it, not in staging
            // (staging is flushed after onData returns, which would put them ahead of what waits).
            if (c.pendingOutput() > 0 || length > staging.capacity()) return c.writeNow(src, from, length);
        }
        staging.put(staging.position(), src, from, length).position(staging.position() + length);
        return true;
    }

    /** Sends what {@code c} staged during its onData now (before it closes, say). */
    void flushStaged(Connection c) {
        if (dispatching == c) flushStaging(c);
    }

    private boolean flushStaging(Connection c) {
        if (staging.position() == 0) return true;
        int n = staging.position();
        staging.clear();
        return c.writeNow(staging, 0, n);
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Stops accepting (the listener is closed), tells every connection's handler
     * ({@link Handler#onShutdown}: by default, close once the output is written), and closes what
     * is left {@code graceNanos} later (loop time).
     */
    void shutdown(long graceNanos) {
        if (shuttingDown) return;
        shuttingDown = true;
        accepting = false;
        if (backoffTimer != 0) loop.cancelTimer(backoffTimer);
        if (timeoutTimer != 0) loop.cancelTimer(timeoutTimer);
        try {
            listener.close(); // deregisters first
        } catch (IOException e) {
            report(e);
        }
        // A handler may close other connections too: walk a copy.
        for (Connection c : openConnections()) c.serverShutdown();
        if (connectionCount == 0) {
            finishShutdown();
            return;
        }
        loop.schedule(graceNanos, TimeUnit.NANOSECONDS, () -> {
            for (Connection c : openConnections()) c.closeNow(CloseReason.SHUTDOWN, null);
        });
    }

    private List<Connection> openConnections() {
        List<Connection> all = new ArrayList<>(connectionCount);
        for (Connection c = connections.head(); c != null; c = c.next) all.add(c);
        for (Connection c = untimed.head(); c != null; c = c.next) all.add(c);
        return all;
    }

    private void finishShutdown() {
        terminated.complete(null);
    }

    // ------------------------------------------------------------------ reporting

    void report(Throwable e) {
        errors.accept(e);
    }

    void logAbort(Connection c, String why) {
        LOG.log(System.Logger.Level.INFO, "closing {0}: {1}", String.valueOf(c.remoteAddress()), why);
    }

    void logLimit(Connection c, String what, long wanted, long limit) {
        LOG.log(System.Logger.Level.INFO, "closing {0}: {1} would reach {2} bytes, over the limit of {3}",
                String.valueOf(c.remoteAddress()), what, wanted, limit);
    }
}
