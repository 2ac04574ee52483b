package dev.evloop.completion;

import dev.evloop.poll.Backend;

/** The completion contract emulated on the EPOLL readiness backend. */
class EpollCompletionTest extends CompletionContract {
    @Override
    Backend backend() {
        return Backend.EPOLL;
    }
}
