package dev.evloop.http;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/** A Jetty 12 server on loopback with the routes the engine tests use; counts connections. */
final class JettyFixture implements AutoCloseable {
    final Server server = new Server();
    final ServerConnector connector = new ServerConnector(server);
    final AtomicInteger opened = new AtomicInteger();
    /** The TLS connector, when made with a key store. */
    ServerConnector tls;

    JettyFixture() throws Exception {
        this(null, null);
    }

    /** With a second, TLS connector using {@code keyStore} (PKCS12). */
    JettyFixture(java.nio.file.Path keyStore, String password) throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.addEventListener(networkConnectionCounter());
        server.addConnector(connector);
        if (keyStore != null) {
            org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
            ssl.setKeyStorePath(keyStore.toString());
            ssl.setKeyStorePassword(password);
            org.eclipse.jetty.server.HttpConfiguration cfg = new org.eclipse.jetty.server.HttpConfiguration();
            cfg.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false)); // no SNI host check
            tls = new ServerConnector(server, new org.eclipse.jetty.server.SslConnectionFactory(ssl, "http/1.1"),
                    new org.eclipse.jetty.server.HttpConnectionFactory(cfg));
            tls.setHost("127.0.0.1");
            tls.setPort(0);
            tls.addEventListener(networkConnectionCounter());
            server.addConnector(tls);
        }
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = Request.getPathInContext(request);
                String[] parts = path.split("/");
                switch (parts.length > 1 ? parts[1] : "") {
                    case "hello" -> Content.Sink.write(response, true, "hello", callback);
                    case "bytes" -> {
                        int n = Integer.parseInt(parts[2]);
                        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, n);
                        response.write(true, ByteBuffer.wrap(letters(n)), callback);
                    }
                    case "chunked" -> {
                        // No Content-Length and two writes: Jetty sends chunked.
                        response.write(false, utf8("first,"), Callback.from(
                                () -> response.write(true, utf8("second"), callback), callback::failed));
                    }
                    case "echo" -> {
                        ByteBuffer body = Content.Source.asByteBuffer(request);
                        response.getHeaders().put("X-Method", request.getMethod());
                        response.write(true, body, callback);
                    }
                    case "echoinfo" -> {
                        // /echo plus how the request was framed
                        response.getHeaders().put("X-Transfer-Encoding", String.valueOf(request.getHeaders().get("Transfer-Encoding")));
                        response.getHeaders().put("X-Content-Length", String.valueOf(request.getHeaders().get("Content-Length")));
                        response.getHeaders().put("X-Expect", String.valueOf(request.getHeaders().get("Expect")));
                        ByteBuffer body = Content.Source.asByteBuffer(request);
                        response.write(true, body, callback);
                    }
                    case "redirect" -> {
                        // /redirect/N: N hops, then /hello; /redirect/CODE/to/ANY: one hop with that code to /echo
                        int n = Integer.parseInt(parts[2]);
                        if (n >= 300) {
                            response.setStatus(n);
                            response.getHeaders().put(HttpHeader.LOCATION, "/echo");
                        } else {
                            response.setStatus(302);
                            response.getHeaders().put(HttpHeader.LOCATION, n == 0 ? "/hello" : "/redirect/" + (n - 1));
                        }
                        Content.Sink.write(response, true, "redirect body", callback);
                    }
                    case "method" -> Content.Sink.write(response, true, request.getMethod() + " "
                            + request.getHeaders().get("Authorization"), callback);
                    case "gzip", "deflate" -> {
                        byte[] plain = "compressed ".repeat(1000).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
                        try (java.io.OutputStream o = parts[1].equals("gzip")
                                ? new java.util.zip.GZIPOutputStream(z) : new java.util.zip.DeflaterOutputStream(z)) {
                            o.write(plain);
                        }
                        byte[] body = z.toByteArray();
                        if (parts.length > 2 && parts[2].equals("truncated")) body = java.util.Arrays.copyOf(body, body.length / 2);
                        response.getHeaders().put(HttpHeader.CONTENT_ENCODING, parts[1]);
                        response.getHeaders().put("X-Accept-Encoding", String.valueOf(request.getHeaders().get("Accept-Encoding")));
                        response.write(true, ByteBuffer.wrap(body), callback);
                    }
                    case "status" -> {
                        response.setStatus(Integer.parseInt(parts[2]));
                        Content.Sink.write(response, true, "status " + parts[2], callback);
                    }
                    case "delay" -> {
                        Thread.sleep(Long.parseLong(parts[2]));
                        Content.Sink.write(response, true, "late", callback);
                    }
                    case "truncated" -> {
                        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 1000);
                        response.write(false, utf8("only part of it"), Callback.from(
                                () -> callback.failed(new RuntimeException("cut short on purpose")), callback::failed));
                    }
                    default -> {
                        response.setStatus(404);
                        Content.Sink.write(response, true, "no route " + path, callback);
                    }
                }
                return true;
            }
        });
        server.start();
    }

    /** TLS stacks an HTTP connection on the TLS one: count network connections only. */
    private Connection.Listener networkConnectionCounter() {
        return new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                if (connection.getEndPoint() instanceof org.eclipse.jetty.io.SocketChannelEndPoint) opened.incrementAndGet();
            }
        };
    }

    static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    URI httpsUri(String host, String path) {
        return URI.create("https://" + host + ":" + tls.getLocalPort() + path);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + path);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** The body of {@code /bytes/N} here and in {@link JettyH2Fixture}: a, b, ..., z, a, ... */
    static byte[] letters(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) ('a' + i % 26);
        return b;
    }
}
