package dev.evloop.cli;

import dev.evloop.http.HttpEngine;
import dev.evloop.http.driver.LoopDriver;
import dev.evloop.loop.EventLoop;
import dev.evloop.net.Transport;
import dev.evloop.poll.Backend;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * One {@link HttpEngine} on one {@link EventLoop}, driven by a {@link LoopDriver}: what
 * {@code get}, {@code bench} and the HTTP demo run on. The loop runs on the calling thread
 * ({@link #run}); everything else happens on it, and {@link #stop} ends it.
 */
final class EngineLoop implements AutoCloseable {
    final EventLoop loop;
    final HttpEngine engine;

    private EngineLoop(EventLoop loop, HttpEngine engine) {
        this.loop = loop;
        this.engine = engine;
    }

    /** Opens the loop and builds the engine; {@code settings} adds to the engine's builder. */
    static EngineLoop open(Backend backend, String name, Consumer<HttpEngine.Builder> settings) throws IOException {
        EventLoop loop = EventLoop.builder().backend(backend).name(name).build();
        try {
            LoopDriver driver = new LoopDriver(loop);
            HttpEngine.Builder b = HttpEngine.builder()
                    .socketCallback(driver.socketCallback())
                    .timerCallback(driver.timerCallback())
                    .transport(Transport.forBackend(loop.backend()));
            settings.accept(b);
            HttpEngine engine = b.build();
            driver.bind(engine);
            return new EngineLoop(loop, engine);
        } catch (RuntimeException e) {
            loop.close();
            throw e;
        }
    }

    /** Runs the loop on this thread until {@link #stop}. */
    void run() {
        loop.run();
    }

    /** On the loop: fails what is in flight, closes the engine's connections, ends {@link #run}. */
    void stop() {
        engine.close();
        loop.close();
    }

    /** Drops the engine's queue of results: listeners hear every result already. */
    void drainResults() {
        while (engine.nextResult() != null) {
            // listeners handle each result
        }
    }

    /** Closes the engine and the loop if {@link #run} did not (setup failed before it ran). */
    @Override
    public void close() {
        if (!loop.isClosed()) {
            engine.close();
            loop.close();
        }
    }

    /** Whole-number latency in microseconds, at least 1. */
    static long micros(long nanos) {
        return Math.max(1, nanos / 1000);
    }
}
