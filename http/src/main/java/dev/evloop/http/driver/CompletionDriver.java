package dev.evloop.http.driver;

import dev.evloop.completion.AsyncSocket;
import dev.evloop.completion.CompletionHandler;
import dev.evloop.completion.Completions;
import dev.evloop.http.AsyncIo;
import dev.evloop.http.HttpEngine;
import dev.evloop.http.SocketHandle;
import dev.evloop.http.TimerCallback;
import dev.evloop.loop.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Drives an {@link HttpEngine} in async-action mode ({@link AsyncIo}, seed 003) on evloop's
 * completion I/O ({@link Completions}): natively on io_uring when the loop's backend is
 * {@code IO_URING}, emulated on readiness otherwise. Each request of the engine becomes one
 * completion operation on the lent buffer, and each completion one driving call:
 *
 * <ol>
 *   <li>{@code connect}: {@link Completions#connect}; on success the socket is kept for the
 *       handle. A close asked while the connect runs closes the socket once it is connected.
 *   <li>{@code receive} / {@code send}: {@link AsyncSocket#read} / {@link AsyncSocket#write} on the
 *       engine's buffer (direct, untouched by the engine while lent). A read of 0 is the end of
 *       the stream: reported as -1. The engine lends a view and keeps its own positions, so the
 *       one the operation moves is not put back.
 *   <li>{@code shutdownOutput}: {@link AsyncSocket#shutdownOutput} (the engine asks once every
 *       send completed). {@code close}: {@link AsyncSocket#close}; what is pending completes
 *       cancelled and is reported (the engine ignores it).
 *   <li>Timer: one loop timer, as {@link LoopDriver} keeps it.
 * </ol>
 *
 * <p>Loop thread only. Create it, build the engine with {@link #asyncIo()} and
 * {@link #timerCallback()}, then {@link #bind} it.
 */
public final class CompletionDriver {
    private final EventLoop loop;
    private Completions io;
    private HttpEngine engine;
    private final Map<SocketHandle, Sock> sockets = new IdentityHashMap<>();
    /** Handles whose connect still runs: true once the engine asked to close them. */
    private final Map<SocketHandle, Boolean> connecting = new IdentityHashMap<>();
    private final LoopTimer timer;
    private long completions;

    public CompletionDriver(EventLoop loop) {
        this.loop = loop;
        this.timer = new LoopTimer(loop, () -> engine.timeoutAction());
    }

    public void bind(HttpEngine engine) {
        this.engine = engine;
    }

    public EventLoop loop() {
        return loop;
    }

    /** True if the loop's completion I/O is native (io_uring), false if emulated on readiness. */
    public boolean isNative() {
        return completions().isNative();
    }

    /** Completions handed to the engine so far. */
    public long completionsDelivered() {
        return completions;
    }

    public AsyncIo asyncIo() {
        return new Io();
    }

    public TimerCallback timerCallback() {
        return timer::onTimer;
    }

    private Completions completions() {
        if (io == null) io = Completions.on(loop);
        return io;
    }

    /**
     * A connected socket and its two completion handlers, made once: receive and send run per I/O
     * and must not allocate. The engine lends a view of its buffer whose position the read or
     * write may move; it keeps its own positions.
     */
    private final class Sock {
        final AsyncSocket socket;
        final CompletionHandler received;
        final CompletionHandler sent;

        Sock(SocketHandle handle, AsyncSocket socket) {
            this.socket = socket;
            this.received = op -> {
                completions++;
                if (op.isSuccess()) engine.received(handle, op.result() == 0 ? -1 : (int) op.result(), null);
                else engine.received(handle, 0, op.error());
            };
            this.sent = op -> {
                completions++;
                if (op.isSuccess()) engine.sent(handle, (int) op.result(), null);
                else engine.sent(handle, 0, op.error());
            };
        }
    }

    private final class Io implements AsyncIo {
        @Override
        public void connect(SocketHandle socket, InetSocketAddress address) {
            connecting.put(socket, false);
            completions().connect(address, op -> {
                boolean closeAsked = Boolean.TRUE.equals(connecting.remove(socket));
                if (op.isSuccess()) {
                    if (closeAsked) op.socket().close(ignored -> { });
                    else sockets.put(socket, new Sock(socket, op.socket()));
                }
                completions++;
                engine.connected(socket, op.isSuccess() ? null : op.error());
            });
        }

        @Override
        public void receive(SocketHandle socket, ByteBuffer buffer) {
            Sock s = sockets.get(socket);
            s.socket.read(buffer, s.received);
        }

        @Override
        public void send(SocketHandle socket, ByteBuffer buffer) {
            Sock s = sockets.get(socket);
            s.socket.write(buffer, s.sent);
        }

        @Override
        public void shutdownOutput(SocketHandle socket) {
            Sock sock = sockets.get(socket);
            AsyncSocket s = sock == null ? null : sock.socket;
            try {
                if (s != null && s.isOpen()) s.shutdownOutput();
            } catch (IOException ignored) {
                // no completion for it: the next receive reports what became of the connection
            }
        }

        @Override
        public void close(SocketHandle socket) {
            Sock s = sockets.remove(socket);
            if (s != null) {
                s.socket.close(ignored -> { });
            } else if (connecting.containsKey(socket)) {
                connecting.put(socket, true); // closed once connected
            }
        }
    }

}
