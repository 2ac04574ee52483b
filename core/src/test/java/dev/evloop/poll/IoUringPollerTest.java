package dev.evloop.poll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.os.IoUringAbi;
import dev.evloop.uring.IoUring;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The contract on io_uring. Where io_uring is unavailable every test is reported skipped with the
 * probe's reason; a host that should have it (Linux 5.11+, no seccomp filter) must not skip.
 */
@Timeout(60)
@EnabledIf(value = "ioUringAvailable", disabledReason = "no io_uring here (Backend.IO_URING.unavailabilityCause())")
class IoUringPollerTest extends PollerContract {
    static boolean ioUringAvailable() {
        Backend.IO_URING.unavailabilityCause()
                .ifPresent(cause -> System.err.println("IoUringPollerTest skipped: " + cause));
        return Backend.IO_URING.isAvailable();
    }

    @Override
    Backend backend() {
        return Backend.IO_URING;
    }

    @BeforeEach
    void isTheRealThing() {
        assertThat(poller).as("no silent fallback when io_uring is available").isInstanceOf(IoUringPoller.class);
    }

    /** Multishot polls (5.13+, announced with IORING_FEAT_RSRC_TAGS) give native edge triggering. */
    @Override
    boolean nativeEdge() {
        IoUring ring = ((IoUringPoller) poller).ring();
        return ring.hasFeature(IoUringAbi.IORING_FEAT_RSRC_TAGS);
    }
}
