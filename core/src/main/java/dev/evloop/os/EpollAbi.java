package dev.evloop.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * epoll(7) constants and {@code struct epoll_event}.
 *
 * <pre>
 * struct epoll_event {
 *     uint32_t     events;
 *     epoll_data_t data;   // union { void *ptr; int fd; uint32_t u32; uint64_t u64; }
 * } __EPOLL_PACKED;        // packed on x86_64 only
 * </pre>
 *
 * <p>On x86_64 the kernel declares the struct packed (12 bytes, data at offset 4), so the 64-bit
 * data must be read unaligned; on aarch64 and other 64-bit targets it is naturally aligned
 * (16 bytes, data at offset 8). See include/uapi/linux/eventpoll.h, {@code EPOLL_PACKED}.
 */
public final class EpollAbi {
    public static final int EPOLL_CLOEXEC = 0x80000;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;

    public static final int EPOLLIN = 0x001;
    public static final int EPOLLPRI = 0x002;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLLET = 1 << 31;

    private static final boolean PACKED = Platform.isX86_64();

    /** The event struct for this CPU: 12 bytes packed on x86_64, 16 aligned elsewhere. */
    public static final StructLayout EVENT = PACKED
            ? MemoryLayout.structLayout(JAVA_INT.withName("events"),
                    JAVA_LONG.withByteAlignment(1).withName("data"))
            : MemoryLayout.structLayout(JAVA_INT.withName("events"),
                    MemoryLayout.paddingLayout(4), JAVA_LONG.withName("data"));

    public static final long SIZE = EVENT.byteSize();
    public static final long EVENTS_OFFSET = 0;
    public static final long DATA_OFFSET = EVENT.byteOffset(MemoryLayout.PathElement.groupElement("data"));

    /** Reads {@code events} in an array of {@link #EVENT}; 4-aligned in both layouts. */
    public static final ValueLayout.OfInt EVENTS_LAYOUT = JAVA_INT;
    /** Reads {@code data}: unaligned on x86_64 (offset 4 in a 12-byte element). */
    public static final ValueLayout.OfLong DATA_LAYOUT = JAVA_LONG.withByteAlignment(PACKED ? 1 : 8);

    private EpollAbi() {}
}
