package dev.evloop.server;

import dev.evloop.loop.EventLoop;
import dev.evloop.net.TcpSocket;
import dev.evloop.poll.Events;
import dev.evloop.poll.Registration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
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
 * <p>Lifecycle: 1. open (read mode) 2. any number of read/write mode switches 3. closing
 * ({@link #close()} or end of stream with output pending: no more reading, flush, then close)
 * 4. closed: {@link Handler#onClose} called once, socket deregistered and closed.
 */
public final class Connection {
    private final ServerWorker worker;
    private final TcpSocket socket;
    private final Handler handler;
    /** Kept from accept so it is still known in onClose. */
    private final InetSocketAddress remote;
    private Registration registration;
    private Object attachment;

    /** Unconsumed input (fill mode), only while a message is partial; else null. */
    private ByteBuffer input;
    /** Unwritten output (fill mode), only while output waits; else null. */
    private ByteBuffer output;
    private boolean writeMode;
    /** Set while closing after a flush: the reason to close with once output is out. */
    private CloseReason closeAfterFlush;
    private boolean closed;

    // Read-timeout list links and the time of the last read; owned by the worker's TimeoutList.
    Connection prev;
    Connection next;
    long lastRead;
    boolean listed;

    Connection(ServerWorker worker, TcpSocket socket, Handler handler) {
        this.worker = worker;
        this.socket = socket;
        this.handler = handler;
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
        return input == null ? 0 : input.position();
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
            registration.interest(Events.WRITE);
        }
    }

    /**
     * Closes once pending output is written (LOCAL). Stops reading at once.
     */
    public void close() {
        worker.checkInLoop("Connection.close");
        closeGracefully(CloseReason.LOCAL);
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
        enterWriteMode(); // stops reading; the WRITE event finishes the close
    }

    /** Closes now: deregisters, closes the socket, tells the handler, frees the slot. Idempotent. */
    void closeNow(CloseReason reason, Throwable cause) {
        if (closed) return;
        closed = true;
        input = null;
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
            if (!writeMode && (ready & (Events.READ | Events.HANGUP | Events.ERROR)) != 0) {
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
        registration.interest(Events.READ);
        handler.onDrained(this);
        if (!closed && !writeMode && input != null && input.position() > 0) {
            deliver(input); // messages that arrived before the switch may be complete
        }
    }

    /** One read per readiness event: level triggering reports again if more is waiting. */
    private void readOnce() throws Exception {
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

    /** Hands {@code buf} (fill mode) to the handler and keeps what it does not consume. */
    private void deliver(ByteBuffer buf) throws Exception {
        buf.flip();
        worker.beginDispatch(this);
        try {
            handler.onData(this, buf);
        } finally {
            worker.endDispatch(this);
        }
        if (closed) return;
        if (!buf.hasRemaining()) {
            if (buf == input) input = null; // nothing partial: give the memory back
            else buf.clear();
            return;
        }
        if (buf == input) {
            input.compact();
        } else if (buf.remaining() > worker.config().maxBufferedInput()) {
            worker.logLimit(this, "buffered input", buf.remaining(), worker.config().maxBufferedInput());
            closeNow(CloseReason.INPUT_LIMIT, null);
        } else {
            input = ByteBuffer.allocate(Math.min(worker.config().maxBufferedInput(), Math.max(4096, buf.remaining() * 2)));
            input.put(buf);
        }
    }

    private boolean growInput() {
        int max = worker.config().maxBufferedInput();
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
        return "Connection[" + socket + (closed ? ", closed" : writeMode ? ", write mode" : "") + "]";
    }
}
