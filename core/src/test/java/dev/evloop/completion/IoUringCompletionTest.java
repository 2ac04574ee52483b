package dev.evloop.completion;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.poll.Backend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The completion contract natively on io_uring: SQEs on the loop's ring. Skipped where io_uring is
 * unavailable (old kernel, seccomp, io_uring_disabled), with the probe's reason.
 */
@EnabledIf(value = "ioUringAvailable", disabledReason = "no io_uring here (Backend.IO_URING.unavailabilityCause())")
class IoUringCompletionTest extends CompletionContract {
    static boolean ioUringAvailable() {
        Backend.IO_URING.unavailabilityCause()
                .ifPresent(cause -> System.err.println("IoUringCompletionTest skipped: " + cause));
        return Backend.IO_URING.isAvailable();
    }

    @Override
    Backend backend() {
        return Backend.IO_URING;
    }

    @Test
    void runsNativelyOnTheLoopsRing() {
        assertThat(io.isNative()).isTrue();
        assertThat(loop.ring()).isNotNull();
    }

    @Test
    void operationsQueuedInOneIterationGoOutInOneEnter() throws IOException {
        int n = 16;
        AsyncSocket[][] pairs = new AsyncSocket[n][];
        for (int i = 0; i < n; i++) pairs[i] = pair();
        settle();
        Recorder reads = new Recorder();
        for (int i = 0; i < n; i++) pairs[i][1].read(ByteBuffer.allocateDirect(8), reads);
        assertThat(loop.ring().pending()).isEqualTo(n);
        long enters = loop.ring().enterCount();
        loop.runOnce(0, TimeUnit.MILLISECONDS);
        assertThat(loop.ring().enterCount() - enters).as("io_uring_enter calls for %d SQEs", n).isEqualTo(1);
        assertThat(loop.ring().pending()).isZero();

        Recorder writes = new Recorder();
        for (int i = 0; i < n; i++) pairs[i][0].writeAll(direct(new byte[] {(byte) i}), writes);
        await("all reads", () -> reads.count() == n);
        for (Operation op : reads.ops) assertThat(op.result()).isEqualTo(1);
    }
}
