package dev.evloop.loop;

import dev.evloop.poll.Registration;

/**
 * Called on the loop thread when a registered source is ready. An exception goes to the loop's
 * error handler; the loop goes on.
 */
@FunctionalInterface
public interface IoHandler {
    /** @param ready {@link dev.evloop.poll.Events} bits, never 0 */
    void onReady(Registration registration, int ready) throws Exception;
}
