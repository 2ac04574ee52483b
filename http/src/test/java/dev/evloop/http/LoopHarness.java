package dev.evloop.http;

import dev.evloop.http.driver.LoopDriver;
import dev.evloop.loop.EventLoop;
import dev.evloop.net.Transport;
import dev.evloop.poll.Backend;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The engine on an evloop {@link EventLoop} run by the test thread (LoopDriver's logic, plus
 * counting): every socket callback and every event delivered is recorded, and loop timers can
 * call the engine (resume, resumeUpload) as an application would.
 */
final class LoopHarness implements AutoCloseable {
    final EventLoop loop;
    final HttpEngine engine;
    /** Every socket callback, in order. */
    final List<String> socketCalls = new ArrayList<>();
    /** The last action announced per socket; REMOVE stays recorded. */
    final Map<SocketHandle, SocketAction> last = new IdentityHashMap<>();
    private final LoopDriver driver;

    LoopHarness(Backend backend, HttpEngine.Builder b) throws IOException {
        loop = EventLoop.builder().backend(backend).name("harness-" + backend).build();
        driver = new LoopDriver(loop);
        engine = b.socketCallback(this::onSocket).timerCallback(driver.timerCallback())
                .transport(Transport.forBackend(backend)).checking(true).build();
        driver.bind(engine);
    }

    /** Records the announcement, then lets the real driver act on it. */
    private void onSocket(SocketHandle socket, SocketAction action, Object data) {
        socketCalls.add(socket + " " + action);
        last.put(socket, action);
        driver.socketCallback().onSocket(socket, action, data);
    }

    /** Events delivered through socketAction. */
    long delivered() {
        return driver.eventsDelivered();
    }

    /** Sockets announced and not removed now. */
    long watched() {
        return last.values().stream().filter(a -> a != SocketAction.REMOVE).count();
    }

    void runUntil(BooleanSupplier done, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("not done within " + max.toMillis() + " ms; running " + engine.running()
                        + ", last socket calls " + socketCalls.subList(Math.max(0, socketCalls.size() - 10), socketCalls.size()));
            }
            loop.runOnce(10, TimeUnit.MILLISECONDS);
        }
    }

    void runFor(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() - end < 0) loop.runOnce(5, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        engine.close();
        loop.close();
    }
}
