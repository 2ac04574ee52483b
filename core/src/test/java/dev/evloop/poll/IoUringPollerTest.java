package dev.evloop.poll;

import static dev.evloop.poll.Events.READ;
import static dev.evloop.poll.Events.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.net.TcpSocket;
import dev.evloop.os.IoUringAbi;
import dev.evloop.uring.IoUring;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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

    @Test
    void cancelReleasesThePollsHoldOnTheFileSoCloseReachesThePeer() throws IOException {
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.LEVEL, "server");
        assertThat(quiet()).isEmpty(); // the poll is armed in the kernel and holds the socket's file
        r.cancel();
        p[1].close();
        assertThat(drainToEof(p[0])).as("FIN arrived: the close released the socket").isEmpty();
    }

    @Test
    void closingThePollerReleasesTheSourcesItPolled() throws IOException {
        TcpSocket[] p = pair();
        poller.register(p[1], READ, Trigger.LEVEL, "server");
        assertThat(quiet()).isEmpty();
        poller.close();
        p[1].close();
        assertThat(drainToEof(p[0])).as("FIN arrived: the closed poller holds no reference to the socket").isEmpty();
    }

    @Test
    void stagedChangesAndTheWaitShareOneEnter() throws IOException {
        TcpSocket[] a = pair();
        TcpSocket[] b = pair();
        Registration ra = poller.register(a[1], READ, Trigger.LEVEL, "a");
        Registration rb = poller.register(b[1], READ, Trigger.LEVEL, "b");
        assertThat(quiet()).isEmpty();
        IoUring ring = ((IoUringPoller) poller).ring();
        long enters = ring.enterCount();
        ra.interest(WRITE);
        rb.interest(WRITE);
        java.util.List<Event> events = pollOnce(TimeUnit.SECONDS.toNanos(5));
        assertThat(ring.enterCount() - enters).as("two removes, two adds and the wait: one io_uring_enter").isEqualTo(1);
        assertThat(events).extracting(Event::ready).containsOnly(WRITE);
        assertThat(events).hasSize(2);
    }

    @Test
    void multishotEdgeStaysArmedAcrossArrivals() throws IOException {
        Assumptions.assumeTrue(nativeEdge(), "multishot poll needs Linux 5.13+");
        TcpSocket[] p = pair();
        Registration r = poller.register(p[1], READ, Trigger.EDGE, "server");
        assertThat(quiet()).isEmpty();
        long updates = ((PollerBase) poller).kernelUpdates;
        for (int i = 0; i < 5; i++) {
            send(p[0], "m" + i);
            assertThat(awaitOne(r).ready() & READ).isEqualTo(READ);
            assertThat(drain(p[1])).isEqualTo("m" + i);
        }
        assertThat(((PollerBase) poller).kernelUpdates - updates).as("one multishot poll, never re-armed").isZero();
    }
}
