package dev.evloop.completion;

import dev.evloop.poll.Backend;

/** The completion contract emulated on the NIO readiness backend. */
class NioCompletionTest extends CompletionContract {
    @Override
    Backend backend() {
        return Backend.NIO;
    }
}
