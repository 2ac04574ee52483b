package dev.evloop.poll;

import static dev.evloop.os.KqueueAbi.EV_ADD;
import static dev.evloop.os.KqueueAbi.EV_CLEAR;
import static dev.evloop.os.KqueueAbi.EV_DELETE;
import static dev.evloop.os.KqueueAbi.EV_DISABLE;
import static dev.evloop.os.KqueueAbi.EV_DISPATCH;
import static dev.evloop.os.KqueueAbi.EV_ENABLE;
import static dev.evloop.os.KqueueAbi.EV_ONESHOT;
import static dev.evloop.os.KqueueAbi.EVFILT_READ;
import static dev.evloop.os.KqueueAbi.EVFILT_WRITE;
import static dev.evloop.os.KqueueAbi.NOTE_TRIGGER;

import dev.evloop.os.KqueueAbi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A kevent change list for one ABI, and the encoding of interest transitions into it. No system
 * calls: {@link KqueuePoller} submits {@link #segment()}; tests read its bytes.
 *
 * <p>One kevent per filter, never filters or'ed together: filters are small negative numbers, not
 * bits, so {@code EVFILT_READ | EVFILT_WRITE} is -1, EVFILT_READ again (seed 000).
 *
 * <p>What the kernel has for a registration is kept in a small int ({@link #ADDED} bits: the
 * filter exists; {@link #KERNEL_DISABLED} bits: it exists but is disabled), the way EpollPoller
 * keeps the epoll mask, so a transition writes only the kevents that change something.
 */
final class KeventChanges {
    /** Kernel-state bits per operation: READ (1) and WRITE (2) filters added. */
    static final int ADDED = Events.READ_WRITE;
    /** Kernel-state bits: the filter of {@code op} is disabled, at {@code op << 2}. */
    static final int KERNEL_DISABLED = Events.READ_WRITE << 2;

    private final KqueueAbi abi;
    private final long size;
    private final MemorySegment list;
    private final int capacity;
    private int count;

    KeventChanges(KqueueAbi abi, int capacity, Arena arena) {
        this.abi = abi;
        this.size = abi.size();
        this.capacity = capacity;
        this.list = arena.allocate(size * capacity, 8);
    }

    int count() {
        return count;
    }

    int capacity() {
        return capacity;
    }

    int remaining() {
        return capacity - count;
    }

    /** The list's first {@link #count()} kevents, for kevent(2) or a test. */
    MemorySegment segment() {
        return list;
    }

    void clear() {
        count = 0;
    }

    /** ORs {@code flag} (EV_RECEIPT) into every staged change. */
    void addFlag(int flag) {
        for (int i = 0; i < count; i++) {
            long flagsAt = i * size + KqueueAbi.FLAGS_OFFSET;
            list.set(ValueLayout.JAVA_SHORT, flagsAt, (short) (list.get(ValueLayout.JAVA_SHORT, flagsAt) | flag));
        }
    }

    /** EV_SET: writes one whole kevent (ext[4] zeroed on FreeBSD 12+). */
    void append(long ident, short filter, int flags, int fflags, long data, long udata) {
        if (count == capacity) {
            throw new IllegalStateException("kevent change list full (" + capacity + "); flush it first");
        }
        write(abi, list, count++, ident, filter, flags, fflags, data, udata);
    }

    static void write(KqueueAbi abi, MemorySegment to, int index, long ident, short filter, int flags, int fflags,
            long data, long udata) {
        MemorySegment k = to.asSlice(index * abi.size(), abi.size());
        k.fill((byte) 0);
        k.set(ValueLayout.JAVA_LONG_UNALIGNED, KqueueAbi.IDENT_OFFSET, ident);
        k.set(ValueLayout.JAVA_SHORT_UNALIGNED, KqueueAbi.FILTER_OFFSET, filter);
        k.set(ValueLayout.JAVA_SHORT_UNALIGNED, KqueueAbi.FLAGS_OFFSET, (short) flags);
        k.set(ValueLayout.JAVA_INT_UNALIGNED, KqueueAbi.FFLAGS_OFFSET, fflags);
        k.set(ValueLayout.JAVA_LONG_UNALIGNED, KqueueAbi.DATA_OFFSET, data);
        k.set(ValueLayout.JAVA_LONG_UNALIGNED, KqueueAbi.UDATA_OFFSET, udata);
    }

    /** The EVFILT_USER kevent that wakes a kevent() wait: NOTE_TRIGGER on the user event made by {@link #userEventAdd}. */
    static void userEventTrigger(KqueueAbi abi, MemorySegment to, long ident, long udata) {
        write(abi, to, 0, ident, abi.evfiltUser(), 0, NOTE_TRIGGER, 0, udata);
    }

    /** Creates the wakeup user event; EV_CLEAR resets it once reported, so one trigger wakes one wait. */
    static void userEventAdd(KqueueAbi abi, MemorySegment to, long ident, long udata) {
        write(abi, to, 0, ident, abi.evfiltUser(), EV_ADD | EV_CLEAR, KqueueAbi.NOTE_FFNOP, 0, udata);
    }

    /**
     * Appends the kevents that take the kernel from {@code kernel} to what the registration wants,
     * READ's before WRITE's, and returns the new kernel state. Needs room for two kevents.
     *
     * <ul>
     *   <li>not subscribed, filter added: EV_DELETE;
     *   <li>subscribed and enabled, filter absent: EV_ADD with the trigger's flag (EV_ADD implies
     *       enable, kqueue(2)); present but disabled: EV_ENABLE;
     *   <li>subscribed and disabled, filter present and enabled: EV_DISABLE; absent: nothing, it
     *       is added when enabled.
     * </ul>
     */
    int transition(int fd, long udata, int interest, int disabled, Trigger trigger, int kernel) {
        if (remaining() < 2) {
            throw new IllegalStateException("kevent change list needs room for two changes; flush it first");
        }
        kernel = transition(fd, udata, Events.READ, EVFILT_READ, interest, disabled, trigger, kernel);
        return transition(fd, udata, Events.WRITE, EVFILT_WRITE, interest, disabled, trigger, kernel);
    }

    private int transition(int fd, long udata, int op, short filter, int interest, int disabled, Trigger trigger,
            int kernel) {
        boolean added = (kernel & op) != 0;
        boolean kernelDisabled = (kernel & (op << 2)) != 0;
        if ((interest & op) == 0) {
            if (added) append(fd, filter, EV_DELETE, 0, 0, udata);
            return kernel & ~(op | op << 2);
        }
        if ((disabled & op) == 0) {
            if (!added) {
                append(fd, filter, EV_ADD | triggerFlag(trigger), 0, 0, udata);
            } else if (kernelDisabled) {
                append(fd, filter, EV_ENABLE, 0, 0, udata);
            }
            return (kernel | op) & ~(op << 2);
        }
        if (added && !kernelDisabled) {
            append(fd, filter, EV_DISABLE, 0, 0, udata);
            return kernel | op << 2;
        }
        return kernel;
    }

    /** Appends EV_DELETE for each filter the kernel has for {@code fd}. */
    void deleteAll(int fd, long udata, int kernel) {
        if ((kernel & Events.READ) != 0) append(fd, EVFILT_READ, EV_DELETE, 0, 0, udata);
        if ((kernel & Events.WRITE) != 0) append(fd, EVFILT_WRITE, EV_DELETE, 0, 0, udata);
    }

    /** LEVEL: none; EDGE: EV_CLEAR; ONESHOT: EV_ONESHOT; DISPATCH: EV_DISPATCH (all native, kqueue(2)). */
    static int triggerFlag(Trigger trigger) {
        return switch (trigger) {
            case LEVEL -> 0;
            case EDGE -> EV_CLEAR;
            case ONESHOT -> EV_ONESHOT;
            case DISPATCH -> EV_DISPATCH;
        };
    }
}
