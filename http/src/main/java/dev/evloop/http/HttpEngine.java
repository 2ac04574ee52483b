package dev.evloop.http;

import dev.evloop.http.codec.ParserLimits;
import dev.evloop.loop.Clock;
import dev.evloop.loop.TimerWheel;
import dev.evloop.net.TcpSocket;
import dev.evloop.net.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP client engine: a multi handle in the spirit of libcurl's multi-socket API. It owns no
 * thread and no poller. The application adds {@link Transfer}s; the engine says which sockets to
 * watch through the {@link SocketCallback} (IN / OUT / INOUT / REMOVE, changes only, REMOVE before
 * close) and when to call back through the {@link TimerCallback}; the application calls
 * {@link #socketAction} when a socket is ready and {@link #timeoutAction} when the deadline
 * passes. Any event loop can drive it: evloop's own ({@code dev.evloop.http.driver.LoopDriver}),
 * a JDK Selector loop, or a raw epoll loop.
 *
 * <p>Each driving call, in order: 1. do the work (I/O, timers); 2. deliver what no socket event
 * will announce to upgraded streams (bytes TLS already decrypted, bytes kept while paused), finished
 * transfers (their listeners may add and remove transfers) and ended streams' {@code onClosed},
 * until none is left; 3. announce the socket changes; 4. announce the
 * new deadline if it moved; 5. in checking mode, verify the table against what the application
 * was told.
 *
 * <p>Threading: one thread at a time drives the engine (any thread; the facade uses its loop's).
 * Calling {@link #add}, {@link #remove}, {@link #socketAction} or {@link #timeoutAction} from
 * inside the socket or timer callback is rejected with an {@link IllegalStateException}: those
 * callbacks only record what to watch. Transfer listeners may call {@link #add} and
 * {@link #remove}. {@link #assign} is allowed anywhere.
 *
 * <p>Uploads may be streamed ({@link BodySource}, {@link #resumeUpload}) and wait for
 * {@code 100 Continue}; response bodies may be paused ({@link #pause}, {@link #resume}). Names
 * other than IP literals and {@code localhost} are resolved on virtual threads
 * ({@link Builder#resolver}); results come back through a notification socket (an eventfd on the
 * native transport, a pipe on NIO) that is announced IN only while lookups are pending and
 * REMOVEd when none are. That is the only thread the engine starts.
 *
 * <p>A request with an {@link UpgradeListener} ({@link HttpRequest.Builder#upgrade}) that gets
 * {@code 101 Switching Protocols} completes with that response, and its connection leaves the pool
 * to become an {@link UpgradedStream}: same socket table entry, same announcements, still driven
 * through {@link #socketAction} and {@link #timeoutAction}. Its listener hears {@code onUpgrade},
 * {@code onData} and {@code onDrained} during the work, {@code onClosed} after the finished
 * transfers of the driving call in which the stream ended.
 *
 * <p>Async-action (completion) mode, {@link Builder#asyncIo} (seed 003): the application owns the
 * sockets and the engine asks it, through {@link AsyncIo}, to connect, receive into and send from
 * buffers it lends, and close; the application reports completions with {@link #connected},
 * {@link #received} and {@link #sent}, driving calls like {@link #socketAction}. Interest becomes
 * requests at step 3 of the driving call, and completed operations become readiness for the
 * connections at step 2. TLS, HTTP/2 and upgraded streams are the same code in both modes.
 */
public final class HttpEngine {
    private final SocketTable table;
    private final ContractChecker checker;
    /** Async-action mode's sockets and requests; null in readiness mode. */
    private final AppSockets async;
    /** Async-action mode: a timer due at once, armed when readiness is still owed after a driving call's rounds. */
    private long pokeTimer;
    private final TimerCallback timerCallback;
    private final Transport transport;
    private final Clock clock;
    private final TimerWheel timers;
    private final ParserLimits limits;
    private final long connectTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long totalTimeoutNanos;
    private final long keepAliveNanos;
    private final int maxPerHost;
    private final int maxTotal;
    private final long maxResponseBody;
    private final boolean queueResults;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
    /**
     * True while a connection parses {@link #readBuffer}: its callbacks (frame, parser, listener)
     * may start, resume or check other connections, which must not read into the buffer meanwhile;
     * {@link #takeReadBuffer} gives those a buffer of their own.
     */
    boolean readBufferBusy;
    private final ByteBuffer decodeBuffer = ByteBuffer.allocate(64 * 1024);
    /** One byte for the liveness probe of an idle connection, reused: the probe runs per reuse. */
    private final ByteBuffer probe = ByteBuffer.allocate(1);
    private final int maxRedirects;
    private javax.net.ssl.SSLContext sslContext;
    private final boolean decodeContent;
    private final dev.evloop.http.codec.ContentDecoder.Limits decoderLimits;
    private final java.util.function.Function<String, InetAddress[]> resolver;
    private final HttpVersionPolicy versionPolicy;
    private final int maxStreams;
    private final int h2StreamWindow;
    private final int h2ConnectionWindow;
    /**
     * The HTTP/2 connections new transfers to an origin go to (not draining), oldest first. One
     * per origin (libcurl's multiplexing default) unless each is full at our own
     * {@code maxStreamsPerConnection} and {@code maxConnectionsPerHost} leaves room for another.
     */
    private final Map<String, java.util.List<Http2Connection>> h2Active = new HashMap<>();
    /**
     * Per origin, the connection whose protocol is not known yet: a TLS handshake offering h2 in
     * ALPN, or an h2c connect. Transfers that could share it wait for it (libcurl's PIPEWAIT)
     * rather than open connections of their own.
     */
    private final Map<String, Object> h2Pending = new HashMap<>();
    /** Every HTTP/2 connection whose socket is open. */
    private final java.util.Set<Http2Connection> h2Open = new java.util.LinkedHashSet<>();
    private boolean inStartWaiting;
    private boolean startAgain;

    private final Map<String, ArrayDeque<Http1Connection>> idle = new HashMap<>();
    private final java.util.Set<Http1Connection> open = new java.util.LinkedHashSet<>();
    /** See {@link #closeConnection}. */
    private final java.util.Set<Http1Connection> closing = new java.util.LinkedHashSet<>();
    /** How long a closing connection or upgraded stream may take to write what it still owes. */
    static final long CLOSE_NOTIFY_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Idle connections over all origins, oldest first: the ones closed to make room. */
    private final java.util.Set<Http1Connection> idleOrder = new java.util.LinkedHashSet<>();
    private boolean closed;
    /** Upgraded streams whose socket is still open (a stream still writing after close() included). */
    private final java.util.Set<UpgradedStream> streams = new java.util.LinkedHashSet<>();
    /** Streams with bytes to deliver without a socket event (TLS already decrypted them, or resumed). */
    private final ArrayDeque<UpgradedStream> readSoon = new ArrayDeque<>();
    /** Streams that ended in this driving call: onClosed is owed. */
    private final ArrayDeque<UpgradedStream> ended = new ArrayDeque<>();
    private final Map<String, Integer> perHost = new HashMap<>();
    private int total;
    private final ArrayDeque<Transfer> waiting = new ArrayDeque<>();
    private final ArrayDeque<Transfer> finished = new ArrayDeque<>();
    private final ArrayDeque<TransferResult> results = new ArrayDeque<>();
    private int running;
    private long generations;
    private long announcedDeadline = Long.MIN_VALUE;
    private int depth;
    private boolean inCallback;

    private HttpEngine(Builder b) {
        SocketCallback cb;
        if (b.asyncIo != null) {
            if (b.socketCallback != null) {
                throw new IllegalArgumentException("both socketCallback and asyncIo set: readiness mode (socketCallback) "
                        + "and async-action mode (asyncIo) exclude each other");
            }
            cb = (socket, action, data) -> {}; // interest becomes requests (AppSockets.post), nothing to announce
        } else {
            cb = Objects.requireNonNull(b.socketCallback, "socketCallback (or asyncIo for async-action mode)");
        }
        this.checker = b.checking ? new ContractChecker(cb) : null;
        this.table = new SocketTable(checker != null ? checker : cb);
        this.async = b.asyncIo != null ? new AppSockets(this, b.asyncIo, checker) : null;
        this.timerCallback = Objects.requireNonNull(b.timerCallback, "timerCallback");
        this.transport = b.transport;
        this.clock = b.clock;
        this.timers = new TimerWheel(clock.nanoTime(), 4096, e -> {
            throw new AssertionError("engine timer task failed", e);
        });
        this.limits = b.limits;
        this.connectTimeoutNanos = b.connectTimeout.toNanos();
        this.idleTimeoutNanos = b.idleTimeout.toNanos();
        this.totalTimeoutNanos = b.totalTimeout == null ? 0 : b.totalTimeout.toNanos();
        this.keepAliveNanos = b.keepAlive.toNanos();
        this.maxPerHost = b.maxPerHost;
        this.maxTotal = b.maxTotal;
        this.maxResponseBody = b.maxResponseBody;
        this.queueResults = b.queueResults;
        this.maxRedirects = b.maxRedirects;
        this.sslContext = b.sslContext;
        this.decodeContent = b.decodeContent;
        this.decoderLimits = b.decoderLimits;
        this.resolver = b.resolver;
        this.versionPolicy = b.versionPolicy;
        this.maxStreams = b.maxStreams;
        this.h2StreamWindow = b.h2StreamWindow;
        this.h2ConnectionWindow = b.h2ConnectionWindow;
    }

    private static InetAddress[] lookUp(String host) {
        try {
            return InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@link Builder#maxResponseBody}'s default, 64 MiB. */
    public static final long DEFAULT_MAX_RESPONSE_BODY = 64L << 20;

    /** System property that turns the checking mode on by default (the test suite sets it). */
    public static final String CHECKING_PROPERTY = "evloop.http.checking";

    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- the application's calls

    /** Starts {@code t} (queued while the connection limits are reached). */
    public void add(Transfer t) {
        enter("add");
        try {
            if (t.state != Transfer.State.NEW) throw new IllegalStateException("transfer already added: " + t);
            t.state = Transfer.State.QUEUED;
            t.addedNanos = clock.nanoTime();
            running++;
            if (closed) {
                finish(t, null, new IllegalStateException("engine is closed; " + t.request() + " not started"), false);
                return;
            }
            long total = t.request().timeout() != null ? t.request().timeout().toNanos() : totalTimeoutNanos;
            if (total > 0) {
                t.totalTimer = timers.schedule(t.addedNanos + total, () -> fail(t, new HttpTimeoutException(
                        "timed out after " + TimeUnit.NANOSECONDS.toMillis(total) + " ms in total (" + t.state
                                + ") for " + t.request())));
            }
            start(t);
        } finally {
            exit();
        }
    }

    /** Stops {@code t}; it completes with a {@link CancellationException}. False if already done. */
    public boolean remove(Transfer t) {
        enter("remove");
        try {
            if (t.state == Transfer.State.DONE || t.state == Transfer.State.NEW) return false;
            fail(t, new CancellationException("transfer removed: " + t.request()));
            return true;
        } finally {
            exit();
        }
    }

    /**
     * A socket is ready. {@code events} are {@link dev.evloop.poll.Events} bits; 0 means unknown
     * (the engine then tries reading and writing). An event for a socket already removed is
     * ignored (in checking mode it is a violation).
     */
    public void socketAction(SocketHandle socket, int events) {
        if (async != null) {
            throw new IllegalStateException("socketAction(" + socket + ") on an engine in async-action mode: report "
                    + "completions with connected, received and sent");
        }
        enter("socketAction");
        try {
            if (checker != null) checker.beforeDrive(socket, events);
            SocketTable.Entry e = table.get(socket);
            if (e == null) return;
            ready(e, events);
        } finally {
            exit();
        }
    }

    /** The socket of {@code e} is ready for {@code events}: the readiness event or, in async-action mode, a completion's. */
    void ready(SocketTable.Entry e, int events) {
        if (e.owner instanceof Http1Connection c) c.onReady(events);
        else if (e.owner instanceof Http2Connection h) h.onReady(events);
        else if (e.owner instanceof UpgradedStream s) s.onReady(events);
        else if (e.owner == wakeup) drainResolutions();
    }

    /**
     * Async-action mode: the connect {@link AsyncIo#connect requested} for {@code socket} finished,
     * {@code error} null if it succeeded. A driving call.
     */
    public void connected(SocketHandle socket, IOException error) {
        AppSockets a = asyncMode("connected");
        enter("connected");
        try {
            a.connected(socket, error);
        } finally {
            exit();
        }
    }

    /**
     * Async-action mode: the receive {@link AsyncIo#receive requested} for {@code socket} finished
     * with {@code bytes} in the lent buffer (1 up to its length), -1 at the end of the stream, or
     * {@code error} (bytes then ignored). A driving call.
     */
    public void received(SocketHandle socket, int bytes, IOException error) {
        AppSockets a = asyncMode("received");
        enter("received");
        try {
            a.received(socket, bytes, error);
        } finally {
            exit();
        }
    }

    /**
     * Async-action mode: the send {@link AsyncIo#send requested} for {@code socket} finished with
     * {@code bytes} sent (1 up to the length lent; the engine asks for the rest), or {@code error}.
     * A driving call.
     */
    public void sent(SocketHandle socket, int bytes, IOException error) {
        AppSockets a = asyncMode("sent");
        enter("sent");
        try {
            a.sent(socket, bytes, error);
        } finally {
            exit();
        }
    }

    private AppSockets asyncMode(String call) {
        if (async == null) {
            throw new IllegalStateException(call + "() on an engine in readiness mode: build it with asyncIo(...) for "
                    + "async-action mode, or call socketAction");
        }
        return async;
    }

    /** The deadline last announced through the {@link TimerCallback} passed. */
    public void timeoutAction() {
        enter("timeoutAction");
        try {
            if (checker != null) checker.timeout();
            announcedDeadline = Long.MIN_VALUE; // the application's timer fired: announce the next one anew
            timers.expire(clock.nanoTime());
        } finally {
            exit();
        }
    }

    /**
     * The {@link BodySource} of {@code t} has bytes again after returning 0: the engine pulls it
     * anew (and watches the socket for writing while it has bytes to send). Nothing if the
     * transfer is not waiting for its source.
     */
    public void resumeUpload(Transfer t) {
        enter("resumeUpload");
        try {
            if (t.state == Transfer.State.DONE || !t.uploadStalled) return;
            t.uploadStalled = false;
            if (t.connection != null) t.connection.resumeUpload(t);
            else if (t.h2 != null) t.h2.conn.resumeUpload(t);
        } finally {
            exit();
        }
    }

    /**
     * Pauses delivery of a {@linkplain Transfer#streaming streaming} transfer's response body
     * (backpressure; libcurl's CURLPAUSE_RECV): no more {@link TransferListener#onBody} until
     * {@link #resume}, the socket is not watched for reading meanwhile (REMOVE when nothing else
     * is watched), bytes already read are kept for {@code resume}, and the idle timeout is held.
     * The connection stays with the transfer: nothing is closed or pooled. Callable from listeners.
     */
    public void pause(Transfer t) {
        enter("pause");
        try {
            if (t.collects()) throw new IllegalStateException("only streaming transfers pause: " + t);
            if (t.state == Transfer.State.DONE || t.paused) return;
            t.paused = true;
            if (t.connection != null && t.state == Transfer.State.RECEIVING) {
                interest(t, 0);
                holdIdle(t);
            } else if (t.h2 != null) {
                holdIdle(t);
                t.h2.conn.paused(t);
            }
        } finally {
            exit();
        }
    }

    /** Resumes a {@link #pause}d transfer: kept bytes first, then reading again. */
    public void resume(Transfer t) {
        enter("resume");
        try {
            if (t.state == Transfer.State.DONE || !t.paused) return;
            t.paused = false;
            if (t.connection != null) t.connection.resumeReceiving(t);
            else if (t.h2 != null) t.h2.conn.resumeReceiving(t);
        } finally {
            exit();
        }
    }

    /** Attaches the application's object to a socket; passed to later socket callbacks. */
    public void assign(SocketHandle socket, Object data) {
        SocketTable.Entry e = table.get(socket);
        if (e == null) throw new IllegalArgumentException("not a live socket of this engine: " + socket);
        e.appData = data;
    }

    /**
     * Fails every transfer still running with a {@link CancellationException} and closes every
     * connection and every upgraded stream (REMOVE first; the streams' listeners hear
     * {@code onClosed} with a {@link CancellationException}, unless they had already ended). Later {@link #add}s fail at once. Idempotent.
     */
    public void close() {
        enter("close");
        try {
            closed = true;
            for (Transfer t : new ArrayDeque<>(waiting)) fail(t, new CancellationException("engine closed"));
            for (Transfer t : new ArrayDeque<>(resolving)) fail(t, new CancellationException("engine closed"));
            for (Http1Connection c : new ArrayDeque<>(open)) {
                if (c.current != null) fail(c.current, new CancellationException("engine closed")); else closeConnection(c);
            }
            for (Http1Connection c : new ArrayDeque<>(closing)) finishClose(c); // no more waiting for close_notify
            for (Http2Connection h : new java.util.ArrayList<>(h2Open)) h.close(true, new CancellationException("engine closed"));
            for (Http2Connection h : new java.util.ArrayList<>(h2Open)) h.finishClose(); // no more waiting for GOAWAY
            for (UpgradedStream s : new ArrayDeque<>(streams)) s.terminate(new CancellationException("engine closed"));
            if (async != null) async.closeAll();
            if (wakeup != null) {
                wakeupEntry.connectionRead = false;
                table.remove(wakeupEntry); // REMOVE before close, as for every socket
                wakeupEntry.handle.markClosed();
                try {
                    wakeup.close();
                } catch (IOException ignored) {
                    // nothing left to lose
                }
                wakeup = null;
            }
        } finally {
            exit();
        }
    }

    /**
     * The next finished transfer's result, or null (libcurl's curl_multi_info_read). Results wait
     * here until read, each with its response body: drain this after every driving call, or build
     * the engine with {@link Builder#queueResults queueResults(false)}.
     */
    public TransferResult nextResult() {
        return results.poll();
    }

    /** Transfers added and not yet finished. */
    public int running() {
        return running;
    }

    /**
     * Connections in the pool's accounting (busy or idle, and lookups holding a slot). An upgraded
     * connection leaves it at its 101: it is counted by {@link #upgradedStreams()} instead and no
     * longer limited by {@code maxConnectionsPerHost} / {@code maxConnections}.
     */
    public int connections() {
        return total;
    }

    /**
     * Upgraded streams whose socket is still open: the open ones plus those still writing their
     * queued bytes after a close (at most the close grace, one second).
     */
    public int upgradedStreams() {
        return streams.size();
    }

    /** Socket announcements made so far, for one action. */
    public long announcements(SocketAction action) {
        return table.announcements(action);
    }

    // ---------------------------------------------------------------- driving-call frame

    void enter(String what) {
        if (inCallback) {
            throw new IllegalStateException("HttpEngine." + what + "() called from inside the socket or timer "
                    + "callback; those callbacks only record what to watch: call the engine from the loop");
        }
        depth++;
    }

    void exit() {
        if (depth == 1) {
            try {
                finishDrive();
            } finally {
                depth--;
            }
        } else {
            depth--;
        }
    }

    private void finishDrive() {
        // Listeners called here may start more of the same (a stream resumed from onComplete, a
        // transfer added from onClosed that fails at once): repeat until nothing is owed. In
        // async-action mode readiness owed to connections (bytes received, room to write) is more
        // of the same, in a bounded number of rounds.
        int rounds = 0;
        do {
            deliverOwed();
        } while (async != null && rounds++ < ASYNC_ROUNDS && async.dispatch());
        if (async != null && pokeTimer == 0 && async.owesReadiness()) {
            // Still owed after the rounds (a connection that wants more turns than that): come
            // back through timeoutAction at once, as a readiness loop would at its next wait.
            pokeTimer = timers.schedule(clock.nanoTime(), () -> pokeTimer = 0);
        }
        inCallback = true;
        try {
            table.flush();
            if (async != null) async.post();
            long next = timers.nextDeadlineNanos();
            if (next == Long.MAX_VALUE) {
                if (announcedDeadline != Long.MAX_VALUE) {
                    announcedDeadline = Long.MAX_VALUE;
                    timerCallback.onTimer(TimerCallback.NONE);
                }
            } else if (next != announcedDeadline) {
                announcedDeadline = next;
                long delay = next - clock.nanoTime();
                timerCallback.onTimer(delay <= 0 ? 0 : (delay + 999_999) / 1_000_000);
            }
        } finally {
            inCallback = false;
        }
        if (checker != null) checker.verify(table);
    }

    /** Async-action mode: rounds of owed readiness per driving call before handing back to the loop. */
    private static final int ASYNC_ROUNDS = 64;

    private void deliverOwed() {
        while (!readSoon.isEmpty() || !finished.isEmpty() || !ended.isEmpty()) {
            UpgradedStream s;
            while ((s = readSoon.poll()) != null) s.readPending();
            Transfer t;
            while ((t = finished.poll()) != null) {
                if (queueResults) results.add(t.result);
                try {
                    t.listener().onComplete(t.result);
                } catch (RuntimeException e) {
                    System.getLogger("dev.evloop.http").log(System.Logger.Level.WARNING,
                            "transfer listener failed for " + t, e);
                }
            }
            while ((s = ended.poll()) != null) s.notifyClosed();
        }
    }

    // ---------------------------------------------------------------- transfers and connections

    SocketTable table() {
        return table;
    }

    /**
     * The shared read buffer, marked busy until {@link #giveBackReadBuffer}; a fresh one when a
     * caller further up the stack is still parsing the shared one (rare: a read nested in a
     * callback).
     */
    ByteBuffer takeReadBuffer() {
        if (readBufferBusy) return ByteBuffer.allocate(16 * 1024);
        readBufferBusy = true;
        return readBuffer;
    }

    void giveBackReadBuffer(ByteBuffer buf) {
        if (buf == readBuffer) readBufferBusy = false;
    }

    TimerWheel timers() {
        return timers;
    }

    Clock clock() {
        return clock;
    }

    /** {@code s} has bytes to deliver that no socket event will announce: at the end of this driving call. */
    void readSoon(UpgradedStream s) {
        readSoon.add(s);
    }

    /** {@code s} ended: its onClosed comes at the end of this driving call. */
    void streamEnded(UpgradedStream s) {
        ended.add(s);
    }

    /** {@code s} closed its socket. */
    void streamClosed(UpgradedStream s) {
        streams.remove(s);
    }

    /**
     * A 101 answered {@code t}, which has an {@link UpgradeListener}: the transfer completes with
     * it, the connection leaves the pool (its slot is free for waiting transfers) and its socket
     * entry goes to a new {@link UpgradedStream}; {@code leftover} are bytes read with the 101 head.
     */
    void upgrade(Http1Connection c, Transfer t, ByteBuffer leftover) {
        boolean reused = c.exchanges > 0;
        detach(c, t);
        c.exchanges++;
        connected(c);
        releaseSlot(c.origin);
        open.remove(c);
        HttpResponse response = new HttpResponse(t.status, t.version, t.headers.build(), new byte[0], HttpHeaders.empty());
        finish(t, response, null, reused);
        UpgradedStream s = new UpgradedStream(this, c.socket, c.handle, c.entry, c.tls, t.current.upgradeListener());
        streams.add(s);
        s.start(response, leftover);
        startWaiting();
    }

    ByteBuffer decodeBuffer() {
        return decodeBuffer;
    }

    /**
     * The request's headers plus what the engine adds: Accept-Encoding when it decodes, except on
     * an upgrade request (its 101 has no body, and a WebSocket handshake takes none, RFC 6455 §4.1).
     * Connection is never added or rewritten: the application's {@code Connection: Upgrade} stays.
     */
    HttpHeaders headersToSend(HttpRequest r) {
        if (!decodeContent || r.upgradeListener() != null || r.headers().contains("Accept-Encoding")) return r.headers();
        HttpHeaders h = r.withAcceptEncoding;
        if (h == null) r.withAcceptEncoding = h = r.headers().toBuilder().add("Accept-Encoding", "gzip, deflate").build();
        return h;
    }

    /** A decoder for a gzip or deflate body (libcurl's CURLOPT_ACCEPT_ENCODING); null otherwise. */
    dev.evloop.http.codec.ContentDecoder decoderFor(HttpHeaders head) {
        if (!decodeContent) return null;
        String coding = head.first("Content-Encoding").map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("");
        if (coding.isEmpty() || coding.equals("identity") || !dev.evloop.http.codec.ContentDecoder.supports(coding)) {
            return null;
        }
        return dev.evloop.http.codec.ContentDecoder.forCoding(coding, decoderLimits);
    }

    /** True if this response is a redirect the engine will follow (its body is then dropped). */
    boolean isRedirect(Transfer t, HttpHeaders head) {
        int s = t.status;
        return maxRedirects > 0 && (s == 301 || s == 302 || s == 303 || s == 307 || s == 308)
                && head.contains("Location");
    }

    static String origin(URI uri) {
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
    }

    private void start(Transfer t) {
        start(t, false);
    }

    /**
     * Runs {@code t} on an idle connection to its origin, else on a new one, closing idle
     * connections to make room when a limit is reached (as libcurl closes the oldest idle
     * connection when its cache is full), else queues it. {@code fresh}: never an idle one (a
     * retry after a dead pooled connection: its siblings are likely dead too).
     */
    private void start(Transfer t, boolean fresh) {
        URI uri = t.current.uri(); // after a redirect, not the original request's
        String origin = t.current.origin();
        HttpVersionPolicy policy = policy(t);
        boolean https = origin.startsWith("https:");
        if (policy.allowsHttp2(https)) {
            java.util.List<Http2Connection> list = h2Active.get(origin);
            for (int i = 0; list != null && i < list.size(); i++) {
                Http2Connection h = list.get(i);
                if (h.isIdle() && !h.checkOnReuse()) { // it went away meanwhile
                    list = h2Active.get(origin);
                    if (list != null && !list.contains(h)) i--; // it left the list: the next one moved up
                    continue;
                }
                if (h.canOpenStream()) {
                    h.start(t);
                    return;
                }
            }
            if (!mayOpenAnotherHttp2(origin)) {
                queue(t);
                return;
            }
        }
        boolean h1Pool = https || !policy.allowsHttp2(false); // an h2c transfer never takes an HTTP/1.1 connection
        Http1Connection c = fresh || !h1Pool ? null : takeIdle(origin);
        try {
            if (c != null) {
                c.start(t);
            } else if (makeRoom(origin)) {
                open(origin, uri, t);
            } else {
                queue(t);
            }
        } catch (IOException e) {
            if (t.connection != null) failConnection(t.connection, e); else fail(t, e);
        }
    }

    private void queue(Transfer t) {
        t.state = Transfer.State.QUEUED;
        waiting.add(t);
    }

    /** The request's version policy, else the engine's; an Upgrade request is HTTP/1.1 (RFC 9113 §8.6). */
    private HttpVersionPolicy policy(Transfer t) {
        HttpRequest r = t.current;
        if (r.upgradeListener() != null) return HttpVersionPolicy.HTTP_1_1;
        return r.versionPolicy() != null ? r.versionPolicy() : versionPolicy;
    }

    /** True if a new connection to {@code origin} fits the limits, after closing idle ones if needed. */
    private boolean makeRoom(String origin) {
        while (perHost.getOrDefault(origin, 0) >= maxPerHost) {
            ArrayDeque<Http1Connection> q = idle.get(origin);
            if (q == null || q.isEmpty()) return false;
            closeConnection(q.peekFirst());
        }
        while (total >= maxTotal) {
            if (!idleOrder.isEmpty()) {
                closeConnection(idleOrder.iterator().next());
                continue;
            }
            Http2Connection idleH2 = null;
            search:
            for (java.util.List<Http2Connection> list : h2Active.values()) {
                for (Http2Connection h : list) {
                    if (h.isIdle()) {
                        idleH2 = h;
                        break search;
                    }
                }
            }
            if (idleH2 == null) return false;
            idleH2.shutdown();
        }
        return true;
    }

    private void open(String origin, URI uri, Transfer t) throws IOException {
        int port = Integer.parseInt(origin.substring(origin.lastIndexOf(':') + 1));
        String host = uri.getHost().startsWith("[") && uri.getHost().endsWith("]")
                ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        InetAddress now = literal(host);
        if (now == null && async != null) {
            throw new java.net.UnknownHostException("async-action mode resolves no names (the result would need a "
                    + "socket of the engine's own to come back through): use an IP literal or localhost, not " + host
                    + ", for " + t.request());
        }
        if (now != null) {
            connect(origin, uri, t, new InetSocketAddress(now, port));
        } else {
            resolveAsync(origin, uri, t, host, port);
        }
    }

    /** IP literals and localhost, without a lookup; null for a name to resolve. */
    private static InetAddress literal(String host) {
        if (host.equalsIgnoreCase("localhost")) return InetAddress.getLoopbackAddress();
        try {
            return InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException notLiteral) {
            return null;
        }
    }

    // ---------------------------------------------------------------- name resolution off the driving thread

    /** A lookup done by a resolver thread, waiting to be picked up on the driving thread. */
    private record Resolution(Transfer t, String origin, URI uri, String host, int port, InetAddress[] addresses,
            Throwable error) {}

    private final java.util.concurrent.ConcurrentLinkedQueue<Resolution> resolved =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.Set<Transfer> resolving = new java.util.LinkedHashSet<>();
    private WakeupChannel wakeup;
    private SocketTable.Entry wakeupEntry;
    /** Lookups started and not yet picked up: the wakeup socket is announced (IN) while above 0. */
    private int pendingResolutions;

    /**
     * Resolves {@code host} on a virtual thread; the result comes back through the wakeup socket,
     * announced IN only while lookups are pending. The transfer holds its connection slot meanwhile.
     */
    private void resolveAsync(String origin, URI uri, Transfer t, String host, int port) throws IOException {
        if (wakeup == null) {
            wakeup = WakeupChannel.open(transport);
            SocketHandle h = new SocketHandle(wakeup, ++generations);
            wakeupEntry = table.add(h);
            wakeupEntry.owner = wakeup;
        }
        perHost.merge(origin, 1, Integer::sum);
        total++;
        t.resolving = true;
        t.state = Transfer.State.RESOLVING;
        resolving.add(t);
        if (pendingResolutions++ == 0) table.connectionInterest(wakeupEntry, true, false);
        WakeupChannel w = wakeup;
        java.util.function.Function<String, InetAddress[]> r = resolver;
        Thread.ofVirtual().name("evloop-resolve " + host).start(() -> {
            InetAddress[] a = null;
            Throwable error = null;
            try {
                a = r.apply(host);
            } catch (Throwable e) {
                error = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
            }
            resolved.add(new Resolution(t, origin, uri, host, port, a, error));
            w.signal();
        });
    }

    /** The transfer no longer waits for its lookup: give its connection slot back. */
    private void releaseResolving(Transfer t, String origin) {
        t.resolving = false;
        resolving.remove(t);
        releaseSlot(origin);
    }

    /** The wakeup socket is readable: continue the transfers whose lookups finished. */
    private void drainResolutions() {
        wakeup.drain();
        Resolution r;
        while ((r = resolved.poll()) != null) {
            pendingResolutions--;
            Transfer t = r.t();
            if (!t.resolving) continue; // failed or removed meanwhile: its slot is already back
            releaseResolving(t, r.origin());
            if (r.error() != null || r.addresses() == null || r.addresses().length == 0) {
                String why = r.error() == null ? "no addresses" : r.error().getMessage() != null
                        && !r.error().getMessage().equals(r.host()) ? r.error().getMessage() : r.error().getClass().getSimpleName();
                UnknownHostException e = new UnknownHostException("unknown host " + r.host() + " for " + t.request() + ": " + why);
                if (r.error() != null) e.initCause(r.error());
                fail(t, e);
                continue;
            }
            try {
                if (makeRoom(r.origin())) {
                    connect(r.origin(), r.uri(), t, new InetSocketAddress(r.addresses()[0], r.port()));
                } else {
                    t.state = Transfer.State.QUEUED;
                    waiting.add(t);
                }
            } catch (IOException e) {
                if (t.connection != null) failConnection(t.connection, e); else fail(t, e);
            }
        }
        if (pendingResolutions == 0) table.connectionInterest(wakeupEntry, false, false);
        startWaiting();
    }

    private void connect(String origin, URI uri, Transfer t, InetSocketAddress address) throws IOException {
        Conduit socket;
        SocketHandle handle;
        if (async != null) {
            handle = new SocketHandle(++generations);
            socket = async.open(handle, address);
        } else {
            TcpSocket tcp;
            try {
                tcp = transport.connect(address);
            } catch (IOException e) {
                throw new IOException("connect to " + address + " for " + t.request() + ": " + e.getMessage(), e);
            }
            handle = new SocketHandle(tcp, ++generations);
            socket = new SocketConduit(tcp);
        }
        boolean https = origin.startsWith("https:");
        HttpVersionPolicy policy = policy(t);
        if (!https && policy.allowsHttp2(false)) {
            connectHttp2(origin, t, address, socket, handle);
            return;
        }
        boolean offerH2 = https && policy.allowsHttp2(true);
        TlsSession tls = https ? new TlsSession(sslContext(), uri.getHost(), address.getPort(), socket,
                offerH2 ? new String[] {"h2", "http/1.1"} : new String[] {"http/1.1"}) : null;
        Http1Connection c = new Http1Connection(this, origin, socket, handle, table.add(handle), limits, tls);
        perHost.merge(origin, 1, Integer::sum);
        total++;
        open.add(c);
        if (offerH2) h2Pending.put(origin, c);
        c.connectTimer = timers.schedule(clock.nanoTime() + connectTimeoutNanos, () -> {
            c.connectTimer = 0;
            // connected() cancels this once TCP and, for https, the TLS handshake are done: firing
            // means one of them is not. A handshake the peer never answers is not a live connection.
            failConnection(c, new HttpTimeoutException("connect to " + address
                    + (c.connected ? " (TCP connected, TLS handshake unfinished)" : "") + " timed out after "
                    + TimeUnit.NANOSECONDS.toMillis(connectTimeoutNanos) + " ms"));
        });
        c.start(t);
    }

    /** h2c with prior knowledge (RFC 9113 §3.3): the connection speaks HTTP/2 from its first byte. */
    private void connectHttp2(String origin, Transfer t, InetSocketAddress address, Conduit socket, SocketHandle handle) {
        Http2Connection h = newHttp2(origin, socket, handle, table.add(handle), null);
        perHost.merge(origin, 1, Integer::sum);
        total++;
        h2Pending.put(origin, h);
        h.opener = t;
        t.opening = h;
        t.state = Transfer.State.CONNECTING;
        h.connectTimer = timers.schedule(clock.nanoTime() + connectTimeoutNanos, () -> {
            h.connectTimer = 0;
            h.connectionFailed(new HttpTimeoutException("connect to " + address + " timed out after "
                    + TimeUnit.NANOSECONDS.toMillis(connectTimeoutNanos) + " ms"));
        });
        table.connectionInterest(h.entry, false, true); // the TCP connect: no stream exists yet
    }

    private Http2Connection newHttp2(String origin, Conduit socket, SocketHandle handle, SocketTable.Entry entry,
            TlsSession tls) {
        Http2Connection h = new Http2Connection(this, origin, socket, handle, entry, tls, h2StreamWindow,
                h2ConnectionWindow, maxStreams, limits.maxHeaderSectionBytes());
        h2Open.add(h);
        return h;
    }

    /**
     * ALPN chose h2 on {@code c}'s TLS handshake (RFC 9113 §3.2): the connection becomes an
     * {@link Http2Connection} with the same socket entry, TLS session and pool slot, and {@code t}
     * its first stream; the transfers that waited for it follow.
     */
    void becomeHttp2(Http1Connection c, Transfer t) {
        detach(c, t);
        open.remove(c);
        h2Pending.remove(c.origin, c);
        Http2Connection h = newHttp2(c.origin, c.socket, c.handle, c.entry, c.tls);
        activate(h);
        try {
            h.begin();
        } catch (IOException e) {
            h.connectionFailed(e);
            fail(t, e);
            return;
        }
        if (!h.closed) h.start(t); else fail(t, new IOException("HTTP/2 connection to " + c.origin + " failed at once"));
        startWaiting();
    }

    /** {@code c}'s TLS handshake settled on HTTP/1.1: transfers waiting to share it go their own ways. */
    void alpnSettled(Http1Connection c) {
        if (h2Pending.remove(c.origin, c)) startWaiting();
    }

    /** The h2c connect finished. */
    void connected(Http2Connection h) {
        if (h.connectTimer != 0) {
            timers.cancel(h.connectTimer);
            h.connectTimer = 0;
        }
        h2Pending.remove(h.origin, h);
        activate(h);
    }

    private void activate(Http2Connection h) {
        h2Active.computeIfAbsent(h.origin, k -> new java.util.ArrayList<>(1)).add(h);
    }

    private void deactivate(Http2Connection h) {
        java.util.List<Http2Connection> list = h2Active.get(h.origin);
        if (list != null && list.remove(h) && list.isEmpty()) h2Active.remove(h.origin);
    }

    /**
     * No usable HTTP/2 connection to {@code origin} has a free stream: may a new one open? Not
     * while one is being set up (its streams are coming), nor while any is limited by the server's
     * SETTINGS_MAX_CONCURRENT_STREAMS (the server asked for that); only when every one is full at
     * our own {@code maxStreamsPerConnection}, and {@code maxConnectionsPerHost} allows.
     */
    private boolean mayOpenAnotherHttp2(String origin) {
        if (h2Pending.containsKey(origin)) return false;
        java.util.List<Http2Connection> list = h2Active.get(origin);
        if (list == null || list.isEmpty()) return true;
        for (Http2Connection h : list) if (!h.fullAtOwnLimit()) return false;
        return perHost.getOrDefault(origin, 0) < maxPerHost;
    }

    /** {@code h} has no streams left: pooled for the keep-alive time, closed if another took its place. */
    void http2Idle(Http2Connection h) {
        java.util.List<Http2Connection> list = h2Active.get(h.origin);
        if (list == null || !list.contains(h)) {
            h.shutdown();
            return;
        }
        if (h.idleTimer != 0) timers.cancel(h.idleTimer);
        h.idleTimer = timers.schedule(clock.nanoTime() + keepAliveNanos, () -> {
            h.idleTimer = 0;
            if (h.isIdle()) {
                h.shutdown();
                startWaiting();
            }
        });
    }

    /** {@code h} takes no new streams (GOAWAY): new transfers open another connection. */
    void http2Draining(Http2Connection h) {
        deactivate(h);
    }

    /** {@code h} is out of service: its pool slot is free. */
    void http2Closed(Http2Connection h) {
        deactivate(h);
        h2Pending.remove(h.origin, h);
        releaseSlot(h.origin);
    }

    /** {@code h}'s socket is closed. */
    void http2Finished(Http2Connection h) {
        h2Open.remove(h);
    }

    /** {@code t} goes again from the start (a refused stream, a GOAWAY, a dead connection). */
    void retry(Transfer t) {
        t.state = Transfer.State.QUEUED;
        start(t);
    }

    long connectTimeoutNanos() {
        return connectTimeoutNanos;
    }

    ParserLimits parserLimits() {
        return limits;
    }

    /** Open HTTP/2 connections (busy, idle, or closing); for tests. */
    int http2Connections() {
        return h2Open.size();
    }

    /** The configured context, or the JDK default (its trust store) on first use. */
    private javax.net.ssl.SSLContext sslContext() throws IOException {
        if (sslContext == null) {
            try {
                sslContext = javax.net.ssl.SSLContext.getDefault();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException("no default TLS context: " + e.getMessage(), e);
            }
        }
        return sslContext;
    }

    void connected(Http1Connection c) {
        if (c.connectTimer != 0) {
            timers.cancel(c.connectTimer);
            c.connectTimer = 0;
        }
    }

    private Http1Connection takeIdle(String origin) {
        ArrayDeque<Http1Connection> q = idle.get(origin);
        if (q == null) return null;
        Http1Connection c;
        while ((c = q.pollLast()) != null) { // most recently used first: least likely to be closed
            idleOrder.remove(c);
            timers.cancel(c.idleTimer);
            c.idleTimer = 0;
            if (alive(c)) return c;
            closeConnection(c);
        }
        return null;
    }

    /** An idle connection is dead if the server closed it (EOF or reset) or sent bytes unasked. */
    private boolean alive(Http1Connection c) {
        try {
            return c.socket.read(probe.clear()) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    void interest(Transfer t, int interest) {
        if (t.h2 != null) throw new AssertionError("HTTP/2 streams report interest through their connection: " + t);
        if (t.interest == interest) return;
        table.change(t.connection.entry, t.interest, interest);
        t.interest = interest;
    }

    /** Bytes moved for {@code t}: its idle timeout starts over. */
    void progress(Transfer t) {
        if (t.idleTimer != 0) timers.reschedule(t.idleTimer, clock.nanoTime() + idleTimeoutNanos);
    }

    /** The idle timer stops (paused, or an upload source with nothing now); {@link #armIdle} restarts it. */
    void holdIdle(Transfer t) {
        if (t.idleTimer != 0) {
            timers.cancel(t.idleTimer);
            t.idleTimer = 0;
        }
    }

    /** The head went out with Expect: 100-continue: send the body anyway after the request's wait. */
    void armContinue(Transfer t) {
        if (t.continueTimer != 0) return;
        Http1Connection c = t.connection;
        t.continueTimer = timers.schedule(clock.nanoTime() + t.current.continueTimeout().toNanos(), () -> {
            t.continueTimer = 0;
            if (t.awaitingContinue && t.connection == c) c.sendHeldBody(t);
        });
    }

    void cancelContinue(Transfer t) {
        if (t.continueTimer != 0) {
            timers.cancel(t.continueTimer);
            t.continueTimer = 0;
        }
    }

    void armIdle(Transfer t) {
        if (idleTimeoutNanos > 0 && t.idleTimer == 0) {
            t.idleTimer = timers.schedule(clock.nanoTime() + idleTimeoutNanos, () -> {
                t.idleTimer = 0;
                fail(t, new HttpTimeoutException("no bytes for " + TimeUnit.NANOSECONDS.toMillis(idleTimeoutNanos)
                        + " ms (" + t.state + ") for " + t.request()));
            });
        }
    }

    /** The response to {@code t} is complete: finish it, keep or close the connection. */
    void completeExchange(Http1Connection c, Transfer t) {
        boolean reused = c.exchanges > 0;
        detach(c, t);
        c.exchanges++;
        completeTransfer(t, reused);
        if (c.keepAlive()) {
            idle.computeIfAbsent(c.origin, k -> new ArrayDeque<>()).addLast(c);
            idleOrder.add(c);
            c.idleTimer = timers.schedule(clock.nanoTime() + keepAliveNanos, () -> {
                c.idleTimer = 0;
                ArrayDeque<Http1Connection> q = idle.get(c.origin);
                if (q != null && q.remove(c)) {
                    closeConnection(c);
                    startWaiting(); // a slot is free now
                }
            });
        } else {
            closeConnection(c);
        }
        startWaiting();
    }

    /**
     * The response to {@code t} ended well on whatever protocol: finish it (its decoder's end is
     * checked) or follow its redirect.
     */
    void completeTransfer(Transfer t, boolean reused) {
        HttpHeaders head = t.headers.build();
        Throwable decodeError = ResponseBody.end(t);
        if (decodeError != null) {
            finish(t, null, decodeError, reused);
        } else if (isRedirect(t, head)) {
            follow(t, head);
        } else {
            byte[] body = t.body != null ? t.body.toByteArray() : new byte[0];
            HttpResponse response = new HttpResponse(t.status, t.version, head, body,
                    t.trailers != null ? t.trailers.build() : HttpHeaders.empty());
            finish(t, response, null, reused);
        }
    }

    /**
     * Follows a redirect (RFC 9110 §15.4): 303 turns any method but HEAD into GET without a body;
     * 301 and 302 turn POST into GET (what every browser does, and RFC 9110 allows); 307 and 308
     * keep the method and body. Authorization and Cookie are not sent to another origin.
     */
    private void follow(Transfer t, HttpHeaders head) {
        HttpRequest from = t.current;
        if (t.redirects >= maxRedirects) {
            finish(t, null, new IOException("too many redirects: " + maxRedirects + " followed, the next one to "
                    + head.first("Location").orElse("?") + " from " + from), false);
            return;
        }
        URI target;
        try {
            target = from.uri().resolve(head.first("Location").orElseThrow().trim());
        } catch (IllegalArgumentException e) {
            finish(t, null, new IOException("bad redirect Location from " + from + ": " + e.getMessage(), e), false);
            return;
        }
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || target.getHost() == null) {
            finish(t, null, new IOException("redirect to an unsupported location " + target + " from " + from), false);
            return;
        }
        String method = from.method();
        byte[] body = from.body();
        int s = t.status;
        if ((s == 303 && !method.equals("HEAD")) || ((s == 301 || s == 302) && method.equals("POST"))) {
            method = "GET";
            body = null;
        }
        if (from.bodySource() != null && method.equals(from.method())) {
            finish(t, null, new IOException("cannot follow " + s + " to " + target + ": the streamed body of "
                    + from + " cannot be sent again"), false);
            return;
        }
        HttpHeaders.Builder headers = from.headers().toBuilder();
        if (body == null) headers.remove("Expect");
        if (!origin(target).equals(origin(from.uri()))) {
            headers.remove("Authorization").remove("Cookie");
        }
        t.redirects++;
        t.current = from.redirect(target, method, body, headers.build());
        t.responseStarted = false;
        t.discarding = false;
        t.state = Transfer.State.QUEUED;
        start(t);
    }

    /**
     * A reused connection that turns out dead before any response byte (the server closed it while
     * idle): send an idempotent request once more on a fresh connection. True if it did.
     */
    boolean retryIfDead(Http1Connection c, Transfer t, IOException cause) {
        if (c.exchanges == 0 || t.retried || t.responseStarted || c.messageStarted() || !t.request().isIdempotent()
                || t.uploadStarted) {
            return false;
        }
        t.retried = true;
        detach(c, t);
        closeConnection(c);
        t.state = Transfer.State.QUEUED;
        start(t, true);
        return true;
    }

    void failConnection(Http1Connection c, Exception cause) {
        Transfer t = c.current;
        if (t != null) {
            detach(c, t);
            fail(t, cause);
        }
        closeConnection(c);
        startWaiting();
    }

    private void detach(Http1Connection c, Transfer t) {
        cancelContinue(t); // a retry on a fresh connection waits for its own 100
        table.leave(c.entry, t.interest);
        t.interest = 0;
        t.connection = null;
        c.current = null;
    }

    /**
     * Takes {@code c} out of service and closes it. A TLS connection first sends close_notify; if
     * the socket cannot take it now, the connection stays open, watched for WRITE as connection
     * interest (no transfer uses it any more: seed 001's example), until it is written or
     * {@link #CLOSE_NOTIFY_GRACE_NANOS} passes. Its pool slot is free at once either way.
     */
    void closeConnection(Http1Connection c) {
        if (c.closed || c.closing) return;
        if (c.current != null) detach(c, c.current);
        if (c.idleTimer != 0) timers.cancel(c.idleTimer);
        if (c.connectTimer != 0) timers.cancel(c.connectTimer);
        c.idleTimer = 0;
        c.connectTimer = 0;
        ArrayDeque<Http1Connection> q = idle.get(c.origin);
        if (q != null) q.remove(c);
        idleOrder.remove(c);
        releaseSlot(c.origin);
        open.remove(c);
        if (h2Pending.remove(c.origin, c)) startWaiting(); // its waiters go their own ways
        if (c.tls != null && c.connected && !c.tls.closeOutbound()) {
            c.closing = true;
            closing.add(c);
            table.connectionInterest(c.entry, false, true);
            c.closeTimer = timers.schedule(clock.nanoTime() + CLOSE_NOTIFY_GRACE_NANOS, () -> {
                c.closeTimer = 0;
                finishClose(c);
            });
            return;
        }
        finishClose(c);
    }

    /**
     * A connection slot of {@code origin} is free. An origin left with none leaves both maps (its
     * idle queue is empty: every pooled connection holds a slot); a client meeting many origins,
     * a crawler say, would otherwise keep an entry for each. A busy origin keeps its queue, so
     * reuse allocates nothing.
     */
    private void releaseSlot(String origin) {
        total--;
        if (perHost.merge(origin, -1, Integer::sum) == 0) {
            perHost.remove(origin);
            idle.remove(origin);
        }
    }

    /** REMOVE is announced before the socket is closed: the number may be reused at once. */
    void finishClose(Http1Connection c) {
        if (c.closed) return;
        c.closed = true;
        c.closing = false;
        closing.remove(c);
        if (c.closeTimer != 0) {
            timers.cancel(c.closeTimer);
            c.closeTimer = 0;
        }
        table.connectionInterest(c.entry, false, false);
        table.remove(c.entry);
        c.handle.markClosed();
        if (c.tls != null) discardInput(c);
        try {
            c.socket.close();
        } catch (IOException ignored) {
            // nothing left to lose on a connection being discarded
        }
    }

    /**
     * Reads and drops what the peer already sent (TLS 1.3 session tickets nobody read, say):
     * closing a socket with unread input sends RST instead of FIN (RFC 1122 §4.2.2.13), and the
     * reset can reach the peer before the close_notify it follows. Bounded; never waits.
     */
    private void discardInput(Http1Connection c) {
        discardInput(c.socket);
    }

    void discardInput(Conduit socket) {
        ByteBuffer buf = takeReadBuffer();
        try {
            for (int i = 0; i < 16; i++) {
                buf.clear();
                if (socket.read(buf) <= 0) return;
            }
        } catch (IOException ignored) {
            // already reset: nothing to protect
        } finally {
            giveBackReadBuffer(buf);
        }
    }

    /** Connections closed for use whose close_notify still waits for the socket; for tests. */
    int closingConnections() {
        return closing.size();
    }

    /** The limit on a collected response body, decoded bytes ({@link Builder#maxResponseBody}). */
    long maxResponseBody() {
        return maxResponseBody;
    }

    /**
     * What the engine holds, by structure: all 0 once every transfer is done, its connections
     * closed and its results read. For tests that look for retained memory.
     */
    Map<String, Integer> footprint() {
        Map<String, Integer> m = new java.util.LinkedHashMap<>();
        m.put("timers", timers.size());
        m.put("sockets", table.size());
        m.put("open", open.size());
        m.put("closing", closing.size());
        m.put("idle", idle.size());
        m.put("idleOrder", idleOrder.size());
        m.put("perHost", perHost.size());
        m.put("waiting", waiting.size());
        m.put("resolving", resolving.size());
        m.put("finished", finished.size());
        m.put("results", results.size());
        m.put("streams", streams.size());
        m.put("readSoon", readSoon.size());
        m.put("ended", ended.size());
        m.put("h2Open", h2Open.size());
        m.put("h2Active", h2Active.size());
        m.put("h2Pending", h2Pending.size());
        m.put("asyncSockets", async != null ? async.size() : 0);
        return m;
    }

    /**
     * Starts the waiting transfers that can start now, in order. Starting one may queue it again
     * or start others (a retry); re-entered, it only asks for another pass.
     */
    void startWaiting() {
        if (inStartWaiting) {
            startAgain = true;
            return;
        }
        inStartWaiting = true;
        try {
            do {
                startAgain = false;
                for (int n = waiting.size(); n > 0; n--) {
                    Transfer t = waiting.poll();
                    if (t == null) break;
                    if (canStart(t)) start(t); else waiting.add(t);
                }
            } while (startAgain);
        } finally {
            inStartWaiting = false;
        }
    }

    private boolean canStart(Transfer t) {
        String origin = t.current.origin();
        boolean https = origin.startsWith("https:");
        HttpVersionPolicy policy = policy(t);
        if (policy.allowsHttp2(https)) {
            java.util.List<Http2Connection> list = h2Active.get(origin);
            if (list != null) for (Http2Connection h : list) if (h.canOpenStream()) return true;
            if (!mayOpenAnotherHttp2(origin)) return false;
        }
        boolean idleReady = (https || !policy.allowsHttp2(false)) && idle.containsKey(origin) && !idle.get(origin).isEmpty();
        boolean room = (perHost.getOrDefault(origin, 0) < maxPerHost || idleReady)
                && (total < maxTotal || !idleOrder.isEmpty());
        return idleReady || room;
    }

    void fail(Transfer t, Throwable error) {
        if (t.state == Transfer.State.DONE) return;
        if (t.h2 != null) t.h2.conn.cancel(t); // RST_STREAM for it alone
        if (t.opening != null) {
            t.opening.opener = null;
            t.opening = null;
        }
        Http1Connection c = t.connection;
        if (c != null) {
            detach(c, t);
            closeConnection(c); // mid-exchange: its framing is lost
            startWaiting();
        } else if (t.resolving) {
            releaseResolving(t, t.current.origin());
            startWaiting();
        } else {
            waiting.remove(t);
        }
        finish(t, null, error, false);
    }

    private void finish(Transfer t, HttpResponse response, Throwable error, boolean reused) {
        t.state = Transfer.State.DONE;
        if (t.decoder != null) {
            t.decoder.close(); // its Inflater holds native memory
            t.decoder = null;
        }
        if (t.totalTimer != 0) timers.cancel(t.totalTimer);
        if (t.idleTimer != 0) timers.cancel(t.idleTimer);
        cancelContinue(t);
        t.held = null;
        t.totalTimer = 0;
        t.idleTimer = 0;
        running--;
        t.result = new TransferResult(t, response, error, t.addedNanos, clock.nanoTime(), reused);
        finished.add(t);
    }

    /** Options for {@link HttpEngine}. The two callbacks are required. */
    public static final class Builder {
        private SocketCallback socketCallback;
        private AsyncIo asyncIo;
        private TimerCallback timerCallback;
        private Transport transport = Transport.NATIVE;
        private Clock clock = Clock.system();
        /** Default from {@value #CHECKING_PROPERTY}, so a test suite can turn it on everywhere. */
        private boolean checking = Boolean.getBoolean(CHECKING_PROPERTY);
        private ParserLimits limits = ParserLimits.DEFAULT;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(30);
        private Duration totalTimeout;
        private Duration keepAlive = Duration.ofSeconds(60);
        private int maxPerHost = 8;
        private int maxTotal = Integer.MAX_VALUE;
        private long maxResponseBody = DEFAULT_MAX_RESPONSE_BODY;
        private boolean queueResults = true;
        private int maxRedirects;
        private javax.net.ssl.SSLContext sslContext;
        private java.util.function.Function<String, InetAddress[]> resolver = HttpEngine::lookUp;
        private HttpVersionPolicy versionPolicy = HttpVersionPolicy.HTTP_2_TLS;
        private int maxStreams = 100;
        private int h2StreamWindow = 1 << 20;
        private int h2ConnectionWindow = 16 << 20;

        /** Which HTTP versions transfers may use (default {@link HttpVersionPolicy#HTTP_2_TLS}). */
        public Builder versionPolicy(HttpVersionPolicy policy) {
            this.versionPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Streams in flight at most on one HTTP/2 connection (default 100), below the server's
         * SETTINGS_MAX_CONCURRENT_STREAMS when that is lower; more transfers to the origin wait
         * for a stream. With one connection per origin this is the per-origin stream limit.
         */
        public Builder maxStreamsPerConnection(int n) {
            if (n <= 0) throw new IllegalArgumentException("maxStreamsPerConnection must be positive, got " + n);
            this.maxStreams = n;
            return this;
        }

        /**
         * HTTP/2 receive windows (RFC 9113 §6.9): what one stream, and the whole connection, may
         * have in flight towards us (defaults 1 MiB and 16 MiB). A stream's window is given back as
         * its bytes are delivered, so a paused transfer holds at most {@code stream} bytes.
         */
        public Builder http2Windows(int stream, int connection) {
            if (stream < 65_535 || connection < 65_535) {
                throw new IllegalArgumentException("HTTP/2 windows must be at least 65535 (RFC 9113 §6.9.2), got stream "
                        + stream + ", connection " + connection);
            }
            this.h2StreamWindow = stream;
            this.h2ConnectionWindow = connection;
            return this;
        }

        /**
         * How names other than IP literals and {@code localhost} are resolved (default: the JDK's
         * {@link InetAddress#getAllByName}). Called on a virtual thread, never the driving one; it
         * may block. Throw (an {@link java.io.UncheckedIOException} wrapping an
         * {@link UnknownHostException}, say) or return no addresses for an unknown host.
         */
        public Builder resolver(java.util.function.Function<String, InetAddress[]> resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /** TLS settings, e.g. a custom trust store (default: the JDK's default context). */
        public Builder sslContext(javax.net.ssl.SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "context");
            return this;
        }
        private boolean decodeContent = true;
        private dev.evloop.http.codec.ContentDecoder.Limits decoderLimits =
                dev.evloop.http.codec.ContentDecoder.Limits.DEFAULT;

        private Builder() {}

        /** Follow up to {@code max} redirects (0, the default: do not follow). */
        public Builder followRedirects(int max) {
            if (max < 0) throw new IllegalArgumentException("followRedirects must not be negative, got " + max);
            this.maxRedirects = max;
            return this;
        }

        /**
         * Ask for gzip and deflate (Accept-Encoding, unless the request sets its own) and decode
         * such bodies (default on; libcurl's CURLOPT_ACCEPT_ENCODING).
         */
        public Builder decodeContent(boolean on) {
            this.decodeContent = on;
            return this;
        }

        /** Limits on decoded size and expansion ratio (zip bombs). */
        public Builder decoderLimits(dev.evloop.http.codec.ContentDecoder.Limits limits) {
            this.decoderLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        public Builder socketCallback(SocketCallback cb) {
            this.socketCallback = cb;
            return this;
        }

        /**
         * Async-action (completion) mode instead of readiness: the application owns the sockets and
         * performs each connect, receive, send and close the engine asks of {@code io}, reporting
         * completions through {@link HttpEngine#connected}, {@link HttpEngine#received} and
         * {@link HttpEngine#sent}. Excludes {@link #socketCallback}; {@link #transport} is unused.
         * Names are not resolved: IP literals and localhost only.
         * See {@link AsyncIo}.
         */
        public Builder asyncIo(AsyncIo io) {
            this.asyncIo = Objects.requireNonNull(io, "io");
            return this;
        }

        public Builder timerCallback(TimerCallback cb) {
            this.timerCallback = cb;
            return this;
        }

        /** NATIVE (descriptors, for epoll/poll loops) or NIO (channels, for a JDK Selector loop). */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Verify the socket contract at every call (see {@link ContractViolation}); tests keep it on. */
        public Builder checking(boolean on) {
            this.checking = on;
            return this;
        }

        public Builder parserLimits(ParserLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** The TCP connect and, for https, the TLS handshake together must finish within this. */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive(d, "connectTimeout");
            return this;
        }

        /** No bytes in either direction for this long fails the transfer. */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = positive(d, "idleTimeout");
            return this;
        }

        /** The default total time per transfer, queueing included (none by default). */
        public Builder totalTimeout(Duration d) {
            this.totalTimeout = positive(d, "totalTimeout");
            return this;
        }

        /** How long an idle connection is kept for reuse. */
        public Builder keepAlive(Duration d) {
            this.keepAlive = positive(d, "keepAlive");
            return this;
        }

        /** Connections per origin at most (libcurl's MAX_HOST_CONNECTIONS); more transfers wait. */
        public Builder maxConnectionsPerHost(int n) {
            if (n <= 0) throw new IllegalArgumentException("maxConnectionsPerHost must be positive, got " + n);
            this.maxPerHost = n;
            return this;
        }

        /**
         * The most decoded body bytes a {@linkplain Transfer#collecting collecting} transfer
         * gathers (default {@link HttpEngine#DEFAULT_MAX_RESPONSE_BODY}, 64 MiB): a longer body fails the
         * transfer with an {@link IOException} naming the limit and closes the connection; a
         * Content-Length above it (on a body without content coding) fails before any body byte.
         * {@link Long#MAX_VALUE} for none. {@linkplain Transfer#streaming Streaming} transfers hold
         * nothing and are not limited; {@link ParserLimits#maxBodyBytes()} limits every body. The
         * body of a redirect being followed, read and dropped, is held to this limit for every
         * transfer: bytes that keep coming would otherwise hold it forever.
         */
        public Builder maxResponseBody(long bytes) {
            if (bytes < 0) throw new IllegalArgumentException("maxResponseBody must not be negative, got " + bytes);
            this.maxResponseBody = bytes;
            return this;
        }

        /**
         * Queue each result for {@link HttpEngine#nextResult} as well as delivering it to its listener
         * (default on, as libcurl's info queue). An application that only uses listeners turns it
         * off: undrained results are held with their bodies for the engine's life.
         */
        public Builder queueResults(boolean on) {
            this.queueResults = on;
            return this;
        }

        /** Connections in all at most (libcurl's MAX_TOTAL_CONNECTIONS); more transfers wait. */
        public Builder maxConnections(int n) {
            if (n <= 0) throw new IllegalArgumentException("maxConnections must be positive, got " + n);
            this.maxTotal = n;
            return this;
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive: " + d);
            return d;
        }

        public HttpEngine build() {
            return new HttpEngine(this);
        }
    }
}
