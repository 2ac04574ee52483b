package dev.evloop.uring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.os.Errno;
import dev.evloop.os.IoUringAbi;
import dev.evloop.os.NativeException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;

/** The ring itself: batching, SQ-full early submission, CQ overflow, routing, the opcode probe. */
@Timeout(30)
@EnabledIf(value = "available", disabledReason = "no io_uring here (IoUringSupport.unavailabilityCause())")
class IoUringTest {
    static boolean available() {
        IoUringSupport.unavailabilityCause().ifPresent(c -> System.err.println("IoUringTest skipped: " + c));
        return IoUringSupport.unavailabilityCause().isEmpty();
    }

    @Test
    void thousandNopsGoInFewEntersAndComeBackWithTheirUserData() throws Exception {
        try (IoUring ring = IoUring.open(256, 2048)) {
            assertThat(ring.sqEntries()).isEqualTo(256);
            assertThat(ring.cqEntries()).isEqualTo(2048);
            long enters = ring.enterCount();
            for (int i = 0; i < 1000; i++) {
                ring.nop(1000 + i);
                assertThat(ring.pending()).as("never more prepared than the SQ holds").isLessThanOrEqualTo(256);
            }
            assertThat(ring.enterCount() - enters).as("a full SQ was submitted early, 3 times").isEqualTo(3);
            ring.submit();
            assertThat(ring.enterCount() - enters).as("1000 NOPs, 256 per enter").isEqualTo(4);
            assertThat(ring.pending()).isZero();
            List<Long> seen = new ArrayList<>();
            int n = ring.reap((userData, res, flags) -> {
                assertThat(res).isZero();
                seen.add(userData);
            });
            assertThat(n).isEqualTo(1000);
            assertThat(seen).hasSize(1000);
            for (int i = 0; i < 1000; i++) {
                assertThat(seen.get(i)).as("NOPs complete in submission order").isEqualTo(1000L + i);
            }
            assertThat(ring.ready()).isZero();
        }
    }

    @Test
    void completionsBeyondTheCqAreKeptAndReapedAfterTheOverflow() throws Exception {
        try (IoUring ring = IoUring.open(8, 16)) {
            assertThat(ring.hasFeature(IoUringAbi.IORING_FEAT_NODROP)).isTrue();
            for (int i = 0; i < 64; i++) ring.nop(i);
            ring.submit();
            assertThat(ring.ready()).as("the CQ is full").isEqualTo(16);
            assertThat(ring.overflowed()).as("IORING_SQ_CQ_OVERFLOW: 48 completions held by the kernel").isTrue();
            boolean[] seen = new boolean[64];
            int n = ring.reap((userData, res, flags) -> {
                assertThat(seen[(int) userData]).as("each once").isFalse();
                seen[(int) userData] = true;
            });
            assertThat(n).isEqualTo(64);
            for (boolean b : seen) assertThat(b).isTrue();
            assertThat(ring.overflowed()).isFalse();
            assertThat(ring.droppedCompletions()).isZero();
        }
    }

    @Test
    void taggedCompletionsGoToTheSecondConsumer() throws Exception {
        try (IoUring ring = IoUring.open(8, 0)) {
            List<Long> poller = new ArrayList<>();
            List<Long> completions = new ArrayList<>();
            ring.reap((u, r, f) -> { });
            ring.nop(7);
            ring.nop(IoUring.COMPLETION_TAG | 8);
            ring.nop(9);
            ring.submit();
            ring.reap((u, r, f) -> poller.add(u));
            assertThat(poller).containsExactly(7L, 9L);
            ring.completionHandler((u, r, f) -> completions.add(u));
            ring.nop(IoUring.COMPLETION_TAG | 10);
            ring.nop(11);
            ring.submitAndWait(1_000_000_000L);
            ring.reap((u, r, f) -> poller.add(u));
            assertThat(poller).containsExactly(7L, 9L, 11L);
            assertThat(completions).as("the untagged consumer never sees tagged ones; with no consumer set they drop")
                    .containsExactly(IoUring.COMPLETION_TAG | 10);
        }
    }

    @Test
    void waitHonoursItsTimeoutWithNothingToComplete() throws Exception {
        try (IoUring ring = IoUring.open(4, 0)) {
            long t0 = System.nanoTime();
            ring.submitAndWait(30_000_000L);
            long waited = System.nanoTime() - t0;
            assertThat(waited).as("waited about 30 ms, not forever and not zero").isBetween(20_000_000L, 5_000_000_000L);
            assertThat(ring.ready()).isZero();
        }
    }

    @Test
    void probeReportsTheOpcodesThisKernelHas() throws Exception {
        try (IoUring ring = IoUring.open(4, 0)) {
            for (int op : new int[] {IoUringAbi.IORING_OP_NOP, IoUringAbi.IORING_OP_POLL_ADD,
                    IoUringAbi.IORING_OP_POLL_REMOVE, IoUringAbi.IORING_OP_ACCEPT, IoUringAbi.IORING_OP_CONNECT,
                    IoUringAbi.IORING_OP_READ, IoUringAbi.IORING_OP_WRITE, IoUringAbi.IORING_OP_READV,
                    IoUringAbi.IORING_OP_WRITEV, IoUringAbi.IORING_OP_SEND, IoUringAbi.IORING_OP_RECV,
                    IoUringAbi.IORING_OP_CLOSE, IoUringAbi.IORING_OP_ASYNC_CANCEL, IoUringAbi.IORING_OP_TIMEOUT,
                    IoUringAbi.IORING_OP_TIMEOUT_REMOVE, IoUringAbi.IORING_OP_LINK_TIMEOUT}) {
                assertThat(ring.supports(op)).as(IoUringAbi.opName(op)).isTrue();
            }
            assertThat(ring.supports(250)).as("no such opcode").isFalse();
            assertThat(ring.supports(-1)).isFalse();
            assertThat(IoUringSupport.missing(ring)).isEmpty();
            assertThat(ring.hasFeature(IoUringAbi.IORING_FEAT_SINGLE_MMAP | IoUringAbi.IORING_FEAT_EXT_ARG)).isTrue();
        }
    }

    @Test
    void setupFailuresAreExplained() {
        assertThat(IoUringSupport.explainSetupFailure(Errno.ENOSYS))
                .contains("kernel too old", "5.1+", "5.11+", "ENOSYS");
        assertThat(IoUringSupport.explainSetupFailure(Errno.ENOMEM))
                .contains("RLIMIT_MEMLOCK is ", "5.12", "ENOMEM");
        assertThat(IoUringSupport.explainSetupFailure(Errno.EPERM))
                .contains("EPERM").containsAnyOf("io_uring_disabled", "seccomp");
    }

    @Test
    void badArgumentsAndUseAfterCloseAreRefused() throws Exception {
        assertThatThrownBy(() -> IoUring.open(0, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> IoUring.open(8, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CQ entries (4)");
        IoUring ring = IoUring.open(4, 0);
        ring.close();
        ring.close();
        assertThat(ring.isOpen()).isFalse();
        assertThatThrownBy(() -> ring.nop(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aFailedRequestCompletesWithItsErrno() throws Exception {
        try (IoUring ring = IoUring.open(4, 0)) {
            ring.pollAdd(65_000, 1, false, 42); // no such descriptor
            ring.submitAndWait(1_000_000_000L);
            int[] res = {0};
            ring.reap((u, r, f) -> {
                assertThat(u).isEqualTo(42);
                res[0] = r;
            });
            assertThat(res[0]).isEqualTo(-Errno.EBADF);
            assertThat(new NativeException("io_uring POLL_ADD", -res[0]).getMessage()).contains("EBADF");
        }
    }
}
