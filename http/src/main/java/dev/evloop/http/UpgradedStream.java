package dev.evloop.http;

import static dev.evloop.poll.Events.ERROR;
import static dev.evloop.poll.Events.HANGUP;
import static dev.evloop.poll.Events.READ;
import static dev.evloop.poll.Events.WRITE;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * A connection the server switched to another protocol ({@code 101 Switching Protocols}, RFC 9110
 * §7.8), owned by the application through its {@link UpgradeListener} but still driven by the
 * engine: its socket stays in the engine's socket table, is announced through the same
 * {@link SocketCallback} (IN while reading, OUT while bytes wait, changes only, REMOVE before
 * close), and the application keeps calling {@link HttpEngine#socketAction} for it.
 *
 * <p>Lifecycle:
 * <ol>
 *   <li>Open: reads are delivered to {@link UpgradeListener#onData} (unless
 *       {@linkplain #pauseReading paused}); {@link #write} hands bytes to the kernel at once and
 *       queues what it does not take, watching the socket for writing until they are out.
 *   <li>{@link #shutdownOutput} (optional): FIN after the queued bytes (TLS: close_notify first);
 *       reading goes on.
 *   <li>Ended ({@link #isOpen()} false) by the peer's end of stream, an I/O error, a listener
 *       exception, {@link #close}, {@link #abort} or {@link HttpEngine#close}. No more
 *       {@code onData} / {@code onDrained}; {@link UpgradeListener#onClosed} comes once at the end
 *       of that driving call; timers scheduled through the stream are cancelled.
 *   <li>Closed: REMOVE, then the socket is closed: at once on an error, an abort or the engine's
 *       close; after the queued bytes (and TLS close_notify) are written, within one second, on
 *       a clean end of stream or {@link #close}.
 * </ol>
 *
 * <p>Threading: the thread driving the engine only. Every method but the plain getters is a
 * driving call of its own (socket changes and the timer deadline are announced when it returns),
 * may be called from inside the listener's callbacks, and is refused from inside the socket or
 * timer callback, like the engine's own calls.
 */
public final class UpgradedStream {
    /** Reads per readiness event at most, so one busy stream cannot starve the other sockets. */
    private static final int READS_PER_EVENT = 16;
    private static final System.Logger LOG = System.getLogger("dev.evloop.http");

    private final HttpEngine engine;
    private final Conduit socket;
    private final SocketHandle handle;
    private final SocketTable.Entry entry;
    /** Null for plain TCP. */
    private final TlsSession tls;
    private final UpgradeListener listener;
    private final InetSocketAddress remote;

    /** Bytes write() could not hand to the kernel, read mode; kept (not shrunk) for reuse. */
    private ByteBuffer queue = ByteBuffer.allocate(0);
    /** Bytes read with the 101 head while reading was paused in onUpgrade; delivered on resume. */
    private ByteBuffer held;
    private boolean paused;
    /** A write had to queue: onDrained is owed once the queue is out. */
    private boolean drainOwed;
    /** False once ended; see the class lifecycle. */
    private boolean open = true;
    private Throwable endCause;
    /** shutdownOutput was asked: no more writes; FIN once the queue is out. */
    private boolean outputShutdownAsked;
    /** The FIN (TLS: close_notify) was started. */
    private boolean outputShut;
    /** TLS close_notify waits for the socket (WRITE interest). */
    private boolean closeNotifyPending;
    /** Ended cleanly, writing what is queued before the socket closes. */
    private boolean closing;
    private long closeTimer;
    private boolean socketClosed;
    private final Set<Long> timerIds = new HashSet<>();

    UpgradedStream(HttpEngine engine, Conduit socket, SocketHandle handle, SocketTable.Entry entry, TlsSession tls,
            UpgradeListener listener) {
        this.engine = engine;
        this.socket = socket;
        this.handle = handle;
        this.entry = entry;
        this.tls = tls;
        this.listener = listener;
        InetSocketAddress r;
        try {
            r = socket.remoteAddress();
        } catch (IOException e) {
            r = null; // the peer is gone already; the first read or write says so
        }
        this.remote = r;
        entry.owner = this;
    }

    // ---------------------------------------------------------------- the application's calls

    /**
     * Queues a copy of {@code src}'s remaining bytes (its position moves to its limit): written to
     * the kernel at once when nothing waits before them, the rest kept and written as the socket
     * allows, with {@link UpgradeListener#onDrained} once all is out. A write error ends the
     * stream ({@code onClosed} with the error); it is not thrown here.
     *
     * @throws IllegalStateException after the stream ended or after {@link #shutdownOutput}
     */
    public void write(ByteBuffer src) {
        engine.enter("UpgradedStream.write");
        try {
            if (!open) throw new IllegalStateException("write on an upgraded stream that has ended: " + this);
            if (outputShutdownAsked) throw new IllegalStateException("write after shutdownOutput() on " + this);
            if (!src.hasRemaining()) return;
            if (!queue.hasRemaining() && (tls == null || !tls.hasPendingOutput())) {
                try {
                    if (tls == null) socket.write(src); else tls.write(src);
                } catch (IOException e) {
                    src.position(src.limit());
                    fail(ioError("write", e));
                    return;
                }
            }
            if (src.hasRemaining()) {
                enqueue(src);
                drainOwed = true;
            }
            updateInterest();
        } finally {
            engine.exit();
        }
    }

    /** Bytes queued and not yet handed to the kernel (TLS: plaintext not yet wrapped). */
    public long queuedBytes() {
        return queue.remaining();
    }

    /**
     * Backpressure on receiving: no {@code onData} and no read interest until
     * {@link #resumeReading} (REMOVE when nothing else is watched). Bytes TLS has already
     * decrypted stay in the session and are delivered on resume.
     */
    public void pauseReading() {
        engine.enter("UpgradedStream.pauseReading");
        try {
            if (paused || !open) return;
            paused = true;
            updateInterest();
        } finally {
            engine.exit();
        }
    }

    /**
     * Ends a {@link #pauseReading}: bytes already held (read with the 101 head, or decrypted by
     * TLS) are delivered at the end of this driving call, since no socket event will announce
     * them; then the socket is watched for reading again.
     */
    public void resumeReading() {
        engine.enter("UpgradedStream.resumeReading");
        try {
            if (!paused) return;
            paused = false;
            if (!open) return;
            updateInterest();
            if (held != null || tls != null && tls.hasBufferedInput()) engine.readSoon(this);
        } finally {
            engine.exit();
        }
    }

    public boolean isReadingPaused() {
        return paused;
    }

    /**
     * Half-close once the queued bytes are written: shutdown(2) SHUT_WR for plain TCP; for TLS
     * close_notify (RFC 8446 §6.1) then the shutdown. Reading goes on until the peer ends its
     * side; {@link #write} is refused from now on. Nothing if already asked or ended.
     */
    public void shutdownOutput() {
        engine.enter("UpgradedStream.shutdownOutput");
        try {
            if (!open || outputShutdownAsked) return;
            outputShutdownAsked = true;
            if (!queue.hasRemaining() && (tls == null || !tls.hasPendingOutput())) {
                try {
                    shutOutput();
                } catch (IOException e) {
                    fail(e);
                    return;
                }
            } // else: after the queue, from the WRITE event that empties it

            updateInterest();
        } finally {
            engine.exit();
        }
    }

    /**
     * Ends the stream: reading stops, what is queued is still written (with TLS close_notify
     * after it) within one second, then REMOVE and close. {@code onClosed(null)} comes at the end
     * of this driving call. Nothing if already ended.
     */
    public void close() {
        engine.enter("UpgradedStream.close");
        try {
            if (!open) return;
            end(null);
            beginClose();
        } finally {
            engine.exit();
        }
    }

    /**
     * REMOVE and close at once, dropping queued bytes. {@code onClosed(null)} at the end of this
     * driving call if the stream was still open. Also cuts short a {@link #close} still writing.
     */
    public void abort() {
        engine.enter("UpgradedStream.abort");
        try {
            end(null);
            closeSocket(false);
        } finally {
            engine.exit();
        }
    }

    /** True until the stream ended (see the class lifecycle); write() is refused afterwards. */
    public boolean isOpen() {
        return open;
    }

    /**
     * Runs {@code task} on the engine's timer wheel after {@code delayNanos}, from the
     * application's {@link HttpEngine#timeoutAction}: the new deadline reaches the
     * {@link TimerCallback} when this driving call ends. A task that throws is logged and aborts
     * the stream. Tasks still pending when the stream ends are cancelled.
     *
     * @return an id for {@link #cancel}
     * @throws IllegalArgumentException if {@code delayNanos} is negative
     * @throws IllegalStateException after the stream ended
     */
    public long schedule(long delayNanos, Runnable task) {
        if (delayNanos < 0) throw new IllegalArgumentException("delayNanos must not be negative, got " + delayNanos);
        java.util.Objects.requireNonNull(task, "task");
        engine.enter("UpgradedStream.schedule");
        try {
            if (!open) throw new IllegalStateException("schedule on an upgraded stream that has ended: " + this);
            StreamTimer timer = new StreamTimer(task);
            timer.id = engine.timers().schedule(engine.clock().nanoTime() + delayNanos, timer);
            timerIds.add(timer.id);
            return timer.id;
        } finally {
            engine.exit();
        }
    }

    /** Cancels a task from {@link #schedule}; false if it already ran, was cancelled, or is not this stream's. */
    public boolean cancel(long timerId) {
        engine.enter("UpgradedStream.cancel");
        try {
            if (!timerIds.remove(timerId)) return false;
            return engine.timers().cancel(timerId);
        } finally {
            engine.exit();
        }
    }

    /** The engine's clock, in nanoseconds. */
    public long nanoTime() {
        return engine.clock().nanoTime();
    }

    public SocketHandle socket() {
        return handle;
    }

    public boolean isSecure() {
        return tls != null;
    }

    /** The server's address (null if the connection was already gone when it was upgraded). */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public String toString() {
        return "UpgradedStream[" + (tls != null ? "tls " : "") + remote + ", " + handle
                + (open ? "" : socketClosed ? ", closed" : ", closing") + "]";
    }

    // ---------------------------------------------------------------- engine side

    /** The 101 was received: tell the listener, deliver the bytes read with the head, start reading. */
    void start(HttpResponse response, ByteBuffer leftover) {
        if (!call(() -> listener.onUpgrade(this, response))) return;
        if (open && leftover.hasRemaining()) {
            if (paused) {
                held = ByteBuffer.allocate(leftover.remaining()).put(leftover).flip();
            } else if (!deliver(leftover)) {
                return;
            }
        }
        if (!open) return;
        updateInterest();
        if (tls != null && tls.hasBufferedInput()) engine.readSoon(this); // read with the head, decrypted
    }

    /** The application reports the socket ready (inside {@link HttpEngine#socketAction}). */
    void onReady(int events) {
        if (socketClosed) return;
        try {
            if (closing) {
                advanceClose();
                return;
            }
            if (events == 0 || (events & WRITE) != 0) outputFlushed();
            if (open && !paused && (events == 0 || (events & (READ | ERROR | HANGUP)) != 0)) readNow();
        } catch (IOException e) {
            fail(e);
            return;
        }
        updateInterest();
    }

    /** Bytes no socket event will announce: held ones, then what TLS already decrypted. */
    void readPending() {
        if (!open || paused) return;
        ByteBuffer h = held;
        if (h != null) {
            held = null;
            if (!deliver(h)) return;
        }
        if (open && !paused && tls != null && tls.hasBufferedInput()) {
            try {
                readNow();
            } catch (IOException e) {
                fail(e);
                return;
            }
        }
        updateInterest();
    }

    /** The engine is closing: end with {@code cause} (unless ended already) and close at once. */
    void terminate(Throwable cause) {
        end(cause);
        closeSocket(false);
    }

    /** Delivers the owed onClosed (end of the driving call in which the stream ended). */
    void notifyClosed() {
        try {
            listener.onClosed(this, endCause);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "upgrade listener failed in onClosed for " + this, e);
        }
    }

    // ---------------------------------------------------------------- reading and writing

    /** Reads until the socket has nothing (bounded per event, but TLS's buffered bytes always). */
    private void readNow() throws IOException {
        // A listener may add transfers from onData; one landing on an idle HTTP/2 connection
        // must not read into the buffer whose bytes are being delivered here.
        ByteBuffer buf = engine.takeReadBuffer();
        try {
            readNow(buf);
        } finally {
            engine.giveBackReadBuffer(buf);
        }
    }

    private void readNow(ByteBuffer buf) throws IOException {
        // Bytes TLS already holds will not make the socket readable again: always drain them.
        for (int i = 0; open && !paused && (i < READS_PER_EVENT || tls != null && tls.hasBufferedInput()); i++) {
            buf.clear();
            int n;
            try {
                n = tls == null ? socket.read(buf) : tls.read(buf);
            } catch (IOException e) {
                throw ioError("read", e);
            }
            if (n == 0) return;
            if (n < 0) {
                end(null); // the peer's clean end (RFC 9293 §3.6 FIN; TLS close_notify)
                beginClose();
                return;
            }
            buf.flip();
            if (!deliver(buf)) return;
        }
    }

    /**
     * Writes the queue (and TLS's pending ciphertext). True once everything is out; then owes
     * onDrained and a shutdown that waited for the queue.
     */
    private boolean outputFlushed() throws IOException {
        try {
            if (queue.hasRemaining() || tls != null && tls.hasPendingOutput()) {
                if (tls == null) socket.write(queue); else tls.write(queue);
            }
            if (closeNotifyPending) {
                if (!tls.flushClose()) return false;
                closeNotifyPending = false;
                socket.shutdownOutput();
            }
        } catch (IOException e) {
            throw ioError("write", e);
        }
        if (queue.hasRemaining() || tls != null && tls.hasPendingOutput()) return false;
        if (drainOwed && open) {
            drainOwed = false;
            if (!call(() -> listener.onDrained(this))) return true;
        }
        if (outputShutdownAsked && !outputShut && open) shutOutput();
        return true;
    }

    /** FIN after close_notify (TLS); the close_notify may wait for the socket. */
    private void shutOutput() throws IOException {
        // Once only: a second shutdown(2) fails with ENOTCONN when the peer has closed meanwhile.
        if (outputShut) return;
        outputShut = true;
        try {
            if (tls != null && !tls.closeOutbound()) {
                closeNotifyPending = true;
                return;
            }
            socket.shutdownOutput();
        } catch (IOException e) {
            throw ioError("shutdown", e);
        }
    }

    private void enqueue(ByteBuffer src) {
        int need = queue.remaining() + src.remaining();
        if (queue.capacity() >= need) {
            queue.compact().put(src).flip();
        } else {
            queue = ByteBuffer.allocate(Math.max(need, Math.max(queue.capacity() * 2, 16 * 1024))).put(queue).put(src).flip();
        }
    }

    private void updateInterest() {
        if (socketClosed) return;
        boolean write = queue.hasRemaining() || tls != null && tls.hasPendingOutput() || closeNotifyPending;
        engine.table().connectionInterest(entry, open && !paused, write);
    }

    // ---------------------------------------------------------------- ending

    /** Ends the stream once: onClosed owed, its timers cancelled. */
    private void end(Throwable cause) {
        if (!open) return;
        open = false;
        endCause = cause;
        for (long id : timerIds) engine.timers().cancel(id);
        timerIds.clear();
        engine.streamEnded(this);
    }

    /** An I/O error: the stream ends with it and closes at once. */
    private void fail(IOException e) {
        end(e);
        closeSocket(false);
    }

    /** Clean end: write what is queued, TLS close_notify, then close; bounded by the grace time. */
    private void beginClose() {
        if (socketClosed || closing) return;
        closing = true;
        closeTimer = engine.timers().schedule(engine.clock().nanoTime() + HttpEngine.CLOSE_NOTIFY_GRACE_NANOS, () -> {
            closeTimer = 0;
            closeSocket(false);
        });
        try {
            advanceClose();
        } catch (IOException e) {
            closeSocket(false); // onClosed(null) is owed already: the peer just cannot take the rest
        }
    }

    private void advanceClose() throws IOException {
        if (!outputFlushed()) {
            updateInterest();
            return;
        }
        if (tls != null && !outputShut) {
            outputShut = true;
            if (!tls.closeOutbound()) {
                closeNotifyPending = true;
                updateInterest();
                return;
            }
        }
        closeSocket(true);
    }

    /**
     * REMOVE, then close (the number may be reused at once). {@code graceful}: unread input is
     * read and dropped first, since closing with unread input sends RST instead of FIN (RFC 1122
     * §4.2.2.13), and the reset could overtake the last bytes written.
     */
    private void closeSocket(boolean graceful) {
        if (socketClosed) return;
        socketClosed = true;
        closing = false;
        if (closeTimer != 0) {
            engine.timers().cancel(closeTimer);
            closeTimer = 0;
        }
        engine.table().connectionInterest(entry, false, false);
        engine.table().remove(entry);
        handle.markClosed();
        if (graceful) engine.discardInput(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to lose on a stream that ended
        }
        engine.streamClosed(this);
    }

    private IOException ioError(String what, IOException e) {
        return new IOException("upgraded stream to " + remote + ": " + what + " failed: " + e.getMessage(), e);
    }

    // ---------------------------------------------------------------- listener calls

    private interface Callback {
        void run() throws Exception;
    }

    /**
     * Hands {@code data} to onData; false if the listener threw (the stream is then aborted). No
     * lambda here: this runs per read, and must not allocate.
     */
    private boolean deliver(ByteBuffer data) {
        try {
            listener.onData(this, data);
            return true;
        } catch (Exception e) {
            listenerFailed(e);
            return false;
        }
    }

    /** A listener exception is logged and aborts the stream (it becomes onClosed's cause); never thrown on. */
    private boolean call(Callback c) {
        try {
            c.run();
            return true;
        } catch (Exception e) {
            listenerFailed(e);
            return false;
        }
    }

    private void listenerFailed(Exception e) {
        LOG.log(System.Logger.Level.WARNING, "upgrade listener failed for " + this + "; stream aborted", e);
        end(e);
        closeSocket(false);
    }

    /** A task of {@link #schedule}: forgets its id when it runs; a throwing task aborts the stream. */
    private final class StreamTimer implements Runnable {
        private final Runnable task;
        long id;

        StreamTimer(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            timerIds.remove(id);
            if (!open) return;
            call(task::run);
        }
    }
}
