package dev.evloop.server.http;

import dev.evloop.http.codec.ParserLimits;
import dev.evloop.loop.EventLoop;
import dev.evloop.server.ServerConfig;
import dev.evloop.server.TcpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An HTTP/1.1 server: a {@link TcpServer} whose connections each get an
 * {@link HttpServerHandler} over one shared {@link HttpService} (typically {@link Routes}).
 *
 * <pre>{@code
 * try (HttpServer server = HttpServer.start(ServerConfig.builder().build(), DemoRoutes.routes())) {
 *     System.out.println("http://" + server.localAddress().getHostString() + ":" + server.localAddress().getPort());
 *     ...
 * }
 * }</pre>
 *
 * <p>Limits: the head (bytes and field count) and the body size come from {@link ParserLimits}
 * ({@link HttpServerHandler#DEFAULT_LIMITS}: 64 KiB, 100 fields, 8 MiB body); the server's own
 * {@link ServerConfig#maxBufferedInput()} bounds the pipelined input held during an exchange and
 * must be at least the head limit, so that one whole pipelined head can wait;
 * {@link ServerConfig#maxPendingOutput()} bounds unsent output per connection.
 */
public final class HttpServer implements AutoCloseable {
    private final TcpServer tcp;

    private HttpServer(TcpServer tcp) {
        this.tcp = tcp;
    }

    /** Starts on {@code config.loops()} new loops with {@link HttpServerHandler#DEFAULT_LIMITS}. */
    public static HttpServer start(ServerConfig config, Routes routes) throws IOException {
        return start(config, HttpServerHandler.DEFAULT_LIMITS, routes);
    }

    /** Starts on {@code config.loops()} new loops, each on its own thread. */
    public static HttpServer start(ServerConfig config, ParserLimits limits, HttpService service) throws IOException {
        check(config, limits, service);
        return new HttpServer(TcpServer.start(config, () -> new HttpServerHandler(service, limits, config)));
    }

    /** Puts the server on {@code loop}, which the caller runs (see {@link TcpServer#attach}). */
    public static HttpServer attach(EventLoop loop, ServerConfig config, ParserLimits limits, HttpService service)
            throws IOException {
        check(config, limits, service);
        return new HttpServer(TcpServer.attach(loop, config, () -> new HttpServerHandler(service, limits, config)));
    }

    private static void check(ServerConfig config, ParserLimits limits, HttpService service) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(service, "service");
        if (config.maxBufferedInput() < limits.maxHeaderSectionBytes()) {
            throw new IllegalArgumentException("ServerConfig.maxBufferedInput " + config.maxBufferedInput()
                    + " is below ParserLimits.maxHeaderSectionBytes " + limits.maxHeaderSectionBytes()
                    + ": a pipelined request head could not wait for the response before it");
        }
        if (limits.maxBodyBytes() > HttpServerHandler.MAX_BODY_LIMIT) {
            throw new IllegalArgumentException("ParserLimits.maxBodyBytes " + limits.maxBodyBytes() + " is over "
                    + HttpServerHandler.MAX_BODY_LIMIT + ": request bodies are gathered into one array");
        }
    }

    /** Where the server listens (the actual port when port 0 was asked for). */
    public InetSocketAddress localAddress() {
        return tcp.localAddress();
    }

    /** The TCP server underneath: loops, connection count, accepting state. */
    public TcpServer tcpServer() {
        return tcp;
    }

    /**
     * Stops accepting; closes idle connections, lets exchanges under way finish and upgraded
     * protocols say goodbye ({@link dev.evloop.server.Handler#onShutdown}) for up to
     * {@code grace}; then closes everything.
     */
    public CompletableFuture<Void> shutdown(Duration grace) {
        return tcp.shutdown(grace);
    }

    /** Shuts down with no grace and waits for it. */
    @Override
    public void close() {
        tcp.close();
    }

    @Override
    public String toString() {
        return "HttpServer[" + localAddress() + "]";
    }
}
