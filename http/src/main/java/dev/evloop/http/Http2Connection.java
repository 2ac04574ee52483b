package dev.evloop.http;

import static dev.evloop.poll.Events.ERROR;
import static dev.evloop.poll.Events.HANGUP;
import static dev.evloop.poll.Events.READ;
import static dev.evloop.poll.Events.WRITE;

import dev.evloop.http.codec.Http1RequestEncoder;
import dev.evloop.http.codec.h2.ErrorCode;
import dev.evloop.http.codec.h2.Http2;
import dev.evloop.http.codec.h2.Http2Exception;
import dev.evloop.http.codec.h2.Http2FrameListener;
import dev.evloop.http.codec.h2.Http2FrameReader;
import dev.evloop.http.codec.h2.Http2FrameWriter;
import dev.evloop.http.codec.h2.Http2Settings;
import dev.evloop.http.codec.hpack.HpackDecoder;
import dev.evloop.http.codec.hpack.HpackEncoder;
import dev.evloop.http.codec.hpack.HpackException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 connection of the engine (RFC 9113), carrying many transfers at once, one stream
 * each. It shares one {@link SocketTable} entry among its transfers: each stream reports READ
 * while its response may still arrive (and it is not paused) and WRITE while its request bytes
 * wait for the socket; what no transfer owns (SETTINGS and PING acks, WINDOW_UPDATEs, GOAWAY, a
 * TLS close_notify, the TCP connect of h2c) is connection interest. One transfer ending never
 * removes the socket while others use it; an idle connection is pooled unwatched (REMOVE), as
 * HTTP/1.1 ones are.
 *
 * <p>Flow control (§5.2, §6.9): receive windows are ours to set ({@code http2Windows}); a stream's
 * window is given back as the application consumes its bytes (not while it is paused: that is the
 * backpressure), the connection's as soon as bytes arrive (each stream's window already bounds
 * what a paused stream holds). Send windows are the peer's; request bodies go out in DATA frames
 * as large as both windows and the peer's SETTINGS_MAX_FRAME_SIZE allow, round robin over the
 * streams that have bytes.
 *
 * <p>Limits: output queued for a peer that does not read (acks of a PING or SETTINGS flood) is
 * bounded ({@link #OUT_LIMIT}, then ENHANCE_YOUR_CALM); the frame reader bounds frames, header
 * blocks and CONTINUATION counts; the HPACK decoder bounds the header list; a server that resets
 * our streams costs us one failed transfer each, never a retry loop.
 */
final class Http2Connection implements Http2FrameListener {
    private static final int READS_PER_EVENT = 16;
    /** Output queued at most before no more DATA is generated until the socket takes some. */
    private static final int OUT_HIGH_WATER = 128 * 1024;
    /** Output queued at most at all: beyond it the peer is not reading what it asks for. */
    static final int OUT_LIMIT = 1 << 20;
    /** CONTINUATION frames one header block may have (the empty-CONTINUATION flood). */
    private static final int MAX_CONTINUATIONS = 64;
    /** Streams retried after a GOAWAY or REFUSED_STREAM at most, per transfer. */
    static final int MAX_REFUSALS = 3;
    /** A pooled connection idle this long is checked with a PING when reused. */
    static final long PING_AFTER_IDLE_NANOS = TimeUnit.SECONDS.toNanos(5);

    final HttpEngine engine;
    final String origin;
    final Conduit socket;
    final SocketHandle handle;
    final SocketTable.Entry entry;
    final TlsSession tls;
    private final Http2FrameReader reader;
    private final HpackEncoder encoder = new HpackEncoder(Http2.DEFAULT_HEADER_TABLE_SIZE);
    private final HpackDecoder decoder;
    private final Fields fields;
    private final int streamWindow;
    private final int connectionWindow;
    private final int maxStreams;

    /** Frames waiting for the socket, in write mode. */
    private ByteBuffer out = ByteBuffer.allocate(16 * 1024);
    private long writtenBytes;
    private ByteBuffer scratch;
    /** :authority of requests without a Host field, from the first one. */
    private String authority;

    private final StreamMap streams = new StreamMap();
    private final ArrayDeque<Http2Stream> senders = new ArrayDeque<>();
    private int nextStreamId = 1;
    private int opened;

    boolean connected;
    boolean closed;
    boolean closing;
    /** No new streams: GOAWAY received or sent, or the stream ids ran out. */
    boolean draining;
    long connectTimer;
    long idleTimer;
    private long closeTimer;
    private long pingTimer;
    private long settingsTimer;
    private long pingPayload;
    long idleSinceNanos;
    /** h2c: the transfer that opened this connection, started on it once connected. */
    Transfer opener;

    private boolean peerSettingsReceived;
    private long peerMaxStreams = Long.MAX_VALUE;
    private long peerInitialWindow = Http2.DEFAULT_INITIAL_WINDOW;
    private int peerMaxFrame = Http2.DEFAULT_MAX_FRAME_SIZE;
    private long peerMaxHeaderList = Long.MAX_VALUE;
    private long sendWindow = Http2.DEFAULT_INITIAL_WINDOW;
    private long recvWindow;
    private long recvUnacked;
    private boolean goAwayReceived;
    private String goAwayReason;

    Http2Connection(HttpEngine engine, String origin, Conduit socket, SocketHandle handle, SocketTable.Entry entry,
            TlsSession tls, int streamWindow, int connectionWindow, int maxStreams, int maxHeaderBytes) {
        this.engine = engine;
        this.origin = origin;
        this.socket = socket;
        this.handle = handle;
        this.entry = entry;
        this.tls = tls;
        this.streamWindow = streamWindow;
        this.connectionWindow = connectionWindow;
        this.maxStreams = maxStreams;
        this.reader = new Http2FrameReader(Http2.DEFAULT_MAX_FRAME_SIZE, maxHeaderBytes, MAX_CONTINUATIONS);
        this.decoder = new HpackDecoder(Http2.DEFAULT_HEADER_TABLE_SIZE, maxHeaderBytes);
        this.fields = new Fields();
        this.recvWindow = Http2.DEFAULT_INITIAL_WINDOW;
        entry.owner = this;
    }

    // ---------------------------------------------------------------- set-up

    /**
     * The transport is ready (TCP for h2c, TCP and TLS with ALPN h2): queue the connection preface
     * (§3.4), our SETTINGS and the connection window beyond the default 65,535 (§6.9.2: only a
     * WINDOW_UPDATE on stream 0 changes it).
     */
    void begin() throws IOException {
        connected = true;
        idleSinceNanos = engine.clock().nanoTime(); // new: not worth a PING when reused at once
        out = Http2FrameWriter.preface(out);
        Http2Settings s = new Http2Settings()
                .set(Http2Settings.ENABLE_PUSH, 0) // §8.4: we take no pushes
                .set(Http2Settings.INITIAL_WINDOW_SIZE, streamWindow)
                .set(Http2Settings.MAX_HEADER_LIST_SIZE, decoder.maxHeaderListSize());
        out = Http2FrameWriter.settings(out, s);
        if (connectionWindow > Http2.DEFAULT_INITIAL_WINDOW) {
            out = Http2FrameWriter.windowUpdate(out, 0, connectionWindow - Http2.DEFAULT_INITIAL_WINDOW);
            recvWindow = connectionWindow;
        }
        long timeout = engine.connectTimeoutNanos();
        settingsTimer = engine.timers().schedule(engine.clock().nanoTime() + timeout, () -> {
            settingsTimer = 0;
            // §6.5.3: a SETTINGS not acknowledged in reasonable time MAY be a SETTINGS_TIMEOUT.
            connectionError(Http2Exception.connection(ErrorCode.SETTINGS_TIMEOUT, "no SETTINGS acknowledgement from "
                    + origin + " within " + TimeUnit.NANOSECONDS.toMillis(timeout) + " ms"));
        });
        flushAndWatch();
    }

    /** True if a new stream may start now (§5.1.2: the peer's MAX_CONCURRENT_STREAMS, our own limit). */
    boolean canOpenStream() {
        if (closed || closing || draining || !connected) return false;
        // Until the peer's first SETTINGS we do not know its limit: one stream, the rest right after.
        long limit = peerSettingsReceived ? Math.min(peerMaxStreams, maxStreams) : 1;
        return streams.size() < limit;
    }

    /** Settled, and full at our own stream limit rather than the server's: another connection may help. */
    boolean fullAtOwnLimit() {
        return connected && peerSettingsReceived && !draining && maxStreams <= peerMaxStreams && streams.size() >= maxStreams;
    }

    boolean isIdle() {
        return streams.isEmpty();
    }

    int activeStreams() {
        return streams.size();
    }

    /**
     * Before reusing a pooled connection: read what arrived while it was unwatched (a GOAWAY, the
     * end of the connection) and, after a long idle, send a PING whose acknowledgement must come
     * within the connect timeout (§6.7). False if the connection is not usable.
     */
    boolean checkOnReuse() {
        long now = engine.clock().nanoTime();
        // From a frame callback (a REFUSED_STREAM retry, a waiting transfer started when a stream
        // ended) the shared read buffer is still being parsed: reading into it would corrupt it.
        if (!engine.readBufferBusy) {
            try {
                readFrames(0);
            } catch (IOException | RuntimeException e) {
                failed(e);
            }
        }
        if (closed || closing || draining) return false;
        if (now - idleSinceNanos >= PING_AFTER_IDLE_NANOS && pingTimer == 0) sendPing();
        return true;
    }

    private void sendPing() {
        pingPayload = System.nanoTime();
        out = Http2FrameWriter.ping(out, false, pingPayload);
        long timeout = engine.connectTimeoutNanos();
        pingTimer = engine.timers().schedule(engine.clock().nanoTime() + timeout, () -> {
            pingTimer = 0;
            connectionFailed(new HttpTimeoutException("HTTP/2 connection to " + origin + " did not answer a PING within "
                    + TimeUnit.NANOSECONDS.toMillis(timeout) + " ms: taken for dead"));
        });
    }

    // ---------------------------------------------------------------- streams

    /** Opens a stream for {@code t} ({@link #canOpenStream} must be true). */
    void start(Transfer t) {
        if (idleTimer != 0) {
            engine.timers().cancel(idleTimer);
            idleTimer = 0;
        }
        int id = nextStreamId;
        nextStreamId += 2;
        if (nextStreamId < 0) draining = true; // §5.1.1: ids ran out; new streams need a new connection
        Http2Stream s = new Http2Stream(this, id, t, peerInitialWindow, streamWindow, opened++);
        streams.put(id, s);
        t.h2 = s;
        t.interest = 0;
        t.state = Transfer.State.SENDING;
        t.responseStarted = false;
        t.uploadStalled = false;
        t.completePending = false;
        engine.table().join(entry);
        engine.armIdle(t);
        HttpRequest r = t.current;
        byte[] body = r.body();
        BodySource source = r.bodySource();
        boolean hasBody = body != null && body.length > 0 || source != null;
        try {
            ByteBuffer block = encodeHead(r, hasBody ? (source != null ? source.length() : body.length) : -1);
            out = Http2FrameWriter.headers(out, id, block, !hasBody, peerMaxFrame);
        } catch (IllegalArgumentException | IOException e) {
            removeStream(s);
            engine.fail(t, e instanceof IOException io ? io : new IOException(e.getMessage() + " for " + r, e));
            return;
        }
        if (!hasBody) {
            s.endStreamQueued = true;
            s.endStreamAt = queued();
        } else {
            s.sending = true;
            if (body != null) {
                s.body = ByteBuffer.wrap(body);
            } else {
                t.upload = source;
                s.sourceRemaining = source.length();
            }
            if (r.expectContinue()) {
                s.holdingBody = true;
                s.continueTimer = engine.timers().schedule(engine.clock().nanoTime() + r.continueTimeout().toNanos(), () -> {
                    s.continueTimer = 0;
                    releaseBody(s);
                    flushAndWatch();
                });
            } else {
                senders.add(s);
            }
        }
        if (!s.sending) t.state = Transfer.State.RECEIVING;
        flushAndWatch();
    }

    /**
     * The request head as an HPACK block: the pseudo-header fields first (§8.3.1), then the
     * fields in lower case without the connection-specific ones HTTP/2 forbids (§8.2.2); a Host
     * field becomes :authority.
     */
    private ByteBuffer encodeHead(HttpRequest r, long length) throws IOException {
        URI uri = r.uri();
        HttpHeaders headers = engine.headersToSend(r);
        String authority = headers.first("Host").orElse(null);
        if (authority == null) {
            // One origin per connection: its authority is computed once (the host compares
            // case-insensitively, RFC 3986 §3.2.2).
            if (this.authority == null) this.authority = Http1RequestEncoder.hostHeader(uri);
            authority = this.authority;
        }
        encoder.beginBlock();
        long size = 0;
        encoder.field(":method", r.method());
        encoder.field(":scheme", uri.getScheme().toLowerCase(Locale.ROOT));
        encoder.field(":authority", authority);
        String path = Http1RequestEncoder.requestTarget(uri);
        encoder.field(":path", path);
        size += 4 * 32 + 7 + r.method().length() + 7 + 5 + 10 + authority.length() + 5 + path.length();
        boolean sawLength = false;
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i).toLowerCase(Locale.ROOT);
            String value = headers.value(i);
            switch (name) {
                case "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade" -> {
                    continue;
                }
                case "te" -> {
                    if (!value.trim().equalsIgnoreCase("trailers")) continue; // §8.2.2: only "trailers"
                }
                case "content-length" -> sawLength = true;
                default -> { }
            }
            encoder.field(name, value);
            size += 32 + name.length() + value.length();
        }
        if (!sawLength && length >= 0 && !(length == 0 && r.method().equals("GET"))) {
            String v = Long.toString(length);
            encoder.field("content-length", v);
            size += 32 + 14 + v.length();
        }
        if (size > peerMaxHeaderList) {
            encoder.endBlock();
            throw new IOException("request header list of " + size + " bytes exceeds the server's "
                    + "SETTINGS_MAX_HEADER_LIST_SIZE " + peerMaxHeaderList + " for " + r);
        }
        return encoder.endBlock();
    }

    /** 100 Continue came, or the wait ended: the held body goes out. */
    private void releaseBody(Http2Stream s) {
        if (!s.holdingBody || streams.get(s.id) != s) return;
        s.holdingBody = false;
        if (s.continueTimer != 0) {
            engine.timers().cancel(s.continueTimer);
            s.continueTimer = 0;
        }
        if (s.sending) senders.add(s);
    }

    /** The application's source has bytes again. */
    void resumeUpload(Transfer t) {
        Http2Stream s = t.h2;
        if (s == null || !s.sending || s.holdingBody) return;
        engine.armIdle(t);
        if (!senders.contains(s)) senders.add(s);
        flushAndWatch();
    }

    /** The application resumed a paused transfer: held bytes first, their window back, then reading. */
    void resumeReceiving(Transfer t) {
        Http2Stream s = t.h2;
        if (s == null) return;
        engine.armIdle(t);
        ByteBuffer h = t.held;
        t.held = null;
        if (h != null && h.flip().hasRemaining()) {
            try {
                t.listener().onBody(t, h);
            } catch (RuntimeException e) {
                resetStream(s, ErrorCode.CANCEL, e);
                flushAndWatch();
                return;
            }
            if (t.paused || t.h2 != s) {
                flushAndWatch();
                return;
            }
        }
        s.recvUnacked += s.heldCredit;
        s.heldCredit = 0;
        if (t.completePending) {
            t.completePending = false;
            complete(s);
        } else {
            returnStreamWindow(s);
        }
        flushAndWatch();
    }

    /** The transfer was paused: its stream stops reading. */
    void paused(Transfer t) {
        if (t.h2 != null) updateInterest();
    }

    /**
     * The engine gives up on {@code t} (removed, timed out): RST_STREAM CANCEL (§8.7) for its
     * stream alone, the others go on.
     */
    void cancel(Transfer t) {
        Http2Stream s = t.h2;
        if (s == null) return;
        if (!closed && !closing) out = Http2FrameWriter.rstStream(out, s.id, ErrorCode.CANCEL);
        removeStream(s);
        afterStreamEnded();
        flushAndWatch();
    }

    private void removeStream(Http2Stream s) {
        if (streams.remove(s.id) != s) return;
        senders.remove(s);
        if (s.continueTimer != 0) {
            engine.timers().cancel(s.continueTimer);
            s.continueTimer = 0;
        }
        Transfer t = s.t;
        engine.table().leave(entry, t.interest);
        t.interest = 0;
        t.h2 = null;
        t.upload = null;
    }

    /** A stream ended: waiting transfers may take its place; an empty connection idles or closes. */
    private void afterStreamEnded() {
        if (!streams.isEmpty() || closed || closing) return;
        if (draining) {
            shutdown();
        } else {
            idleSinceNanos = engine.clock().nanoTime();
            engine.http2Idle(this);
        }
    }

    // ---------------------------------------------------------------- driving


    /** The application says the socket is ready ({@code events} 0: unknown, try everything). */
    void onReady(int events) {
        if (closed) return;
        if (closing) {
            closeStep();
            return;
        }
        // Plain try/catch rather than a lambda: this runs per event and must not allocate.
        try {
            if (!connected) {
                connectDone();
            } else if (events == 0 || (events & (READ | ERROR | HANGUP)) != 0) {
                readFrames(READS_PER_EVENT);
            }
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
        flushAndWatch();
    }

    /** h2c: the TCP connect may have finished; once it has, the preface goes out and the opener starts. */
    private void connectDone() throws IOException {
        if (!socket.finishConnect()) return;
        engine.connected(this);
        begin();
        Transfer o = opener;
        opener = null;
        if (o != null) {
            o.opening = null;
            if (canOpenStream()) start(o); else engine.retry(o);
        }
        engine.startWaiting();
    }

    /** A failure of the connection's own work: a protocol error from the peer, or the transport. */
    private void failed(Exception e) {
        if (e instanceof Http2Exception h) {
            connectionError(h);
        } else if (e instanceof IOException io) {
            connectionFailed(io);
        } else if (e instanceof UncheckedIOException u) {
            connectionFailed(u.getCause());
        } else {
            connectionFailed(new IOException("HTTP/2 connection to " + origin + " failed: " + e, e));
        }
    }

    private void closeStep() {
        try {
            finishClosing();
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
    }

    private void readFrames(int reads) throws IOException {
        ByteBuffer buf = engine.takeReadBuffer();
        try {
            readFrames(buf, reads);
        } finally {
            engine.giveBackReadBuffer(buf);
        }
    }

    private void readFrames(ByteBuffer buf, int reads) throws IOException {
        for (int i = 0; !closed && !closing && (i < reads || i == 0 || tls != null && tls.hasBufferedInput()); i++) {
            buf.clear();
            int n = tls == null ? socket.read(buf) : tls.read(buf);
            if (n == 0) return;
            if (n < 0) {
                endOfStream();
                return;
            }
            buf.flip();
            while (true) {
                try {
                    reader.read(buf, this);
                    break;
                } catch (Http2Exception e) {
                    if (e.isConnectionError()) throw e;
                    Http2Stream s = streams.get(e.streamId());
                    if (s != null) {
                        resetStream(s, e.code(), e);
                    } else {
                        out = Http2FrameWriter.rstStream(out, e.streamId(), e.code());
                    }
                    if (closed || closing) return;
                }
            }
            checkOutputBound();
        }
    }

    /** Queues frames the peer asked for (acks): a peer that floods them without reading is stopped. */
    private void checkOutputBound() throws Http2Exception {
        if (out.position() > OUT_LIMIT) {
            throw Http2Exception.connection(ErrorCode.ENHANCE_YOUR_CALM, "more than " + OUT_LIMIT
                    + " bytes of frames queued for " + origin + ", which sends faster than it reads (PING, SETTINGS "
                    + "or RST_STREAM flood)");
        }
    }

    private void endOfStream() throws IOException {
        if (goAwayReceived && streams.isEmpty()) {
            close(false);
            return;
        }
        if (tls != null && !tls.closeNotifyReceived() && !streams.isEmpty()) {
            throw new javax.net.ssl.SSLException("HTTP/2 connection to " + origin + " ended without close_notify");
        }
        throw new IOException("HTTP/2 connection closed by " + origin
                + (goAwayReason != null ? " after " + goAwayReason : "") + " with " + streams.size() + " streams open");
    }

    /** Queues DATA, writes, and reports the interest the work left: at the end of every step. */
    private void flushAndWatch() {
        if (closed) return;
        if (closing) {
            closeStep();
            return;
        }
        try {
            for (int round = 0; round < 16 && !closed && !closing; round++) {
                if (connected) produceData();
                if (!flush() || senders.isEmpty() || sendWindow <= 0) break;
            }
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
        if (!closed && !closing) updateInterest();
    }

    /** Writes queued frames. True if none are left. */
    private boolean flush() throws IOException {
        if (out.position() > 0) {
            out.flip();
            int before = out.remaining();
            if (tls == null) socket.write(out); else tls.write(out);
            writtenBytes += before - out.remaining();
            out.compact();
        } else if (tls != null && tls.hasPendingOutput()) {
            tls.write(out.flip());
            out.clear();
        }
        return out.position() == 0 && (tls == null || !tls.hasPendingOutput());
    }

    private long queued() {
        return writtenBytes + out.position();
    }

    /** Turns request bodies into DATA frames, round robin, within the windows and the output bound. */
    private void produceData() throws IOException {
        int passes = senders.size() * 4 + 4;
        while (!senders.isEmpty() && out.position() < OUT_HIGH_WATER && sendWindow > 0 && passes-- > 0) {
            Http2Stream s = senders.poll();
            if (!s.sending || streams.get(s.id) != s) continue;
            long room = Math.min(Math.min(peerMaxFrame, sendWindow), s.sendWindow);
            if (room <= 0) {
                s.windowBlocked = true; // a WINDOW_UPDATE for it puts it back
                continue;
            }
            Transfer t = s.t;
            if (s.body != null) {
                int n = (int) Math.min(room, s.body.remaining());
                boolean end = n == s.body.remaining();
                out = Http2FrameWriter.data(out, s.id, s.body, n, end);
                sent(s, n, end);
            } else {
                if (scratch == null) scratch = ByteBuffer.allocate(Http2.DEFAULT_MAX_FRAME_SIZE * 4);
                scratch.clear();
                int limit = (int) Math.min(room, scratch.capacity());
                if (s.sourceRemaining >= 0) limit = (int) Math.min(limit, s.sourceRemaining);
                scratch.limit(limit);
                int n = limit == 0 ? -1 : t.upload.read(scratch);
                if (n == 0) {
                    t.uploadStalled = true; // resumeUpload puts it back
                    engine.holdIdle(t);
                    continue;
                }
                if (n < 0 && s.sourceRemaining > 0) {
                    long length = t.upload.length();
                    resetStream(s, ErrorCode.CANCEL, new IOException("body source ended after "
                            + (length - s.sourceRemaining) + " of its " + length + " bytes for " + t.current));
                    continue;
                }
                scratch.flip();
                if (n > 0) {
                    t.uploadStarted = true;
                    if (s.sourceRemaining > 0) s.sourceRemaining -= n;
                }
                boolean end = n < 0 || s.sourceRemaining == 0;
                out = Http2FrameWriter.data(out, s.id, scratch, Math.max(n, 0), end);
                sent(s, Math.max(n, 0), end);
            }
            if (s.sending) senders.add(s);
        }
    }

    private void sent(Http2Stream s, int n, boolean end) {
        sendWindow -= n;
        s.sendWindow -= n;
        engine.progress(s.t);
        if (end) {
            s.sending = false;
            s.body = null;
            s.t.upload = null;
            s.endStreamQueued = true;
            s.endStreamAt = queued();
            s.t.state = Transfer.State.RECEIVING;
        }
    }

    /**
     * Each stream: READ while its response may arrive and it is not paused; WRITE while its
     * request bytes wait for the socket. Connection interest: WRITE for bytes no stream owns,
     * READ while a SETTINGS or PING acknowledgement is awaited.
     */
    private void updateInterest() {
        SocketTable table = engine.table();
        if (!connected) {
            table.connectionInterest(entry, false, true);
            return;
        }
        boolean blocked = out.position() > 0 || tls != null && tls.hasPendingOutput();
        boolean streamWrites = false;
        for (int i = 0, n = streams.capacity(); i < n; i++) {
            Http2Stream s = streams.at(i);
            if (s == null) continue;
            Transfer t = s.t;
            int want = 0;
            if (!s.remoteEnded && !t.paused) want |= READ;
            if (blocked && !t.uploadStalled && !s.holdingBody && (!s.endStreamQueued || writtenBytes < s.endStreamAt)) {
                want |= WRITE;
            }
            if ((want & WRITE) != 0) streamWrites = true;
            if (t.interest != want) {
                table.change(entry, t.interest, want);
                t.interest = want;
            }
        }
        boolean awaiting = settingsTimer != 0 || pingTimer != 0;
        table.connectionInterest(entry, awaiting, blocked && !streamWrites);
    }

    // ---------------------------------------------------------------- frames from the server

    @Override
    public void onData(int streamId, ByteBuffer data, boolean endStream, int flowControlled) throws Http2Exception {
        recvWindow -= flowControlled;
        if (recvWindow < 0) {
            throw Http2Exception.connection(ErrorCode.FLOW_CONTROL_ERROR, "DATA on stream " + streamId + " exceeds the "
                    + "connection window by " + -recvWindow + " bytes (RFC 9113 §6.9.1)");
        }
        recvUnacked += flowControlled;
        if (recvUnacked >= connectionWindow / 2) {
            out = Http2FrameWriter.windowUpdate(out, 0, (int) recvUnacked);
            recvWindow += recvUnacked;
            recvUnacked = 0;
        }
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            checkKnown(streamId, "DATA");
            return; // a stream we reset or finished: its bytes are dropped, the connection window is back
        }
        Transfer t = s.t;
        if (!s.headReceived || s.remoteEnded) {
            resetStream(s, s.remoteEnded ? ErrorCode.STREAM_CLOSED : ErrorCode.PROTOCOL_ERROR, malformed(s,
                    s.remoteEnded ? "DATA after END_STREAM" : "DATA before the response HEADERS (RFC 9113 §8.1)"));
            return;
        }
        s.recvWindow -= flowControlled;
        if (s.recvWindow < 0) {
            resetStream(s, ErrorCode.FLOW_CONTROL_ERROR, new IOException("DATA on " + s + " exceeds the stream window by "
                    + -s.recvWindow + " bytes: FLOW_CONTROL_ERROR (RFC 9113 §6.9.1)"));
            return;
        }
        int n = data.remaining();
        s.recvUnacked += flowControlled - n; // padding is consumed at once
        s.received += n;
        if (s.contentLength >= 0 && !s.noContent && s.received > s.contentLength) {
            resetStream(s, ErrorCode.PROTOCOL_ERROR, malformed(s, "more DATA than its content-length " + s.contentLength
                    + " (RFC 9113 §8.1.1)"));
            return;
        }
        engine.progress(t);
        try {
            if (n > 0) ResponseBody.accept(engine, t, data);
        } catch (UncheckedIOException e) {
            resetStream(s, ErrorCode.CANCEL, e.getCause());
            return;
        } catch (RuntimeException e) {
            resetStream(s, ErrorCode.CANCEL, e);
            return;
        }
        if (t.h2 != s) return; // the listener removed it
        if (t.paused) s.heldCredit += n; else s.recvUnacked += n;
        if (endStream) {
            remoteEnd(s);
        } else {
            returnStreamWindow(s);
        }
    }

    private void returnStreamWindow(Http2Stream s) {
        if (s.recvUnacked >= streamWindow / 2 && !s.remoteEnded) {
            out = Http2FrameWriter.windowUpdate(out, s.id, (int) s.recvUnacked);
            s.recvWindow += s.recvUnacked;
            s.recvUnacked = 0;
        }
    }

    /** A frame on a stream we do not have: fine if we closed it, an error if it was never opened (§5.1). */
    private void checkKnown(int streamId, String frame) throws Http2Exception {
        if ((streamId & 1) == 0 || streamId >= nextStreamId) {
            throw Http2Exception.connection(ErrorCode.PROTOCOL_ERROR, frame + " on stream " + streamId
                    + ", which the client never opened (RFC 9113 §5.1: idle stream)");
        }
    }

    @Override
    public void onHeaders(int streamId, ByteBuffer block, boolean endStream) throws Http2Exception {
        Http2Stream s = streams.get(streamId);
        fields.begin(s, s != null && s.headReceived);
        try {
            decoder.decode(block, fields); // always: the HPACK context is the connection's (§4.3)
        } catch (HpackException e) {
            throw Http2Exception.connection(ErrorCode.COMPRESSION_ERROR, "header block on stream " + streamId
                    + " from " + origin + ": " + e.getMessage());
        }
        if (s == null) {
            checkKnown(streamId, "HEADERS");
            return;
        }
        Transfer t = s.t;
        if (fields.error != null) {
            resetStream(s, ErrorCode.PROTOCOL_ERROR, malformed(s, fields.error));
            return;
        }
        engine.progress(t);
        if (s.headReceived) { // trailers (§8.1)
            if (!endStream) {
                resetStream(s, ErrorCode.PROTOCOL_ERROR, malformed(s, "a second HEADERS without END_STREAM (RFC 9113 §8.1)"));
                return;
            }
            t.trailers = fields.headers;
            remoteEnd(s);
            return;
        }
        int status = fields.status;
        if (status < 0) {
            resetStream(s, ErrorCode.PROTOCOL_ERROR, malformed(s, "response HEADERS without :status (RFC 9113 §8.3.2)"));
            return;
        }
        if (status >= 100 && status < 200) {
            if (endStream || status == 101) {
                resetStream(s, ErrorCode.PROTOCOL_ERROR, malformed(s, status == 101
                        ? "101 Switching Protocols, which HTTP/2 does not have (RFC 9113 §8.6)"
                        : "an informational response with END_STREAM (RFC 9113 §8.1)"));
                return;
            }
            if (status == 100) releaseBody(s);
            return; // other interim responses are skipped (RFC 9110 §15.2)
        }
        s.headReceived = true;
        t.responseStarted = true;
        t.status = status;
        t.version = "HTTP/2";
        t.headers = fields.headers;
        t.trailers = null;
        String method = t.current.method();
        s.noContent = method.equals("HEAD") || status == 204 || status == 304;
        HttpHeaders head = t.headers.build();
        String length = head.first("content-length").orElse(null);
        if (length != null) {
            try {
                s.contentLength = Long.parseLong(length.trim());
                if (s.contentLength < 0) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                resetStream(s, ErrorCode.PROTOCOL_ERROR, malformed(s, "content-length '" + length + "'"));
                return;
            }
        }
        if (s.holdingBody) { // a final status before the body went: the body is not sent (RFC 9110 §10.1.1)
            s.holdingBody = false;
            s.sending = false;
            s.body = null;
            t.upload = null;
            if (s.continueTimer != 0) {
                engine.timers().cancel(s.continueTimer);
                s.continueTimer = 0;
            }
        }
        t.state = s.sending ? Transfer.State.SENDING : Transfer.State.RECEIVING;
        try {
            ResponseBody.begin(engine, t, head, s.noContent ? 0 : s.contentLength);
        } catch (UncheckedIOException e) {
            resetStream(s, ErrorCode.CANCEL, e.getCause());
            return;
        } catch (RuntimeException e) {
            resetStream(s, ErrorCode.CANCEL, e);
            return;
        }
        if (t.h2 == s && endStream) remoteEnd(s);
    }

    private IOException malformed(Http2Stream s, String what) {
        return new IOException("malformed HTTP/2 response on " + s + ": " + what);
    }

    /** The server ended its side of {@code s}. */
    private void remoteEnd(Http2Stream s) {
        s.remoteEnded = true;
        Transfer t = s.t;
        if (!s.headReceived) {
            resetStream(s, ErrorCode.PROTOCOL_ERROR, malformed(s, "END_STREAM before a final response"));
            return;
        }
        if (s.contentLength >= 0 && !s.noContent && s.received != s.contentLength) {
            resetStream(s, ErrorCode.PROTOCOL_ERROR, malformed(s, "END_STREAM after " + s.received
                    + " bytes of DATA, content-length says " + s.contentLength + " (RFC 9113 §8.1.1)"));
            return;
        }
        if (t.paused) {
            t.completePending = true; // after the held bytes, on resume
            return;
        }
        complete(s);
    }

    private void complete(Http2Stream s) {
        Transfer t = s.t;
        if (!s.endStreamQueued) {
            // The response is complete and our body is not (§8.1): stop sending it.
            out = Http2FrameWriter.rstStream(out, s.id, ErrorCode.CANCEL);
        }
        boolean reused = s.opensBefore > 0;
        removeStream(s);
        engine.completeTransfer(t, reused);
        afterStreamEnded();
        engine.startWaiting();
    }

    /** Ends {@code s} with RST_STREAM {@code code} (unless the peer reset it) and fails its transfer. */
    private void resetStream(Http2Stream s, ErrorCode code, Throwable cause) {
        if (streams.get(s.id) != s) return;
        if (code != null && !closed && !closing) out = Http2FrameWriter.rstStream(out, s.id, code);
        Transfer t = s.t;
        removeStream(s);
        engine.fail(t, cause);
        afterStreamEnded();
        engine.startWaiting();
    }

    @Override
    public void onRstStream(int streamId, long errorCode) throws Http2Exception {
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            checkKnown(streamId, "RST_STREAM");
            return;
        }
        Transfer t = s.t;
        if (errorCode == ErrorCode.REFUSED_STREAM.code() && !t.responseStarted && t.refusals < MAX_REFUSALS) {
            // §8.7: REFUSED_STREAM means nothing was processed: safe to send again, any method.
            t.refusals++;
            removeStream(s);
            engine.retry(t);
            afterStreamEnded();
            return;
        }
        resetStream(s, null, new IOException("HTTP/2 stream " + streamId + " reset by " + origin + ": "
                + ErrorCode.describe(errorCode) + " (RST_STREAM) for " + t.current));
    }

    @Override
    public void onSettings(Http2Settings settings) throws Http2Exception {
        if (settings.has(Http2Settings.HEADER_TABLE_SIZE)) {
            encoder.setPeerTableSize((int) Math.min(settings.get(Http2Settings.HEADER_TABLE_SIZE, 0), Integer.MAX_VALUE));
        }
        if (settings.has(Http2Settings.MAX_CONCURRENT_STREAMS)) {
            peerMaxStreams = settings.get(Http2Settings.MAX_CONCURRENT_STREAMS, 0);
        }
        if (settings.has(Http2Settings.INITIAL_WINDOW_SIZE)) {
            long v = settings.get(Http2Settings.INITIAL_WINDOW_SIZE, 0);
            long delta = v - peerInitialWindow;
            peerInitialWindow = v;
            for (Http2Stream s : streams.snapshot()) { // §6.9.2: every stream's window moves by the difference
                s.sendWindow += delta;
                if (s.sendWindow > Http2.MAX_WINDOW) {
                    throw Http2Exception.connection(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE " + v
                            + " takes the window of " + s + " beyond 2^31-1 (RFC 9113 §6.9.2)");
                }
                if (delta > 0 && s.windowBlocked) unblock(s);
            }
        }
        if (settings.has(Http2Settings.MAX_FRAME_SIZE)) {
            peerMaxFrame = (int) settings.get(Http2Settings.MAX_FRAME_SIZE, Http2.DEFAULT_MAX_FRAME_SIZE);
        }
        if (settings.has(Http2Settings.MAX_HEADER_LIST_SIZE)) {
            peerMaxHeaderList = settings.get(Http2Settings.MAX_HEADER_LIST_SIZE, Long.MAX_VALUE);
        }
        out = Http2FrameWriter.settingsAck(out);
        checkOutputBound();
        if (!peerSettingsReceived) {
            peerSettingsReceived = true;
            engine.startWaiting(); // the stream limit is known now
        }
    }

    private void unblock(Http2Stream s) {
        s.windowBlocked = false;
        if (s.sending && !s.holdingBody && !senders.contains(s)) senders.add(s);
    }

    @Override
    public void onSettingsAck() {
        if (settingsTimer != 0) {
            engine.timers().cancel(settingsTimer);
            settingsTimer = 0;
        }
    }

    @Override
    public void onPushPromise(int streamId, int promisedStreamId, ByteBuffer block) throws Http2Exception {
        throw Http2Exception.connection(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE on stream " + streamId
                + " although we sent SETTINGS_ENABLE_PUSH 0 (RFC 9113 §8.4)");
    }

    @Override
    public void onPing(boolean ack, long payload) throws Http2Exception {
        if (!ack) {
            out = Http2FrameWriter.ping(out, true, payload);
            checkOutputBound();
        } else if (pingTimer != 0 && payload == pingPayload) {
            engine.timers().cancel(pingTimer);
            pingTimer = 0;
        }
    }

    @Override
    public void onGoAway(int lastStreamId, long errorCode, ByteBuffer debugData) throws Http2Exception {
        goAwayReceived = true;
        String debug = debugData.remaining() == 0 ? "" : ", \"" + ascii(debugData, 200) + "\"";
        goAwayReason = "GOAWAY " + ErrorCode.describe(errorCode) + " (last stream " + lastStreamId + debug + ")";
        if (!draining) {
            draining = true;
            engine.http2Draining(this);
        }
        // §6.8: streams above last-stream-id were not processed: they go again on a new connection.
        List<Http2Stream> refused = new ArrayList<>();
        for (Http2Stream s : streams.snapshot()) if (s.id > lastStreamId) refused.add(s);
        refused.sort((a, b) -> Integer.compare(a.id, b.id));
        for (Http2Stream s : refused) {
            Transfer t = s.t;
            removeStream(s);
            if (t.refusals++ < MAX_REFUSALS) {
                engine.retry(t);
            } else {
                engine.fail(t, new IOException("HTTP/2 stream " + s.id + " not processed by " + origin + ": "
                        + goAwayReason + ", " + MAX_REFUSALS + " times for " + t.current));
            }
        }
        afterStreamEnded();
    }

    private static String ascii(ByteBuffer b, int max) {
        int n = Math.min(b.remaining(), max);
        byte[] a = new byte[n];
        b.get(b.position(), a);
        String s = new String(a, StandardCharsets.US_ASCII);
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) throws Http2Exception {
        if (streamId == 0) {
            sendWindow += increment;
            if (sendWindow > Http2.MAX_WINDOW) {
                throw Http2Exception.connection(ErrorCode.FLOW_CONTROL_ERROR, "WINDOW_UPDATE takes the connection window "
                        + "beyond 2^31-1 (RFC 9113 §6.9.1)");
            }
            return;
        }
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            checkKnown(streamId, "WINDOW_UPDATE");
            return;
        }
        s.sendWindow += increment;
        if (s.sendWindow > Http2.MAX_WINDOW) {
            resetStream(s, ErrorCode.FLOW_CONTROL_ERROR, new IOException("WINDOW_UPDATE takes the window of " + s
                    + " beyond 2^31-1 (RFC 9113 §6.9.1)"));
            return;
        }
        if (s.windowBlocked && s.sendWindow > 0) unblock(s);
    }

    // ---------------------------------------------------------------- errors and closing

    /** We found a connection error: GOAWAY with its code (§5.4.1), every stream fails, then close. */
    void connectionError(Http2Exception e) {
        if (closed || closing) return;
        String what = "HTTP/2 connection error with " + origin + ": " + e.code() + ", " + e.getMessage();
        out.clear(); // nothing queued matters any more; the GOAWAY goes first
        if (connected) out = Http2FrameWriter.goAway(out, 0, e.code(), e.getMessage());
        draining = true;
        for (Http2Stream s : streams.snapshot()) {
            removeStream(s);
            IOException failure = new IOException(what + " (for " + s.t.current + ")", e);
            engine.fail(s.t, failure);
        }
        close(true);
        engine.startWaiting();
    }

    /**
     * The transport failed (reset, end of stream, timeout). A stream that saw nothing of its
     * response on a reused connection goes again once, for an idempotent request, as on HTTP/1.1.
     */
    void connectionFailed(IOException e) {
        if (closed) return;
        draining = true;
        Transfer o = opener;
        opener = null;
        if (o != null) {
            o.opening = null;
            engine.fail(o, e);
        }
        for (Http2Stream s : streams.snapshot()) {
            Transfer t = s.t;
            removeStream(s);
            if (s.opensBefore > 0 && !t.responseStarted && !t.retried && !t.uploadStarted && t.current.isIdempotent()) {
                t.retried = true;
                engine.retry(t);
            } else {
                engine.fail(t, e);
            }
        }
        close(false);
        engine.startWaiting();
    }

    /** No streams left and no new ones: GOAWAY NO_ERROR (§6.8), then close. */
    void shutdown() {
        if (closed || closing) return;
        if (connected) {
            out = Http2FrameWriter.goAway(out, 0, ErrorCode.NO_ERROR, "");
        }
        close(true);
    }

    /**
     * Takes the connection out of service and closes it; {@code graceful}: what is queued (a
     * GOAWAY) and a TLS close_notify are written first, watched for WRITE as connection interest
     * for at most {@link HttpEngine#CLOSE_NOTIFY_GRACE_NANOS}.
     */
    void close(boolean graceful) {
        close(graceful, new java.util.concurrent.CancellationException("HTTP/2 connection to " + origin + " closed"));
    }

    /** As {@link #close(boolean)}, failing the streams still open with {@code cause}. */
    void close(boolean graceful, Throwable cause) {
        if (closed || closing) return;
        draining = true;
        for (Http2Stream s : streams.snapshot()) {
            removeStream(s);
            engine.fail(s.t, cause);
        }
        cancelTimers();
        engine.http2Closed(this);
        if (graceful && connected) {
            closing = true;
            try {
                if (finishClosingNow()) return;
            } catch (IOException e) {
                finishClose();
                return;
            }
            engine.table().connectionInterest(entry, false, true);
            closeTimer = engine.timers().schedule(engine.clock().nanoTime() + HttpEngine.CLOSE_NOTIFY_GRACE_NANOS, () -> {
                closeTimer = 0;
                finishClose();
            });
            return;
        }
        finishClose();
    }

    private void finishClosing() throws IOException {
        if (finishClosingNow()) return;
        engine.table().connectionInterest(entry, false, true);
    }

    /** True once the queued frames and the close_notify are written and the socket closed. */
    private boolean finishClosingNow() throws IOException {
        if (!flush()) return false;
        if (tls != null && !tls.closeOutbound()) return false;
        finishClose();
        return true;
    }

    private void cancelTimers() {
        var timers = engine.timers();
        if (connectTimer != 0) timers.cancel(connectTimer);
        if (idleTimer != 0) timers.cancel(idleTimer);
        if (pingTimer != 0) timers.cancel(pingTimer);
        if (settingsTimer != 0) timers.cancel(settingsTimer);
        connectTimer = idleTimer = pingTimer = settingsTimer = 0;
    }

    /** REMOVE is announced before the socket is closed: the number may be reused at once. */
    void finishClose() {
        if (closed) return;
        closed = true;
        closing = false;
        cancelTimers();
        if (closeTimer != 0) {
            engine.timers().cancel(closeTimer);
            closeTimer = 0;
        }
        engine.table().connectionInterest(entry, false, false);
        engine.table().remove(entry);
        handle.markClosed();
        if (tls != null) engine.discardInput(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to lose on a connection being discarded
        }
        engine.http2Finished(this);
    }

    @Override
    public String toString() {
        return "Http2Connection[" + origin + ", " + handle + ", " + streams.size() + " streams"
                + (draining ? ", draining" : "") + "]";
    }

    // ---------------------------------------------------------------- response fields

    /**
     * Collects one header block's fields and checks them as RFC 9113 §8.2 and §8.3.2 ask of a
     * response: lower-case names, pseudo-header fields first and only {@code :status} (none in
     * trailers), no connection-specific fields. A violation makes the response malformed (a
     * stream error); the block is still decoded to the end for the HPACK context.
     */
    private final class Fields implements HpackDecoder.FieldSink {
        HttpHeaders.Builder headers;
        int status;
        String error;
        private boolean trailers;
        private boolean regularSeen;
        private boolean drop;
        private int count;

        void begin(Http2Stream s, boolean trailers) {
            this.drop = s == null;
            this.trailers = trailers;
            headers = drop ? null : HttpHeaders.builder();
            status = -1;
            error = null;
            regularSeen = false;
            count = 0;
        }

        @Override
        public void field(String name, String value, boolean neverIndexed) {
            if (drop || error != null) return;
            if (++count > engine.parserLimits().maxHeaderCount()) {
                error = "more than " + engine.parserLimits().maxHeaderCount() + " fields (ParserLimits.maxHeaderCount)";
                return;
            }
            if (name.startsWith(":")) {
                if (trailers || regularSeen || !name.equals(":status") || status != -1) {
                    error = "pseudo-header field " + name + (trailers ? " in trailers" : regularSeen ? " after a regular field"
                            : status != -1 && name.equals(":status") ? " twice" : " in a response") + " (RFC 9113 §8.3)";
                    return;
                }
                if (value.length() != 3 || !Character.isDigit(value.charAt(0)) || !Character.isDigit(value.charAt(1))
                        || !Character.isDigit(value.charAt(2))) {
                    error = ":status '" + value + "' is not three digits";
                    return;
                }
                status = Integer.parseInt(value);
                return;
            }
            regularSeen = true;
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c >= 'A' && c <= 'Z') {
                    error = "field name '" + name + "' has upper case (RFC 9113 §8.2.1)";
                    return;
                }
            }
            switch (name) {
                case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade" -> {
                    error = "connection-specific field '" + name + "' (RFC 9113 §8.2.2)";
                    return;
                }
                default -> { }
            }
            if (!trailers && status == -1) {
                error = "no :status before field '" + name + "' (RFC 9113 §8.3.2)";
                return;
            }
            headers.addReceived(name, value);
        }
    }
}
