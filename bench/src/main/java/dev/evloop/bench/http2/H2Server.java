package dev.evloop.bench.http2;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The one server of {@link H2Compare}: Jetty 12 on 127.0.0.1, a port the kernel picks, one
 * connector with HTTP/1.1 and h2c. Jetty takes h2c both ways on it: a connection that opens with
 * the HTTP/2 preface (prior knowledge, RFC 9113 §3.3) and an HTTP/1.1 request with
 * {@code Upgrade: h2c} (RFC 7540 §3.2, what the JDK's client sends over {@code http://}).
 *
 * <p>{@code GET /hello} answers {@code Hello, World!} (13 bytes), {@code GET /bytes/N} N bytes;
 * anything else 404. Prints {@code port N}; then, for each {@code stats} line on its standard
 * input, one line {@code stats connections=C h1=A h2=B}: TCP connections accepted and requests
 * served per HTTP version since the start. Serves until its standard input closes.
 */
public final class H2Server {
    static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    static final int MAX_BODY = 16 << 20;

    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong h1 = new AtomicLong();
    private final AtomicLong h2 = new AtomicLong();

    private H2Server() {}

    public static void main(String[] args) throws Exception {
        new H2Server().serve();
    }

    private void serve() throws Exception {
        Server server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendDateHeader(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config),
                new HTTP2CServerConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        // Every socket opens as HTTP/1.1; h2c (by preface or by Upgrade) is a second Connection on the
        // same end point: count the end points. Weak keys, identity equality (EndPoint keeps Object's).
        Set<EndPoint> seen = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
        connector.addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                if (seen.add(connection.getEndPoint())) connections.incrementAndGet();
            }
        });
        server.addConnector(connector);
        server.setHandler(new Routes());
        server.start();
        try {
            System.out.println("port " + connector.getLocalPort());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("stats")) {
                    System.out.println("stats connections=" + connections.get() + " h1=" + h1.get() + " h2=" + h2.get());
                } else {
                    System.out.println("unknown command '" + line + "'; known: stats");
                }
                System.out.flush();
            }
        } finally {
            server.stop();
        }
    }

    private final class Routes extends Handler.Abstract {
        /** Bodies by path, made once: each response writes a view of its own. */
        private final ConcurrentHashMap<Integer, ByteBuffer> bodies = new ConcurrentHashMap<>();

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            if (request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_2) h2.incrementAndGet();
            else h1.incrementAndGet();
            String path = Request.getPathInContext(request);
            ByteBuffer body;
            if (path.equals("/hello")) {
                body = ByteBuffer.wrap(HELLO);
            } else if (path.startsWith("/bytes/") && path.length() > 7 && path.length() < 17
                    && path.chars().skip(7).allMatch(Character::isDigit)) {
                int n = Integer.parseInt(path.substring(7));
                if (n > MAX_BODY) {
                    response.setStatus(400);
                    response.write(true, ByteBuffer.wrap(("/bytes/N: N at most " + MAX_BODY + ", got " + n + "\n")
                            .getBytes(StandardCharsets.US_ASCII)), callback);
                    return true;
                }
                body = bodies.computeIfAbsent(n, k -> ByteBuffer.allocateDirect(k).put(new byte[k]).flip()).duplicate();
            } else {
                response.setStatus(404);
                body = ByteBuffer.allocate(0);
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
            response.write(true, body, callback);
            return true;
        }
    }
}
