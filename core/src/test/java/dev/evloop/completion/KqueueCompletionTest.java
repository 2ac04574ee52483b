package dev.evloop.completion;

import dev.evloop.poll.Backend;
import org.junit.jupiter.api.condition.EnabledIf;

/** The completion contract emulated on kqueue, where a kqueue exists (see KqueuePollerTest). */
@EnabledIf(value = "kqueueAvailable", disabledReason = "no kqueue here (Backend.KQUEUE.unavailabilityCause())")
class KqueueCompletionTest extends CompletionContract {
    static boolean kqueueAvailable() {
        return Backend.KQUEUE.isAvailable();
    }

    @Override
    Backend backend() {
        return Backend.KQUEUE;
    }
}
