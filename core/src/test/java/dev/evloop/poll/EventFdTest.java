package dev.evloop.poll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.os.Libc;
import dev.evloop.os.PollAbi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;

/**
 * Each wakeup kind on this host: Linux's eventfd and the BSDs' pipe, made with pipe2 (FreeBSD) or
 * with pipe and fcntl (macOS). A signal makes the read end readable, one drain empties it however
 * many signals came, a full pipe is no error, and both ends are non-blocking and close-on-exec.
 */
@Timeout(20)
class EventFdTest {

    @ParameterizedTest
    @EnumSource(EventFd.Kind.class)
    void signalThenDrain(EventFd.Kind kind) throws Exception {
        try (EventFd w = new EventFd(kind)) {
            assertThat(readable(w.fd())).as("fresh").isFalse();
            w.signal();
            assertThat(readable(w.fd())).as("signalled").isTrue();
            w.drain();
            assertThat(readable(w.fd())).as("drained").isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(EventFd.Kind.class)
    void manySignalsOneDrain(EventFd.Kind kind) throws Exception {
        try (EventFd w = new EventFd(kind)) {
            // more than a pipe holds (64 KiB on Linux, 16-64 KiB on the BSDs): the overflow is EAGAIN, ignored
            for (int i = 0; i < 70_000; i++) w.signal();
            assertThat(readable(w.fd())).isTrue();
            w.drain();
            assertThat(readable(w.fd())).isFalse();
            w.signal();
            assertThat(readable(w.fd())).as("signals work after an overflow").isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(EventFd.Kind.class)
    void bothEndsAreNonBlockingAndCloseOnExec(EventFd.Kind kind) throws Exception {
        try (EventFd w = new EventFd(kind)) {
            for (int fd : new int[] {w.fd(), w.writeFd()}) {
                assertThat(Libc.fcntl(fd, Libc.F_GETFL, 0) & Libc.O_NONBLOCK).as(kind + " fd " + fd)
                        .isEqualTo(Libc.O_NONBLOCK);
                assertThat(Libc.fcntl(fd, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC).as(kind + " fd " + fd)
                        .isEqualTo(Libc.FD_CLOEXEC);
            }
            assertThat(w.writeFd() == w.fd()).isEqualTo(kind == EventFd.Kind.EVENTFD);
        }
    }

    private static boolean readable(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(PollAbi.POLLFD);
            p.set(ValueLayout.JAVA_INT, PollAbi.FD_OFFSET, fd);
            p.set(ValueLayout.JAVA_SHORT, PollAbi.EVENTS_OFFSET, (short) PollAbi.POLLIN);
            int n = Libc.poll(p, 1, 0);
            assertThat(n).isNotNegative();
            return n == 1 && (p.get(ValueLayout.JAVA_SHORT, PollAbi.REVENTS_OFFSET) & PollAbi.POLLIN) != 0;
        }
    }
}
