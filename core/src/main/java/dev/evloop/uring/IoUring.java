package dev.evloop.uring;

import static dev.evloop.os.IoUringAbi.*;

import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One io_uring instance (io_uring(7)): the submission and completion rings mapped into this
 * process, SQEs written in place, submitted in batches, completions read in place.
 *
 * <p>Lifecycle: 1. {@link #open} calls io_uring_setup(2), maps the rings (one mapping for both
 * when the kernel has IORING_FEAT_SINGLE_MMAP) and the SQE array, and probes the opcodes
 * (IORING_REGISTER_PROBE). 2. Any number of {@link #prepare} (or the helpers) fill SQEs; nothing
 * reaches the kernel until {@link #submit} or {@link #submitAndWait}, which publish every prepared
 * SQE with one tail store and one io_uring_enter(2). When the SQ is full, {@link #prepare} submits
 * what is there first and continues. 3. {@link #reap} hands each completion to its consumer. 4.
 * {@link #close} unmaps and closes; the kernel cancels whatever is still in flight.
 *
 * <p>Two consumers share one ring: user_data with {@link #COMPLETION_TAG} (bit 63) set belongs to
 * the consumer set with {@link #completionHandler}; the rest go to the handler passed to
 * {@link #reap} (the readiness poller's). A tagged completion with no consumer set is dropped.
 *
 * <p>Memory ordering (io_uring(7), "Submission queue polling" and the liburing barriers): the
 * kernel reads the SQ tail and writes the SQ head; it writes the CQ tail and reads the CQ head. So
 * the SQ tail is stored with release semantics after the SQEs are written, the SQ head is loaded
 * with acquire, the CQ tail is loaded with acquire before the CQEs are read, and the CQ head is
 * stored with release after they are read. {@link VarHandle#setRelease} / {@link VarHandle#getAcquire}
 * on the mapped segments give exactly that.
 *
 * <p>Threading: one thread at a time. Completions of requests that wait (a poll, a read) are
 * posted through task work of the thread that submitted them (io_uring(7)), so the thread that
 * submits should be the one that waits.
 */
public final class IoUring implements AutoCloseable {
    /** user_data bit that routes a completion to the {@link #completionHandler} consumer. */
    public static final long COMPLETION_TAG = 1L << 63;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final int fd;
    private final int features;
    private final int setupFlags;
    private final int sqEntries;
    private final int cqEntries;
    private final long sqRingAddress;
    private final long sqRingSize;
    private final long cqRingAddress;
    private final long cqRingSize;
    private final long sqesAddress;
    private final long sqesSize;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqHeadOff;
    private final long sqTailOff;
    private final long sqFlagsOff;
    private final int sqMask;
    private final long cqHeadOff;
    private final long cqTailOff;
    private final long cqOverflowOff;
    private final long cqesOff;
    private final int cqMask;
    private final boolean[] supported;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment waitArg = arena.allocate(GETEVENTS_ARG);
    private final MemorySegment timespec = arena.allocate(KERNEL_TIMESPEC);

    /** SQEs prepared: the tail the kernel will see at the next submit. Ring thread only. */
    private int sqTail;
    /** The CQ head as last stored. Ring thread only. */
    private int cqHead;
    private CqeHandler completionConsumer;
    private boolean closed;
    /** io_uring_enter calls made; for tests of batching. */
    private long enters;

    private IoUring(int fd, MemorySegment params) throws NativeException {
        this.fd = fd;
        setupFlags = params.get(ValueLayout.JAVA_INT, PARAMS_FLAGS);
        features = params.get(ValueLayout.JAVA_INT, PARAMS_FEATURES);
        sqEntries = params.get(ValueLayout.JAVA_INT, PARAMS_SQ_ENTRIES);
        cqEntries = params.get(ValueLayout.JAVA_INT, PARAMS_CQ_ENTRIES);
        int sqArray = params.get(ValueLayout.JAVA_INT, sqOff("array"));
        long sqSize = sqArray + (long) sqEntries * Integer.BYTES;
        long cqSize = params.get(ValueLayout.JAVA_INT, cqOff("cqes")) + (long) cqEntries * CQE_SIZE;
        boolean single = (features & IORING_FEAT_SINGLE_MMAP) != 0;
        if (single) {
            sqSize = cqSize = Math.max(sqSize, cqSize);
        }
        long sq = 0;
        long cq = 0;
        long sqe = 0;
        try {
            sq = map("mmap(IORING_OFF_SQ_RING)", sqSize, IORING_OFF_SQ_RING);
            cq = single ? sq : map("mmap(IORING_OFF_CQ_RING)", cqSize, IORING_OFF_CQ_RING);
            sqe = map("mmap(IORING_OFF_SQES)", (long) sqEntries * SQE_SIZE, IORING_OFF_SQES);
        } catch (NativeException e) {
            if (sq != 0) Libc.munmap(sq, sqSize);
            if (cq != 0 && cq != sq) Libc.munmap(cq, cqSize);
            arena.close();
            throw e;
        }
        sqRingAddress = sq;
        sqRingSize = sqSize;
        cqRingAddress = cq;
        cqRingSize = cqSize;
        sqesAddress = sqe;
        sqesSize = (long) sqEntries * SQE_SIZE;
        sqRing = MemorySegment.ofAddress(sq).reinterpret(sqSize);
        cqRing = MemorySegment.ofAddress(cq).reinterpret(cqSize);
        sqes = MemorySegment.ofAddress(sqe).reinterpret(sqesSize);
        sqHeadOff = params.get(ValueLayout.JAVA_INT, sqOff("head"));
        sqTailOff = params.get(ValueLayout.JAVA_INT, sqOff("tail"));
        sqFlagsOff = params.get(ValueLayout.JAVA_INT, sqOff("flags"));
        sqMask = sqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, sqOff("ring_mask")));
        cqHeadOff = params.get(ValueLayout.JAVA_INT, cqOff("head"));
        cqTailOff = params.get(ValueLayout.JAVA_INT, cqOff("tail"));
        cqOverflowOff = params.get(ValueLayout.JAVA_INT, cqOff("overflow"));
        cqesOff = params.get(ValueLayout.JAVA_INT, cqOff("cqes"));
        cqMask = cqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, cqOff("ring_mask")));
        // The SQ array maps ring slots to SQE indices; identity once, so slot i always uses SQE i.
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(ValueLayout.JAVA_INT, sqArray + (long) i * Integer.BYTES, i);
        }
        sqTail = (int) INT.getAcquire(sqRing, sqTailOff);
        cqHead = (int) INT.getAcquire(cqRing, cqHeadOff);
        supported = probeOpcodes();
        waitArg.set(ValueLayout.JAVA_LONG, GETEVENTS_ARG_TS, timespec.address());
    }

    /**
     * Sets up a ring of {@code entries} SQEs (rounded up to a power of two by the kernel) and a CQ of
     * {@code cqEntries} (0: the kernel's default, twice the SQ). No IORING_SETUP_SINGLE_ISSUER or
     * DEFER_TASKRUN: both bind the ring to the thread that creates it (io_uring_setup(2)), and an
     * event loop is built on one thread and run on another. IORING_SETUP_SUBMIT_ALL (5.18) is asked
     * for, and dropped on older kernels, so one bad SQE does not hold back the rest of a batch.
     *
     * @throws NativeException naming io_uring_setup and the errno (ENOSYS, EPERM, ENOMEM, ...)
     */
    public static IoUring open(int entries, int cqEntries) throws NativeException {
        if (entries < 1 || entries > 32768) {
            throw new IllegalArgumentException("io_uring entries must be 1..32768, got " + entries);
        }
        if (cqEntries != 0 && cqEntries < entries) {
            throw new IllegalArgumentException("CQ entries (" + cqEntries + ") must be 0 or at least the SQ entries ("
                    + entries + ")");
        }
        int base = cqEntries != 0 ? IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP : 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment params = a.allocate(PARAMS);
            // COOP_TASKRUN (5.19): completions' task work runs when the loop enters the kernel
            // instead of interrupting it with an IPI wherever it is (io_uring_setup(2)); the loop
            // enters every iteration, and TASKRUN_FLAG says when it must even without waiting.
            int fd = setup(entries, cqEntries, base | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN
                    | IORING_SETUP_TASKRUN_FLAG, params);
            if (fd == -Errno.EINVAL) {
                fd = setup(entries, cqEntries, base | IORING_SETUP_SUBMIT_ALL, params);
            }
            if (fd == -Errno.EINVAL) {
                fd = setup(entries, cqEntries, base, params);
            }
            NativeException.check("io_uring_setup", fd);
            try {
                return new IoUring(fd, params);
            } catch (NativeException | RuntimeException e) {
                Libc.close(fd);
                throw e;
            }
        }
    }

    private static int setup(int entries, int cqEntries, int flags, MemorySegment params) {
        params.fill((byte) 0);
        params.set(ValueLayout.JAVA_INT, PARAMS_FLAGS, flags);
        params.set(ValueLayout.JAVA_INT, PARAMS_CQ_ENTRIES, cqEntries);
        return Libc.ioUringSetup(entries, params);
    }

    private long map(String call, long size, long offset) throws NativeException {
        long address = Libc.mmap(size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
        if (address < 0 && address > -4096) throw new NativeException(call, (int) -address);
        return address;
    }

    /** IORING_REGISTER_PROBE (5.6+): which opcodes this kernel supports. All false when it cannot say. */
    private boolean[] probeOpcodes() {
        boolean[] ops = new boolean[256];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment probe = a.allocate(PROBE_OPS + 256 * PROBE_OP_SIZE, 8);
            if (Libc.ioUringRegister(fd, IORING_REGISTER_PROBE, probe, 256) < 0) return ops;
            int len = Byte.toUnsignedInt(probe.get(ValueLayout.JAVA_BYTE, PROBE_OPS_LEN));
            for (int i = 0; i < len; i++) {
                long at = PROBE_OPS + i * PROBE_OP_SIZE;
                int op = Byte.toUnsignedInt(probe.get(ValueLayout.JAVA_BYTE, at + PROBE_OP_OP));
                short flags = probe.get(ValueLayout.JAVA_SHORT, at + PROBE_OP_FLAGS);
                ops[op] = (flags & IO_URING_OP_SUPPORTED) != 0;
            }
        }
        return ops;
    }

    public int fd() {
        return fd;
    }

    /** IORING_FEAT_* bits reported by io_uring_setup. */
    public int features() {
        return features;
    }

    public boolean hasFeature(int feature) {
        return (features & feature) == feature;
    }

    /** The IORING_SETUP_* flags the ring was created with. */
    public int setupFlags() {
        return setupFlags;
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int cqEntries() {
        return cqEntries;
    }

    /** True if IORING_REGISTER_PROBE reported {@code opcode} supported. */
    public boolean supports(int opcode) {
        return opcode >= 0 && opcode < supported.length && supported[opcode];
    }

    /** io_uring_enter calls made so far. */
    public long enterCount() {
        return enters;
    }

    /** Routes completions whose user_data has {@link #COMPLETION_TAG} to {@code consumer} (null: drop them). */
    public void completionHandler(CqeHandler consumer) {
        completionConsumer = consumer;
    }

    /** SQEs prepared and not yet submitted. */
    public int pending() {
        return sqTail - (int) INT.getAcquire(sqRing, sqHeadOff);
    }

    /**
     * The next free SQE, zeroed, with opcode, fd, addr, len, off and user_data filled in; the
     * caller may set more fields (op flags at {@code SQE_OP_FLAGS}, sqe flags at {@code SQE_FLAGS})
     * on the returned slice before the next submit. A full SQ is submitted first.
     */
    public MemorySegment prepare(int opcode, int fd, long addr, int len, long off, long userData)
            throws NativeException {
        checkOpen();
        if (pending() >= sqEntries) {
            submit();
            if (pending() >= sqEntries) {
                throw new IllegalStateException("io_uring SQ full: the kernel took none of " + sqEntries
                        + " SQEs (completions held back by a full CQ: reap them first)");
            }
        }
        MemorySegment sqe = sqes.asSlice((long) (sqTail & sqMask) * SQE_SIZE, SQE_SIZE);
        sqe.fill((byte) 0);
        sqe.set(ValueLayout.JAVA_BYTE, SQE_OPCODE, (byte) opcode);
        sqe.set(ValueLayout.JAVA_INT, SQE_FD, fd);
        sqe.set(ValueLayout.JAVA_LONG, SQE_OFF, off);
        sqe.set(ValueLayout.JAVA_LONG, SQE_ADDR, addr);
        sqe.set(ValueLayout.JAVA_INT, SQE_LEN, len);
        sqe.set(ValueLayout.JAVA_LONG, SQE_USER_DATA, userData);
        sqTail++;
        return sqe;
    }

    public void nop(long userData) throws NativeException {
        prepare(IORING_OP_NOP, -1, 0, 0, 0, userData);
    }

    /**
     * IORING_OP_POLL_ADD: completes with the ready mask (poll(2) bits) once {@code fd} is ready for
     * {@code pollMask}. One-shot unless {@code multishot} (IORING_POLL_ADD_MULTI, 5.13), which stays
     * armed, is edge-triggered (io_uring/poll.c adds EPOLLET unless IORING_POLL_ADD_LEVEL) and flags
     * each completion IORING_CQE_F_MORE while it remains armed.
     */
    public void pollAdd(int fd, int pollMask, boolean multishot, long userData) throws NativeException {
        MemorySegment sqe = prepare(IORING_OP_POLL_ADD, fd, 0, multishot ? IORING_POLL_ADD_MULTI : 0, 0, userData);
        sqe.set(ValueLayout.JAVA_INT, SQE_OP_FLAGS, pollMask);
    }

    /** IORING_OP_POLL_REMOVE of the poll submitted with {@code target}; its own completion carries {@code userData}. */
    public void pollRemove(long target, long userData) throws NativeException {
        prepare(IORING_OP_POLL_REMOVE, -1, target, 0, 0, userData);
    }

    /** Publishes the prepared SQEs (one release store of the tail) and returns how many are unsubmitted. */
    private int publish() {
        INT.setRelease(sqRing, sqTailOff, sqTail);
        return pending();
    }

    /** Submits every prepared SQE without waiting; returns how many the kernel took. */
    public int submit() throws NativeException {
        checkOpen();
        int toSubmit = publish();
        if (toSubmit == 0) return 0;
        return enter(toSubmit, 0, 0, MemorySegment.NULL, 0);
    }

    /**
     * Submits every prepared SQE and waits until at least one completion is in the CQ, up to
     * {@code timeoutNanos} (negative: no limit; 0: do not wait). Returns at once when the CQ is not
     * empty. A timeout (ETIME) or a signal (EINTR) is a normal return. The timeout is passed with
     * IORING_ENTER_EXT_ARG (5.11), so no TIMEOUT SQE is needed.
     */
    public void submitAndWait(long timeoutNanos) throws NativeException {
        checkOpen();
        int toSubmit = publish();
        if (timeoutNanos == 0) {
            // With COOP_TASKRUN, finished work waits for an enter to become completions:
            // IORING_SQ_TASKRUN says some does.
            boolean taskRun = ((int) INT.getAcquire(sqRing, sqFlagsOff) & IORING_SQ_TASKRUN) != 0;
            if (toSubmit > 0 || taskRun) enter(toSubmit, 0, taskRun ? IORING_ENTER_GETEVENTS : 0, MemorySegment.NULL, 0);
            return;
        }
        if (timeoutNanos < 0) {
            enter(toSubmit, 1, IORING_ENTER_GETEVENTS, MemorySegment.NULL, 0);
            return;
        }
        // waitArg points at timespec since the ring opened (its sigmask fields stay zero).
        timespec.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
        timespec.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
        enter(toSubmit, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, waitArg, GETEVENTS_ARG.byteSize());
    }

    private int enter(int toSubmit, int minComplete, int flags, MemorySegment arg, long argSize) throws NativeException {
        enters++;
        int r = Libc.ioUringEnter(fd, toSubmit, minComplete, flags, arg, argSize);
        if (r >= 0) return r;
        // ETIME: the EXT_ARG timeout passed; EINTR: a signal. EBUSY/EAGAIN (older kernels, CQ
        // overflow backlog full): the caller reaps, which makes room, and enters again.
        if (r == -Errno.ETIME || r == -Errno.EINTR || r == -Errno.EBUSY || r == -Errno.EAGAIN) return 0;
        throw new NativeException("io_uring_enter", -r, "to_submit " + toSubmit + ", flags 0x" + Integer.toHexString(flags));
    }

    /** Completions waiting in the CQ. */
    public int ready() {
        return (int) INT.getAcquire(cqRing, cqTailOff) - cqHead;
    }

    /**
     * Hands every completion in the CQ to its consumer: tagged ones ({@link #COMPLETION_TAG}) to
     * the {@link #completionHandler}, the others to {@code handler}. The head is released before
     * each call, so a consumer may submit (and the kernel post) more while it runs. When the kernel
     * had to keep completions aside because the CQ was full (IORING_SQ_CQ_OVERFLOW, kept with
     * IORING_FEAT_NODROP since 5.5), an io_uring_enter with GETEVENTS moves them into the CQ and
     * they are reaped too. Returns the number reaped.
     */
    public int reap(CqeHandler handler) throws NativeException {
        checkOpen();
        int n = 0;
        for (int round = 0; round < 16; round++) {
            int tail = (int) INT.getAcquire(cqRing, cqTailOff);
            while (cqHead != tail) {
                long at = cqesOff + (long) (cqHead & cqMask) * CQE_SIZE;
                long userData = cqRing.get(ValueLayout.JAVA_LONG, at + CQE_USER_DATA);
                int res = cqRing.get(ValueLayout.JAVA_INT, at + CQE_RES);
                int flags = cqRing.get(ValueLayout.JAVA_INT, at + CQE_FLAGS);
                cqHead++;
                INT.setRelease(cqRing, cqHeadOff, cqHead);
                n++;
                if ((userData & COMPLETION_TAG) != 0) {
                    CqeHandler c = completionConsumer;
                    if (c != null) c.complete(userData, res, flags);
                } else {
                    handler.complete(userData, res, flags);
                }
                if (closed) return n;
            }
            if (!overflowed()) break;
            enter(0, 0, IORING_ENTER_GETEVENTS, MemorySegment.NULL, 0);
        }
        return n;
    }

    /** True while the kernel holds completions that did not fit in the CQ (IORING_SQ_CQ_OVERFLOW). */
    public boolean overflowed() {
        return ((int) INT.getAcquire(sqRing, sqFlagsOff) & IORING_SQ_CQ_OVERFLOW) != 0;
    }

    /** The CQ ring's overflow counter: completions the kernel dropped (only without IORING_FEAT_NODROP). */
    public int droppedCompletions() {
        return (int) INT.getAcquire(cqRing, cqOverflowOff);
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("io_uring (fd " + fd + ") is closed");
    }

    public boolean isOpen() {
        return !closed;
    }

    /** Unmaps the rings and closes the ring; the kernel cancels requests still in flight. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Libc.munmap(sqesAddress, sqesSize);
        if (cqRingAddress != sqRingAddress) Libc.munmap(cqRingAddress, cqRingSize);
        Libc.munmap(sqRingAddress, sqRingSize);
        Libc.close(fd);
        arena.close();
    }

    @Override
    public String toString() {
        return "IoUring[fd " + fd + ", sq " + sqEntries + ", cq " + cqEntries + ", features 0x"
                + Integer.toHexString(features) + (closed ? ", closed" : "") + "]";
    }
}
