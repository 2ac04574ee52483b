package dev.evloop.completion;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.poll.Backend;
import org.junit.jupiter.api.Test;

/**
 * The completion contract emulated on the IO_URING readiness backend (its polls on the ring);
 * where io_uring is unavailable, Backend.IO_URING falls back to epoll and this repeats that run.
 */
class IoUringEmulatedCompletionTest extends CompletionContract {
    @Override
    Backend backend() {
        return Backend.IO_URING;
    }

    @Override
    boolean emulated() {
        return true;
    }

    @Test
    void isEmulated() {
        assertThat(io.isNative()).isFalse();
    }
}
