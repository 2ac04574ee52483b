package dev.evloop.websocket.jetty;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketCreator;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A Jetty 12 WebSocket server on 127.0.0.1 (an ephemeral port), Jetty's own WebSocket API on its
 * core server (no servlets): an independent peer for evloop's WebSocket client in the tests and
 * the benchmark. One instance can serve a whole test class.
 *
 * <p>Endpoints:
 * <ul>
 *   <li>{@code /echo}: every text and binary message back, as received (permessage-deflate
 *       accepted when the constructor allows it and the client offers it).
 *   <li>{@code /close?code=N&reason=R}: closes with that status right after the handshake, then
 *       waits for the client's close (RFC 6455 §7.1.2).
 *   <li>{@code /silent}: never reads after the handshake (no demand), so whatever the client
 *       sends piles up in the kernel buffers: for backpressure tests.
 *   <li>{@code /ping}: echoes like {@code /echo} and sends a ping every 100 ms (payload: the count,
 *       as text); pongs are counted.
 * </ul>
 * Messages up to {@link #MAX_MESSAGE} (32 MiB), whole or in frames of that size. Every endpoint
 * answers a ping with a pong carrying its payload (RFC 6455 §5.5.3). Counters cover all sessions.
 */
public final class JettyWebSocketServer implements AutoCloseable {
    public static final int MAX_MESSAGE = 32 << 20;

    private final Server server;
    private final ServerConnector connector;
    private final ScheduledExecutorService pinger;
    private final boolean deflate;

    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final AtomicLong messagesReceived = new AtomicLong();
    private final AtomicInteger pongsReceived = new AtomicInteger();
    private final AtomicReference<CloseStatus> lastClose = new AtomicReference<>();
    private final AtomicReference<Throwable> lastError = new AtomicReference<>();

    /** A close status as Jetty reported it to the endpoint ({@code onWebSocketClose}). */
    public record CloseStatus(int code, String reason) {}

    /** @param deflate whether permessage-deflate (RFC 7692) is accepted when a client offers it */
    public JettyWebSocketServer(boolean deflate) throws Exception {
        this.deflate = deflate;
        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("jetty-ws-server");
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(MAX_MESSAGE);
            container.setMaxBinaryMessageSize(MAX_MESSAGE);
            container.setMaxFrameSize(MAX_MESSAGE);
            container.setIdleTimeout(Duration.ofSeconds(60));
            container.addMapping("/echo", creator(Echo::new));
            container.addMapping("/close", creator(Closer::new));
            container.addMapping("/silent", creator(Silent::new));
            container.addMapping("/ping", creator(Pinging::new));
        }));
        pinger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jetty-ws-pinger");
            t.setDaemon(true);
            return t;
        });
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    private interface Factory {
        Session.Listener create(ServerUpgradeRequest request);
    }

    private WebSocketCreator creator(Factory endpoint) {
        return (ServerUpgradeRequest request, ServerUpgradeResponse response, org.eclipse.jetty.util.Callback callback) -> {
            if (!deflate) response.setExtensions(List.of()); // decline every offered extension
            return endpoint.create(request);
        };
    }

    public int port() {
        return connector.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port());
    }

    /** {@code ws://127.0.0.1:PORT} followed by {@code pathAndQuery} (starting with a slash). */
    public URI uri(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + port() + pathAndQuery);
    }

    public boolean deflateEnabled() {
        return deflate;
    }

    /** Sessions opened (handshake done), over all endpoints. */
    public int sessionsOpened() {
        return opened.get();
    }

    /** Sessions whose close Jetty reported (closing handshake done, or the connection lost). */
    public int sessionsClosed() {
        return closed.get();
    }

    /** Text and binary messages received, over all endpoints. */
    public long messagesReceived() {
        return messagesReceived.get();
    }

    public int pongsReceived() {
        return pongsReceived.get();
    }

    /** The close status of the last session that closed, or null. */
    public CloseStatus lastCloseStatus() {
        return lastClose.get();
    }

    /** The last error Jetty reported to an endpoint, or null. */
    public Throwable lastError() {
        return lastError.get();
    }

    /** Waits until {@code n} sessions in all have closed; false on timeout. */
    public boolean awaitClosed(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (closed.get() < n) {
            if (System.nanoTime() - deadline >= 0) return false;
            Thread.sleep(5);
        }
        return true;
    }

    @Override
    public void close() throws Exception {
        pinger.shutdownNow();
        server.stop();
        pinger.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "JettyWebSocketServer[127.0.0.1:" + port() + (deflate ? ", permessage-deflate" : "") + "]";
    }

    // ------------------------------------------------------------------ endpoints

    /**
     * Reads on demand only (not {@code AutoDemanding}): each event asks for the next one when it
     * is handled, so a slow peer slows the echo down instead of filling Jetty's queues. Public:
     * Jetty binds the listener's methods through a public lookup.
     */
    public abstract class Base implements Session.Listener {
        Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            opened.incrementAndGet();
            start(session);
        }

        void start(Session session) {
            session.demand();
        }

        @Override
        public void onWebSocketPing(ByteBuffer payload) {
            // A listener that handles pings answers them itself (Jetty then sends no automatic pong).
            session.sendPong(payload, demandAfter(null));
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            pongsReceived.incrementAndGet();
            session.demand();
        }

        @Override
        public void onWebSocketText(String message) {
            messagesReceived.incrementAndGet();
            session.sendText(message, demandAfter(null));
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            messagesReceived.incrementAndGet();
            // The payload is Jetty's until the callback completes: send it as is, release it after.
            session.sendBinary(payload, demandAfter(callback));
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            lastError.set(cause);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            lastClose.set(new CloseStatus(statusCode, reason));
            closed.incrementAndGet();
            stopped();
        }

        void stopped() {}

        /** Completes {@code received} (if any) and asks for the next event once a send is done. */
        Callback demandAfter(Callback received) {
            return Callback.from(() -> {
                if (received != null) received.succeed();
                session.demand();
            }, failure -> {
                if (received != null) received.fail(failure);
                lastError.set(failure);
            });
        }
    }

    public final class Echo extends Base {
        Echo(ServerUpgradeRequest request) {}
    }

    public final class Closer extends Base {
        private final int code;
        private final String reason;

        Closer(ServerUpgradeRequest request) {
            Fields query = Request.extractQueryParameters(request);
            String c = query.getValue("code");
            this.code = c == null ? 1000 : Integer.parseInt(c);
            String r = query.getValue("reason");
            this.reason = r == null ? "" : r;
        }

        @Override
        void start(Session session) {
            session.close(code, reason, Callback.NOOP);
            session.demand(); // to read the client's close
        }
    }

    public final class Silent extends Base {
        Silent(ServerUpgradeRequest request) {}

        @Override
        void start(Session session) {
            // No demand(): Jetty reads nothing more from this connection.
        }
    }

    public final class Pinging extends Base {
        private ScheduledFuture<?> task;

        Pinging(ServerUpgradeRequest request) {}

        @Override
        void start(Session session) {
            AtomicInteger count = new AtomicInteger();
            task = pinger.scheduleAtFixedRate(() -> {
                if (session.isOpen()) {
                    byte[] payload = Integer.toString(count.incrementAndGet()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    session.sendPing(ByteBuffer.wrap(payload), Callback.NOOP);
                }
            }, 100, 100, TimeUnit.MILLISECONDS);
            session.demand();
        }

        @Override
        void stopped() {
            if (task != null) task.cancel(false);
        }
    }
}
