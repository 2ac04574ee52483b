package dev.evloop.http;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A Jetty 12 HTTP/2 peer on loopback for the engine's HTTP/2 tests: a cleartext connector speaking
 * h2c with prior knowledge (RFC 9113 §3.3), the HTTP/1.1 Upgrade to h2c, and plain HTTP/1.1; and a
 * TLS connector whose ALPN (RFC 7301) offers h2 and http/1.1, http/1.1 being the answer to a client
 * that offers no protocol Jetty knows. Counts TCP connections, HTTP/2 sessions and request streams.
 *
 * <p>Routes: {@code /hello}; {@code /bytes/N} (N bytes of {@code 'a' + i % 26}, Content-Length,
 * written 64 KiB at a time as flow control lets it); {@code /echo} (the request body back,
 * streamed); {@code /count} (the request body read to its end, answered {@code "<bytes> <crc32 hex>"});
 * {@code /headers} (what the server saw, one {@code name: value} a line: {@code :method},
 * {@code :scheme}, {@code :authority}, {@code :path}, {@code :version}, then the request fields
 * with lower-case names, in arrival order); {@code /delay/MS} (answers "late" MS ms later, no thread
 * held); {@code /trailers} (body {@link #TRAILERS_BODY} then the trailer {@code x-checksum} = its
 * CRC-32 in hex); {@code /reset} (sends the response headers and {@code "partial"}, then resets the
 * stream: RST_STREAM on h2, see {@link #RESET_ERROR}); {@code /status/CODE}; {@code /gzip} (the gzip
 * of {@link #GZIP_PLAIN}, Content-Encoding: gzip). Anything else: 404.
 */
final class JettyH2Fixture implements AutoCloseable {
    /** The plain text {@code /gzip} compresses. */
    static final String GZIP_PLAIN = "compressed ".repeat(1000);
    static final String TRAILERS_BODY = "body before trailers";
    /**
     * The RST_STREAM error code Jetty sends for {@code /reset}: failing the handler's callback after
     * the response is committed makes Jetty reset the stream with CANCEL (RFC 9113 §7, 0x8);
     * JettyH2FixtureTest checks it on the wire.
     */
    static final int RESET_ERROR = 0x8;
    private static final int CHUNK = 64 * 1024;
    /** {@code 'a' + i % 26} for CHUNK bytes from any start offset below 26. */
    private static final byte[] PATTERN = new byte[CHUNK + 26];

    static {
        for (int i = 0; i < PATTERN.length; i++) PATTERN[i] = (byte) ('a' + i % 26);
    }

    final Server server = new Server();
    final ServerConnector clear;
    final ServerConnector tls;
    /** TCP connections accepted, per connector and in all. */
    final AtomicInteger clearConnections = new AtomicInteger();
    final AtomicInteger tlsConnections = new AtomicInteger();
    /**
     * HTTP/2 sessions opened (h2, h2c by prior knowledge or by Upgrade), and request HEADERS frames
     * received on them (a stream refused after GOAWAY or past the concurrency limit counts too).
     */
    final AtomicInteger sessions = new AtomicInteger();
    final AtomicInteger streams = new AtomicInteger();
    /** The most streams one HTTP/2 session had open when a request reached the handler. */
    final AtomicInteger peakSessionStreams = new AtomicInteger();
    private final Set<Session> openSessions = ConcurrentHashMap.newKeySet();

    /** Options; {@code 0} means Jetty's default. */
    static final class Options {
        int maxConcurrentStreams;
        int initialStreamRecvWindow;
        int initialSessionRecvWindow;

        /** SETTINGS_MAX_CONCURRENT_STREAMS the server announces (RFC 9113 §6.5.2); Jetty's default is 128. */
        Options maxConcurrentStreams(int n) {
            this.maxConcurrentStreams = positive("maxConcurrentStreams", n);
            return this;
        }

        /**
         * The receive windows the server grants: per stream via SETTINGS_INITIAL_WINDOW_SIZE, per
         * session via a WINDOW_UPDATE on stream 0 (RFC 9113 §6.9.2). The session one is at least
         * 65,535, the protocol's initial window, since a receiver can only grow it (Jetty's
         * defaults: 512 KiB per stream, 1 MiB per session).
         *
         * <p>A stream window below 65,535 races a client's first upload: until the client has the
         * server's SETTINGS it may send 65,535 bytes on a stream (RFC 9113 §6.9.2), but Jetty holds
         * it to the new window at once and resets the stream with CANCEL (the JDK client lost 9 of
         * 15 cold 1 MiB uploads at 16 KiB, none after a first exchange). Tests using one should let
         * the client see the server's SETTINGS first, e.g. with a request without a body.
         */
        Options receiveWindows(int stream, int session) {
            if (stream <= 0 || session < 65_535)
                throw new IllegalArgumentException("receive windows: stream must be positive and session at least 65535, got stream="
                        + stream + " session=" + session);
            this.initialStreamRecvWindow = stream;
            this.initialSessionRecvWindow = session;
            return this;
        }

        private static int positive(String what, int n) {
            if (n <= 0) throw new IllegalArgumentException(what + " must be positive, got " + n);
            return n;
        }
    }

    /** With Jetty's defaults. */
    JettyH2Fixture(Path keyStore) throws Exception {
        this(keyStore, new Options());
    }

    /** {@code keyStore}: a PKCS12 store with password {@code TestTls.PASSWORD}, as TestTls.keyStore writes. */
    JettyH2Fixture(Path keyStore, Options options) throws Exception {
        HttpConfiguration plainConfig = new HttpConfiguration();
        HTTP2CServerConnectionFactory h2c = configure(new HTTP2CServerConnectionFactory(plainConfig), options);
        clear = new ServerConnector(server, new HttpConnectionFactory(plainConfig), h2c);
        clear.addEventListener(tcpCounter(clearConnections));

        HttpConfiguration tlsConfig = new HttpConfiguration();
        tlsConfig.addCustomizer(new SecureRequestCustomizer(false)); // the certificate names localhost; tests dial 127.0.0.1
        HTTP2ServerConnectionFactory h2 = configure(new HTTP2ServerConnectionFactory(tlsConfig), options);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol("http/1.1");
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(keyStore.toString());
        ssl.setKeyStorePassword(dev.evloop.testing.TestTls.PASSWORD);
        tls = new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, h2,
                new HttpConnectionFactory(tlsConfig));
        tls.addEventListener(tcpCounter(tlsConnections));

        for (ServerConnector c : List.of(clear, tls)) {
            c.setHost("127.0.0.1");
            c.setPort(0);
            server.addConnector(c);
        }
        server.setHandler(new Routes());
        server.start();
    }

    private <F extends AbstractHTTP2ServerConnectionFactory> F configure(F f, Options o) {
        if (o.maxConcurrentStreams > 0) f.setMaxConcurrentStreams(o.maxConcurrentStreams);
        if (o.initialStreamRecvWindow > 0) f.setInitialStreamRecvWindow(o.initialStreamRecvWindow);
        if (o.initialSessionRecvWindow > 0) f.setInitialSessionRecvWindow(o.initialSessionRecvWindow);
        // Beans of these types on the factory are registered on every session it makes.
        f.addBean(new HTTP2Session.LifeCycleListener() {
            @Override
            public void onOpen(Session session) {
                sessions.incrementAndGet();
                openSessions.add(session);
            }

            @Override
            public void onClose(Session session) {
                openSessions.remove(session);
            }
        });
        f.addBean(new HTTP2Session.FrameListener() {
            @Override
            public void onIncomingFrame(Session session, Frame frame) {
                if (frame instanceof HeadersFrame h && h.getMetaData() != null && h.getMetaData().isRequest())
                    streams.incrementAndGet();
            }
        });
        return f;
    }

    /** TLS and ALPN stack connections on the network one: count those on a socket only. */
    private static Connection.Listener tcpCounter(AtomicInteger counter) {
        return new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                if (connection.getEndPoint() instanceof SocketChannelEndPoint) counter.incrementAndGet();
            }
        };
    }

    int totalConnections() {
        return clearConnections.get() + tlsConnections.get();
    }

    /** HTTP/2 sessions not yet closed. */
    int openSessions() {
        return openSessions.size();
    }

    int port() {
        return clear.getLocalPort();
    }

    int tlsPort() {
        return tls.getLocalPort();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** On host localhost, the name the TestTls certificate carries, so hostname verification passes. */
    URI tlsUri(String path) {
        return tlsUri("localhost", path);
    }

    URI tlsUri(String host, String path) {
        return URI.create("https://" + host + ":" + tlsPort() + path);
    }

    /**
     * Sends GOAWAY with NO_ERROR on every open HTTP/2 session, at once (Jetty's
     * {@code Session.close}): its last-stream-id is the highest stream id the session has received
     * (RFC 9113 §6.8). Streams at or below it keep running and complete normally; a stream the
     * client opens afterwards is silently ignored: no response, no RST_STREAM (JettyH2FixtureTest
     * shows both on the wire). The server closes the connection once its streams are done and the
     * client has answered with its own GOAWAY (or hung up, or the 30 s idle timeout passed).
     * Returns the number of sessions told.
     */
    int goAwayAll() {
        int n = 0;
        for (Session s : List.copyOf(openSessions)) {
            if (s.close(ErrorCode.NO_ERROR.code, "go away", Callback.NOOP)) n++;
        }
        return n;
    }

    /**
     * The graceful two-step shutdown of RFC 9113 §6.8 (Jetty's {@code Session.shutdown}): a first
     * GOAWAY with last-stream-id 2^31-1 and NO_ERROR, then, when the session's last stream ends, a
     * second with the real last-stream-id, and the close. Completes when every session has closed.
     */
    CompletableFuture<Void> shutdownAll() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Session s : List.copyOf(openSessions)) all.add(s.shutdown());
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    static long crc32(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (request.getConnectionMetaData().getConnection() instanceof HTTP2Connection h2)
                peakSessionStreams.accumulateAndGet(h2.getSession().getStreamCount(), Math::max);
            String path = Request.getPathInContext(request);
            String[] parts = path.split("/");
            switch (parts.length > 1 ? parts[1] : "") {
                case "hello" -> Content.Sink.write(response, true, "hello", callback);
                case "bytes" -> bytes(response, Long.parseLong(parts[2]), callback);
                case "echo" -> Content.copy(request, response, callback);
                case "count" -> new Counter(request, response, callback).run();
                case "headers" -> Content.Sink.write(response, true, seen(request), callback);
                case "delay" -> request.getComponents().getScheduler().schedule(
                        () -> Content.Sink.write(response, true, "late", callback), Long.parseLong(parts[2]), TimeUnit.MILLISECONDS);
                case "trailers" -> {
                    byte[] body = TRAILERS_BODY.getBytes(StandardCharsets.UTF_8);
                    response.setTrailersSupplier(() -> HttpFields.build().put("x-checksum", Long.toHexString(crc32(body))));
                    response.write(true, ByteBuffer.wrap(body), callback);
                }
                case "reset" -> response.write(false, ByteBuffer.wrap("partial".getBytes(StandardCharsets.UTF_8)),
                        Callback.from(() -> callback.failed(new ResetOnPurpose()), callback::failed));
                case "status" -> {
                    response.setStatus(Integer.parseInt(parts[2]));
                    Content.Sink.write(response, true, "status " + parts[2], callback);
                }
                case "gzip" -> {
                    ByteArrayOutputStream z = new ByteArrayOutputStream();
                    try (OutputStream o = new GZIPOutputStream(z)) {
                        o.write(GZIP_PLAIN.getBytes(StandardCharsets.UTF_8));
                    }
                    response.getHeaders().put(HttpHeader.CONTENT_ENCODING, "gzip");
                    response.write(true, ByteBuffer.wrap(z.toByteArray()), callback);
                }
                default -> {
                    response.setStatus(404);
                    Content.Sink.write(response, true, "no route " + path, callback);
                }
            }
            return true;
        }

        private static String seen(Request request) {
            HttpURI uri = request.getHttpURI();
            StringBuilder b = new StringBuilder()
                    .append(":method: ").append(request.getMethod()).append('\n')
                    .append(":scheme: ").append(uri.getScheme()).append('\n')
                    .append(":authority: ").append(uri.getAuthority()).append('\n')
                    .append(":path: ").append(uri.getPathQuery()).append('\n')
                    .append(":version: ").append(request.getConnectionMetaData().getHttpVersion().asString()).append('\n');
            for (HttpField f : request.getHeaders())
                b.append(f.getLowerCaseName()).append(": ").append(f.getValue()).append('\n');
            return b.toString();
        }

        /** Writes n pattern bytes a chunk at a time, each once the previous one is flushed. */
        private static void bytes(Response response, long n, Callback callback) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, n);
            new IteratingCallback() {
                long sent;
                boolean done;

                @Override
                protected Action process() {
                    if (done) return Action.SUCCEEDED;
                    int len = (int) Math.min(CHUNK, n - sent);
                    ByteBuffer chunk = ByteBuffer.wrap(PATTERN, (int) (sent % 26), len).slice();
                    sent += len;
                    done = sent == n;
                    response.write(done, chunk, this);
                    return Action.SCHEDULED;
                }

                @Override
                protected void onCompleteSuccess() {
                    callback.succeeded();
                }

                @Override
                protected void onCompleteFailure(Throwable x) {
                    callback.failed(x);
                }
            }.iterate();
        }
    }

    /** Reads the request body as it arrives (demand-driven), then answers its length and CRC-32. */
    private static final class Counter implements Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final CRC32 crc = new CRC32();
        private long bytes;

        Counter(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        @Override
        public void run() {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    callback.failed(chunk.getFailure());
                    return;
                }
                ByteBuffer b = chunk.getByteBuffer();
                bytes += b.remaining();
                crc.update(b);
                chunk.release();
                if (chunk.isLast()) {
                    Content.Sink.write(response, true, bytes + " " + Long.toHexString(crc.getValue()), callback);
                    return;
                }
            }
        }
    }

    /** The failure /reset ends its stream with; no stack trace, it is expected. */
    private static final class ResetOnPurpose extends Exception {
        ResetOnPurpose() {
            super("stream reset on purpose", null, false, false);
        }
    }
}
