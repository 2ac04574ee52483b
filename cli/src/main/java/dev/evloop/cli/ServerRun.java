package dev.evloop.cli;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * How the server commands run: until SIGINT or SIGTERM (a shutdown hook gives open connections
 * {@link #GRACE} to finish), or for a fixed time when tests and scripts ask.
 */
final class ServerRun {
    static final Duration GRACE = Duration.ofSeconds(2);

    private ServerRun() {}

    /** @param shutdown starts a graceful shutdown with the given grace and returns its completion */
    static void untilStopped(String name, double durationSeconds, Function<Duration, CompletableFuture<Void>> shutdown) {
        Thread hook = new Thread(() -> shutdown.apply(GRACE).join(), name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (durationSeconds > 0) {
                Thread.sleep(Duration.ofNanos((long) (durationSeconds * 1e9)));
            } else {
                new CountDownLatch(1).await(); // until a signal ends the JVM; the hook shuts down
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            shutdown.apply(GRACE).join();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already; the hook joins the same shutdown
            }
        }
    }
}
