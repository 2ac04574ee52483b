package dev.evloop.poll;

/**
 * Receives the events of one {@link Poller#poll} call, one call per ready registration, on the
 * poller's thread. It must not throw: an exception propagates out of {@code poll} and the rest of
 * the batch is dropped (level-triggered registrations report again on the next wait).
 */
@FunctionalInterface
public interface ReadyHandler {
    /** @param ready the ready bits ({@link Events}), never 0 */
    void ready(Registration registration, int ready);
}
