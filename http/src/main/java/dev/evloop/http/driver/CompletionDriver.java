package dev.evloop.http.driver;

import dev.evloop.completion.AsyncSocket;
import dev.evloop.completion.Completions;
import dev.evloop.completion.Operation;
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
 *       the stream: reported as -1. The engine keeps its own positions, so the buffer's position
 *       is put back before the completion is reported.
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
    private final Map<SocketHandle, AsyncSocket> sockets = new IdentityHashMap<>();
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

    private final class Io implements AsyncIo {
        @Override
        public void connect(SocketHandle socket, InetSocketAddress address) {
            connecting.put(socket, false);
            completions().connect(address, op -> {
                boolean closeAsked = Boolean.TRUE.equals(connecting.remove(socket));
                if (op.isSuccess()) {
                    if (closeAsked) op.socket().close(ignored -> { });
                    else sockets.put(socket, op.socket());
                }
                completions++;
                engine.connected(socket, op.isSuccess() ? null : op.error());
            });
        }

        @Override
        public void receive(SocketHandle socket, ByteBuffer buffer) {
            AsyncSocket s = sockets.get(socket);
            int position = buffer.position();
            s.read(buffer, op -> {
                buffer.position(position);
                completions++;
                if (op.isSuccess()) engine.received(socket, op.result() == 0 ? -1 : (int) op.result(), null);
                else engine.received(socket, 0, op.error());
            });
        }

        @Override
        public void send(SocketHandle socket, ByteBuffer buffer) {
            AsyncSocket s = sockets.get(socket);
            int position = buffer.position();
            s.write(buffer, op -> {
                buffer.position(position);
                completions++;
                if (op.isSuccess()) engine.sent(socket, (int) op.result(), null);
                else engine.sent(socket, 0, op.error());
            });
        }

        @Override
        public void shutdownOutput(SocketHandle socket) {
            AsyncSocket s = sockets.get(socket);
            try {
                if (s != null && s.isOpen()) s.shutdownOutput();
            } catch (IOException ignored) {
                // no completion for it: the next receive reports what became of the connection
            }
        }

        @Override
        public void close(SocketHandle socket) {
            AsyncSocket s = sockets.remove(socket);
            if (s != null) {
                s.close(ignored -> { });
            } else if (connecting.containsKey(socket)) {
                connecting.put(socket, true); // closed once connected
            }
        }
    }

}
