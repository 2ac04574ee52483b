package dev.evloop.completion;

import dev.evloop.os.Errno;
import dev.evloop.os.NativeException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One submitted operation and, once its {@link CompletionHandler} is called, its result.
 *
 * <p>Lifecycle:
 * <ol>
 *   <li>Pending: submitted; its buffer is lent (the caller must not touch it) and held here, so it
 *       stays reachable (and a direct buffer's memory stays allocated) whatever the caller drops.
 *   <li>Complete: the result is known (bytes, or an error). It is queued for delivery in order of
 *       completion; {@link #cancel} can no longer change it.
 *   <li>Delivered: the handler was called, once; the buffer is the caller's again and this
 *       operation no longer refers to it.
 * </ol>
 *
 * <p>Results: {@link #result} is the bytes transferred (a read of 0 is the end of the stream; for
 * accept, connect and close it is 0). A failed or cancelled operation has an {@link #error} naming
 * the call, the errno and the address, e.g. {@code read: ECONNRESET (Connection reset by peer)
 * [127.0.0.1:4711]}, and {@link #errno}; a cancelled one has errno ECANCELED. A writeAll or
 * writevAll that failed or was cancelled part way still reports in {@link #result} the bytes that
 * went out before.
 */
public final class Operation {
    /** What an operation does; {@link #call} is the name errors use. */
    public enum Kind {
        ACCEPT("accept"), CONNECT("connect"), READ("read"), WRITE("write"), WRITEV("writev"), CLOSE("close");

        private final String call;

        Kind(String call) {
            this.call = call;
        }

        public String call() {
            return call;
        }
    }

    static final int PENDING = 0;
    static final int COMPLETE = 1;
    static final int DELIVERED = 2;

    final Completions completions;
    final Kind kind;
    /** writeAll / writevAll: complete only once every byte is written (or on error). */
    final boolean all;
    private final CompletionHandler handler;
    /** The socket it runs on; for CONNECT the socket it makes, for ACCEPT the accepted one once complete. */
    AsyncSocket socket;
    final AsyncListener listener;
    final InetSocketAddress remote;
    /** The lent buffer: a direct ByteBuffer, a native MemorySegment or a ByteBuffer[]; null once delivered. */
    Object buffer;
    /** Progress: bytes transferred so far (for a segment, also the offset of the next byte). */
    long transferred;
    /** PENDING, COMPLETE, DELIVERED. Loop thread only. */
    int state = PENDING;
    /** Submission order within its {@link Completions}, to deliver a closed socket's operations in order. */
    final long seq;
    // Native engine only: the slot whose user_data the kernel holds (-1: not in the kernel), an
    // ASYNC_CANCEL sent for it, memory the kernel reads or writes besides the buffer (sockaddr,
    // socklen_t, iovec), and a connect's descriptor until it is handed to a socket.
    int slot = -1;
    boolean cancelSent;
    MemorySegment scratch;
    int connectFd = -1;
    private IOException error;
    private int errno;

    Operation(Completions completions, Kind kind, boolean all, AsyncSocket socket, AsyncListener listener,
            InetSocketAddress remote, Object buffer, CompletionHandler handler) {
        this.completions = completions;
        this.kind = kind;
        this.all = all;
        this.socket = socket;
        this.listener = listener;
        this.remote = remote;
        this.buffer = buffer;
        this.handler = handler;
        this.seq = completions.nextSeq();
    }

    public Kind kind() {
        return kind;
    }

    /** True once the result is known (it may not have been delivered yet). */
    public boolean isDone() {
        return state != PENDING;
    }

    public boolean isSuccess() {
        return state != PENDING && error == null;
    }

    public boolean isCancelled() {
        return errno == Errno.ECANCELED;
    }

    /** Bytes transferred; 0 for a read at the end of the stream, and for accept, connect and close. */
    public long result() {
        return transferred;
    }

    /** The failure (cancellation included), or null. */
    public IOException error() {
        return error;
    }

    /**
     * The positive errno of the failure: ECANCELED when cancelled; 0 on success, and for a
     * failure of the NIO backend whose cause the JDK does not say (its message is in {@link #error}).
     */
    public int errno() {
        return errno;
    }

    /** {@code ECONNRESET}, {@code ECANCELED}, ..., or null when {@link #errno} is 0. */
    public String errnoName() {
        return errno == 0 ? null : Errno.name(errno);
    }

    /**
     * For ACCEPT, the accepted socket and for CONNECT the connected one, when successful (null
     * otherwise); for the other kinds, the socket the operation ran on (null for a listener's close).
     */
    public AsyncSocket socket() {
        return (kind == Kind.ACCEPT || kind == Kind.CONNECT) && error != null ? null : socket;
    }

    public AsyncListener listener() {
        return listener;
    }

    /**
     * Asks for this operation to end without its result. Loop thread only.
     *
     * <p>The race: an operation whose result is already known (complete, not yet delivered) keeps
     * it and this returns false; otherwise it completes with ECANCELED and this returns true. With
     * a native engine the kernel may finish the operation before the cancellation reaches it; the
     * real result is delivered then. Either way the handler is called exactly once. A close cannot
     * be cancelled.
     */
    public boolean cancel() {
        completions.checkThread("cancel");
        if (state != PENDING || kind == Kind.CLOSE) return false;
        return completions.engine().cancel(this);
    }

    void succeed(long bytes) {
        transferred = bytes;
    }

    void fail(IOException failure) {
        this.error = failure;
        this.errno = Errors.errno(failure);
    }

    void cancelled() {
        fail(new NativeException(kind.call, Errno.ECANCELED, describe()));
    }

    /** The address an error names: the peer for sockets, the local address for a listener. */
    String describe() {
        if (remote != null) return remote.getHostString() + ":" + remote.getPort();
        if (socket != null) return socket.describe();
        if (listener != null) return listener.describe();
        return null;
    }

    void deliver() throws Exception {
        state = DELIVERED;
        buffer = null;
        scratch = null;
        handler.completed(this);
    }

    ByteBuffer byteBuffer() {
        return (ByteBuffer) buffer;
    }

    MemorySegment segment() {
        return (MemorySegment) buffer;
    }

    ByteBuffer[] buffers() {
        return (ByteBuffer[]) buffer;
    }

    @Override
    public String toString() {
        String s = switch (state) {
            case PENDING -> "pending";
            case COMPLETE -> "complete";
            default -> "delivered";
        };
        String r = state == PENDING ? "" : error != null ? ", " + error.getMessage() : ", " + transferred + " bytes";
        return "Operation[" + kind.call + (all ? " all" : "") + ", " + s + r + "]";
    }
}
