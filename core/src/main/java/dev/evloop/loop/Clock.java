package dev.evloop.loop;

/**
 * Monotonic time in nanoseconds, injected so tests and simulations can drive time by hand
 * ({@link ManualClock}). The event loop reads it once per iteration and hands that value to
 * everything due in the iteration, so one batch of callbacks agrees on "now" (libuv
 * {@code uv_update_time}).
 *
 * <p>Values have an arbitrary origin and may be negative, like {@link System#nanoTime()}; only
 * differences mean anything. They never go backwards.
 */
@FunctionalInterface
public interface Clock {

    long nanoTime();

    /** {@link System#nanoTime()}: monotonic, unaffected by wall-clock changes. */
    static Clock system() {
        return System::nanoTime;
    }
}
