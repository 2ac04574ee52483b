package dev.evloop.websocket;

import dev.evloop.http.HttpEngine;
import dev.evloop.http.HttpHeaders;
import dev.evloop.http.HttpRequest;
import dev.evloop.http.Transfer;
import dev.evloop.http.driver.LoopDriver;
import dev.evloop.loop.EventLoop;
import dev.evloop.net.Transport;
import dev.evloop.poll.Backend;
import dev.evloop.websocket.codec.Handshake;
import dev.evloop.websocket.codec.PerMessageDeflate;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * WebSocket clients (RFC 6455 §4.1), two ways.
 *
 * <ul>
 *   <li>On any loop that drives an {@link HttpEngine}: {@link #connect(HttpEngine, URI, HttpHeaders,
 *       WebSocketConfig, WebSocketListener, Executor)} sends the opening handshake as an ordinary
 *       transfer with an upgrade listener; after {@code 101} the socket stays in the engine's
 *       socket table, so the application's loop keeps driving it with {@code socketAction} and
 *       {@code timeoutAction}, next to its HTTP transfers.
 *   <li>On its own loop thread: {@link #create()} and {@link #connect(URI, WebSocketListener)}.
 * </ul>
 *
 * <p>{@code ws://} and {@code wss://} URIs (also {@code http://} and {@code https://}); TLS through
 * the engine's {@code SSLContext}.
 */
public final class WebSocketClient implements AutoCloseable {
    private static final SecureRandom KEYS = new SecureRandom();

    private final EventLoop loop;
    private final HttpEngine engine;
    private final WebSocketConfig config;
    private final Thread thread;

    private WebSocketClient(Builder b) throws IOException {
        loop = b.backend != null ? EventLoop.builder().backend(b.backend).name("evloop-ws").build()
                : EventLoop.builder().name("evloop-ws").build();
        LoopDriver driver = new LoopDriver(loop);
        HttpEngine.Builder eb = HttpEngine.builder()
                .socketCallback(driver.socketCallback())
                .timerCallback(driver.timerCallback())
                .transport(Transport.forBackend(loop.backend()))
                .connectTimeout(b.connectTimeout)
                .maxConnectionsPerHost(Integer.MAX_VALUE)
                .maxConnections(Integer.MAX_VALUE);
        if (b.sslContext != null) eb.sslContext(b.sslContext);
        engine = eb.build();
        driver.bind(engine);
        config = b.config;
        thread = loop.start();
    }

    public static WebSocketClient create() throws IOException {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens a WebSocket; the future completes on the client's loop thread once the handshake is
     * done (after {@link WebSocketListener#onOpen}), or fails with an {@link IOException} naming
     * why (refused, HTTP status, a bad 101).
     */
    public CompletableFuture<WebSocket> connect(URI uri, WebSocketListener listener) {
        return connect(uri, HttpHeaders.empty(), listener);
    }

    /** As {@link #connect(URI, WebSocketListener)}, with extra request headers (Origin, Authorization, ...). */
    public CompletableFuture<WebSocket> connect(URI uri, HttpHeaders headers, WebSocketListener listener) {
        Objects.requireNonNull(listener, "listener");
        URI target = httpTarget(uri); // a bad URI fails here, on the caller's thread
        CompletableFuture<WebSocket> f = new CompletableFuture<>();
        try {
            loop.execute(() -> connect(engine, uri, headers, config, listener, loop::execute)
                    .whenComplete((ws, e) -> {
                        if (e != null) f.completeExceptionally(e); else f.complete(ws);
                    }));
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new IOException("client is closed; " + target + " not opened", e));
        }
        return f;
    }

    /** Ends every session abruptly (1006) and stops the loop; close sessions first for a clean end. */
    @Override
    public void close() {
        try {
            loop.execute(engine::close);
        } catch (RejectedExecutionException alreadyClosed) {
            return;
        }
        loop.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts the opening handshake on {@code engine}. Call on the thread that drives the engine;
     * the listener and the future's completion run there too.
     *
     * @param executor runs tasks on the engine's thread, so that the WebSocket's methods can be
     *     called from other threads; null if they will only be called on the engine's thread
     */
    public static CompletableFuture<WebSocket> connect(HttpEngine engine, URI uri, HttpHeaders headers,
            WebSocketConfig config, WebSocketListener listener, Executor executor) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(listener, "listener");
        String key = Handshake.newKey(KEYS);
        ClientSession session = new ClientSession(key, config, listener, executor, config.permessageDeflate());
        HttpRequest request = handshakeRequest(uri, headers, config, key, session);
        engine.add(Transfer.collecting(request, session));
        return session.opened;
    }

    /** The http(s) URI the handshake goes to, for a ws(s) (or http(s)) URI (RFC 6455 §3). */
    private static URI httpTarget(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String http = switch (scheme) {
            case "ws", "http" -> "http";
            case "wss", "https" -> "https";
            default -> throw new IllegalArgumentException("not a WebSocket URI (ws:// or wss://): " + uri);
        };
        if (uri.getFragment() != null) {
            throw new IllegalArgumentException("a WebSocket URI has no fragment (RFC 6455 §3): " + uri);
        }
        try {
            return new URI(http, uri.getRawAuthority(), null, null, null).resolve(
                    (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad WebSocket URI " + uri + ": " + e.getMessage(), e);
        }
    }

    /** The GET of RFC 6455 §4.1. */
    private static HttpRequest handshakeRequest(URI uri, HttpHeaders headers, WebSocketConfig config, String key,
            ClientSession session) {
        URI target = httpTarget(uri);
        HttpHeaders.Builder h = headers.toBuilder()
                .set("Upgrade", "websocket")
                .set("Connection", "Upgrade")
                .set("Sec-WebSocket-Key", key)
                .set("Sec-WebSocket-Version", "13");
        if (!config.subprotocols().isEmpty()) h.set("Sec-WebSocket-Protocol", String.join(", ", config.subprotocols()));
        if (config.permessageDeflate()) {
            h.set("Sec-WebSocket-Extensions", PerMessageDeflate.clientOffer(config.noContextTakeover()));
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(target);
        for (var e : h.build()) rb.header(e.getKey(), e.getValue());
        return rb.upgrade(session).build();
    }

    public static final class Builder {
        private Backend backend;
        private javax.net.ssl.SSLContext sslContext;
        private WebSocketConfig config = WebSocketConfig.defaults();
        private Duration connectTimeout = Duration.ofSeconds(10);

        private Builder() {}

        public Builder backend(Backend backend) {
            this.backend = backend;
            return this;
        }

        public Builder sslContext(javax.net.ssl.SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "context");
            return this;
        }

        public Builder config(WebSocketConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = Objects.requireNonNull(d, "connectTimeout");
            return this;
        }

        public WebSocketClient build() throws IOException {
            return new WebSocketClient(this);
        }
    }
}
