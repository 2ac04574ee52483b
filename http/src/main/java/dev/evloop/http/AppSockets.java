package dev.evloop.http;

import static dev.evloop.poll.Events.READ;
import static dev.evloop.poll.Events.WRITE;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Async-action mode's side of the engine: the sockets the application owns ({@link AppSocket}),
 * the requests made to it through {@link AsyncIo} and the completions it reports.
 *
 * <p>Interest becomes requests: a receive is kept outstanding while the socket's table entry wants
 * READ and the last receive's bytes are consumed; a send is posted while written bytes wait. A
 * completion becomes readiness: the bytes of a receive, its end of stream or its error are READ for
 * a connection that wants to read, room in the staging buffer is WRITE for one that wants to write,
 * a finished connect is WRITE. Readiness is level-triggered and delivered at the end of the driving
 * call ({@link #dispatch}), like the bytes TLS already decrypted for upgraded streams: nothing the
 * engine holds waits for a completion that will not come.
 *
 * <p>Engine thread only. Checking mode turns the application's mistakes into
 * {@link ContractViolation}s with the recent history; without it a completion for an unknown
 * socket or an operation not outstanding is ignored, and a byte count outside what was lent is
 * refused ({@link IllegalArgumentException}): it cannot be taken without corrupting the stream.
 */
final class AppSockets {
    /** Writes before the close may take this long to be sent; the close is requested then anyway. */
    static final long LINGER_NANOS = HttpEngine.CLOSE_NOTIFY_GRACE_NANOS;

    private final HttpEngine engine;
    private final AsyncIo io;
    private final ContractChecker checker;
    /** Every socket opened and not forgotten: open, or closed with operations outstanding. Identity keys. */
    private final Map<SocketHandle, AppSocket> sockets = new LinkedHashMap<>();
    private final List<AppSocket> snapshot = new ArrayList<>();

    AppSockets(HttpEngine engine, AsyncIo io, ContractChecker checker) {
        this.engine = engine;
        this.io = io;
        this.checker = checker;
    }

    /** A new socket to {@code address}; its connect is requested at the end of the driving call. */
    AppSocket open(SocketHandle handle, InetSocketAddress address) {
        AppSocket s = new AppSocket(handle, address);
        sockets.put(handle, s);
        return s;
    }

    /** Sockets the application still holds for the engine (open, or closing with operations outstanding). */
    int size() {
        return sockets.size();
    }

    // ---------------------------------------------------------------- completions

    void connected(SocketHandle h, IOException error) {
        if (checker != null) record("connected " + h + (error != null ? " error " + error : ""));
        AppSocket s = find("connected", h);
        if (s == null) return;
        if (!s.connectOutstanding) {
            misuse("connected(" + h + ") but no connect is outstanding on it (reported twice, or never requested)");
            return;
        }
        s.connectOutstanding = false;
        if (s.closeRequested) {
            forgetIfQuiet(s);
            return;
        }
        if (error != null) s.connectError = s.connectFailed(error); else s.connected = true;
        s.connectEventOwed = true;
    }

    void received(SocketHandle h, int bytes, IOException error) {
        if (checker != null) record("received " + h + " " + (error != null ? "error " + error : bytes + " bytes"));
        AppSocket s = find("received", h);
        if (s == null) return;
        if (!s.receiveOutstanding) {
            misuse("received(" + h + ", " + bytes + ") but no receive is outstanding on it (reported twice, or never requested)");
            return;
        }
        if (error == null && (bytes == 0 || bytes < -1 || bytes > s.receiveLent)) {
            refuse("received(" + h + ", " + bytes + "): a receive reports 1 to " + s.receiveLent
                    + " bytes (the length lent), or -1 at the end of the stream");
            return;
        }
        s.receiveOutstanding = false;
        if (s.closeRequested) {
            forgetIfQuiet(s);
            return;
        }
        if (error != null) {
            s.receiveError = s.failed("receive", error);
            s.in.limit(0);
        } else if (bytes < 0) {
            s.eof = true;
            s.in.limit(0);
        } else {
            s.in.position(0).limit(bytes);
        }
    }

    void sent(SocketHandle h, int bytes, IOException error) {
        if (checker != null) record("sent " + h + " " + (error != null ? "error " + error : bytes + " bytes"));
        AppSocket s = find("sent", h);
        if (s == null) return;
        if (!s.sendOutstanding) {
            misuse("sent(" + h + ", " + bytes + ") but no send is outstanding on it (reported twice, or never requested)");
            return;
        }
        if (error == null && (bytes <= 0 || bytes > s.sendLent)) {
            refuse("sent(" + h + ", " + bytes + "): a send reports 1 to " + s.sendLent + " bytes (the length lent)");
            return;
        }
        s.sendOutstanding = false;
        if (error != null) {
            s.sendError = s.failed("send", error);
            s.lent.position(s.lent.limit()); // nothing more goes out
            s.staged.clear();
        } else {
            s.lent.position(s.lent.position() + bytes);
        }
        if (s.closeRequested && s.closePosted) forgetIfQuiet(s);
    }

    private AppSocket find(String call, SocketHandle h) {
        AppSocket s = sockets.get(h);
        if (s == null) misuse(call + "(" + h + ") for a socket " + (h.isClosed() ? "already closed, with no operation outstanding"
                : "this engine never opened"));
        return s;
    }

    private void forgetIfQuiet(AppSocket s) {
        if (s.closePosted && s.quiet()) sockets.remove(s.handle);
    }

    // ---------------------------------------------------------------- end of the driving call

    /**
     * Delivers the readiness owed to connections that want it. True if any was delivered: the work
     * may owe more (a connection that read may want to write), so the caller asks again.
     */
    boolean dispatch() {
        snapshot.clear();
        snapshot.addAll(sockets.values());
        boolean any = false;
        for (AppSocket s : snapshot) {
            if (s.closeRequested) continue;
            SocketTable.Entry e = engine.table().get(s.handle);
            if (e == null) continue;
            SocketAction want = e.wanted();
            int ev = s.readyEvents(want == null ? 0 : want.interest());
            if (ev == 0) continue;
            if ((ev & WRITE) != 0) s.connectEventOwed = false;
            if (checker != null) record("ready " + s.handle + " " + dev.evloop.poll.Events.toString(ev));
            engine.ready(e, ev);
            any = true;
        }
        return any;
    }

    /** True if {@link #dispatch} would deliver something. */
    boolean owesReadiness() {
        for (AppSocket s : sockets.values()) {
            if (s.closeRequested) continue;
            SocketTable.Entry e = engine.table().get(s.handle);
            if (e == null) continue;
            SocketAction want = e.wanted();
            if (s.readyEvents(want == null ? 0 : want.interest()) != 0) return true;
        }
        return false;
    }

    /** Makes the requests the sockets' state calls for; from the end of the driving call, callbacks closed. */
    void post() {
        snapshot.clear();
        snapshot.addAll(sockets.values());
        for (AppSocket s : snapshot) {
            if (!s.connectPosted) {
                s.connectPosted = true;
                s.connectOutstanding = true;
                if (checker != null) record("request connect " + s.handle + " " + s.remote);
                io.connect(s.handle, s.remote);
            }
            if (s.closePosted) continue;
            if (s.connected && s.sendError == null && !s.sendOutstanding && (s.closeRequested ? !s.lingerOver : true)) {
                postSend(s);
            }
            if (s.closeRequested) {
                if (s.hasUnsent() && !s.lingerOver && s.connected && s.sendError == null) {
                    if (s.lingerTimer == 0) {
                        s.lingerTimer = engine.timers().schedule(engine.clock().nanoTime() + LINGER_NANOS, () -> {
                            s.lingerTimer = 0;
                            s.lingerOver = true;
                        });
                    }
                    continue;
                }
                if (s.lingerTimer != 0) {
                    engine.timers().cancel(s.lingerTimer);
                    s.lingerTimer = 0;
                }
                s.closePosted = true;
                if (checker != null) record("request close " + s.handle);
                io.close(s.handle);
                forgetIfQuiet(s);
                continue;
            }
            if (s.shutdownRequested && !s.shutdownPosted && s.connected && !s.sendOutstanding && !s.hasUnsent()) {
                s.shutdownPosted = true;
                if (checker != null) record("request shutdownOutput " + s.handle);
                io.shutdownOutput(s.handle);
            }
            if (s.connected && !s.receiveOutstanding && !s.in.hasRemaining() && !s.eof && s.receiveError == null
                    && wantsRead(s)) {
                s.receiveOutstanding = true;
                s.receiveLent = s.in.capacity();
                if (checker != null) record("request receive " + s.handle + " " + s.receiveLent + " bytes");
                io.receive(s.handle, s.in.clear().duplicate());
            }
        }
    }

    private boolean wantsRead(AppSocket s) {
        SocketTable.Entry e = engine.table().get(s.handle);
        SocketAction want = e == null ? null : e.wanted();
        return want != null && (want.interest() & READ) != 0;
    }

    private void postSend(AppSocket s) {
        if (!s.lent.hasRemaining()) {
            if (s.staged.position() == 0) return;
            ByteBuffer b = s.lent;
            s.lent = s.staged.flip();
            s.staged = b.clear();
        }
        s.sendOutstanding = true;
        s.sendLent = s.lent.remaining();
        if (checker != null) record("request send " + s.handle + " " + s.sendLent + " bytes");
        io.send(s.handle, s.lent.duplicate());
    }

    /** The engine closes: sockets still open are closed without waiting for their bytes. */
    void closeAll() {
        for (AppSocket s : sockets.values()) {
            if (s.closeRequested) s.lingerOver = true;
        }
    }

    // ---------------------------------------------------------------- checking

    /** Callers test {@code checker != null} first, so the line is built only in checking mode. */
    private void record(String line) {
        checker.record(line);
    }

    /** A completion that cannot be matched to a request: a violation when checking, else ignored. */
    private void misuse(String what) {
        if (checker != null) checker.violation(what);
    }

    /** A completion whose numbers cannot be taken. */
    private void refuse(String what) {
        if (checker != null) checker.violation(what);
        throw new IllegalArgumentException(what);
    }
}
