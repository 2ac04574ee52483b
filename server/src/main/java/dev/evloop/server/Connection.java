package dev.evloop.server;

import dev.evloop.loop.EventLoop;
import dev.evloop.net.TcpSocket;
import dev.evloop.poll.Events;
import dev.evloop.poll.Registration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;

/**
 * One accepted client on a server loop. Every method runs on that loop's thread (handlers are
 * called there; other threads post with {@link EventLoop#execute}).
 *
 * <p>Modes (seed 004): in <em>read mode</em> the connection watches READ. When output cannot be
 * written at once it switches to <em>write mode</em>: it stops reading and watches WRITE until
 * the pending bytes are out, then reads again. A peer that sends but never reads therefore
 * cannot make the server buffer without bound: its input stays in the kernel, and the output
 * the server holds for it is capped by {@link ServerConfig#maxPendingOutput()}.
 *
 * <p>Memory: input is read into the loop's shared buffer; a connection keeps an input buffer of
 * its own only while it holds a partial message, and an output buffer only while output waits.
 * Writes made inside {@link Handler#onData} are gathered in the loop's staging buffer and sent
 * with one system call after the handler returns.
 *
 * <p>For a message-oriented protocol on top (WebSocket, say): {@link #write} never refuses a
 * message for being early; while the peer is slow the bytes wait here, up to
 * {@link ServerConfig#maxPendingOutput()} in all (one byte more closes the connection with
 * {@link CloseReason#OUTPUT_LIMIT}). While they wait the connection is in write mode, so no
 * {@link Handler#onData} comes, not even for a close or ping the peer sent: the kernel holds it.
 * {@link Handler#onDrained} says when everything is out and reading has resumed; a producer of
 * large or many messages watches {@link #pendingOutput()} and waits for onDrained rather than
 * running into the limit. {@link #pauseReading()} is the other direction: the handler stops
 * taking input (its own queue is full, say) while writing goes on.
 *
 * <p>Lifecycle: 1. open (read mode) 2. any number of read/write mode switches, pauses and
 * {@link #upgrade upgrades} to another handler 3. closing ({@link #close()} or end of stream with
 * output pending: no more reading, flush, then close) 4. closed: {@link Handler#onClose} of the
 * current handler called once, socket deregistered and closed.
 */
public final class Connection {
    private static final Duration MAX_READ_TIMEOUT = Duration.ofDays(365);

    private final ServerWorker worker;
    private final TcpSocket socket;
    /** Receives the events; replaced by {@link #upgrade}. */
    private Handler handler;
    /** Kept from accept so it is still known in onClose. */
    private final InetSocketAddress remote;
    private Registration registration;
    private Object attachment;

    /** Unconsumed input (fill mode), only while a message is partial; else null. */
    private ByteBuffer input;
    /** Unwritten output (fill mode), only while output waits; else null. */
    private ByteBuffer output;
    private boolean writeMode;
    /** Receiver-side backpressure: no reading, no onData ({@link #pauseReading}). */
    private boolean readingPaused;
    /** True while this connection's onData or onDrained runs: input offered meanwhile waits for its return. */
    private boolean inCallback;
    /** Bytes handed over by {@link #upgrade(Handler, ByteBuffer)} (fill mode), not yet offered; else null. */
    private ByteBuffer carry;
    /** This connection's bound on unconsumed input ({@link #maxBufferedInput(int)}). */
    private int maxInput;
    /** Set while closing after a flush: the reason to close with once output is out. */
    private CloseReason closeAfterFlush;
    private boolean closed;

    // Read-timeout list links and the time of the last read; owned by the worker's TimeoutLists.
    Connection prev;
    Connection next;
    long lastRead;
    /** The worker's list this connection is on, or null once closed. */
    TimeoutList list;
    /** -1: the server's read timeout; 0: none; else this connection's own, in nanoseconds. */
    long readTimeoutNanos = -1;
    /** The loop timer of an own read timeout, or 0. */
    long readTimer;
    Runnable readTimerTask;

    Connection(ServerWorker worker, TcpSocket socket, Handler handler) {
        this.worker = worker;
        this.socket = socket;
        this.handler = handler;
        this.maxInput = worker.config().maxBufferedInput();
        InetSocketAddress r;
        try {
            r = socket.remoteAddress(); // accepted sockets know it from accept4: no system call
        } catch (IOException e) {
            r = null;
        }
        this.remote = r;
    }

    void register() throws IOException {
        registration = worker.loop().register(socket, Events.READ, this::onReady);
    }

    Handler handler() {
        return handler;
    }

    public EventLoop loop() {
        return worker.loop();
    }

    /** The peer's address, also after close. */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    public Object attachment() {
        return attachment;
    }

    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    public boolean isOpen() {
        return !closed;
    }

    /** True while output waits and the connection is not reading (write mode). */
    public boolean isWriteMode() {
        return writeMode;
    }

    /** Bytes accepted by {@link #write} and not yet handed to the kernel. */
    public int pendingOutput() {
        return output == null ? 0 : output.position();
    }

    /** Bytes of a partial message held for the next {@link Handler#onData}. */
    public int bufferedInput() {
        return (input == null ? 0 : input.position()) + (carry == null ? 0 : carry.position());
    }

    /**
     * Bounds the unconsumed input this connection may hold, in place of
     * {@link ServerConfig#maxBufferedInput()}; applies from the next read. A handler that consumes
     * everything it is offered (an incremental parser) never holds any; a handler that waits for
     * whole messages needs its largest message plus one read here.
     */
    public void maxBufferedInput(int bytes) {
        worker.checkInLoop("Connection.maxBufferedInput");
        if (bytes <= 0) throw new IllegalArgumentException("maxBufferedInput must be positive, got " + bytes);
        maxInput = bytes;
    }

    /** The bound on unconsumed input: the server's, unless {@link #maxBufferedInput(int)} changed it. */
    public int maxBufferedInput() {
        return maxInput;
    }

    /**
     * Sets this connection's read timeout: closed with {@link CloseReason#READ_TIMEOUT} once nothing
     * was read for {@code timeout}. {@code null}: the server's ({@link ServerConfig#readTimeout()},
     * the default); {@link Duration#ZERO}: none. The clock starts again from this call. A paused
     * connection ({@link #pauseReading()}) is never timed out; its clock starts again on resume.
     */
    public void readTimeout(Duration timeout) {
        worker.checkInLoop("Connection.readTimeout");
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("readTimeout must not be negative: " + timeout);
        }
        if (timeout != null && timeout.compareTo(MAX_READ_TIMEOUT) > 0) {
            throw new IllegalArgumentException("readTimeout " + timeout + " is over " + MAX_READ_TIMEOUT + "; use ZERO for none");
        }
        if (closed) return;
        worker.readTimeout(this, timeout == null ? -1 : timeout.isZero() ? 0 : Math.max(1, timeout.toNanos()));
    }

    /**
     * Stops reading: no {@link Handler#onData} and no read interest until {@link #resumeReading()}
     * (receiver-side backpressure; unrelated to write mode, and writing goes on). What the handler
     * left unconsumed when it paused is kept, within {@link #maxBufferedInput()}; the rest stays in
     * the kernel, whose window then stops the peer. A peer's close is noticed after the resume.
     */
    public void pauseReading() {
        worker.checkInLoop("Connection.pauseReading");
        if (closed || readingPaused) return;
        readingPaused = true;
        updateInterest();
    }

    /**
     * Reads again after {@link #pauseReading()}. Input kept meanwhile is offered at once (after the
     * running callback returns, when called from one of this connection's).
     */
    public void resumeReading() {
        worker.checkInLoop("Connection.resumeReading");
        if (closed || !readingPaused) return;
        readingPaused = false;
        worker.touched(this);
        updateInterest();
        offerSoon();
    }

    public boolean isReadingPaused() {
        return readingPaused;
    }

    /**
     * Hands the connection to {@code next}, another protocol: from now on it gets every event.
     * {@code next.onOpen} is called first, then input that arrived after the message that asked
     * for the switch and that the old handler left unconsumed is offered to {@code next.onData}
     * before anything new is read (when called from the old handler's onData: as soon as it
     * returns; else at once; while output waits or reading is paused: after the drain or on
     * resume, like all held input). The old
     * handler gets no more calls, no onClose either. Output written before the switch goes out
     * before anything {@code next} writes. Pause, read timeout and input bound carry over.
     * Loop thread only.
     *
     * @throws IllegalStateException if the connection is closed or closing
     */
    public void upgrade(Handler next) {
        upgrade(next, null);
    }

    /**
     * {@link #upgrade(Handler)} for a handler that already took input off the connection which
     * belongs to the new protocol (pipelined bytes it held): {@code leftover}'s remaining bytes are
     * offered to {@code next} first, ahead of anything unconsumed or read later. They are copied.
     */
    public void upgrade(Handler next, ByteBuffer leftover) {
        worker.checkInLoop("Connection.upgrade");
        Objects.requireNonNull(next, "next");
        if (closed || closeAfterFlush != null) {
            throw new IllegalStateException("Connection.upgrade() on " + this + ": the connection is "
                    + (closed ? "closed" : "closing"));
        }
        handler = next;
        if (leftover != null && leftover.hasRemaining()) {
            carry = ensure(carry, leftover.remaining()).put(leftover);
        }
        try {
            next.onOpen(this);
        } catch (Exception e) {
            worker.report(e);
            closeNow(CloseReason.ERROR, e);
            return;
        }
        offerSoon();
    }

    /**
     * Sends {@code src} (from its position to its limit, advancing the position). What the kernel
     * does not take now is kept and sent when the socket is writable.
     *
     * @return false if the connection is closed or closing, or the output limit was exceeded (the
     *     connection is then closed with {@link CloseReason#OUTPUT_LIMIT})
     */
    public boolean write(ByteBuffer src) {
        boolean ok = write(src, src.position(), src.remaining());
        if (ok) src.position(src.limit());
        return ok;
    }

    /** Sends {@code length} bytes of {@code src} from absolute index {@code from}; the buffer's position is untouched. */
    public boolean write(ByteBuffer src, int from, int length) {
        worker.checkInLoop("Connection.write");
        Objects.checkFromIndexSize(from, length, src.limit());
        if (closed || closeAfterFlush != null) return false;
        if (length == 0) return true;
        if (output != null) {
            return queue(src, from, length); // keep order behind what already waits
        }
        return worker.stage(this, src, from, length);
    }

    /**
     * Writes directly, queueing what the kernel does not take. Called by the worker for large
     * writes and when flushing its staging buffer.
     */
    boolean writeNow(ByteBuffer src, int from, int length) {
        if (closed) return false;
        if (output != null) return queue(src, from, length);
        ByteBuffer view = src.duplicate().limit(from + length).position(from);
        try {
            socket.write(view);
        } catch (IOException e) {
            closeNow(CloseReason.ERROR, e);
            return false;
        }
        return !view.hasRemaining() || queue(view, view.position(), view.remaining());
    }

    private boolean queue(ByteBuffer src, int from, int length) {
        int pending = pendingOutput();
        if ((long) pending + length > worker.config().maxPendingOutput()) {
            worker.logLimit(this, "output", pending + length, worker.config().maxPendingOutput());
            closeNow(CloseReason.OUTPUT_LIMIT, null);
            return false;
        }
        if (output == null) {
            output = ByteBuffer.allocate(Math.max(length, 4096));
        } else if (output.remaining() < length) {
            int capacity = (int) Math.min(worker.config().maxPendingOutput(),
                    Math.max((long) output.capacity() * 2, (long) pending + length));
            output = ByteBuffer.allocate(capacity).put(output.flip());
        }
        output.put(output.position(), src, from, length).position(pending + length);
        enterWriteMode();
        return true;
    }

    private void enterWriteMode() {
        if (!writeMode) {
            writeMode = true;
            updateInterest();
        }
    }

    /** Write mode watches WRITE only; a paused connection watches nothing else; else READ. */
    private void updateInterest() {
        int want = writeMode ? Events.WRITE : readingPaused ? 0 : Events.READ;
        if (registration.interest() != want) registration.interest(want);
    }

    /**
     * Closes once pending output is written: {@link CloseReason#LOCAL}, or
     * {@link CloseReason#SHUTDOWN} while the server shuts down. Stops reading at once.
     */
    public void close() {
        worker.checkInLoop("Connection.close");
        closeGracefully(worker.isShuttingDown() ? CloseReason.SHUTDOWN : CloseReason.LOCAL);
    }

    /**
     * Closes at once, dropping pending output, because the input broke the protocol; logs
     * {@code why} with the peer's address. For a handler that finds a malformed message.
     */
    public void abort(String why) {
        worker.checkInLoop("Connection.abort");
        if (closed) return;
        worker.logAbort(this, why);
        closeNow(CloseReason.PROTOCOL_ERROR, null);
    }

    void closeGracefully(CloseReason reason) {
        if (closed || closeAfterFlush != null) return;
        worker.flushStaged(this); // writes made earlier in this onData are still in the loop's staging buffer
        if (closed) return;
        if (pendingOutput() == 0) {
            closeNow(reason, null);
            return;
        }
        closeAfterFlush = reason;
        input = null;
        carry = null;
        enterWriteMode(); // stops reading; the WRITE event finishes the close
    }

    /** The server shuts down: the handler decides ({@link Handler#onShutdown}). */
    void serverShutdown() {
        if (closed || closeAfterFlush != null) return;
        try {
            handler.onShutdown(this);
        } catch (Exception e) {
            worker.report(e);
            closeGracefully(CloseReason.SHUTDOWN);
        }
    }

    /** Closes now: deregisters, closes the socket, tells the handler, frees the slot. Idempotent. */
    void closeNow(CloseReason reason, Throwable cause) {
        if (closed) return;
        closed = true;
        input = null;
        carry = null;
        output = null;
        try {
            socket.close(); // cancels the registration first
        } catch (IOException e) {
            if (cause == null) cause = e;
        }
        worker.closed(this);
        try {
            handler.onClose(this, reason, cause);
        } catch (RuntimeException e) {
            worker.report(e);
        }
    }

    // ------------------------------------------------------------------ loop callbacks

    private void onReady(Registration r, int ready) {
        if (closed) return;
        try {
            if (writeMode && (ready & (Events.WRITE | Events.ERROR)) != 0) {
                flushPending();
                if (closed || writeMode) return;
            }
            if (!writeMode && !readingPaused && (ready & (Events.READ | Events.HANGUP | Events.ERROR)) != 0) {
                readOnce();
            }
        } catch (IOException e) {
            closeNow(CloseReason.ERROR, e);
        } catch (Exception e) {
            worker.report(e);
            closeNow(CloseReason.ERROR, e);
        }
    }

    private void flushPending() throws Exception {
        output.flip();
        socket.write(output);
        output.compact();
        if (output.position() > 0) return; // still waiting for the peer
        output = null;
        writeMode = false;
        if (closeAfterFlush != null) {
            closeNow(closeAfterFlush, null);
            return;
        }
        updateInterest();
        inCallback = true;
        try {
            handler.onDrained(this);
        } finally {
            inCallback = false;
        }
        offerHeld(); // messages that arrived before the switch to write mode may be complete
    }

    /** Offers held input now, or once this connection's running callback returns. */
    private void offerSoon() {
        if (inCallback || closed) return; // deliver() or flushPending() goes on with it
        if (worker.isDispatching()) {
            // Another connection's onData is running and its writes are staged: not in the middle of it.
            loop().execute(this::offerHeld);
        } else {
            offerHeld();
        }
    }

    /** Offers the input held here (carried over by an upgrade, or kept while paused) to the handler. */
    private void offerHeld() {
        if (closed || readingPaused || writeMode || closeAfterFlush != null) return;
        if (carry != null) mergeCarry();
        if (input == null || input.position() == 0) return;
        try {
            deliver(input);
        } catch (IOException e) {
            closeNow(CloseReason.ERROR, e);
        } catch (Exception e) {
            worker.report(e);
            closeNow(CloseReason.ERROR, e);
        }
    }

    /** Puts the carried bytes in front of the held input (both at rest, fill mode). */
    private void mergeCarry() {
        ByteBuffer c = carry;
        carry = null;
        if (input != null && input.position() > 0) c = ensure(c, input.position()).put(input.flip());
        input = c;
    }

    /** One read per readiness event: level triggering reports again if more is waiting. */
    private void readOnce() throws Exception {
        if (carry != null) mergeCarry(); // bytes handed over by an upgrade come before new ones
        ByteBuffer buf;
        if (input == null) {
            buf = worker.readBuffer().clear();
        } else {
            if (!input.hasRemaining() && !growInput()) return;
            buf = input;
        }
        int n = socket.read(buf);
        if (n == 0) return;
        if (n < 0) {
            input = null;
            closeGracefully(CloseReason.PEER_CLOSED); // half-close: flush what we owe, then close
            return;
        }
        worker.touched(this);
        deliver(buf);
    }

    /**
     * Hands {@code buf} (fill mode) to the handler and keeps what it does not consume. When the
     * handler upgraded the connection, the rest goes to the new handler before this returns,
     * unless that one paused or the output backed up.
     */
    private void deliver(ByteBuffer buf) throws Exception {
        buf.flip();
        Handler h;
        do {
            h = handler;
            worker.beginDispatch(this);
            inCallback = true;
            try {
                h.onData(this, buf);
            } finally {
                inCallback = false;
                worker.endDispatch(this);
            }
            if (closed || closeAfterFlush != null) return; // closing: input is dropped
            if (carry != null) buf = takeCarry(buf);
        } while (handler != h && buf.hasRemaining() && !readingPaused && !writeMode);
        if (!buf.hasRemaining()) {
            if (buf == input) input = null; // nothing partial: give the memory back
            else buf.clear();
            return;
        }
        if (buf == input) {
            input.compact();
        } else if (buf.remaining() > maxInput) {
            worker.logLimit(this, "buffered input", buf.remaining(), maxInput);
            closeNow(CloseReason.INPUT_LIMIT, null);
        } else {
            input = ByteBuffer.allocate(Math.min(maxInput, Math.max(4096, buf.remaining() * 2)));
            input.put(buf);
        }
    }

    /** The carried bytes, then the unconsumed rest of {@code buf} (read mode), as the new input (read mode). */
    private ByteBuffer takeCarry(ByteBuffer buf) {
        ByteBuffer merged = ByteBuffer.allocate(carry.position() + buf.remaining());
        merged.put(carry.flip()).put(buf).flip();
        carry = null;
        if (buf != input) buf.clear(); // the loop's read buffer
        input = merged;
        return merged;
    }

    private static ByteBuffer ensure(ByteBuffer b, int more) {
        if (b == null) return ByteBuffer.allocate(Math.max(4096, more));
        if (b.remaining() >= more) return b;
        return ByteBuffer.allocate(b.position() + more).put(b.flip());
    }

    private boolean growInput() {
        int max = maxInput;
        if (input.capacity() >= max) {
            worker.logLimit(this, "buffered input", input.capacity() + 1, max);
            closeNow(CloseReason.INPUT_LIMIT, null);
            return false;
        }
        input = ByteBuffer.allocate((int) Math.min(max, input.capacity() * 2L)).put(input.flip());
        return true;
    }

    @Override
    public String toString() {
        return "Connection[" + socket + (closed ? ", closed" : writeMode ? ", write mode" : "")
                + (readingPaused && !closed ? ", reading paused" : "") + "]";
    }
}
