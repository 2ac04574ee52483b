package dev.evloop.http;

import static dev.evloop.poll.Events.ERROR;
import static dev.evloop.poll.Events.HANGUP;
import static dev.evloop.poll.Events.READ;
import static dev.evloop.poll.Events.WRITE;

import dev.evloop.http.codec.BodyFraming;
import dev.evloop.http.codec.ChunkedEncoder;
import dev.evloop.http.codec.Http1RequestEncoder;
import dev.evloop.http.codec.Http1ResponseParser;
import dev.evloop.http.codec.HttpParseException;
import dev.evloop.http.codec.HttpVersion;
import dev.evloop.http.codec.ParserLimits;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One HTTP/1.1 connection of the engine: at most one exchange at a time (no pipelining), kept
 * alive between exchanges when the response allows it.
 *
 * <p>Interest it reports for its transfer: WRITE while connecting and while request bytes wait,
 * READ while the response arrives (and while the head waits for 100 Continue), nothing while an
 * upload source has no bytes, while the transfer is paused, and when idle in the pool (the
 * application is then told REMOVE and the socket is not watched).
 */
final class Http1Connection implements Http1ResponseParser.Listener {
    /** Reads per readiness event at most, so one busy socket cannot starve the others. */
    private static final int READS_PER_EVENT = 16;
    /** Body source pulls per writable event at most. */
    private static final int PULLS_PER_EVENT = 64;
    private static final int UPLOAD_BUFFER = 64 * 1024;

    final HttpEngine engine;
    final String origin;
    final Conduit socket;
    final SocketHandle handle;
    final SocketTable.Entry entry;
    private final Http1ResponseParser parser;
    private ByteBuffer out = ByteBuffer.allocate(1024);
    private ByteBuffer chunkData;
    /** Close after this exchange whatever the response said (a body left unsent or unread). */
    boolean forceClose;
    boolean connected;
    boolean closed;
    /** Closed for use, with close_notify still waiting for the socket (connection interest WRITE). */
    boolean closing;
    long closeTimer;
    /** TLS for https origins; null for plain http. */
    final TlsSession tls;
    private boolean handshaken;
    /** The response in progress has a body that ends with the connection (RFC 9112 §6.3 item 8). */
    private boolean untilClose;
    /** Exchanges completed on this connection; above 0 it is a reused connection. */
    int exchanges;
    Transfer current;
    long idleTimer;
    long connectTimer;

    Http1Connection(HttpEngine engine, String origin, Conduit socket, SocketHandle handle,
            SocketTable.Entry entry, ParserLimits limits, TlsSession tls) {
        this.engine = engine;
        this.tls = tls;
        this.origin = origin;
        this.socket = socket;
        this.handle = handle;
        this.entry = entry;
        this.parser = new Http1ResponseParser(this, limits);
        entry.owner = this;
    }

    /** Takes {@code t} as this connection's exchange. */
    void start(Transfer t) throws IOException {
        current = t;
        forceClose = false;
        t.connection = this;
        engine.table().join(entry);
        if (!connected || tls != null && !handshaken) {
            t.state = Transfer.State.CONNECTING;
            engine.interest(t, WRITE);
        } else {
            send(t);
        }
    }

    private void send(Transfer t) throws IOException {
        t.state = Transfer.State.SENDING;
        engine.armIdle(t); // from here on, no bytes for the idle timeout fails the transfer
        HttpRequest r = t.current;
        byte[] body = r.body();
        BodySource source = r.bodySource();
        long length;
        if (source != null) {
            long n = source.length();
            length = n >= 0 ? n : Http1RequestEncoder.CHUNKED;
        } else {
            length = body == null ? (needsZeroLength(r.method()) ? 0 : Http1RequestEncoder.NO_BODY) : body.length;
        }
        t.upload = source;
        t.uploadRemaining = source != null && length >= 0 ? length : -1;
        t.chunks = source != null && length < 0 ? new ChunkedEncoder() : null;
        t.uploadStalled = false;
        t.bodySkipped = false;
        t.continueNow = false;
        t.heldBody = null;
        t.awaitingContinue = r.expectContinue() && length != 0 && length != Http1RequestEncoder.NO_BODY;
        out.clear();
        out = Http1RequestEncoder.encodeHead(out, r.method(), r.uri(), engine.headersToSend(r), length);
        if (body != null && body.length > 0) {
            if (t.awaitingContinue) {
                t.heldBody = body; // sent after 100 Continue (or the timer)
            } else {
                out = appendBody(out, body);
            }
        }
        out.flip();
        untilClose = false;
        parser.begin(r.method());
        flush();
    }

    private static ByteBuffer appendBody(ByteBuffer out, byte[] body) {
        if (out.remaining() < body.length) {
            out = ByteBuffer.allocate(out.position() + body.length).put(out.flip());
        }
        return out.put(body);
    }

    /** RFC 9110 §8.6: a POST or PUT without content should still say Content-Length: 0. */
    private static boolean needsZeroLength(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    /**
     * Writes what is pending, then pulls the body source while the socket takes it: WRITE while
     * bytes wait, nothing while the source has none (until {@link HttpEngine#resumeUpload}), READ
     * once everything is sent (or while the head waits for 100 Continue).
     */
    private void flush() throws IOException {
        Transfer t = current;
        for (int pulls = 0; ; pulls++) {
            if (out.hasRemaining() || tls != null && tls.hasPendingOutput()) {
                if ((tls == null ? socket.write(out) : tls.write(out)) > 0) engine.progress(t);
                if (out.hasRemaining() || tls != null && tls.hasPendingOutput()) {
                    engine.interest(t, WRITE);
                    return;
                }
            }
            if (t.awaitingContinue) {
                enterReceiving(t);
                engine.armContinue(t);
                return;
            }
            if (t.upload == null || t.bodySkipped) break;
            if (pulls >= PULLS_PER_EVENT) {
                engine.interest(t, WRITE); // the socket is writable: back soon, after the others
                return;
            }
            if (!pump(t)) {
                engine.interest(t, 0); // nothing to send now, nothing to read yet
                engine.holdIdle(t);
                return;
            }
        }
        enterReceiving(t);
    }

    private void enterReceiving(Transfer t) {
        t.state = Transfer.State.RECEIVING;
        if (t.paused) {
            engine.interest(t, 0);
            engine.holdIdle(t);
        } else {
            engine.interest(t, READ);
        }
    }

    /** Fills {@code out} from the body source. False if the source has nothing now. */
    private boolean pump(Transfer t) throws IOException {
        if (out.capacity() < UPLOAD_BUFFER) out = ByteBuffer.allocate(UPLOAD_BUFFER);
        out.clear();
        BodySource source = t.upload;
        int n;
        if (t.chunks != null) {
            if (chunkData == null) chunkData = ByteBuffer.allocate(UPLOAD_BUFFER - 32);
            chunkData.clear();
            n = source.read(chunkData);
            if (n > 0) {
                chunkData.flip();
                out = t.chunks.writeChunk(out, chunkData);
            } else if (n < 0) {
                out = t.chunks.finish(out);
                t.upload = null;
            }
        } else if (t.uploadRemaining == 0) {
            n = -1;
            t.upload = null;
        } else {
            out.limit((int) Math.min(out.capacity(), t.uploadRemaining));
            n = source.read(out);
            if (n > 0) {
                t.uploadRemaining -= n;
                if (t.uploadRemaining == 0) t.upload = null;
            } else if (n < 0) {
                long length = source.length();
                throw new IOException("body source ended after " + (length - t.uploadRemaining) + " of its "
                        + length + " bytes for " + t.current);
            }
        }
        out.flip();
        if (n > 0) t.uploadStarted = true;
        if (n == 0) {
            t.uploadStalled = true;
            return false;
        }
        return true;
    }

    /** The source has bytes again ({@link HttpEngine#resumeUpload}). */
    void resumeUpload(Transfer t) {
        guarded(t, () -> {
            if (current == t && t.state == Transfer.State.SENDING) {
                engine.armIdle(t);
                flush();
            }
        });
    }

    /** 100 Continue, or the wait for it ended: send the body held back. */
    void sendHeldBody(Transfer t) {
        guarded(t, () -> {
            if (current != t || t.bodySkipped) return;
            t.awaitingContinue = false;
            t.state = Transfer.State.SENDING;
            out.clear();
            if (t.heldBody != null) out = appendBody(out, t.heldBody);
            t.heldBody = null;
            out.flip();
            flush();
        });
    }

    /** The application resumed a paused transfer: held bytes first, then reading again. */
    void resumeReceiving(Transfer t) {
        guarded(t, () -> {
            if (current != t || t.state != Transfer.State.RECEIVING) return;
            engine.armIdle(t);
            ByteBuffer h = t.held;
            t.held = null;
            if (h != null && h.flip().hasRemaining()) {
                t.listener().onBody(t, h);
                if (t.paused || current != t) return;
            }
            if (t.completePending) {
                t.completePending = false;
                engine.completeExchange(this, t);
                return;
            }
            engine.interest(t, READ);
            if (tls != null && tls.hasBufferedInput()) receive(t); // no event will come for those
        });
    }

    private interface IoStep {
        void run() throws IOException;
    }

    /** The application says the socket is ready ({@code events} 0: unknown, try everything). */
    void onReady(int events) {
        if (closing) {
            if (tls.flushClose()) engine.finishClose(this);
            return;
        }
        Transfer t = current;
        if (t == null || closed) return; // idle in the pool: not watched, nothing to do
        guarded(t, () -> ready(t, events));
    }

    private void guarded(Transfer t, IoStep step) {
        try {
            step.run();
        } catch (HttpParseException e) {
            engine.failConnection(this, e);
        } catch (IOException e) {
            if (!engine.retryIfDead(this, t, e)) engine.failConnection(this, e);
        } catch (java.io.UncheckedIOException e) {
            engine.failConnection(this, e.getCause()); // from a parser callback, e.g. a bad gzip stream
        } catch (RuntimeException e) {
            engine.failConnection(this, e);
        }
    }

    private void ready(Transfer t, int events) throws IOException {
        if (!connected) {
            if (!socket.finishConnect()) return;
            connected = true;
            if (tls == null) engine.connected(this);
        }
        if (tls != null && !handshaken) {
            if (!tls.handshake()) {
                engine.interest(t, tls.wantedInterest());
                return;
            }
            handshaken = true;
            engine.connected(this); // the connect timeout covers the TLS handshake too
            if (tls.applicationProtocol().equals("h2")) {
                engine.becomeHttp2(this, t);
                return;
            }
            engine.alpnSettled(this);
        }
        if (t.state == Transfer.State.CONNECTING) {
            send(t);
            return;
        }
        if (t.state == Transfer.State.SENDING) {
            if (!t.uploadStalled) flush();
            return;
        }
        if (t.state == Transfer.State.RECEIVING && !t.paused
                && (events == 0 || (events & (READ | ERROR | HANGUP)) != 0)) {
            receive(t);
        }
    }

    private void receive(Transfer t) throws IOException {
        // A completed response starts waiting transfers from inside the parse (completeExchange):
        // one landing on an idle HTTP/2 connection must not read into the buffer parsed here.
        ByteBuffer buf = engine.takeReadBuffer();
        try {
            receive(t, buf);
        } finally {
            engine.giveBackReadBuffer(buf);
        }
    }

    private void receive(Transfer t, ByteBuffer buf) throws IOException {
        // Bytes TLS already holds will not make the socket readable again: always drain them.
        for (int i = 0; current == t && !t.paused && t.state == Transfer.State.RECEIVING
                && (i < READS_PER_EVENT || tls != null && tls.hasBufferedInput()); i++) {
            buf.clear();
            int n = tls == null ? socket.read(buf) : tls.read(buf);
            if (n == 0) return;
            if (n < 0) {
                endOfStream(t);
                return;
            }
            engine.progress(t);
            buf.flip();
            parser.parse(buf);
            if (current == t && t.switching) {
                switchProtocols(t, buf);
                return;
            }
            if (current == t && t.continueNow) {
                t.continueNow = false;
                sendHeldBody(t);
                return;
            }
            if (current == t && t.completePending && buf.hasRemaining()) forceClose = true;
            if (current != t && buf.hasRemaining()) {
                // Bytes after a complete response we did not ask for: the framing cannot be trusted.
                engine.closeConnection(this);
                return;
            }
        }
    }

    /**
     * A 101 ended HTTP/1.1 on this connection (RFC 9110 §15.2.2); the bytes left in {@code buf}
     * already belong to the new protocol. Without a listener nobody can speak it: a protocol error.
     */
    private void switchProtocols(Transfer t, ByteBuffer buf) throws HttpParseException {
        if (t.current.upgradeListener() == null) {
            throw new HttpParseException("101 Switching Protocols (Upgrade: "
                    + t.headers.build().first("Upgrade").orElse("none") + ") in answer to " + t.current
                    + ", which asked for no upgrade (no UpgradeListener): the connection no longer speaks HTTP/1.1");
        }
        engine.upgrade(this, t, buf);
    }

    private void endOfStream(Transfer t) throws IOException {
        if (untilClose && tls != null && !tls.closeNotifyReceived()) {
            // An end of stream without close_notify is an incomplete close (RFC 9112 §9.8): anyone
            // on the path can forge a FIN, so a body delimited by the close may be cut short
            // (RFC 8446 §6.1).
            throw new javax.net.ssl.SSLException("TLS connection closed without close_notify in a body delimited by "
                    + "the close: it may be truncated, " + t.current);
        }
        try {
            parser.endOfInput(); // completes a close-delimited body
        } catch (HttpParseException e) {
            if (!engine.retryIfDead(this, t, e)) throw e;
            return;
        }
        if (current == t) throw new HttpParseException("connection closed by the server before the response ended");
    }

    boolean messageStarted() {
        return parser.messageStarted();
    }

    boolean keepAlive() {
        return parser.keepAlive() && !forceClose;
    }

    // ---------------------------------------------------------------- parser events

    @Override
    public void onStatus(HttpVersion version, int code, String reason) {
        Transfer t = current;
        t.status = code;
        t.version = version.toString();
        t.headers = HttpHeaders.builder();
    }

    @Override
    public void onHeader(String name, String value) {
        current.headers.addReceived(name, value);
    }

    @Override
    public void onInterimResponse(int code) {
        Transfer t = current;
        t.headers = HttpHeaders.builder();
        if (code == 100 && t.awaitingContinue) {
            t.awaitingContinue = false;
            engine.cancelContinue(t);
            t.continueNow = true; // the body goes once this read's bytes are parsed
        }
    }

    @Override
    public void onHeadersComplete(BodyFraming framing, long contentLength) {
        Transfer t = current;
        untilClose = framing == BodyFraming.UNTIL_CLOSE;
        t.responseStarted = true;
        HttpHeaders head = t.headers.build();
        if (t.awaitingContinue || t.continueNow) {
            // A final status before the body was sent (417, 401, ...): the body is not sent. The
            // server may still expect it, so the connection is kept only when it says keep-alive.
            t.awaitingContinue = false;
            t.continueNow = false;
            engine.cancelContinue(t);
            t.bodySkipped = true;
            t.upload = null;
            t.heldBody = null;
            boolean saysKeep = head.first("Connection").map(v -> v.toLowerCase(java.util.Locale.ROOT)
                    .contains("keep-alive")).orElse(false);
            if (!saysKeep || t.uploadStarted) forceClose = true;
        }
        if (framing == BodyFraming.TUNNEL) {
            t.listener().onResponseHead(t, t.status, head);
            return; // no body, no decoding: the bytes that follow are the new protocol's
        }
        ResponseBody.begin(engine, t, head, contentLength);
    }

    @Override
    public void onBody(ByteBuffer body) {
        ResponseBody.accept(engine, current, body);
    }

    @Override
    public void onTrailer(String name, String value) {
        Transfer t = current;
        if (t.trailers == null) t.trailers = HttpHeaders.builder();
        t.trailers.addReceived(name, value);
    }

    @Override
    public void onMessageComplete() {
        Transfer t = current;
        if (t.status == 101 && parser.isTunnel()) {
            t.switching = true; // handed over once parse() returns, with the bytes after the head
            return;
        }
        if (t.paused) {
            t.completePending = true; // after the held bytes, on resume
            return;
        }
        engine.completeExchange(this, t);
    }

    @Override
    public String toString() {
        return "Http1Connection[" + origin + ", " + handle + (connected ? "" : ", connecting") + "]";
    }
}
