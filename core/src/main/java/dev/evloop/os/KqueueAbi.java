package dev.evloop.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.Locale;

/**
 * kqueue(2) constants and {@code struct kevent}, one instance per ABI variant (64-bit targets only).
 *
 * <pre>
 * struct kevent {                 // macOS bsd/sys/event.h; FreeBSD &lt; 12 sys/sys/event.h
 *     uintptr_t ident;            //  0  8
 *     int16_t   filter;           //  8  2
 *     uint16_t  flags;            // 10  2
 *     uint32_t  fflags;           // 12  4
 *     intptr_t  data;             // 16  8
 *     void     *udata;            // 24  8   -> 32 bytes
 * };
 * struct kevent {                 // FreeBSD 12+ sys/sys/event.h (ino64 ABI change)
 *     __uintptr_t ident; short filter; unsigned short flags; unsigned int fflags;
 *     __int64_t   data;           // 16  8
 *     void       *udata;          // 24  8
 *     __uint64_t  ext[4];         // 32 32   -> 64 bytes
 * };
 * </pre>
 *
 * <p>The filter numbers agree up to EVFILT_TIMER (-7) and then diverge: XNU has EVFILT_MACHPORT
 * -8, EVFILT_FS -9, EVFILT_USER -10; FreeBSD has EVFILT_PROCDESC -8, EVFILT_FS -9, EVFILT_LIO -10,
 * EVFILT_USER -11. The EV_* flags and NOTE_TRIGGER / NOTE_FF* are the same on both (both headers
 * and the kqueue(2) man pages of macOS and FreeBSD). {@link #FREEBSD11} is the pre-12 32-byte
 * layout with FreeBSD's filter numbers, which is also what libkqueue (userspace kqueue on Linux)
 * declares in its include/sys/event.h.
 *
 * <p>Selection: {@link #current()}, from {@code -Devloop.kqueue.abi} or the platform. Nothing else.
 */
public final class KqueueAbi {
    /** System property naming the variant: {@code macos}, {@code freebsd}, {@code freebsd11}. */
    public static final String ABI_PROPERTY = "evloop.kqueue.abi";

    public static final short EVFILT_READ = -1;
    public static final short EVFILT_WRITE = -2;

    // Actions and flags, kqueue(2) "flags" (same values in XNU and FreeBSD sys/event.h).
    public static final int EV_ADD = 0x0001;
    public static final int EV_DELETE = 0x0002;
    public static final int EV_ENABLE = 0x0004;
    public static final int EV_DISABLE = 0x0008;
    public static final int EV_ONESHOT = 0x0010;
    public static final int EV_CLEAR = 0x0020;
    public static final int EV_RECEIPT = 0x0040;
    public static final int EV_DISPATCH = 0x0080;
    public static final int EV_ERROR = 0x4000;
    public static final int EV_EOF = 0x8000;

    // EVFILT_USER fflags, kqueue(2): NOTE_TRIGGER fires the user event; NOTE_FFNOP leaves fflags.
    public static final int NOTE_FFNOP = 0x00000000;
    public static final int NOTE_TRIGGER = 0x01000000;

    /** macOS (XNU): 32-byte kevent, EVFILT_USER -10. */
    public static final KqueueAbi MACOS = new KqueueAbi("macos", (short) -10, false);
    /** FreeBSD 12 and later: 64-byte kevent with ext[4], EVFILT_USER -11. */
    public static final KqueueAbi FREEBSD = new KqueueAbi("freebsd", (short) -11, true);
    /** FreeBSD 11 (freebsd11_kevent) and libkqueue on Linux: 32-byte kevent, EVFILT_USER -11. */
    public static final KqueueAbi FREEBSD11 = new KqueueAbi("freebsd11", (short) -11, false);

    /** {@code struct timespec { time_t tv_sec; long tv_nsec; }} on 64-bit targets. */
    public static final StructLayout TIMESPEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_nsec"));

    public static final long IDENT_OFFSET = 0;
    public static final long FILTER_OFFSET = 8;
    public static final long FLAGS_OFFSET = 10;
    public static final long FFLAGS_OFFSET = 12;
    public static final long DATA_OFFSET = 16;
    public static final long UDATA_OFFSET = 24;
    /** FreeBSD 12+ only. */
    public static final long EXT_OFFSET = 32;

    private final String name;
    private final short evfiltUser;
    private final StructLayout kevent;

    private KqueueAbi(String name, short evfiltUser, boolean ext) {
        this.name = name;
        this.evfiltUser = evfiltUser;
        MemoryLayout[] fields = {
            JAVA_LONG.withName("ident"), JAVA_SHORT.withName("filter"), JAVA_SHORT.withName("flags"),
            JAVA_INT.withName("fflags"), JAVA_LONG.withName("data"), ADDRESS.withName("udata")};
        this.kevent = ext
                ? MemoryLayout.structLayout(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5],
                        MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("ext"))
                : MemoryLayout.structLayout(fields);
        assert kevent.byteOffset(MemoryLayout.PathElement.groupElement("udata")) == UDATA_OFFSET;
    }

    /** The variant named by {@link #ABI_PROPERTY}, else the platform's (FreeBSD 12+ on FreeBSD; freebsd11 elsewhere). */
    public static KqueueAbi current() {
        String forced = System.getProperty(ABI_PROPERTY);
        if (forced != null && !forced.isBlank()) return parse(forced);
        return switch (Platform.current()) {
            case MACOS -> MACOS;
            case FREEBSD -> FREEBSD;
            default -> FREEBSD11;
        };
    }

    /** Parses {@code macos}, {@code freebsd}, {@code freebsd11} (any case). */
    public static KqueueAbi parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "macos" -> MACOS;
            case "freebsd" -> FREEBSD;
            case "freebsd11" -> FREEBSD11;
            default -> throw new IllegalArgumentException("unknown kqueue ABI '" + name + "' (-D" + ABI_PROPERTY
                    + "); expected macos, freebsd or freebsd11");
        };
    }

    public String name() {
        return name;
    }

    /** -10 on macOS, -11 on FreeBSD and libkqueue. */
    public short evfiltUser() {
        return evfiltUser;
    }

    public StructLayout kevent() {
        return kevent;
    }

    /** 32, or 64 for FreeBSD 12+. */
    public long size() {
        return kevent.byteSize();
    }

    @Override
    public String toString() {
        return name + " (" + size() + "-byte kevent, EVFILT_USER " + evfiltUser + ")";
    }
}
