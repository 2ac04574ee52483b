package dev.evloop.websocket;

import dev.evloop.server.ServerConfig;
import dev.evloop.server.http.HttpServer;
import dev.evloop.server.http.Request;
import dev.evloop.server.http.Routes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A WebSocket server on evloop's server framework: an {@link HttpServer} whose route {@code path}
 * is a {@link WebSocketService}; other paths answer 404. To serve WebSocket beside other HTTP
 * routes, mount a {@link WebSocketService} on {@link Routes} instead.
 *
 * <p>Shutdown: {@link #shutdown} stops accepting and sends every open session a close frame with
 * 1001 (going away, RFC 6455 §7.4.1); sessions whose closing handshake ends within the grace close
 * cleanly, the rest are closed when it runs out.
 */
public final class WebSocketServer implements AutoCloseable {
    private final HttpServer http;

    private WebSocketServer(HttpServer http) {
        this.http = http;
    }

    /**
     * Starts on {@code server.loops()} new loops, each on its own thread. The server's output
     * bound ({@link ServerConfig#maxPendingOutput}) is raised, if needed, to two of the largest
     * messages plus 1 MiB, so that echoing a whole message never trips it.
     */
    public static WebSocketServer start(ServerConfig server, WebSocketConfig config, String path,
            Function<Request, WebSocketListener> acceptor) throws IOException {
        Objects.requireNonNull(path, "path");
        int needed = (int) Math.min(Integer.MAX_VALUE, 2L * config.maxMessageSize() + (1 << 20));
        ServerConfig s = server.maxPendingOutput() >= needed ? server : server.toBuilder().maxPendingOutput(needed).build();
        Routes routes = Routes.builder().exact(path, WebSocketService.of(config, acceptor)).build();
        return new WebSocketServer(HttpServer.start(s, routes));
    }

    /**
     * A listener that sends every message back, pausing its reading while more than {@code
     * maxQueued} bytes wait to be written (so a client that sends but does not read is slowed
     * down rather than buffered without bound).
     */
    public static WebSocketListener echo(long maxQueued) {
        return new WebSocketListener() {
            @Override
            public void onText(WebSocket ws, String text) {
                ws.sendText(text);
                if (ws.queuedBytes() > maxQueued) ws.pauseReceiving();
            }

            @Override
            public void onBinary(WebSocket ws, java.nio.ByteBuffer data) {
                ws.sendBinary(data);
                if (ws.queuedBytes() > maxQueued) ws.pauseReceiving();
            }

            @Override
            public void onDrained(WebSocket ws) {
                ws.resumeReceiving();
            }
        };
    }

    public InetSocketAddress localAddress() {
        return http.localAddress();
    }

    public HttpServer httpServer() {
        return http;
    }

    /** Stops accepting, closes every session with 1001 and waits up to {@code grace} for them. */
    public CompletableFuture<Void> shutdown(Duration grace) {
        return http.shutdown(grace);
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "WebSocketServer[" + localAddress() + "]";
    }
}
