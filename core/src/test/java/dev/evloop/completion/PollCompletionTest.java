package dev.evloop.completion;

import dev.evloop.poll.Backend;

/** The completion contract emulated on the POLL readiness backend. */
class PollCompletionTest extends CompletionContract {
    @Override
    Backend backend() {
        return Backend.POLL;
    }
}
