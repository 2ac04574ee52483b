package dev.evloop.http.driver;

import dev.evloop.http.HttpEngine;
import dev.evloop.http.SocketAction;
import dev.evloop.http.SocketCallback;
import dev.evloop.http.SocketHandle;
import dev.evloop.http.TimerCallback;
import dev.evloop.loop.EventLoop;
import dev.evloop.poll.Registration;
import dev.evloop.poll.Trigger;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Drives an {@link HttpEngine} on evloop's {@link EventLoop}: the adapter an application would
 * otherwise write for its own loop, about forty lines.
 *
 * <ol>
 *   <li>Socket callback: IN / OUT / INOUT registers the socket (first time) or changes its
 *       interest; the {@link Registration} is attached to the socket with
 *       {@link HttpEngine#assign}, so it comes back with every later callback. REMOVE cancels
 *       the registration; the engine closes the socket right after.
 *   <li>Timer callback: one loop timer, moved or cancelled as the deadline moves; when it fires,
 *       {@link HttpEngine#timeoutAction}.
 *   <li>Readiness: {@link HttpEngine#socketAction} with the ready bits.
 * </ol>
 *
 * <p>Loop thread only, like the engine it drives. Create it, then build the engine with
 * {@link #socketCallback()} and {@link #timerCallback()}, then {@link #bind} it.
 */
public final class LoopDriver {
    private final EventLoop loop;
    private HttpEngine engine;
    private final LoopTimer timer;
    private long delivered;

    public LoopDriver(EventLoop loop) {
        this.loop = loop;
        this.timer = new LoopTimer(loop, () -> engine.timeoutAction());
    }

    public void bind(HttpEngine engine) {
        this.engine = engine;
    }

    public EventLoop loop() {
        return loop;
    }

    /** Readiness events handed to {@link HttpEngine#socketAction} so far. */
    public long eventsDelivered() {
        return delivered;
    }

    public SocketCallback socketCallback() {
        return this::onSocket;
    }

    public TimerCallback timerCallback() {
        return timer::onTimer;
    }

    private void onSocket(SocketHandle socket, SocketAction action, Object data) {
        Registration r = (Registration) data;
        if (action == SocketAction.REMOVE) {
            if (r != null) r.cancel();
            return;
        }
        if (r != null && r.isValid()) {
            r.interest(action.interest());
            return;
        }
        try {
            r = loop.register(socket.pollable(), action.interest(), Trigger.LEVEL, (reg, ready) -> {
                delivered++;
                engine.socketAction(socket, ready);
                refreshConnectInterest(socket, reg);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("registering " + socket, e);
        }
        engine.assign(socket, r);
    }

    /**
     * On a JDK Selector, WRITE means OP_CONNECT while the connect is pending. A socket that stays
     * OUT once connected (an upload filling the socket) gets no new announcement, so restate the
     * interest: the poller then picks OP_WRITE (no system call when nothing changes).
     */
    static void refreshConnectInterest(SocketHandle socket, Registration reg) {
        if (reg.isValid() && socket.pollable().channel() instanceof java.nio.channels.SocketChannel
                && reg.isSubscribedWrite()) {
            reg.interest(reg.interest());
        }
    }

}
