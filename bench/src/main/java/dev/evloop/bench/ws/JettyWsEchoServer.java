package dev.evloop.bench.ws;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A WebSocket echo server on Jetty 12 (its own WebSocket API on the core server, no servlets): the
 * peer evloop's {@code ws-echo-server} is measured against in {@link WsCompare}.
 *
 * <p>The configuration is Jetty's ordinary one, with only what an echo of large messages needs:
 * <ol>
 *   <li>one {@link ServerConnector} on 127.0.0.1 with one acceptor and one selector (what Jetty
 *       picks by itself on two CPUs), accept queue 1024 (evloop's listen backlog; Jetty's default
 *       0 means the JDK's 50); the default {@link QueuedThreadPool} (8 to 200 threads), on which
 *       Jetty's adaptive execution strategy runs the echo in the selector thread when it can;
 *   <li>messages and frames up to {@link #MAX_MESSAGE} both ways, so a 16 KiB message goes out as
 *       one frame (auto-fragmentation only splits frames above the maximum frame size); other
 *       settings (input buffer 4 KiB, idle timeout raised to 10 min) are Jetty's defaults;
 *   <li>permessage-deflate declined unless {@code --deflate} (the benchmark client does not offer
 *       it anyway);
 *   <li>{@link Echo} reads on demand: each binary message is sent back from Jetty's own buffer
 *       (no copy), released, and the next frame demanded once the send completes, so a client
 *       that does not read slows the echo down instead of filling queues (as evloop's
 *       {@code WebSocketServer.echo} pauses reading).
 * </ol>
 *
 * <p>Usage: {@code JettyWsEchoServer [PORT] [--deflate]} (0 picks a free one). Prints
 * {@code listening PORT} once bound, then serves {@code ws://127.0.0.1:PORT/} until killed.
 */
public final class JettyWsEchoServer {
    /** 16 MiB and a little more: the largest message evloop's ws-echo-server takes by default, plus headroom. */
    static final int MAX_MESSAGE = (16 << 20) + 1024;

    private JettyWsEchoServer() {}

    public static void main(String[] args) throws Exception {
        int port = 0;
        boolean deflate = false;
        for (String a : args) {
            if (a.equals("--deflate")) deflate = true;
            else port = Integer.parseInt(a);
        }
        boolean acceptDeflate = deflate;
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("jetty-ws");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(MAX_MESSAGE);
            container.setMaxBinaryMessageSize(MAX_MESSAGE);
            container.setMaxFrameSize(MAX_MESSAGE);
            container.setIdleTimeout(Duration.ofMinutes(10));
            container.addMapping("/", (request, response, callback) -> {
                if (!acceptDeflate) response.setExtensions(List.of()); // decline every offered extension
                return new Echo();
            });
        }));
        server.start();
        System.out.println("listening " + connector.getLocalPort());
        System.out.flush();
        server.join();
    }

    /** Sends every message back; public because Jetty binds the listener's methods through a public lookup. */
    public static final class Echo implements Session.Listener {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            session.demand();
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.from(session::demand, Echo::failed));
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback received) {
            // The payload stays Jetty's until `received` completes: send it as it is, release it after.
            session.sendBinary(payload, Callback.from(() -> {
                received.succeed();
                session.demand();
            }, failure -> {
                received.fail(failure);
                failed(failure);
            }));
        }

        @Override
        public void onWebSocketPing(ByteBuffer payload) {
            // A listener that handles pings answers them itself (Jetty then sends no automatic pong).
            session.sendPong(payload, Callback.from(session::demand, Echo::failed));
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            session.demand();
        }

        private static void failed(Throwable failure) {
            // The session fails and closes on its own; the client counts it.
        }
    }
}
