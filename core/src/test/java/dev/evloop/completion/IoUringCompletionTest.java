package dev.evloop.completion;

import dev.evloop.poll.Backend;

/**
 * The completion contract emulated on the IO_URING readiness backend (its polls on the ring);
 * where io_uring is unavailable, Backend.IO_URING falls back to epoll and this repeats that run.
 */
class IoUringCompletionTest extends CompletionContract {
    @Override
    Backend backend() {
        return Backend.IO_URING;
    }
}
