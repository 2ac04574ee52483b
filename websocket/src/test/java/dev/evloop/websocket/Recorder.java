package dev.evloop.websocket;

import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A listener that records what happens, for tests to wait on. */
class Recorder implements WebSocketListener {
    record Closed(int code, String reason) {}

    final CompletableFuture<WebSocket> open = new CompletableFuture<>();
    final CompletableFuture<Closed> closed = new CompletableFuture<>();
    final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    final AtomicInteger pings = new AtomicInteger();
    final AtomicInteger pongs = new AtomicInteger();
    final AtomicInteger drained = new AtomicInteger();
    final AtomicInteger closeCalls = new AtomicInteger();

    @Override
    public void onOpen(WebSocket ws) {
        open.complete(ws);
    }

    @Override
    public void onText(WebSocket ws, String text) throws Exception {
        messages.add(text);
    }

    @Override
    public void onBinary(WebSocket ws, ByteBuffer data) throws Exception {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        messages.add(b);
    }

    @Override
    public void onPing(WebSocket ws, ByteBuffer payload) {
        pings.incrementAndGet();
    }

    @Override
    public void onPong(WebSocket ws, ByteBuffer payload) {
        pongs.incrementAndGet();
    }

    @Override
    public void onDrained(WebSocket ws) {
        drained.incrementAndGet();
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        errors.add(error);
    }

    @Override
    public void onClose(WebSocket ws, int code, String reason) {
        closeCalls.incrementAndGet();
        closed.complete(new Closed(code, reason));
    }

    Object next() throws InterruptedException {
        Object m = messages.poll(20, TimeUnit.SECONDS);
        if (m == null) fail("no message within 20 s; closed: " + closed.getNow(null) + ", errors: " + errors);
        return m;
    }

    Closed awaitClose() throws Exception {
        return closed.get(20, TimeUnit.SECONDS);
    }
}
