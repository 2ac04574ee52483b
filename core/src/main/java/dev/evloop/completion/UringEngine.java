package dev.evloop.completion;

import static dev.evloop.os.IoUringAbi.IORING_OP_ACCEPT;
import static dev.evloop.os.IoUringAbi.IORING_OP_ASYNC_CANCEL;
import static dev.evloop.os.IoUringAbi.IORING_OP_CONNECT;
import static dev.evloop.os.IoUringAbi.IORING_OP_RECV;
import static dev.evloop.os.IoUringAbi.IORING_OP_SEND;
import static dev.evloop.os.IoUringAbi.IORING_OP_WRITEV;
import static dev.evloop.os.IoUringAbi.SQE_OP_FLAGS;

import dev.evloop.completion.Operation.Kind;
import dev.evloop.loop.EventLoop;
import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import dev.evloop.os.SocketAbi;
import dev.evloop.net.TcpSocket;
import dev.evloop.net.Transport;
import dev.evloop.uring.IoUring;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Completion I/O on the loop's io_uring: one SQE per operation (ACCEPT, CONNECT, RECV, SEND,
 * WRITEV; ASYNC_CANCEL to cancel), prepared on the ring the {@link dev.evloop.poll.Poller} waits
 * on, so everything prepared in an iteration goes out with the loop's wait in one io_uring_enter.
 * Completions come back through the ring's {@link IoUring#completionHandler} while the poller
 * reaps, and are delivered by the loop's stage right after the dispatch.
 *
 * <p>user_data: {@link IoUring#COMPLETION_TAG} | generation &lt;&lt; 32 | slot. A slot holds the
 * operation while the kernel holds its request and is freed only by that request's CQE, so a
 * closed socket's requests keep their slots (and buffers) until the kernel is done with them. The
 * slot's generation moves on when it is freed: a CQE that still carries an old generation (one
 * the engine no longer expects, say after it gave up waiting at loop close) matches nothing and
 * is dropped, never reaching the slot's new owner.
 *
 * <p>Per socket one read and one write are in the kernel at a time, the heads of the source's
 * queues; the next is submitted when the head completes. The kernel may run two requests on one
 * socket in either order, so only this keeps bytes in submission order. A writeAll or writevAll
 * that the kernel completed short is submitted again for the rest.
 *
 * <p>Buffers: the kernel writes into a lent buffer until its CQE. The operation (held by its slot)
 * keeps the buffer and any sockaddr or iovec memory reachable until then. A close first sends
 * ASYNC_CANCEL for the requests still in the kernel and waits for their CQEs (each operation
 * completes with ECANCELED, or with its real result if it finished first); only then is the
 * descriptor closed and the close completed, and the socket's operations are delivered in
 * submission order, the close last.
 */
final class UringEngine implements Engine {
    /** user_data of our ASYNC_CANCEL requests; their own CQEs carry nothing we need. */
    private static final long CANCEL_DATA = IoUring.COMPLETION_TAG | 0xFFFF_FFFFL;
    private static final int IOV_MAX = 1024;
    private static final long SHUTDOWN_NANOS = 2_000_000_000L;

    private final Completions completions;
    private final EventLoop loop;
    private final IoUring ring;
    private Operation[] slots = new Operation[64];
    private int[] generations = new int[64];
    /** Free slots, a stack. */
    private int[] free = new int[64];
    private int freeCount;
    private int inFlight;

    UringEngine(Completions completions, EventLoop loop, IoUring ring) {
        this.completions = completions;
        this.loop = loop;
        this.ring = ring;
        for (int i = slots.length - 1; i >= 0; i--) free[freeCount++] = i;
        ring.completionHandler(this::onCqe);
    }

    /** True if this kernel has every opcode the engine uses (IORING_REGISTER_PROBE). */
    static boolean supported(IoUring ring) {
        for (int op : new int[] {IORING_OP_ACCEPT, IORING_OP_CONNECT, IORING_OP_RECV, IORING_OP_SEND,
                IORING_OP_WRITEV, IORING_OP_ASYNC_CANCEL}) {
            if (!ring.supports(op)) return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- submission

    @Override
    public void submit(Operation op) {
        switch (op.kind) {
            case CONNECT -> connect(op);
            case ACCEPT -> enqueue(op.listener.source, op, true);
            case READ -> enqueue(op.socket.source, op, true);
            case WRITE, WRITEV -> {
                if (remaining(op) == 0) {
                    completions.complete(op);
                } else {
                    enqueue(op.socket.source, op, false);
                }
            }
            case CLOSE -> throw new AssertionError("close goes through close()");
        }
    }

    private void enqueue(Source s, Operation op, boolean in) {
        var q = in ? s.in : s.out;
        q.add(op);
        if (q.peek() == op) issue(s, op);
    }

    private void connect(Operation op) {
        var remote = op.remote;
        int domain = remote.getAddress() instanceof Inet6Address ? SocketAbi.AF_INET6 : SocketAbi.AF_INET;
        int fd = Libc.socket(domain, SocketAbi.SOCK_STREAM | SocketAbi.SOCK_NONBLOCK | SocketAbi.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            op.fail(new NativeException("socket", -fd, op.describe()));
            completions.complete(op);
            return;
        }
        op.connectFd = fd;
        try {
            // Request/response traffic would otherwise wait for delayed ACKs (tcp(7)).
            setInt(fd, SocketAbi.IPPROTO_TCP, SocketAbi.TCP_NODELAY, 1, "TCP_NODELAY");
            op.scratch = Arena.ofAuto().allocate(SocketAbi.SOCKADDR_STORAGE_SIZE, 8);
            int len = SocketAbi.encode(remote, op.scratch);
            prepare(op, IORING_OP_CONNECT, fd, op.scratch.address(), 0, len, 0);
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);
            op.connectFd = -1;
            op.fail(e instanceof IOException io ? io : new IOException("connect: " + e.getMessage(), e));
            completions.complete(op);
        }
    }

    /** Hands the head operation of its queue to the kernel. */
    private void issue(Source s, Operation op) {
        try {
            switch (op.kind) {
                case ACCEPT -> {
                    // sockaddr then its socklen_t, which the kernel reads and updates (accept4(2)).
                    op.scratch = Arena.ofAuto().allocate(SocketAbi.SOCKADDR_STORAGE_SIZE + 8, 8);
                    op.scratch.set(ValueLayout.JAVA_INT, SocketAbi.SOCKADDR_STORAGE_SIZE, SocketAbi.SOCKADDR_STORAGE_SIZE);
                    prepare(op, IORING_OP_ACCEPT, s.pollable.fd(), op.scratch.address(), 0,
                            op.scratch.address() + SocketAbi.SOCKADDR_STORAGE_SIZE,
                            SocketAbi.SOCK_NONBLOCK | SocketAbi.SOCK_CLOEXEC);
                }
                case READ -> {
                    MemorySegment m = target(op);
                    prepare(op, IORING_OP_RECV, s.pollable.fd(), m.address(), clamp(m.byteSize()), 0, 0);
                }
                case WRITE -> {
                    MemorySegment m = target(op);
                    // MSG_NOSIGNAL: a broken connection is EPIPE, not SIGPIPE (send(2)).
                    prepare(op, IORING_OP_SEND, s.pollable.fd(), m.address(), clamp(m.byteSize()), 0,
                            SocketAbi.MSG_NOSIGNAL);
                }
                case WRITEV -> {
                    int count = fillIov(op);
                    prepare(op, IORING_OP_WRITEV, s.pollable.fd(), op.scratch.address(), count, 0, 0);
                }
                default -> throw new AssertionError(op);
            }
        } catch (IOException | RuntimeException e) {
            queueOf(s, op).remove(op);
            op.fail(e instanceof IOException io ? io : new IOException(op.kind.call() + ": " + e.getMessage(), e));
            completions.complete(op);
            next(s, op.kind == Kind.READ || op.kind == Kind.ACCEPT);
        }
    }

    /** The lent memory still to transfer: a ByteBuffer from its position, a segment from the progress. */
    private static MemorySegment target(Operation op) {
        return op.buffer instanceof ByteBuffer b ? MemorySegment.ofBuffer(b) : op.segment().asSlice(op.transferred);
    }

    private static int clamp(long n) {
        return (int) Math.min(n, Integer.MAX_VALUE);
    }

    private int fillIov(Operation op) {
        ByteBuffer[] bs = op.buffers();
        int count = 0;
        for (ByteBuffer b : bs) if (b.hasRemaining() && count < IOV_MAX) count++;
        if (op.scratch == null || op.scratch.byteSize() < count * SocketAbi.IOVEC.byteSize()) {
            op.scratch = Arena.ofAuto().allocate(SocketAbi.IOVEC.byteSize() * Math.max(count, 1), 8);
        }
        int i = 0;
        for (ByteBuffer b : bs) {
            if (!b.hasRemaining()) continue;
            if (i == count) break;
            SocketAbi.IOV_BASE.set(op.scratch, 0L, (long) i, MemorySegment.ofBuffer(b));
            SocketAbi.IOV_LEN.set(op.scratch, 0L, (long) i, (long) b.remaining());
            i++;
        }
        return count;
    }

    private void prepare(Operation op, int opcode, int fd, long addr, int len, long off, int opFlags)
            throws NativeException {
        int slot = takeSlot();
        MemorySegment sqe = ring.prepare(opcode, fd, addr, len, off, userData(slot));
        if (opFlags != 0) sqe.set(ValueLayout.JAVA_INT, SQE_OP_FLAGS, opFlags);
        slots[slot] = op;
        op.slot = slot;
        inFlight++;
    }

    private long userData(int slot) {
        return IoUring.COMPLETION_TAG | ((long) (generations[slot] & 0x7FFF_FFFF) << 32) | slot;
    }

    private int takeSlot() {
        if (freeCount == 0) {
            int n = slots.length;
            slots = Arrays.copyOf(slots, n * 2);
            generations = Arrays.copyOf(generations, n * 2);
            free = Arrays.copyOf(free, n * 2);
            for (int i = n * 2 - 1; i >= n; i--) free[freeCount++] = i;
        }
        return free[--freeCount];
    }

    private void releaseSlot(Operation op) {
        int slot = op.slot;
        slots[slot] = null;
        generations[slot]++; // a late CQE with the old generation now matches nothing
        free[freeCount++] = slot;
        op.slot = -1;
        inFlight--;
    }

    // ---------------------------------------------------------------- cancel and close

    @Override
    public boolean cancel(Operation op) {
        if (op.slot < 0) {
            Source s = op.kind == Kind.ACCEPT ? op.listener.source : op.socket.source;
            if (!s.remove(op)) return false;
            op.cancelled();
            completions.complete(op);
            return true;
        }
        if (op.cancelSent) return false;
        sendCancel(op);
        return true;
    }

    private void sendCancel(Operation op) {
        try {
            ring.prepare(IORING_OP_ASYNC_CANCEL, -1, userData(op.slot), 0, 0, CANCEL_DATA);
            op.cancelSent = true;
        } catch (NativeException | RuntimeException e) {
            loop.reportError(e);
        }
    }

    @Override
    public void close(Source s, Operation close) {
        s.closed = true;
        s.closing = close;
        for (Operation op : s.in) if (op.slot >= 0 && !op.cancelSent) sendCancel(op);
        for (Operation op : s.out) if (op.slot >= 0 && !op.cancelSent) sendCancel(op);
        finishCloseIfIdle(s);
    }

    /** Once nothing of {@code s} is in the kernel: its operations in submission order, the close last. */
    private void finishCloseIfIdle(Source s) {
        Operation close = s.closing;
        if (close == null) return;
        for (Operation op : s.in) if (op.slot >= 0) return;
        for (Operation op : s.out) if (op.slot >= 0) return;
        List<Operation> held = new ArrayList<>(s.in);
        held.addAll(s.out);
        s.in.clear();
        s.out.clear();
        held.sort(Comparator.comparingLong(o -> o.seq));
        for (Operation op : held) {
            if (op.state == Operation.PENDING) op.cancelled();
            op.state = Operation.PENDING;
            completions.complete(op);
        }
        s.closing = null;
        completions.closed(s);
        try {
            s.pollable.close();
        } catch (IOException e) {
            close.fail(e);
        }
        completions.complete(close);
    }

    @Override
    public void cancelEverything() {
        for (Operation op : slots) if (op != null && !op.cancelSent) sendCancel(op);
        try {
            ring.submit(); // ASYNC_CANCEL of a request waiting on poll completes inside the submit
        } catch (NativeException | RuntimeException e) {
            loop.reportError(e);
        }
    }

    @Override
    public void shutdown() {
        cancelEverything();
        long deadline = System.nanoTime() + SHUTDOWN_NANOS;
        try {
            while (inFlight > 0 && System.nanoTime() - deadline < 0) {
                ring.submitAndWait(10_000_000L);
                ring.reap((userData, res, flags) -> { }); // the poller's own: it closes next
            }
        } catch (NativeException | RuntimeException e) {
            loop.reportError(e);
        }
        if (inFlight > 0) {
            // Still held by the kernel: the ring's close cancels them; their operations stay
            // referenced by the slots, and so their buffers, as long as this engine is reachable.
            loop.reportError(new IllegalStateException(inFlight + " io_uring requests still in flight at loop close"));
        }
    }

    // ---------------------------------------------------------------- completion

    private void onCqe(long userData, int res, int flags) {
        if (userData == CANCEL_DATA) return;
        int slot = (int) userData;
        int gen = (int) (userData >>> 32) & 0x7FFF_FFFF;
        if (slot < 0 || slot >= slots.length || slots[slot] == null || (generations[slot] & 0x7FFF_FFFF) != gen) return;
        Operation op = slots[slot];
        releaseSlot(op);
        switch (op.kind) {
            case CONNECT -> connected(op, res);
            case ACCEPT -> accepted(op, res);
            case READ -> read(op, res);
            case WRITE, WRITEV -> written(op, res);
            default -> throw new AssertionError(op);
        }
    }

    private void connected(Operation op, int res) {
        int fd = op.connectFd;
        op.connectFd = -1;
        if (res < 0) {
            Libc.close(fd);
            failOrCancel(op, res);
        } else {
            TcpSocket tcp = Transport.NATIVE.adopt(fd, op.remote);
            AsyncSocket s = new AsyncSocket(completions, tcp, op.remote);
            op.socket = s;
            completions.opened(s.source);
        }
        completions.complete(op);
    }

    private void accepted(Operation op, int res) {
        Source s = op.listener.source;
        if (res < 0) {
            failOrCancel(op, res);
        } else {
            try {
                // TCP_NODELAY comes from the listener: Linux copies it to accepted sockets
                // (NativeTcpListener sets it there for that reason).
                var remote = SocketAbi.decode(op.scratch);
                AsyncSocket a = new AsyncSocket(completions, Transport.NATIVE.adopt(res, remote), remote);
                completions.opened(a.source);
                op.socket = a;
            } catch (RuntimeException e) {
                Libc.close(res);
                op.fail(new IOException("accept: " + e.getMessage(), e));
            }
        }
        headDone(s, op, true);
    }

    private void read(Operation op, int res) {
        if (res < 0) {
            failOrCancel(op, res);
        } else {
            if (op.buffer instanceof ByteBuffer b) b.position(b.position() + res);
            op.succeed(res);
        }
        headDone(op.socket.source, op, true);
    }

    private void written(Operation op, int res) {
        Source s = op.socket.source;
        if (res < 0) {
            failOrCancel(op, res);
        } else {
            advance(op, res);
            if (op.all && res > 0 && remaining(op) > 0 && !op.cancelSent && s.closing == null) {
                issue(s, op); // the rest of a writeAll: the head stays
                return;
            }
        }
        headDone(s, op, false);
    }

    private static void advance(Operation op, long n) {
        op.transferred += n;
        switch (op.buffer) {
            case ByteBuffer b -> b.position(b.position() + (int) n);
            case ByteBuffer[] bs -> {
                long left = n;
                for (int i = 0; left > 0 && i < bs.length; i++) {
                    int step = (int) Math.min(bs[i].remaining(), left);
                    bs[i].position(bs[i].position() + step);
                    left -= step;
                }
            }
            default -> { }
        }
    }

    private static void failOrCancel(Operation op, int res) {
        if (-res == Errno.ECANCELED) {
            op.cancelled();
        } else {
            op.fail(new NativeException(op.kind.call(), -res, op.describe()));
        }
    }

    /** The head of a queue finished: complete it (or hold it for a close) and start the next. */
    private void headDone(Source s, Operation op, boolean in) {
        if (s.closing != null) {
            op.state = Operation.COMPLETE; // its result is known; finishCloseIfIdle delivers it in order
            finishCloseIfIdle(s);
            return;
        }
        queueOf(s, op).remove(op);
        completions.complete(op);
        next(s, in);
    }

    private void next(Source s, boolean in) {
        if (s.closed) return;
        Operation head = in ? s.in.peek() : s.out.peek();
        if (head != null && head.slot < 0) issue(s, head);
    }

    private static java.util.ArrayDeque<Operation> queueOf(Source s, Operation op) {
        return op.kind == Kind.READ || op.kind == Kind.ACCEPT ? s.in : s.out;
    }

    private static long remaining(Operation op) {
        return switch (op.buffer) {
            case ByteBuffer b -> b.remaining();
            case MemorySegment m -> m.byteSize() - op.transferred;
            case ByteBuffer[] bs -> {
                long r = 0;
                for (ByteBuffer b : bs) r += b.remaining();
                yield r;
            }
            default -> throw new AssertionError(op);
        };
    }

    private static void setInt(int fd, int level, int name, int value, String option) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            v.set(ValueLayout.JAVA_INT, 0, value);
            int r = Libc.setsockopt(fd, level, name, v, Integer.BYTES);
            if (r < 0) throw new NativeException("setsockopt " + option, -r);
        }
    }
}
