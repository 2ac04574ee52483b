package dev.evloop.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * poll(2) constants and {@code struct pollfd { int fd; short events; short revents; }} (8 bytes).
 * POLLIN to POLLNVAL have the same values in Linux's asm-generic/poll.h and the BSDs' sys/poll.h.
 */
public final class PollAbi {
    public static final int POLLIN = 0x001;
    public static final int POLLPRI = 0x002;
    public static final int POLLOUT = 0x004;
    public static final int POLLERR = 0x008;
    public static final int POLLHUP = 0x010;
    public static final int POLLNVAL = 0x020;
    /** Peer shut down writing: Linux 0x2000, FreeBSD 13+ 0x4000, 0 on macOS (which reports POLLHUP only). */
    public static final int POLLRDHUP = OsConstants.current().flag("POLLRDHUP");

    public static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));
    public static final long SIZE = POLLFD.byteSize();
    public static final long FD_OFFSET = 0;
    public static final long EVENTS_OFFSET = 4;
    public static final long REVENTS_OFFSET = 6;

    private PollAbi() {}
}
