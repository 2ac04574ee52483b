package dev.evloop.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * poll(2) constants and {@code struct pollfd { int fd; short events; short revents; }} (8 bytes).
 */
public final class PollAbi {
    public static final int POLLIN = 0x001;
    public static final int POLLPRI = 0x002;
    public static final int POLLOUT = 0x004;
    public static final int POLLERR = 0x008;
    public static final int POLLHUP = 0x010;
    public static final int POLLNVAL = 0x020;
    public static final int POLLRDHUP = 0x2000;

    public static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));
    public static final long SIZE = POLLFD.byteSize();
    public static final long FD_OFFSET = 0;
    public static final long EVENTS_OFFSET = 4;
    public static final long REVENTS_OFFSET = 6;

    private PollAbi() {}
}
