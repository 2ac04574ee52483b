package dev.evloop.completion;

import dev.evloop.completion.Operation.Kind;
import dev.evloop.net.TcpSocket;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A connected TCP socket driven by completions: made by {@link Completions#connect} or
 * {@link AsyncListener#accept}. Each method lends a buffer and returns the pending
 * {@link Operation}; its handler hears the result later, on the loop thread.
 *
 * <p>Order: reads complete in submission order, and so do writes (a write starts only after the
 * one before it completed, so bytes leave in submission order). Reads and writes run
 * independently of each other.
 *
 * <p>Buffers: a direct {@link ByteBuffer} (from its position to its limit; the position advances
 * by the bytes transferred, as NIO does, when the operation completes) or a native
 * {@link MemorySegment} (the whole segment, from offset 0). Heap buffers are refused with an
 * {@link IllegalArgumentException}: the kernel writes into a lent buffer while Java code runs, so
 * it needs memory the garbage collector does not move. Until its completion is delivered the
 * buffer belongs to the operation: the caller must not read or change it.
 *
 * <p>Writes: {@code write} and {@code writev} complete after the first transfer, possibly partial
 * (like write(2)); {@code writeAll} and {@code writevAll} complete once every byte went out, or
 * with the error that stopped them.
 *
 * <p>Threading: loop thread only, like everything in this package.
 */
public final class AsyncSocket {
    private final Completions completions;
    final TcpSocket tcp;
    final Source source;
    private final InetSocketAddress remote;

    AsyncSocket(Completions completions, TcpSocket tcp, InetSocketAddress remote) {
        this.completions = completions;
        this.tcp = tcp;
        this.remote = remote;
        this.source = new Source(this, tcp);
    }

    /** Reads at most {@code dst.remaining()} bytes; the result is 0 at the end of the stream. */
    public Operation read(ByteBuffer dst, CompletionHandler handler) {
        checkBuffer("read", dst, true);
        return submit(Kind.READ, false, dst, handler);
    }

    /** Reads at most {@code dst.byteSize()} bytes to the start of {@code dst}; 0 at the end of the stream. */
    public Operation read(MemorySegment dst, CompletionHandler handler) {
        checkSegment("read", dst, true);
        return submit(Kind.READ, false, dst, handler);
    }

    /** Writes some of {@code src} (at least one byte unless it is empty); may complete partially. */
    public Operation write(ByteBuffer src, CompletionHandler handler) {
        checkBuffer("write", src, false);
        return submit(Kind.WRITE, false, src, handler);
    }

    public Operation write(MemorySegment src, CompletionHandler handler) {
        checkSegment("write", src, false);
        return submit(Kind.WRITE, false, src, handler);
    }

    /** Writes all of {@code src} before completing. */
    public Operation writeAll(ByteBuffer src, CompletionHandler handler) {
        checkBuffer("writeAll", src, false);
        return submit(Kind.WRITE, true, src, handler);
    }

    public Operation writeAll(MemorySegment src, CompletionHandler handler) {
        checkSegment("writeAll", src, false);
        return submit(Kind.WRITE, true, src, handler);
    }

    /** A gathering write of the buffers in order; may complete partially (positions show what went). */
    public Operation writev(ByteBuffer[] srcs, CompletionHandler handler) {
        return submit(Kind.WRITEV, false, checkBuffers("writev", srcs), handler);
    }

    /** A gathering write that completes once every buffer is written out. */
    public Operation writevAll(ByteBuffer[] srcs, CompletionHandler handler) {
        return submit(Kind.WRITEV, true, checkBuffers("writevAll", srcs), handler);
    }

    /**
     * Closes the socket: every operation still pending on it completes first, cancelled
     * (ECANCELED), in submission order, then this one. Nothing may be submitted after it.
     */
    public Operation close(CompletionHandler handler) {
        completions.checkThread("close");
        Objects.requireNonNull(handler, "handler");
        checkOpen("close");
        Operation op = new Operation(completions, Kind.CLOSE, false, this, null, null, null, handler);
        completions.engine().close(source, op);
        return op;
    }

    /**
     * Shuts down the sending direction now (shutdown(2), SHUT_WR: a FIN after the bytes already
     * sent). Not an operation: it takes effect at once, so call it only once every write has
     * completed (a write still pending would be cut off).
     */
    public void shutdownOutput() throws IOException {
        completions.checkThread("shutdownOutput");
        checkOpen("shutdownOutput");
        tcp.shutdownOutput();
    }

    /** False once {@link #close} was called (or the loop closed). */
    public boolean isOpen() {
        return !source.closed;
    }

    public InetSocketAddress localAddress() throws IOException {
        return tcp.localAddress();
    }

    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** SO_LINGER, see {@link TcpSocket#setLinger}: 0 makes close reset the connection. */
    public void setLinger(int seconds) throws IOException {
        tcp.setLinger(seconds);
    }

    public void setSendBufferSize(int bytes) throws IOException {
        tcp.setSendBufferSize(bytes);
    }

    public void setReceiveBufferSize(int bytes) throws IOException {
        tcp.setReceiveBufferSize(bytes);
    }

    String describe() {
        return remote.getHostString() + ":" + remote.getPort();
    }

    private Operation submit(Kind kind, boolean all, Object buffer, CompletionHandler handler) {
        Objects.requireNonNull(handler, "handler");
        checkOpen(kind.call());
        Operation op = new Operation(completions, kind, all, this, null, null, buffer, handler);
        completions.engine().submit(op);
        return op;
    }

    private void checkOpen(String call) {
        if (source.closed) {
            throw new IllegalStateException(call + " on a closed socket [" + describe() + "]");
        }
    }

    private void checkBuffer(String call, ByteBuffer b, boolean into) {
        completions.checkThread(call);
        Objects.requireNonNull(b, "buffer");
        if (!b.isDirect()) {
            throw new IllegalArgumentException(call + ": a heap ByteBuffer cannot be lent to completion I/O"
                    + " (the kernel needs memory that does not move): use ByteBuffer.allocateDirect or a native MemorySegment");
        }
        if (into && b.isReadOnly()) {
            throw new IllegalArgumentException(call + " into a read-only ByteBuffer");
        }
        if (into && !b.hasRemaining()) {
            // A read of 0 bytes would complete with 0, which means the end of the stream.
            throw new IllegalArgumentException(call + " into a ByteBuffer with nothing remaining");
        }
    }

    private void checkSegment(String call, MemorySegment s, boolean into) {
        completions.checkThread(call);
        Objects.requireNonNull(s, "segment");
        if (!s.isNative()) {
            throw new IllegalArgumentException(call + ": a heap MemorySegment cannot be lent to completion I/O"
                    + " (the kernel needs memory that does not move): use a native segment (Arena.allocate)");
        }
        if (into && s.isReadOnly()) {
            throw new IllegalArgumentException(call + " into a read-only MemorySegment");
        }
        if (into && s.byteSize() == 0) {
            throw new IllegalArgumentException(call + " into an empty MemorySegment");
        }
    }

    private ByteBuffer[] checkBuffers(String call, ByteBuffer[] srcs) {
        completions.checkThread(call);
        Objects.requireNonNull(srcs, "buffers");
        for (int i = 0; i < srcs.length; i++) {
            if (srcs[i] == null) throw new NullPointerException(call + ": buffer " + i + " is null");
            if (!srcs[i].isDirect()) {
                throw new IllegalArgumentException(call + ": buffer " + i + " is a heap ByteBuffer, which cannot be lent"
                        + " to completion I/O (the kernel needs memory that does not move): use ByteBuffer.allocateDirect");
            }
        }
        return srcs.clone(); // the array itself is lent too: the caller may reuse theirs
    }

    @Override
    public String toString() {
        return "AsyncSocket[" + describe() + (source.closed ? ", closed" : "") + "]";
    }
}
