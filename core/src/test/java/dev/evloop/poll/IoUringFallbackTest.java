package dev.evloop.poll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.loop.EventLoop;
import dev.evloop.uring.IoUringSupport;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.ResourceBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Choosing io_uring: parsing, the forced-unavailable fallback to epoll and its one log line. */
@Timeout(30)
class IoUringFallbackTest {
    @Test
    void parsesBothSpellings() {
        assertThat(Backend.parse("io_uring")).isSameAs(Backend.IO_URING);
        assertThat(Backend.parse(" IOURING ")).isSameAs(Backend.IO_URING);
        assertThat(Backend.parse("IO_URING")).isSameAs(Backend.IO_URING);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Backend.parse("uring"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("io_uring");
    }

    @Test
    void forcedUnavailableFallsBackToEpollAndLogsTheCauseOnce() throws Exception {
        String reason = "test " + System.nanoTime();
        List<String> records = new CopyOnWriteArrayList<>();
        System.Logger recorder = new System.Logger() {
            @Override
            public String getName() {
                return "dev.evloop.poll";
            }

            @Override
            public boolean isLoggable(Level level) {
                return true;
            }

            @Override
            public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
                records.add(level + " " + msg);
            }

            @Override
            public void log(Level level, ResourceBundle bundle, String format, Object... params) {
                records.add(level + " " + java.text.MessageFormat.format(format, params));
            }
        };
        System.Logger saved = Pollers.log;
        Pollers.log = recorder;
        System.setProperty(IoUringSupport.DISABLE_PROPERTY, reason);
        try {
            assertThat(Backend.IO_URING.unavailabilityCause()).hasValueSatisfying(
                    c -> assertThat(c).contains(IoUringSupport.DISABLE_PROPERTY, reason));
            try (Poller p = Pollers.open(Backend.IO_URING)) {
                assertThat(p.backend()).isEqualTo(Backend.EPOLL);
            }
            try (Poller p = Pollers.open(Backend.IO_URING)) {
                assertThat(p.backend()).isEqualTo(Backend.EPOLL);
            }
            try (EventLoop loop = EventLoop.builder().backend(Backend.IO_URING).build()) {
                assertThat(loop.backend()).isEqualTo(Backend.EPOLL);
            }
        } finally {
            System.clearProperty(IoUringSupport.DISABLE_PROPERTY);
            Pollers.log = saved;
        }
        List<String> ours = records.stream().filter(r -> r.contains(reason)).toList();
        assertThat(ours).as("logged once, at WARNING, with the cause").hasSize(1);
        assertThat(ours.getFirst()).startsWith("WARNING io_uring unavailable, using epoll: disabled by -Devloop.iouring.disable");
    }

    @Test
    void availableHereMeansTheLoopRunsOnIoUring() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Backend.IO_URING.isAvailable(),
                () -> "io_uring unavailable: " + Backend.IO_URING.unavailabilityCause().orElse(""));
        try (EventLoop loop = EventLoop.builder().backend(Backend.IO_URING).build()) {
            assertThat(loop.backend()).isEqualTo(Backend.IO_URING);
        }
        assertThat(Pollers.defaultBackend()).as("io_uring only when asked for").isNotEqualTo(Backend.IO_URING);
    }
}
