package dev.evloop.http;

import static dev.evloop.poll.Events.ERROR;
import static dev.evloop.poll.Events.HANGUP;
import static dev.evloop.poll.Events.READ;
import static dev.evloop.poll.Events.WRITE;

import dev.evloop.http.codec.BodyFraming;
import dev.evloop.http.codec.Http1RequestEncoder;
import dev.evloop.http.codec.Http1ResponseParser;
import dev.evloop.http.codec.HttpParseException;
import dev.evloop.http.codec.HttpVersion;
import dev.evloop.http.codec.ParserLimits;
import dev.evloop.net.TcpSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One HTTP/1.1 connection of the engine: at most one exchange at a time (no pipelining), kept
 * alive between exchanges when the response allows it.
 *
 * <p>Interest it reports for its transfer: WRITE while connecting and while request bytes wait,
 * READ while the response arrives, nothing when idle in the pool (the application is then told
 * REMOVE and the socket is not watched).
 */
final class Http1Connection implements Http1ResponseParser.Listener {
    /** Reads per readiness event at most, so one busy socket cannot starve the others. */
    private static final int READS_PER_EVENT = 16;

    final HttpEngine engine;
    final String origin;
    final TcpSocket socket;
    final SocketHandle handle;
    final SocketTable.Entry entry;
    private final Http1ResponseParser parser;
    private ByteBuffer out = ByteBuffer.allocate(1024);
    boolean connected;
    boolean closed;
    /** TLS for https origins; null for plain http. */
    final TlsSession tls;
    private boolean handshaken;
    /** Exchanges completed on this connection; above 0 it is a reused connection. */
    int exchanges;
    Transfer current;
    long idleTimer;
    long connectTimer;

    Http1Connection(HttpEngine engine, String origin, TcpSocket socket, SocketHandle handle,
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
        long length = body == null ? (needsZeroLength(r.method()) ? 0 : Http1RequestEncoder.NO_BODY) : body.length;
        out.clear();
        out = Http1RequestEncoder.encodeHead(out, r.method(), r.uri(), engine.headersToSend(r), length);
        if (body != null) {
            if (out.remaining() < body.length) {
                out = ByteBuffer.allocate(out.position() + body.length).put(out.flip());
            }
            out.put(body);
        }
        out.flip();
        parser.begin(r.method());
        flush();
    }

    /** RFC 9110 §8.6: a POST or PUT without content should still say Content-Length: 0. */
    private static boolean needsZeroLength(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    private void flush() throws IOException {
        Transfer t = current;
        if ((tls == null ? socket.write(out) : tls.write(out)) > 0) engine.progress(t);
        if (out.hasRemaining() || tls != null && tls.hasPendingOutput()) {
            engine.interest(t, WRITE);
        } else {
            t.state = Transfer.State.RECEIVING;
            engine.interest(t, READ);
        }
    }

    /** The application says the socket is ready ({@code events} 0: unknown, try everything). */
    void onReady(int events) {
        Transfer t = current;
        if (t == null || closed) return; // idle in the pool: not watched, nothing to do
        try {
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
            }
            if (t.state == Transfer.State.CONNECTING) {
                send(t);
                return;
            }
            if (t.state == Transfer.State.SENDING) {
                flush();
                return;
            }
            if (t.state == Transfer.State.RECEIVING && (events == 0 || (events & (READ | ERROR | HANGUP)) != 0)) {
                receive(t);
            }
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

    private void receive(Transfer t) throws IOException {
        ByteBuffer buf = engine.readBuffer();
        // Bytes TLS already holds will not make the socket readable again: always drain them.
        for (int i = 0; current == t && (i < READS_PER_EVENT || tls != null && tls.hasBufferedInput()); i++) {
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
            if (current != t && buf.hasRemaining()) {
                // Bytes after a complete response we did not ask for: the framing cannot be trusted.
                engine.closeConnection(this);
                return;
            }
        }
    }

    private void endOfStream(Transfer t) throws IOException {
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
        return parser.keepAlive();
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
        current.headers = HttpHeaders.builder();
    }

    @Override
    public void onHeadersComplete(BodyFraming framing, long contentLength) {
        Transfer t = current;
        t.responseStarted = true;
        HttpHeaders head = t.headers.build();
        t.discarding = engine.isRedirect(t, head);
        if (t.discarding) return; // the body of a redirect we follow is read and dropped
        t.decoder = engine.decoderFor(head);
        if (t.collects()) {
            t.body = new ByteArrayOutputStream(contentLength > 0 ? (int) Math.min(contentLength, 1 << 20) : 256);
        }
        t.listener().onResponseHead(t, t.status, head);
    }

    @Override
    public void onBody(ByteBuffer body) {
        Transfer t = current;
        if (t.discarding) return; // a redirect's body
        if (t.decoder == null) {
            deliver(t, body);
            return;
        }
        ByteBuffer decoded = engine.decodeBuffer();
        try {
            boolean full;
            do {
                int before = body.position();
                decoded.clear();
                t.decoder.decode(body, decoded); // "call again while out came back full"
                full = !decoded.hasRemaining();
                decoded.flip();
                if (decoded.hasRemaining()) {
                    deliver(t, decoded);
                } else if (body.position() == before && body.hasRemaining()) {
                    throw new dev.evloop.http.codec.ContentDecodingException("content decoder made no progress");
                }
            } while (body.hasRemaining() || full);
        } catch (dev.evloop.http.codec.ContentDecodingException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void deliver(Transfer t, ByteBuffer bytes) {
        if (!t.collects()) {
            t.listener().onBody(t, bytes);
            return;
        }
        if (bytes.hasArray()) {
            t.body.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
            bytes.position(bytes.limit());
        } else {
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            t.body.write(copy, 0, copy.length);
        }
    }

    @Override
    public void onTrailer(String name, String value) {
        Transfer t = current;
        if (t.trailers == null) t.trailers = HttpHeaders.builder();
        t.trailers.addReceived(name, value);
    }

    @Override
    public void onMessageComplete() {
        engine.completeExchange(this, current);
    }

    @Override
    public String toString() {
        return "Http1Connection[" + origin + ", " + handle + (connected ? "" : ", connecting") + "]";
    }
}
