package dev.evloop.websocket;

import dev.evloop.http.HttpResponse;
import dev.evloop.http.TransferListener;
import dev.evloop.http.TransferResult;
import dev.evloop.http.UpgradeListener;
import dev.evloop.http.UpgradedStream;
import dev.evloop.websocket.codec.Handshake;
import dev.evloop.websocket.codec.PerMessageDeflate;
import dev.evloop.websocket.codec.Role;
import dev.evloop.websocket.codec.WebSocketException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A client's opening handshake and, after {@code 101}, its connection: the {@link
 * UpgradeListener} the HTTP engine calls and the {@link Transport} the session writes through.
 */
final class ClientSession implements UpgradeListener, TransferListener, Transport {
    private final String key;
    private final WebSocketConfig config;
    private final WebSocketListener listener;
    private final Executor executor;
    private final boolean offeredDeflate;
    final CompletableFuture<WebSocket> opened = new CompletableFuture<>();
    private UpgradedStream stream;
    private WebSocket ws;
    /** The thread driving the engine: the one that delivered the 101. */
    private Thread owner;

    ClientSession(String key, WebSocketConfig config, WebSocketListener listener, Executor executor,
            boolean offeredDeflate) {
        this.key = key;
        this.config = config;
        this.listener = listener;
        this.executor = executor;
        this.offeredDeflate = offeredDeflate;
    }

    // ---------------------------------------------------------------- the handshake (RFC 6455 §4.1)

    @Override
    public void onUpgrade(UpgradedStream s, HttpResponse response) {
        stream = s;
        owner = Thread.currentThread();
        String problem = null;
        PerMessageDeflate.Params deflate = null;
        String extensions = response.headers().first("Sec-WebSocket-Extensions").orElse("");
        String subprotocol = response.headers().first("Sec-WebSocket-Protocol").map(String::trim).orElse(null);
        if (!WebSocketService.hasToken(response.headers().all("Upgrade"), "websocket")) {
            problem = "the 101 response has no Upgrade: websocket";
        } else if (!WebSocketService.hasToken(response.headers().all("Connection"), "upgrade")) {
            problem = "the 101 response has no Connection: Upgrade";
        } else if (!Handshake.accept(key).equals(response.headers().first("Sec-WebSocket-Accept").map(String::trim).orElse(""))) {
            problem = "Sec-WebSocket-Accept " + response.headers().first("Sec-WebSocket-Accept").orElse("(missing)")
                    + " does not match the key sent";
        } else if (subprotocol != null && !config.subprotocols().contains(subprotocol)) {
            problem = "the server chose subprotocol " + subprotocol + ", which was not offered " + config.subprotocols();
        } else if (!extensions.isBlank()) {
            if (!offeredDeflate) {
                problem = "the server chose extensions that were not offered: " + extensions;
            } else {
                try {
                    Optional<PerMessageDeflate.Params> p = PerMessageDeflate.acceptResponse(extensions);
                    if (p.isEmpty()) problem = "the server chose extensions that were not offered: " + extensions;
                    else deflate = p.get();
                } catch (WebSocketException e) {
                    problem = e.getMessage();
                }
            }
        }
        if (problem != null) {
            s.abort();
            opened.completeExceptionally(new IOException("WebSocket handshake with " + s.remoteAddress()
                    + " failed: " + problem));
            return;
        }
        ws = new WebSocket(this, listener, config, Role.CLIENT, subprotocol, extensions.trim(),
                deflate == null ? null : new PerMessageDeflate(Role.CLIENT, deflate));
        ws.opened();
        opened.complete(ws);
    }

    @Override
    public void onComplete(TransferResult result) {
        if (opened.isDone()) return;
        if (!result.isSuccess()) {
            Throwable e = result.error();
            opened.completeExceptionally(e instanceof IOException ? e
                    : new IOException("WebSocket handshake failed: " + e, e));
        } else if (result.response().status() != 101) {
            HttpResponse r = result.response();
            String body = r.body() == null ? "" : new String(r.body(), 0, Math.min(r.body().length, 200),
                    java.nio.charset.StandardCharsets.UTF_8).strip();
            opened.completeExceptionally(new IOException("WebSocket handshake refused: HTTP " + r.status()
                    + (body.isEmpty() ? "" : " (" + body + ")")));
        }
    }

    // ---------------------------------------------------------------- the engine's calls after 101

    @Override
    public void onData(UpgradedStream s, ByteBuffer data) {
        if (ws != null) ws.onBytes(data);
        data.position(data.limit());
    }

    @Override
    public void onDrained(UpgradedStream s) {
        if (ws != null) ws.onDrained();
    }

    @Override
    public void onClosed(UpgradedStream s, Throwable cause) {
        if (ws != null) ws.onEnd(cause);
    }

    // ---------------------------------------------------------------- Transport

    @Override
    public void send(ByteBuffer bytes) {
        if (stream.isOpen()) stream.write(bytes);
    }

    @Override
    public long queuedBytes() {
        return stream == null ? 0 : stream.queuedBytes();
    }

    @Override
    public void pauseReading(boolean paused) {
        if (!stream.isOpen()) return;
        if (paused) stream.pauseReading(); else stream.resumeReading();
    }

    @Override
    public void closeAfterFlush() {
        if (stream.isOpen()) stream.close();
    }

    @Override
    public void abort() {
        if (stream.isOpen()) stream.abort();
    }

    @Override
    public long nanoTime() {
        return stream.nanoTime();
    }

    @Override
    public long schedule(long delayNanos, Runnable task) {
        return stream.isOpen() ? stream.schedule(delayNanos, task) : -1; // an ended stream runs no timers
    }

    @Override
    public void cancel(long timerId) {
        if (timerId >= 0 && stream.isOpen()) stream.cancel(timerId);
    }

    @Override
    public boolean inLoop() {
        return Thread.currentThread() == owner;
    }

    @Override
    public void execute(Runnable task) {
        if (executor == null) {
            throw new IllegalStateException("this WebSocket was opened without an executor for its engine's thread: "
                    + "call it from the thread that drives the engine");
        }
        executor.execute(task);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return stream.remoteAddress();
    }
}
