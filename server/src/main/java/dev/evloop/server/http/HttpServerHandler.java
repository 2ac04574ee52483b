package dev.evloop.server.http;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.evloop.http.codec.BodyFraming;
import dev.evloop.http.codec.ChunkedEncoder;
import dev.evloop.http.codec.Http1RequestParser;
import dev.evloop.http.codec.Http1ResponseEncoder;
import dev.evloop.http.codec.HttpParseException;
import dev.evloop.http.codec.HttpVersion;
import dev.evloop.http.codec.ParserLimits;
import dev.evloop.loop.EventLoop;
import dev.evloop.server.CloseReason;
import dev.evloop.server.Connection;
import dev.evloop.server.Handler;
import dev.evloop.server.ServerConfig;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * HTTP/1.1 on one connection (RFC 9112): a {@link Handler} that parses requests with
 * {@link Http1RequestParser}, hands each complete request to an {@link HttpService} and writes
 * the answers with {@link Http1ResponseEncoder}. One instance per connection, loop thread only.
 *
 * <p>One exchange at a time, the field {@link #state}:
 * <ol>
 *   <li>{@code READING}: bytes go to the parser. At the end of the head, a request with
 *       {@code Expect: 100-continue} and a body gets {@code 100 Continue} (RFC 9110 §10.1.1). The
 *       body (Content-Length or chunked, at most {@link ParserLimits#maxBodyBytes()}) is gathered.
 *   <li>{@code SERVING}: the request is complete and the service has it. Bytes that arrive
 *       meanwhile (pipelined requests, RFC 9112 §9.3.2) are held, at most
 *       {@link ServerConfig#maxBufferedInput()} of them, and parsed only once this exchange is
 *       answered, so answers go out in request order.
 *   <li>{@code SENDING}: the head is written; the body follows (a fixed body in slices while the
 *       connection is not backed up, a streamed one as the service writes it).
 *   <li>The exchange ends: if the connection persists (RFC 9112 §9.3: HTTP/1.1 without
 *       {@code close}, HTTP/1.0 with {@code keep-alive}, and neither side said {@code close})
 *       back to 1 with the held bytes, else the connection closes once the output is written
 *       ({@code CLOSED}).
 *   <li>Or, instead of 3 and 4, {@code UPGRADED}: the service answered with
 *       {@link Responder#upgrade}. The {@code 101} head is written, and the connection goes to the
 *       new protocol's handler ({@link Connection#upgrade(Handler, ByteBuffer)}) with every byte
 *       after the upgrading request (RFC 9110 §7.8: the new protocol starts right after the
 *       request; RFC 9112 §9.3.2's pipelined bytes are the new protocol's, not HTTP). This
 *       handler gets no further calls.
 * </ol>
 * A malformed request or one over a limit is answered with
 * {@link HttpParseException#suggestedStatus()} and {@code Connection: close}, and the connection
 * closes (RFC 9112 §6.3: framing is lost).
 *
 * <p>Backpressure: while the connection holds output the peer has not taken (write mode), no
 * further request is parsed and a fixed body is not sliced further; {@link Handler#onDrained}
 * resumes. Streamed writes made meanwhile wait here in order, at most
 * {@link ServerConfig#maxPendingOutput()} bytes.
 *
 * <p>Known limit: an error response closes the connection at once. Input the client is still
 * sending may then make the kernel reset the connection, and a remote client can lose the
 * response (RFC 9112 §9.6 asks for a half-close and a lingering read, which {@link Connection}
 * does not offer yet).
 */
public final class HttpServerHandler implements Handler {
    private static final System.Logger LOG = System.getLogger("dev.evloop.server.http");

    /** ParserLimits defaults with an 8 MiB body limit: bodies are gathered in memory. */
    public static final ParserLimits DEFAULT_LIMITS = ParserLimits.DEFAULT.withMaxBodyBytes(8 << 20);
    /** The largest body limit: a body is gathered into one array. */
    public static final long MAX_BODY_LIMIT = Integer.MAX_VALUE - 8;

    /** Largest piece of a fixed body handed to the connection at once. */
    private static final int SLICE = 64 * 1024;
    /** Chunks up to this size are copied with their framing into one write; larger go as three. */
    private static final int COPY_CHUNK = 8 * 1024;

    private static final int READING = 0;
    private static final int SERVING = 1;
    private static final int SENDING = 2;
    private static final int CLOSED = 3;
    private static final int UPGRADED = 4;

    private final HttpService service;
    private final int maxHeldInput;
    private final int maxBacklog;
    private final Http1RequestParser parser;
    private Connection connection;

    /** READING, SERVING, SENDING, CLOSED or UPGRADED; see the class doc. */
    private int state = READING;
    /** Counts requests; a {@link Responder} answers only its own. */
    private long exchange;
    /** Set while {@link #process} runs, so an answer given inside it does not re-enter it. */
    private boolean processing;
    /** The buffer {@link #process} is parsing (read mode), or null. */
    private ByteBuffer parsing;

    // The request being read.
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();
    private final List<Map.Entry<String, String>> trailers = new ArrayList<>();
    private byte[] body = new byte[0];
    private int bodyLength;

    // The exchange being answered.
    private HttpVersion version;
    private boolean head;
    /** The connection ends after this exchange. */
    private boolean closeAfter;
    /** The request has {@code Upgrade} and {@code Connection: upgrade} (RFC 9110 §7.8). */
    private boolean upgradeOffered;
    /** What is left of a fixed body (SENDING); null when none. */
    private ByteBuffer fixedBody;
    /** Streamed body: -1 chunked, -2 close-delimited, else the declared length. */
    private long streamLength;
    private long streamWritten;
    private boolean streaming;
    /** HEAD or a status without content: streamed writes are dropped. */
    private boolean discardBody;
    private final ChunkedEncoder chunked = new ChunkedEncoder();
    private Runnable readyTask;

    /** Input that arrived while an exchange was under way (fill mode); null when none. */
    private ByteBuffer held;
    /** Streamed output written while the connection was backed up, in order; null when none. */
    private ArrayDeque<ByteBuffer> backlog;
    private long backlogBytes;
    /** Close once the backlog is out. */
    private boolean closeWhenFlushed;
    /** Heads and chunk framing are encoded here, then copied by the connection. */
    private ByteBuffer scratch = ByteBuffer.allocate(1024);

    /**
     * @param limits the parser's limits; {@link ParserLimits#maxBodyBytes()} at most
     *     {@link #MAX_BODY_LIMIT}
     * @param config the server's: {@link ServerConfig#maxBufferedInput()} bounds the pipelined
     *     bytes held during an exchange, {@link ServerConfig#maxPendingOutput()} the streamed
     *     output held while the connection is backed up
     */
    public HttpServerHandler(HttpService service, ParserLimits limits, ServerConfig config) {
        this.service = Objects.requireNonNull(service, "service");
        Objects.requireNonNull(limits, "limits");
        if (limits.maxBodyBytes() > MAX_BODY_LIMIT) {
            throw new IllegalArgumentException("ParserLimits.maxBodyBytes " + limits.maxBodyBytes()
                    + " is over " + MAX_BODY_LIMIT + ": request bodies are gathered into one array");
        }
        this.maxHeldInput = config.maxBufferedInput();
        this.maxBacklog = config.maxPendingOutput();
        this.parser = new Http1RequestParser(new Events(), limits);
    }

    @Override
    public void onOpen(Connection c) {
        connection = c;
    }

    // ------------------------------------------------------------------ input

    @Override
    public void onData(Connection c, ByteBuffer in) {
        if (held == null) {
            process(in);
            if (state == UPGRADED) return; // the rest is the new protocol's: the connection hands it over
            if (!in.hasRemaining() || state == CLOSED) {
                in.position(in.limit());
                return;
            }
        }
        hold(in); // behind what waits already
        resume();
    }

    /**
     * The request pipeline, top to bottom: parse until a request is complete, serve it, and go on
     * with the next while the answer was immediate and the output is not backed up.
     */
    private void process(ByteBuffer buf) {
        processing = true;
        parsing = buf;
        try {
            while (state == READING && buf.hasRemaining() && !outputBackedUp()) {
                try {
                    parser.parse(buf);
                } catch (HttpParseException e) {
                    buf.position(buf.limit());
                    reject(e);
                    return;
                }
                if (parser.isComplete()) dispatch();
            }
        } finally {
            processing = false;
            parsing = null;
        }
    }

    /** Goes on with held input once an exchange ended or the output drained. */
    private void resume() {
        if (processing || held == null || state != READING || outputBackedUp()) return;
        held.flip();
        process(held);
        if (held == null) return; // closed meanwhile
        held.compact();
        if (held.position() == 0) held = null;
    }

    private void hold(ByteBuffer in) {
        int n = in.remaining();
        int have = held == null ? 0 : held.position();
        if ((long) have + n > maxHeldInput) {
            in.position(in.limit());
            connection.abort("held pipelined input would reach " + (have + n) + " bytes, over maxBufferedInput "
                    + maxHeldInput + ", while a response is pending");
            return;
        }
        if (held == null) {
            held = ByteBuffer.allocate(Math.max(4096, n));
        } else if (held.remaining() < n) {
            held = ByteBuffer.allocate((int) Math.min(maxHeldInput, Math.max(2L * held.capacity(), (long) have + n)))
                    .put(held.flip());
        }
        held.put(in);
    }

    /** The parser's events for the request being read. */
    private final class Events implements Http1RequestParser.Listener {
        @Override
        public void onRequestLine(String method, String target, HttpVersion v) {}

        @Override
        public void onHeader(String name, String value) {
            headers.add(Map.entry(name, value));
        }

        @Override
        public void onHeadersComplete(BodyFraming framing, long contentLength) {
            boolean hasBody = framing == BodyFraming.CHUNKED || contentLength > 0;
            if (hasBody && parser.expectContinue()) {
                // RFC 9110 §10.1.1: the client waits for this (or a final status) before the body.
                scratch.clear();
                scratch = Http1ResponseEncoder.encodeContinue(scratch);
                send(scratch.flip());
            }
            if (contentLength > 0) body = new byte[(int) Math.min(contentLength, 64 * 1024)];
        }

        @Override
        public void onBody(ByteBuffer b) {
            int n = b.remaining();
            if (body.length - bodyLength < n) {
                body = Arrays.copyOf(body, (int) Math.min(MAX_BODY_LIMIT, Math.max(2L * body.length, (long) bodyLength + n)));
            }
            b.get(body, bodyLength, n);
            bodyLength += n;
        }

        @Override
        public void onTrailer(String name, String value) {
            trailers.add(Map.entry(name, value));
        }
    }

    /** Hands the complete request to the service. */
    private void dispatch() {
        Request request = new Request(parser.method(), parser.target(), parser.version(), headers,
                bodyLength == body.length ? body : Arrays.copyOf(body, bodyLength), trailers,
                connection.remoteAddress());
        headers.clear();
        trailers.clear();
        body = new byte[0];
        bodyLength = 0;
        version = request.version();
        head = request.method().equals("HEAD");
        closeAfter = !parser.keepAlive();
        upgradeOffered = request.header("Upgrade") != null && request.hasToken("Connection", "upgrade");
        state = SERVING;
        long id = ++exchange;
        try {
            service.serve(request, new Responder(this, id));
        } catch (Exception e) {
            serviceFailed(id, request, e);
        }
    }

    private void serviceFailed(long id, Request request, Exception e) {
        LOG.log(System.Logger.Level.WARNING, "service failed on " + request + " from " + connection.remoteAddress(), e);
        if (state == SERVING && exchange == id) {
            respond(id, Response.text(500, "Internal Server Error\n"));
        } else if (streaming && state == SENDING && exchange == id) {
            connection.abort("the service failed after its response began: " + e);
        }
    }

    /** Answers a request the parser refused, then closes: framing is lost (RFC 9112 §6.3). */
    private void reject(HttpParseException e) {
        LOG.log(System.Logger.Level.DEBUG, "rejecting a request from {0} with {1}: {2}",
                connection.remoteAddress(), e.suggestedStatus(), e.getMessage());
        int status = e.suggestedStatus();
        byte[] text = (status + " " + Http1ResponseEncoder.reasonPhrase(status) + "\n").getBytes(US_ASCII);
        held = null;
        scratch.clear();
        scratch = Http1ResponseEncoder.encodeHead(scratch, status, null, List.of(
                Map.entry("Content-Type", "text/plain; charset=utf-8"),
                Map.entry("Date", HttpDate.now()),
                Map.entry("Connection", "close")), text.length);
        scratch = ensure(scratch, text.length).put(text);
        send(scratch.flip());
        state = CLOSED;
        connection.close();
    }

    // ------------------------------------------------------------------ answers (via Responder)

    EventLoop loop() {
        return connection.loop();
    }

    boolean isPending(long id) {
        checkInLoop("Responder.isPending");
        return state == SERVING && exchange == id;
    }

    void respond(long id, Response response) {
        Objects.requireNonNull(response, "response");
        if (!checkAnswer(id, "respond")) return;
        boolean close = closeAfter || saysClose(response.headers());
        byte[] content = response.body();
        long length = Response.hasContent(response.status()) ? content.length : Http1ResponseEncoder.NO_BODY;
        writeHead(response.status(), response.reason(), response.headers(), length, close);
        closeAfter = close;
        state = SENDING;
        if (!head && content.length > 0) {
            fixedBody = ByteBuffer.wrap(content);
            continueFixed();
        } else {
            endExchange();
        }
    }

    /**
     * Answers with {@code 101 Switching Protocols} and hands the connection to {@code next}. The
     * request was read whole (a body included) before the service saw it, so the next byte is the
     * new protocol's.
     */
    void upgrade(long id, List<Map.Entry<String, String>> fields, Handler next) {
        Objects.requireNonNull(fields, "headers");
        Objects.requireNonNull(next, "next");
        if (!checkAnswer(id, "upgrade")) return;
        if (version != HttpVersion.HTTP_1_1) {
            // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client; §7.8: a server ignores its Upgrade.
            throw new IllegalStateException("Responder.upgrade(): the request is " + version
                    + "; a 101 may only answer an HTTP/1.1 request (RFC 9110 §7.8, §15.2)");
        }
        if (!upgradeOffered) {
            throw new IllegalStateException("Responder.upgrade(): the request did not ask for an upgrade "
                    + "(it needs an Upgrade field and the upgrade option in Connection, RFC 9110 §7.8)");
        }
        if (closeAfter) {
            throw new IllegalStateException("Responder.upgrade(): the request asked to close the connection");
        }
        if (find(fields, "Upgrade") == null) {
            throw new IllegalArgumentException("a 101 response must name the new protocol in an Upgrade field (RFC 9110 §7.8)");
        }
        if (find(fields, "Content-Length") != null || find(fields, "Transfer-Encoding") != null) {
            throw new IllegalArgumentException("a 101 response has no content: no Content-Length or Transfer-Encoding "
                    + "(RFC 9110 §8.6, RFC 9112 §6.1)");
        }
        List<Map.Entry<String, String>> all = fields;
        if (!hasToken(fields, "Connection", "upgrade")) {
            all = new ArrayList<>(fields.size() + 1);
            all.addAll(fields);
            all.add(Map.entry("Connection", "Upgrade")); // RFC 9110 §7.8: Upgrade is hop-by-hop
        }
        scratch.clear();
        try {
            scratch = Http1ResponseEncoder.encodeHead(scratch, 101, null, all, Http1ResponseEncoder.NO_BODY);
        } catch (RuntimeException e) {
            scratch.clear();
            throw e; // nothing was sent: the exchange is still the caller's to answer
        }
        // Nothing else is queued: a request is dispatched only when the output is not backed up,
        // and nothing is written while it is served.
        assert backlog == null : "output queued behind a request being served";
        send(scratch.flip());
        state = UPGRADED;
        // Held bytes: being parsed now (read mode, from resume) or at rest (fill mode).
        ByteBuffer leftover = held == null ? null : held == parsing ? held : held.flip();
        held = null;
        connection.upgrade(next, leftover);
    }

    ResponseStream stream(long id, int status, List<Map.Entry<String, String>> fields, long contentLength) {
        Objects.requireNonNull(fields, "headers");
        if (status < 200 || status > 999) {
            throw new IllegalArgumentException("status " + status + " is not a final status (200 to 999)");
        }
        if (contentLength < -1) throw new IllegalArgumentException("contentLength must be >= 0, or -1 for unknown: " + contentLength);
        ResponseStream s = new ResponseStream(this, id);
        if (!checkAnswer(id, "stream")) return s; // closed: the stream reports !isOpen()
        boolean close = closeAfter || saysClose(fields);
        boolean content = Response.hasContent(status);
        long framing;
        if (!content) {
            if (contentLength > 0) {
                throw new IllegalArgumentException("a " + status + " response has no content (RFC 9110 §6.4.1)");
            }
            framing = Http1ResponseEncoder.NO_BODY;
            streamLength = 0;
        } else if (contentLength >= 0) {
            framing = contentLength;
            streamLength = contentLength;
        } else if (version == HttpVersion.HTTP_1_1) {
            framing = Http1ResponseEncoder.CHUNKED;
            streamLength = -1;
            chunked.reset();
        } else {
            // RFC 9112 §6.1: no chunked to an HTTP/1.0 client; the close delimits the body.
            framing = Http1ResponseEncoder.NO_BODY;
            streamLength = -2;
            close = true;
        }
        writeHead(status, null, fields, framing, close);
        closeAfter = close;
        discardBody = head || !content;
        streamWritten = 0;
        streaming = true;
        state = SENDING;
        return s;
    }

    /** True if {@code id} may answer now; false if the connection is gone. */
    private boolean checkAnswer(long id, String call) {
        checkInLoop("Responder." + call);
        if (state == CLOSED) return false;
        if (id != exchange || state != SERVING) {
            throw new IllegalStateException("Responder." + call + "(): request " + id + " of " + connection
                    + " was already answered");
        }
        return true;
    }

    private void writeHead(int status, String reason, List<Map.Entry<String, String>> fields, long length, boolean close) {
        List<Map.Entry<String, String>> all = new ArrayList<>(fields.size() + 2);
        all.addAll(fields);
        if (find(fields, "Date") == null) all.add(Map.entry("Date", HttpDate.now()));
        if (close) {
            if (!saysClose(fields)) all.add(Map.entry("Connection", "close"));
        } else if (version == HttpVersion.HTTP_1_0 && find(fields, "Connection") == null) {
            all.add(Map.entry("Connection", "keep-alive")); // RFC 9112 §9.3: 1.0 persists only when told
        }
        scratch.clear();
        try {
            scratch = Http1ResponseEncoder.encodeHead(scratch, status, reason, all, length);
        } catch (RuntimeException e) {
            scratch.clear();
            throw e; // nothing was sent: the exchange is still the caller's to answer
        }
        send(scratch.flip());
    }

    /** Hands the fixed body to the connection in slices until it is out or the output backs up. */
    private void continueFixed() {
        ByteBuffer b = fixedBody;
        while (state == SENDING && b.hasRemaining() && !outputBackedUp()) {
            int n = Math.min(SLICE, b.remaining());
            if (!connection.write(b, b.position(), n)) return; // closed
            b.position(b.position() + n);
        }
        if (state == SENDING && !b.hasRemaining()) {
            fixedBody = null;
            endExchange();
        }
    }

    boolean streamWrite(long id, ByteBuffer data) {
        checkInLoop("ResponseStream.write");
        if (!streamOpen(id)) {
            if (state == CLOSED) return false;
            throw new IllegalStateException("ResponseStream.write() after end() (request " + id + ")");
        }
        int n = data.remaining();
        if (n == 0) return true;
        if (streamLength >= 0 && streamWritten + n > streamLength && !discardBody) {
            throw new IllegalStateException("ResponseStream.write() of " + n + " bytes would exceed the declared length "
                    + streamLength + " (" + streamWritten + " written)");
        }
        streamWritten += n;
        if (discardBody) {
            data.position(data.limit());
            return true;
        }
        if (streamLength != -1) {
            send(data);
        } else if (n <= COPY_CHUNK) {
            scratch.clear();
            scratch = chunked.writeChunk(scratch, data);
            send(scratch.flip());
        } else {
            scratch.clear();
            scratch = chunked.writeChunkHeader(scratch, n);
            send(scratch.flip());
            send(data);
            scratch.clear();
            scratch = chunked.writeChunkEnd(scratch);
            send(scratch.flip());
        }
        return state != CLOSED;
    }

    void streamEnd(long id, List<Map.Entry<String, String>> trailerFields) {
        checkInLoop("ResponseStream.end");
        Objects.requireNonNull(trailerFields, "trailers");
        if (!streamOpen(id)) {
            if (state == CLOSED) return;
            throw new IllegalStateException("ResponseStream.end() called twice (request " + id + ")");
        }
        if (streamLength >= 0 && streamWritten != streamLength && !discardBody) {
            connection.abort("the service ended a response after " + streamWritten + " of its declared "
                    + streamLength + " bytes");
            throw new IllegalStateException("ResponseStream.end() after " + streamWritten + " of the declared "
                    + streamLength + " bytes; the connection was closed");
        }
        if (streamLength == -1 && !discardBody) {
            scratch.clear();
            scratch = chunked.finish(scratch, trailerFields);
            send(scratch.flip());
        }
        streaming = false;
        readyTask = null;
        endExchange();
    }

    boolean streamDiscards(long id) {
        return streamOpen(id) && discardBody;
    }

    boolean streamOpen(long id) {
        return streaming && state == SENDING && exchange == id;
    }

    void whenReady(long id, Runnable task) {
        checkInLoop("ResponseStream.whenReady");
        Objects.requireNonNull(task, "task");
        if (!streamOpen(id)) return;
        if (outputBackedUp()) {
            readyTask = task;
        } else {
            connection.loop().execute(() -> {
                if (streamOpen(id)) task.run();
            });
        }
    }

    /** The exchange is answered: next request, or close. */
    private void endExchange() {
        fixedBody = null;
        streaming = false;
        if (closeAfter) {
            state = CLOSED;
            held = null;
            if (backlog == null) connection.close(); else closeWhenFlushed = true;
            return;
        }
        state = READING;
        resume();
    }

    // ------------------------------------------------------------------ output

    /**
     * Writes {@code b} behind everything sent before. While the connection is backed up, the bytes
     * wait in the backlog: the connection is not given more until it drains.
     */
    private void send(ByteBuffer b) {
        if (backlog == null && !connection.isWriteMode()) {
            connection.write(b);
            return;
        }
        int n = b.remaining();
        if (backlogBytes + n + connection.pendingOutput() > maxBacklog) {
            b.position(b.limit());
            connection.abort("response output would reach " + (backlogBytes + n + connection.pendingOutput())
                    + " unsent bytes, over maxPendingOutput " + maxBacklog + " (a stream not waiting for isReady?)");
            return;
        }
        if (backlog == null) backlog = new ArrayDeque<>();
        backlog.add(ByteBuffer.allocate(n).put(b).flip());
        backlogBytes += n;
    }

    /** True while output waits for the peer: in the connection (write mode) or here. */
    boolean outputBackedUp() {
        return backlog != null || connection.isWriteMode();
    }

    @Override
    public void onDrained(Connection c) {
        while (backlog != null && !c.isWriteMode()) {
            ByteBuffer b = backlog.poll();
            if (b == null) {
                backlog = null;
                backlogBytes = 0;
                break;
            }
            backlogBytes -= b.remaining();
            if (!c.write(b)) return; // closed
        }
        if (outputBackedUp()) return;
        if (closeWhenFlushed) {
            connection.close();
            return;
        }
        if (state == SENDING && fixedBody != null) {
            continueFixed();
        } else if (state == SENDING && readyTask != null) {
            Runnable task = readyTask;
            readyTask = null;
            task.run();
        }
        resume();
    }

    /**
     * The server shuts down: an idle connection, or one still receiving a request, closes at once;
     * an exchange under way is finished first (with {@code Connection: close} when its head is not
     * sent yet, RFC 9112 §9.6) and the connection closes after it, serving nothing pipelined behind
     * it. The server's grace period bounds the wait.
     */
    @Override
    public void onShutdown(Connection c) {
        if (state == SERVING || state == SENDING) {
            closeAfter = true;
        } else if (state == READING) {
            c.close();
        }
    }

    @Override
    public void onClose(Connection c, CloseReason reason, Throwable cause) {
        state = CLOSED;
        held = null;
        backlog = null;
        fixedBody = null;
        readyTask = null;
        streaming = false;
    }

    // ------------------------------------------------------------------ helpers

    private void checkInLoop(String what) {
        if (connection == null || !connection.loop().inLoop()) {
            throw new IllegalStateException(what + " called on thread " + Thread.currentThread().getName()
                    + ", not on the connection's loop thread");
        }
    }

    private static ByteBuffer ensure(ByteBuffer b, int n) {
        if (b.remaining() >= n) return b;
        return ByteBuffer.allocate(b.position() + n).put(b.flip());
    }

    private static String find(List<Map.Entry<String, String>> fields, String name) {
        for (Map.Entry<String, String> f : fields) {
            if (f.getKey().equalsIgnoreCase(name)) return f.getValue();
        }
        return null;
    }

    /** A Connection field with the close option (RFC 9110 §7.6.1). */
    private static boolean saysClose(List<Map.Entry<String, String>> fields) {
        return hasToken(fields, "Connection", "close");
    }

    /** True if a field named {@code name} lists {@code token} (RFC 9110 §5.6.1: comma lists). */
    private static boolean hasToken(List<Map.Entry<String, String>> fields, String name, String token) {
        for (Map.Entry<String, String> f : fields) {
            if (!f.getKey().equalsIgnoreCase(name)) continue;
            for (String option : f.getValue().split(",")) {
                if (option.strip().equalsIgnoreCase(token)) return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "HttpServerHandler[" + connection + ", exchange " + exchange + "]";
    }
}
