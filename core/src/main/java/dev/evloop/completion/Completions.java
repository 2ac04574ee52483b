package dev.evloop.completion;

import dev.evloop.completion.Operation.Kind;
import dev.evloop.loop.EventLoop;
import dev.evloop.loop.LoopStage;
import dev.evloop.net.Transport;
import dev.evloop.uring.IoUring;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Completion I/O on an {@link EventLoop}: the caller lends a buffer and hears a completion, as
 * with POSIX aio, IOCP or io_uring, next to the loop's readiness I/O. One per loop
 * ({@link #on}); every call on the loop thread.
 *
 * <p>Operations: {@link #listen} then {@link AsyncListener#accept}, {@link #connect} (the
 * operation makes the socket), {@link AsyncSocket} reads, writes, gathering writes and close,
 * {@link Operation#cancel}. Each returns the pending {@link Operation} at once; its
 * {@link CompletionHandler} is called exactly once, later.
 *
 * <p>Delivery: completions are delivered on the loop thread in the order they completed, by the
 * loop's stage step (after the posted tasks and before the wait, and again right after the I/O
 * events are dispatched; docs/ARCHITECTURE.md "One loop iteration"), never inside the call that
 * submitted or finished the operation. The loop does not block while completions wait for
 * delivery.
 *
 * <p>Batching: operations submitted during an iteration go out together at its wait. Emulated,
 * their interest changes are applied by that wait (one kernel update per socket); natively, one
 * io_uring_enter submits them all.
 *
 * <p>Emulation (every readiness backend: epoll, poll(2), kqueue, NIO): an operation waits for
 * its socket to be ready, then makes the non-blocking call and completes. EAGAIN never surfaces;
 * a read whose data is already there completes in the iteration it was submitted in, if it was
 * submitted before the wait. {@link #isNative} says which is in use.
 *
 * <p>When the loop closes, what is complete is delivered, then every socket and listener still
 * open is closed as by their {@code close}: their pending operations complete cancelled.
 */
public final class Completions {
    private final EventLoop loop;
    private final Engine engine;
    /** Complete, not yet delivered, in completion order. */
    private final ArrayDeque<Operation> ready = new ArrayDeque<>();
    /** Sockets and listeners not yet closed, so a closing loop can close them. */
    private final Set<Source> open = new LinkedHashSet<>();
    private boolean closed;
    private long seq;

    private Completions(EventLoop loop, boolean emulate) {
        this.loop = loop;
        IoUring ring = emulate ? null : loop.ring();
        this.engine = ring != null && UringEngine.supported(ring)
                ? new UringEngine(this, loop, ring)
                : new ReadinessEngine(this, loop, Transport.forBackend(loop.backend()));
    }

    /** The loop's completion I/O, made at the first call. Loop thread only. */
    public static Completions on(EventLoop loop) {
        Objects.requireNonNull(loop, "loop");
        return loop.stage(Stage.class, l -> new Stage(l, false)).completions;
    }

    /**
     * The loop's completion I/O emulated on readiness even on io_uring, for the contract suite's
     * emulated run there. Refused if the loop's completion I/O already exists natively.
     */
    static Completions emulatedOn(EventLoop loop) {
        Completions c = loop.stage(Stage.class, l -> new Stage(l, true)).completions;
        if (c.isNative()) {
            throw new IllegalStateException("completion I/O of loop " + loop.name() + " already runs natively");
        }
        return c;
    }

    public EventLoop loop() {
        return loop;
    }

    /** True on io_uring's own operations; false when they are emulated on readiness. */
    public boolean isNative() {
        return engine instanceof UringEngine;
    }

    /**
     * A listening socket on {@code local} (port 0: the kernel picks one), SO_REUSEADDR on.
     *
     * @param backlog the accept queue's length; 0 or less for the system's maximum
     */
    public AsyncListener listen(InetSocketAddress local, int backlog) throws IOException {
        return listen(local, backlog, false);
    }

    /**
     * As {@link #listen(InetSocketAddress, int)}; {@code reusePort} sets SO_REUSEPORT, so listeners
     * of several loops share the port and the kernel spreads the connections (socket(7)).
     */
    public AsyncListener listen(InetSocketAddress local, int backlog, boolean reusePort) throws IOException {
        checkThread("listen");
        var tcp = Transport.forBackend(loop.backend()).listen(local, backlog, reusePort);
        try {
            AsyncListener l = new AsyncListener(this, tcp);
            opened(l.source);
            return l;
        } catch (IOException | RuntimeException e) {
            tcp.close();
            throw e;
        }
    }

    /**
     * Connects to {@code remote}; on success {@link Operation#socket} is the connected socket
     * (TCP_NODELAY on). A failure (e.g. ECONNREFUSED) completes the operation with it; the
     * socket it made is closed then, as when the connect is cancelled.
     *
     * @throws IllegalArgumentException if {@code remote} is unresolved
     */
    public Operation connect(InetSocketAddress remote, CompletionHandler handler) {
        checkThread("connect");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(handler, "handler");
        if (remote.isUnresolved()) {
            throw new IllegalArgumentException("connect: unresolved address " + remote);
        }
        Operation op = new Operation(this, Kind.CONNECT, false, null, null, remote, null, handler);
        engine.submit(op);
        return op;
    }

    /** Operations complete and waiting for delivery. */
    public int readyCount() {
        return ready.size();
    }

    // ---------------------------------------------------------------- engine side

    Engine engine() {
        return engine;
    }

    long nextSeq() {
        return seq++;
    }

    void opened(Source s) {
        open.add(s);
    }

    void closed(Source s) {
        open.remove(s);
    }

    /** Records that {@code op}'s result is known; it is delivered by the next stage run. */
    void complete(Operation op) {
        assert op.state == Operation.PENDING : op;
        op.state = Operation.COMPLETE;
        ready.add(op);
    }

    void checkThread(String call) {
        if (!loop.inLoop()) {
            throw new IllegalStateException(call + "() called on thread " + Thread.currentThread().getName()
                    + "; completion I/O of loop " + loop.name() + " is used on its thread only (post work with execute())");
        }
        if (closed) {
            throw new IllegalStateException(call + "() after loop " + loop.name() + " closed");
        }
    }

    /**
     * Delivers the completions queued when it started; those their handlers cause wait for the
     * next run (the loop does not block meanwhile), so a handler that resubmits at once cannot
     * keep the loop here.
     */
    private int deliver() {
        int n = ready.size();
        for (int i = 0; i < n; i++) {
            Operation op = ready.poll();
            try {
                op.deliver();
            } catch (Throwable e) {
                loop.reportError(e);
            }
        }
        return n;
    }

    private void shutdown() {
        deliver();
        engine.cancelEverything();
        for (Source s : open.toArray(Source[]::new)) {
            Operation op = s.owner instanceof AsyncSocket sock
                    ? new Operation(this, Kind.CLOSE, false, sock, null, null, null, o -> { })
                    : new Operation(this, Kind.CLOSE, false, null, (AsyncListener) s.owner, null, null, o -> { });
            if (!s.closed) engine.close(s, op);
        }
        engine.shutdown();
        closed = true;
        while (!ready.isEmpty()) deliver();
    }

    /** The loop's hook into this layer; kept apart so users do not see run and close. */
    private static final class Stage implements LoopStage {
        final Completions completions;

        Stage(EventLoop loop, boolean emulate) {
            this.completions = new Completions(loop, emulate);
        }

        @Override
        public int run() {
            return completions.ready.isEmpty() ? 0 : completions.deliver();
        }

        @Override
        public boolean hasReadyWork() {
            return !completions.ready.isEmpty();
        }

        @Override
        public void close() {
            completions.shutdown();
        }
    }
}
