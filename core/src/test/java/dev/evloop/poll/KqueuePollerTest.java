package dev.evloop.poll;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The contract on kqueue. Runs where a kqueue exists: macOS, FreeBSD, or any host started with
 * {@code -Devloop.kqueue.library} naming a userspace implementation (and {@code -Devloop.kqueue.abi}).
 * On Linux without it every test is reported as skipped, with the probe's reason; the kqueue
 * encoding is covered there by {@link KqueueEncodingTest}.
 */
@Timeout(60)
@EnabledIf(value = "kqueueAvailable", disabledReason = "no kqueue here (Backend.KQUEUE.unavailabilityCause())")
class KqueuePollerTest extends PollerContract {
    static boolean kqueueAvailable() {
        Backend.KQUEUE.unavailabilityCause()
                .ifPresent(cause -> System.err.println("KqueuePollerTest skipped: " + cause));
        return Backend.KQUEUE.isAvailable();
    }

    @Override
    Backend backend() {
        return Backend.KQUEUE;
    }
}
