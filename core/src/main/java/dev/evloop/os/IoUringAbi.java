package dev.evloop.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;

/**
 * io_uring(7) structs and constants, as declared in include/uapi/linux/io_uring.h and documented
 * in io_uring_setup(2), io_uring_enter(2) and io_uring_register(2). Layouts only; the ring logic
 * lives in {@code dev.evloop.uring.IoUring}.
 *
 * <pre>
 * struct io_uring_params {                 // 120 bytes
 *     __u32 sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
 *     struct io_sqring_offsets sq_off;     // head tail ring_mask ring_entries flags dropped array resv1 (u32), user_addr (u64)
 *     struct io_cqring_offsets cq_off;     // head tail ring_mask ring_entries overflow cqes flags resv1 (u32), user_addr (u64)
 * };
 * struct io_uring_sqe {                    // 64 bytes
 *     __u8 opcode; __u8 flags; __u16 ioprio; __s32 fd;
 *     union { __u64 off; __u64 addr2; };
 *     union { __u64 addr; __u64 splice_off_in; };
 *     __u32 len;
 *     union { __kernel_rwf_t rw_flags; __u32 poll32_events; __u32 timeout_flags; __u32 accept_flags;
 *             __u32 cancel_flags; __u32 msg_flags; ... };
 *     __u64 user_data;
 *     union { __u16 buf_index; __u16 buf_group; }; __u16 personality;
 *     union { __s32 splice_fd_in; __u32 file_index; };
 *     __u64 addr3; __u64 __pad2[1];
 * };
 * struct io_uring_cqe { __u64 user_data; __s32 res; __u32 flags; };   // 16 bytes (no CQE32)
 * struct io_uring_probe_op { __u8 op; __u8 resv; __u16 flags; __u32 resv2; };
 * struct io_uring_probe { __u8 last_op; __u8 ops_len; __u16 resv; __u32 resv2[3]; struct io_uring_probe_op ops[]; };
 * struct io_uring_getevents_arg { __u64 sigmask; __u32 sigmask_sz; __u32 min_wait_usec; __u64 ts; };
 * struct __kernel_timespec { __s64 tv_sec; long long tv_nsec; };
 * </pre>
 *
 * <p>poll32_events is written as a plain little-endian u32: the kernel swaps its halves only on
 * big-endian hosts (io_uring/poll.c, io_poll_parse_events), and evloop runs on x86_64 and aarch64.
 */
public final class IoUringAbi {
    // System call numbers: the same on x86_64 and aarch64 (and every architecture since 5.1, which
    // took them from the common table, arch/*/entry/syscalls and include/uapi/asm-generic/unistd.h).
    public static final long SYS_IO_URING_SETUP = 425;
    public static final long SYS_IO_URING_ENTER = 426;
    public static final long SYS_IO_URING_REGISTER = 427;

    // Opcodes: enum io_uring_op.
    public static final int IORING_OP_NOP = 0;
    public static final int IORING_OP_READV = 1;
    public static final int IORING_OP_WRITEV = 2;
    public static final int IORING_OP_POLL_ADD = 6;
    public static final int IORING_OP_POLL_REMOVE = 7;
    public static final int IORING_OP_SENDMSG = 9;
    public static final int IORING_OP_RECVMSG = 10;
    public static final int IORING_OP_TIMEOUT = 11;
    public static final int IORING_OP_TIMEOUT_REMOVE = 12;
    public static final int IORING_OP_ACCEPT = 13;
    public static final int IORING_OP_ASYNC_CANCEL = 14;
    public static final int IORING_OP_LINK_TIMEOUT = 15;
    public static final int IORING_OP_CONNECT = 16;
    public static final int IORING_OP_CLOSE = 19;
    public static final int IORING_OP_READ = 22;
    public static final int IORING_OP_WRITE = 23;
    public static final int IORING_OP_SEND = 26;
    public static final int IORING_OP_RECV = 27;
    public static final int IORING_OP_SHUTDOWN = 34;

    /** Names of the opcodes above, for messages ("missing opcodes: POLL_ADD"); null elsewhere. */
    private static final String[] OP_NAMES = new String[64];

    static {
        String[] pairs = {"0", "NOP", "1", "READV", "2", "WRITEV", "6", "POLL_ADD", "7", "POLL_REMOVE",
            "9", "SENDMSG", "10", "RECVMSG", "11", "TIMEOUT", "12", "TIMEOUT_REMOVE", "13", "ACCEPT",
            "14", "ASYNC_CANCEL", "15", "LINK_TIMEOUT", "16", "CONNECT", "19", "CLOSE", "22", "READ",
            "23", "WRITE", "26", "SEND", "27", "RECV", "34", "SHUTDOWN"};
        for (int i = 0; i < pairs.length; i += 2) {
            OP_NAMES[Integer.parseInt(pairs[i])] = pairs[i + 1];
        }
    }

    /** {@code POLL_ADD} for {@link #IORING_OP_POLL_ADD}, {@code opcode 40} for one not named here. */
    public static String opName(int opcode) {
        String n = opcode >= 0 && opcode < OP_NAMES.length ? OP_NAMES[opcode] : null;
        return n != null ? n : "opcode " + opcode;
    }

    // io_uring_setup(2) flags.
    public static final int IORING_SETUP_IOPOLL = 1;
    public static final int IORING_SETUP_SQPOLL = 1 << 1;
    public static final int IORING_SETUP_SQ_AFF = 1 << 2;
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    public static final int IORING_SETUP_ATTACH_WQ = 1 << 5;
    public static final int IORING_SETUP_R_DISABLED = 1 << 6;
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    public static final int IORING_SETUP_NO_SQARRAY = 1 << 16;

    // io_uring_params.features, io_uring_setup(2).
    public static final int IORING_FEAT_SINGLE_MMAP = 1;
    public static final int IORING_FEAT_NODROP = 1 << 1;
    public static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    public static final int IORING_FEAT_RW_CUR_POS = 1 << 3;
    public static final int IORING_FEAT_CUR_PERSONALITY = 1 << 4;
    public static final int IORING_FEAT_FAST_POLL = 1 << 5;
    public static final int IORING_FEAT_POLL_32BITS = 1 << 6;
    public static final int IORING_FEAT_SQPOLL_NONFIXED = 1 << 7;
    public static final int IORING_FEAT_EXT_ARG = 1 << 8;
    public static final int IORING_FEAT_NATIVE_WORKERS = 1 << 9;
    public static final int IORING_FEAT_RSRC_TAGS = 1 << 10;
    public static final int IORING_FEAT_CQE_SKIP = 1 << 11;
    public static final int IORING_FEAT_LINKED_FILE = 1 << 12;

    // io_uring_enter(2) flags.
    public static final int IORING_ENTER_GETEVENTS = 1;
    public static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;
    public static final int IORING_ENTER_SQ_WAIT = 1 << 2;
    public static final int IORING_ENTER_EXT_ARG = 1 << 3;

    // The SQ ring's flags word (sq_off.flags), written by the kernel.
    public static final int IORING_SQ_NEED_WAKEUP = 1;
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    public static final int IORING_SQ_TASKRUN = 1 << 2;

    // io_uring_sqe.flags (IOSQE_*).
    public static final int IOSQE_FIXED_FILE = 1;
    public static final int IOSQE_IO_DRAIN = 1 << 1;
    public static final int IOSQE_IO_LINK = 1 << 2;
    public static final int IOSQE_IO_HARDLINK = 1 << 3;
    public static final int IOSQE_ASYNC = 1 << 4;
    public static final int IOSQE_BUFFER_SELECT = 1 << 5;
    public static final int IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // io_uring_cqe.flags.
    public static final int IORING_CQE_F_BUFFER = 1;
    /** More completions will follow for this request (a multishot one is still armed). */
    public static final int IORING_CQE_F_MORE = 1 << 1;
    public static final int IORING_CQE_F_SOCK_NONEMPTY = 1 << 2;

    // POLL_ADD / POLL_REMOVE: sqe.len flags.
    public static final int IORING_POLL_ADD_MULTI = 1;
    public static final int IORING_POLL_UPDATE_EVENTS = 1 << 1;
    public static final int IORING_POLL_UPDATE_USER_DATA = 1 << 2;
    public static final int IORING_POLL_ADD_LEVEL = 1 << 3;

    // TIMEOUT: sqe.timeout_flags.
    public static final int IORING_TIMEOUT_ABS = 1;

    // mmap(2) offsets of the three regions, io_uring_setup(2).
    public static final long IORING_OFF_SQ_RING = 0L;
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    public static final long IORING_OFF_SQES = 0x10000000L;

    // io_uring_register(2) opcodes.
    public static final int IORING_REGISTER_PROBE = 8;
    /** io_uring_probe_op.flags: the opcode is supported. */
    public static final int IO_URING_OP_SUPPORTED = 1;

    // mmap(2).
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_POPULATE = 0x8000;

    private static final StructLayout SQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("flags"), JAVA_INT.withName("dropped"),
            JAVA_INT.withName("array"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));
    private static final StructLayout CQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("overflow"), JAVA_INT.withName("cqes"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));

    public static final StructLayout PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"), JAVA_INT.withName("cq_entries"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"), JAVA_INT.withName("sq_thread_idle"), JAVA_INT.withName("features"),
            JAVA_INT.withName("wq_fd"), MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv"),
            SQRING_OFFSETS.withName("sq_off"), CQRING_OFFSETS.withName("cq_off"));

    public static final long PARAMS_SQ_ENTRIES = PARAMS.byteOffset(PathElement.groupElement("sq_entries"));
    public static final long PARAMS_CQ_ENTRIES = PARAMS.byteOffset(PathElement.groupElement("cq_entries"));
    public static final long PARAMS_FLAGS = PARAMS.byteOffset(PathElement.groupElement("flags"));
    public static final long PARAMS_FEATURES = PARAMS.byteOffset(PathElement.groupElement("features"));

    /** Offset in {@link #PARAMS} of {@code sq_off.<field>} (head, tail, ring_mask, ring_entries, flags, dropped, array). */
    public static long sqOff(String field) {
        return PARAMS.byteOffset(PathElement.groupElement("sq_off"), PathElement.groupElement(field));
    }

    /** Offset in {@link #PARAMS} of {@code cq_off.<field>} (head, tail, ring_mask, ring_entries, overflow, cqes, flags). */
    public static long cqOff(String field) {
        return PARAMS.byteOffset(PathElement.groupElement("cq_off"), PathElement.groupElement(field));
    }

    public static final StructLayout SQE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"), JAVA_BYTE.withName("flags"), JAVA_SHORT.withName("ioprio"),
            JAVA_INT.withName("fd"), JAVA_LONG.withName("off"), JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"), JAVA_INT.withName("op_flags"), JAVA_LONG.withName("user_data"),
            JAVA_SHORT.withName("buf_index"), JAVA_SHORT.withName("personality"),
            JAVA_INT.withName("file_index"), JAVA_LONG.withName("addr3"), JAVA_LONG.withName("pad2"));
    public static final long SQE_SIZE = SQE.byteSize();
    public static final long SQE_OPCODE = 0;
    public static final long SQE_FLAGS = 1;
    public static final long SQE_IOPRIO = 2;
    public static final long SQE_FD = 4;
    /** {@code off} / {@code addr2}. */
    public static final long SQE_OFF = 8;
    public static final long SQE_ADDR = 16;
    public static final long SQE_LEN = 24;
    /** The per-opcode flags union: rw_flags, poll32_events, timeout_flags, accept_flags, msg_flags ... */
    public static final long SQE_OP_FLAGS = 28;
    public static final long SQE_USER_DATA = 32;
    public static final long SQE_BUF_INDEX = 40;
    public static final long SQE_FILE_INDEX = 44;
    public static final long SQE_ADDR3 = 48;

    public static final StructLayout CQE = MemoryLayout.structLayout(
            JAVA_LONG.withName("user_data"), JAVA_INT.withName("res"), JAVA_INT.withName("flags"));
    public static final long CQE_SIZE = CQE.byteSize();
    public static final long CQE_USER_DATA = 0;
    public static final long CQE_RES = 8;
    public static final long CQE_FLAGS = 12;

    public static final StructLayout PROBE_OP = MemoryLayout.structLayout(
            JAVA_BYTE.withName("op"), JAVA_BYTE.withName("resv"), JAVA_SHORT.withName("flags"),
            JAVA_INT.withName("resv2"));
    public static final StructLayout PROBE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("last_op"), JAVA_BYTE.withName("ops_len"), JAVA_SHORT.withName("resv"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv2"));
    public static final long PROBE_LAST_OP = 0;
    public static final long PROBE_OPS_LEN = 1;
    public static final long PROBE_OPS = PROBE.byteSize();
    public static final long PROBE_OP_SIZE = PROBE_OP.byteSize();
    public static final long PROBE_OP_OP = 0;
    public static final long PROBE_OP_FLAGS = 2;

    public static final StructLayout GETEVENTS_ARG = MemoryLayout.structLayout(
            JAVA_LONG.withName("sigmask"), JAVA_INT.withName("sigmask_sz"), JAVA_INT.withName("min_wait_usec"),
            JAVA_LONG.withName("ts"));
    public static final long GETEVENTS_ARG_TS = 16;

    public static final StructLayout KERNEL_TIMESPEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_nsec"));

    private IoUringAbi() {}
}
