package dev.evloop.websocket;

import dev.evloop.server.CloseReason;
import dev.evloop.server.Connection;
import dev.evloop.server.Handler;
import dev.evloop.websocket.codec.PerMessageDeflate;
import dev.evloop.websocket.codec.Role;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A server connection after the upgrade: the {@link Handler} the framework calls, and the {@link
 * Transport} the session writes through.
 */
final class ServerSession implements Handler, Transport {
    private final WebSocketListener listener;
    private final WebSocketConfig config;
    private final String subprotocol;
    private final String extensions;
    private final PerMessageDeflate.Params deflate;
    private Connection connection;
    private WebSocket ws;

    ServerSession(WebSocketListener listener, WebSocketConfig config, String subprotocol, String extensions,
            PerMessageDeflate.Params deflate) {
        this.listener = listener;
        this.config = config;
        this.subprotocol = subprotocol;
        this.extensions = extensions;
        this.deflate = deflate;
    }

    // ---------------------------------------------------------------- Handler

    @Override
    public void onOpen(Connection c) {
        connection = c;
        ws = new WebSocket(this, listener, config, Role.SERVER, subprotocol, extensions,
                deflate == null ? null : new PerMessageDeflate(Role.SERVER, deflate));
        c.attach(ws);
        ws.opened();
    }

    @Override
    public void onData(Connection c, ByteBuffer in) {
        ws.onBytes(in);
        in.position(in.limit()); // the frame reader keeps what it needs of a partial frame
    }

    @Override
    public void onDrained(Connection c) {
        ws.onDrained();
    }

    @Override
    public void onShutdown(Connection c) {
        ws.goingAway();
    }

    @Override
    public void onClose(Connection c, CloseReason reason, Throwable cause) {
        if (ws != null) ws.onEnd(cause);
    }

    // ---------------------------------------------------------------- Transport

    @Override
    public void send(ByteBuffer bytes) {
        connection.write(bytes);
    }

    @Override
    public long queuedBytes() {
        return connection.pendingOutput();
    }

    @Override
    public void pauseReading(boolean paused) {
        if (paused) connection.pauseReading(); else connection.resumeReading();
    }

    @Override
    public void closeAfterFlush() {
        connection.close();
    }

    @Override
    public void abort() {
        connection.abort("websocket: closed without a closing handshake");
    }

    @Override
    public long nanoTime() {
        return connection.loop().nanoTime();
    }

    @Override
    public long schedule(long delayNanos, Runnable task) {
        return connection.loop().schedule(delayNanos, TimeUnit.NANOSECONDS, task);
    }

    @Override
    public void cancel(long timerId) {
        connection.loop().cancelTimer(timerId);
    }

    @Override
    public boolean inLoop() {
        return connection.loop().inLoop();
    }

    @Override
    public void execute(Runnable task) {
        connection.loop().execute(task);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return connection.remoteAddress();
    }
}
