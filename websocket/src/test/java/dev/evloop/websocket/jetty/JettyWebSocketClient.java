package dev.evloop.websocket.jetty;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.ExtensionConfig;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * Jetty 12's WebSocket client, wrapped for the tests: {@link #connect} opens a {@link Conversation}
 * that sends text, binary, pings and closes, and records what arrives (messages in order, pings,
 * pongs, the close status and reason), every wait bounded by a timeout. One client serves many
 * connections; {@link #close()} stops it and closes what is still open.
 *
 * <pre>{@code
 * try (JettyWebSocketClient jetty = new JettyWebSocketClient();
 *      var ws = jetty.connect(URI.create("ws://127.0.0.1:" + port + "/chat"), true)) {
 *     ws.sendText("hi");
 *     assertThat(ws.nextMessage().text()).isEqualTo("hi");
 *     assertThat(ws.close(1000, "done").code()).isEqualTo(1000);
 * }
 * }</pre>
 */
public final class JettyWebSocketClient implements AutoCloseable {
    /** The wait of every blocking call without a timeout of its own. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final WebSocketClient client;

    public JettyWebSocketClient() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("jetty-ws-client");
        HttpClient http = new HttpClient();
        http.setExecutor(threads);
        client = new WebSocketClient(http);
        client.setMaxTextMessageSize(JettyWebSocketServer.MAX_MESSAGE);
        client.setMaxBinaryMessageSize(JettyWebSocketServer.MAX_MESSAGE);
        client.setMaxFrameSize(JettyWebSocketServer.MAX_MESSAGE);
        client.setIdleTimeout(Duration.ofSeconds(60));
        client.start();
    }

    /** One message as received: text or binary. */
    public record Message(String text, byte[] binary) {
        public boolean isText() {
            return text != null;
        }

        @Override
        public String toString() {
            return isText() ? "text(" + text.length() + " chars)" : "binary(" + binary.length + " bytes)";
        }
    }

    /** The close status and reason received (or 1006 with the failure's message when the connection was lost). */
    public record CloseStatus(int code, String reason) {}

    /** Connects to {@code uri} (ws://), offering permessage-deflate when {@code deflate}. */
    public Conversation connect(URI uri, boolean deflate) throws Exception {
        return connect(uri, deflate, List.of());
    }

    /** {@link #connect(URI, boolean)} with subprotocols to offer ({@code Sec-WebSocket-Protocol}). */
    public Conversation connect(URI uri, boolean deflate, List<String> subprotocols) throws Exception {
        ClientUpgradeRequest request = new ClientUpgradeRequest();
        if (deflate) request.addExtensions("permessage-deflate");
        if (!subprotocols.isEmpty()) request.setSubProtocols(subprotocols);
        Conversation c = new Conversation();
        client.connect(c, uri, request).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return c;
    }

    @Override
    public void close() throws Exception {
        client.stop();
        client.getHttpClient().stop();
    }

    /**
     * One WebSocket connection. Reads on demand: one event at a time, the next asked for once it is
     * recorded, unless {@link #pauseReading() paused} (then Jetty stops reading and the peer's
     * writes back up). Pings are answered with pongs (RFC 6455 §5.5.3).
     */
    public static final class Conversation implements Session.Listener, AutoCloseable {
        private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
        private final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
        private final AtomicInteger pings = new AtomicInteger();
        private final AtomicInteger pongs = new AtomicInteger();
        private volatile Session session;
        private volatile Throwable error;
        private boolean paused;
        private boolean demandOwed;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            session.demand();
        }

        @Override
        public void onWebSocketText(String message) {
            messages.add(new Message(message, null));
            next();
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            byte[] b = new byte[payload.remaining()];
            payload.get(b);
            callback.succeed();
            messages.add(new Message(null, b));
            next();
        }

        @Override
        public void onWebSocketPing(ByteBuffer payload) {
            pings.incrementAndGet();
            session.sendPong(payload, Callback.NOOP);
            next();
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            pongs.incrementAndGet();
            next();
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            error = cause;
            closed.complete(new CloseStatus(1006, String.valueOf(cause.getMessage())));
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            closed.complete(new CloseStatus(statusCode, reason));
        }

        private synchronized void next() {
            if (paused) {
                demandOwed = true;
            } else {
                session.demand();
            }
        }

        /** Stops asking Jetty for frames: nothing more is read until {@link #resumeReading()}. */
        public synchronized void pauseReading() {
            paused = true;
        }

        public synchronized void resumeReading() {
            paused = false;
            if (demandOwed) {
                demandOwed = false;
                session.demand();
            }
        }

        /** The extensions the server accepted, by name (e.g. {@code permessage-deflate}). */
        public List<String> extensions() {
            return session.getUpgradeResponse().getExtensions().stream().map(ExtensionConfig::getName).toList();
        }

        /** The subprotocol the server chose, or null. */
        public String subprotocol() {
            return session.getUpgradeResponse().getAcceptedSubProtocol();
        }

        /** The upgrade response's header {@code name}, or null. */
        public String responseHeader(String name) {
            return session.getUpgradeResponse().getHeader(name);
        }

        public Session session() {
            return session;
        }

        /** Sends a text message and waits until Jetty has written it. */
        public void sendText(String text) throws Exception {
            await(sendTextAsync(text), TIMEOUT);
        }

        /** Sends a binary message and waits until Jetty has written it. */
        public void sendBinary(byte[] data) throws Exception {
            await(sendBinaryAsync(data), TIMEOUT);
        }

        /** Starts sending; the future completes once written (never, if the peer does not read). */
        public CompletableFuture<Void> sendTextAsync(String text) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            session.sendText(text, Callback.from(() -> f.complete(null), f::completeExceptionally));
            return f;
        }

        public CompletableFuture<Void> sendBinaryAsync(byte[] data) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            session.sendBinary(ByteBuffer.wrap(data), Callback.from(() -> f.complete(null), f::completeExceptionally));
            return f;
        }

        public void sendPing(String payload) throws Exception {
            CompletableFuture<Void> f = new CompletableFuture<>();
            session.sendPing(ByteBuffer.wrap(payload.getBytes(StandardCharsets.UTF_8)),
                    Callback.from(() -> f.complete(null), f::completeExceptionally));
            await(f, TIMEOUT);
        }

        /** The next message received, waiting up to {@link #TIMEOUT}. */
        public Message nextMessage() throws Exception {
            return nextMessage(TIMEOUT);
        }

        public Message nextMessage(Duration timeout) throws Exception {
            Message m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (m == null) {
                throw new TimeoutException("no message within " + timeout + (error == null ? "" : "; error: " + error));
            }
            return m;
        }

        /** Messages received and not yet taken by {@link #nextMessage}. */
        public int pendingMessages() {
            return messages.size();
        }

        public int pingsReceived() {
            return pings.get();
        }

        public int pongsReceived() {
            return pongs.get();
        }

        /** The error Jetty reported, or null. */
        public Throwable error() {
            return error;
        }

        /** Starts the closing handshake with {@code code} and {@code reason} and waits for its end. */
        public CloseStatus close(int code, String reason) throws Exception {
            session.close(code, reason, Callback.NOOP);
            return awaitClose(TIMEOUT);
        }

        /** Waits for the connection to close (the peer's close, or a failure). */
        public CloseStatus awaitClose(Duration timeout) throws Exception {
            return await(closed, timeout);
        }

        /** The close status, or null while open. */
        public CloseStatus closeStatus() {
            return closed.getNow(null);
        }

        public boolean isOpen() {
            return session != null && session.isOpen();
        }

        /** Closes the TCP connection at once, without a closing handshake. */
        public void abort() {
            session.disconnect();
        }

        /** A normal close (1000) if still open, else nothing; bounded by {@link #TIMEOUT}. */
        @Override
        public void close() throws Exception {
            if (isOpen()) {
                session.close(1000, "", Callback.NOOP);
                try {
                    awaitClose(TIMEOUT);
                } catch (TimeoutException e) {
                    session.disconnect();
                }
            }
        }

        private static <T> T await(CompletableFuture<T> f, Duration timeout) throws Exception {
            try {
                return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof Exception x) throw x;
                throw e;
            }
        }
    }
}
