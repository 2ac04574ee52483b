package dev.evloop.completion;

/**
 * Hears that an {@link Operation} finished: once per operation, on the loop thread, during the
 * loop's iteration (never inside the call that submitted it). The operation's buffers are the
 * caller's again from this call on. An exception goes to the loop's error handler
 * ({@link dev.evloop.loop.EventLoop#reportError}); the loop and the other completions go on.
 */
@FunctionalInterface
public interface CompletionHandler {
    void completed(Operation op) throws Exception;
}
