package dev.evloop.poll;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The JDK {@link Selector}: the portable fallback (any OS the JDK runs on, Windows included).
 *
 * <p>Limits, all from the JDK API: it watches {@link SelectableChannel}s only, never raw
 * descriptors (a {@code FileDescriptor} cannot be made from an int without reaching into JDK
 * internals), so sources must come from the NIO transport. It cannot report hang-up or error as
 * such: a peer's close or reset shows as READ (and WRITE if wanted), and the read or write that
 * follows returns end-of-stream or throws. Readiness is level only; EDGE, ONESHOT and DISPATCH are
 * emulated exactly as in the poll(2) backend, through {@link SelectionKey#interestOps}.
 *
 * <p>READ means OP_ACCEPT on a server channel; WRITE means OP_CONNECT on a socket channel whose
 * connection is pending, so one vocabulary serves listeners, connecting and connected sockets.
 *
 * <p>Uses {@link Selector#select(Consumer, long)}, which neither allocates a selected-key set
 * nor needs one cleared.
 */
final class SelectorPoller extends PollerBase {
    private final Selector selector;
    private final List<Registration> live = new ArrayList<>();
    private ReadyHandler handler;
    private int delivered;
    private final Consumer<SelectionKey> onKey = this::onKey;

    SelectorPoller() throws IOException {
        selector = Selector.open();
    }

    @Override
    public Backend backend() {
        return Backend.NIO;
    }

    @Override
    public boolean isNative(Trigger trigger) {
        return trigger == Trigger.LEVEL;
    }

    @Override
    public void forEach(Consumer<Registration> action) {
        for (Registration r : live.toArray(new Registration[0])) {
            if (!r.cancelled) action.accept(r);
        }
    }

    @Override
    int checkSource(Pollable source) throws IOException {
        SelectableChannel ch = source.channel();
        if (ch == null) {
            throw new IllegalArgumentException("the NIO backend watches JDK channels only; " + source
                    + " is a raw descriptor (fd " + source.fd() + "): use the epoll or poll backend");
        }
        if (!ch.isOpen()) {
            throw new IOException("register: channel is closed: " + source, new ClosedChannelException());
        }
        if (ch.isBlocking()) {
            throw new IllegalArgumentException("channel must be non-blocking: " + ch);
        }
        SelectionKey existing = ch.keyFor(selector);
        if (existing != null && existing.isValid()) {
            throw new IllegalStateException("channel is already registered: " + existing.attachment());
        }
        return -1;
    }

    @Override
    void add(Registration r) throws IOException {
        SelectionKey key;
        try {
            key = r.source().channel().register(selector, ops(r), r);
        } catch (CancelledKeyException e) {
            // The channel's previous key was cancelled and the Selector drops cancelled keys only
            // during a select (Selector "Selection" doc): flush them, then register again.
            selector.selectNow(k -> { });
            key = r.source().channel().register(selector, ops(r), r);
        }
        r.key = key;
        r.kernelMask = key.interestOps();
        live.add(r);
    }

    @Override
    void apply(Registration r) throws IOException {
        int ops = ops(r);
        if (ops != r.kernelMask) {
            kernelUpdates++;
            try {
                ((SelectionKey) r.key).interestOps(ops);
            } catch (CancelledKeyException e) {
                throw new ClosedChannelException();
            }
            r.kernelMask = ops;
        }
    }

    @Override
    void remove(Registration r) {
        ((SelectionKey) r.key).cancel();
        live.remove(r);
    }

    @Override
    int waitAndDispatch(long timeoutNanos, ReadyHandler handler) throws IOException {
        this.handler = handler;
        this.delivered = 0;
        try {
            int ms = timeoutMillis(timeoutNanos);
            // Selector's own convention: 0 means no limit.
            if (ms == 0) selector.selectNow(onKey);
            else if (ms < 0) selector.select(onKey);
            else selector.select(onKey, ms);
        } finally {
            wakeupConsumed();
            this.handler = null;
        }
        return delivered;
    }

    private void onKey(SelectionKey key) {
        Registration r = (Registration) key.attachment();
        int readyOps;
        try {
            readyOps = key.readyOps();
        } catch (CancelledKeyException e) {
            return;
        }
        int ready = 0;
        if ((readyOps & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) ready |= Events.READ;
        if ((readyOps & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) ready |= Events.WRITE;
        if (deliver(r, ready, handler)) delivered++;
    }

    @Override
    void signalWakeup() {
        selector.wakeup();
    }

    @Override
    void closeKernel() throws IOException {
        selector.close();
    }

    private static int ops(Registration r) {
        int wanted = r.interest & ~r.disabled & ~r.suppressed;
        SelectableChannel ch = r.source().channel();
        int ops = 0;
        if ((wanted & Events.READ) != 0) {
            ops |= ch instanceof ServerSocketChannel ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ;
        }
        if ((wanted & Events.WRITE) != 0) {
            ops |= ch instanceof SocketChannel sc && sc.isConnectionPending()
                    ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
        }
        return ops & ch.validOps();
    }
}
