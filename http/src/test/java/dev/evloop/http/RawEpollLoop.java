package dev.evloop.http;

import static dev.evloop.os.EpollAbi.EPOLLERR;
import static dev.evloop.os.EpollAbi.EPOLLHUP;
import static dev.evloop.os.EpollAbi.EPOLLIN;
import static dev.evloop.os.EpollAbi.EPOLLOUT;
import static dev.evloop.os.EpollAbi.EPOLLRDHUP;
import static dev.evloop.os.EpollAbi.EPOLL_CTL_ADD;
import static dev.evloop.os.EpollAbi.EPOLL_CTL_DEL;
import static dev.evloop.os.EpollAbi.EPOLL_CTL_MOD;

import dev.evloop.net.TcpSocket;
import dev.evloop.os.EpollAbi;
import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import dev.evloop.poll.Events;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * An application's own epoll loop driving an {@link HttpEngine} built with the native transport,
 * written against the os layer only (no evloop poller): what a user with an existing epoll loop
 * would write. Test support for {@link RawEpollDrivingTest} and {@link ContractBugTest}.
 *
 * <ul>
 *   <li>Socket callback: IN / OUT / INOUT → EPOLL_CTL_ADD the first time (or after a REMOVE),
 *       EPOLL_CTL_MOD after; REMOVE → EPOLL_CTL_DEL. The epoll data is the handle's generation,
 *       mapped back to the handle through {@link #watched}, so an event for a socket removed
 *       meanwhile (earlier in the same batch) is dropped, never delivered for a reused number.
 *   <li>Timer callback: a deadline, used as epoll_wait's timeout; {@link HttpEngine#timeoutAction}
 *       once it passes.
 *   <li>Readiness: {@link HttpEngine#socketAction} with {@link Events} bits, masked to what is
 *       watched now (an earlier event of the batch may have changed it).
 * </ul>
 *
 * <p>Everything runs on the thread that calls {@link #runUntil}. Every callback is recorded in
 * {@link #calls} with what could be observed at that moment (is the descriptor still open, what
 * epoll_ctl returned), and after every engine call the loop checks that each socket it watches is
 * still open ({@link #problems} otherwise): a missed REMOVE (curl #3597) shows there.
 */
final class RawEpollLoop implements AutoCloseable {
    /** One socket callback as the application saw it. */
    record Call(SocketHandle handle, SocketAction action, Object socketData, boolean handleClosed, boolean fdOpen,
            int ctlOp, int ctlResult) {
        @Override
        public String toString() {
            return "socket#" + handle.generation() + "(fd " + handle.fd() + ") " + action
                    + (handleClosed ? " [handle closed]" : "") + (fdOpen ? "" : " [fd closed]")
                    + " " + (ctlOp == EPOLL_CTL_ADD ? "ADD" : ctlOp == EPOLL_CTL_MOD ? "MOD" : "DEL") + "=" + ctlResult;
        }
    }

    /** What the application keeps per watched socket (attached with {@link HttpEngine#assign}). */
    static final class Watch {
        final SocketHandle handle;
        SocketAction action;

        Watch(SocketHandle handle) {
            this.handle = handle;
        }
    }

    private static final int MAX_EVENTS = 64;
    /** Never block longer than this, so {@link #runUntil} can enforce its own bound. */
    private static final int MAX_WAIT_MS = 50;

    private final Arena arena = Arena.ofConfined();
    private final int epfd;
    private final MemorySegment ctlEvent = arena.allocate(EpollAbi.EVENT);
    private final MemorySegment ready = arena.allocate(EpollAbi.SIZE * MAX_EVENTS, 8);
    /** generation → what is watched; exactly the sockets registered with epfd. */
    final Map<Long, Watch> watched = new HashMap<>();
    final List<Call> calls = new ArrayList<>();
    /** Every delay the timer callback was given, in order. */
    final List<Long> timerCalls = new ArrayList<>();
    final List<String> problems = new ArrayList<>();
    /** Events delivered through socketAction. */
    long delivered;
    /** Events epoll reported for a socket removed earlier in the same batch, dropped. */
    long stale;
    private boolean timerArmed;
    private long deadlineNanos;
    HttpEngine engine;
    /** Report every readiness as 0, "unknown" (the engine then tries reading and writing). */
    boolean unknownEvents;
    /** Optional extra hooks, run after the loop's own handling (the reentrancy tests use them). */
    SocketCallback onSocketHook;
    TimerCallback onTimerHook;

    RawEpollLoop() {
        epfd = Libc.epollCreate1(EpollAbi.EPOLL_CLOEXEC);
        if (epfd < 0) throw new IllegalStateException("epoll_create1: " + Libc.strerror(-epfd));
    }

    /** Builds the engine on {@code b} with this loop's callbacks, the native transport and checking on. */
    HttpEngine bind(HttpEngine.Builder b) {
        engine = b.socketCallback(this::onSocket).timerCallback(this::onTimer)
                .transport(dev.evloop.net.Transport.NATIVE).checking(true).build();
        return engine;
    }

    static boolean fdOpen(int fd) {
        return fd >= 0 && Libc.fcntl(fd, Libc.F_GETFD, 0) >= 0;
    }

    private void onSocket(SocketHandle h, SocketAction action, Object data) {
        int fd = h.fd();
        boolean open = fdOpen(fd);
        boolean closedFlag = h.isClosed();
        Watch w = watched.get(h.generation());
        int op;
        int r;
        if (action == SocketAction.REMOVE) {
            op = EPOLL_CTL_DEL;
            r = Libc.epollCtl(epfd, EPOLL_CTL_DEL, fd, MemorySegment.NULL);
            watched.remove(h.generation());
        } else {
            int mask = switch (action) {
                case IN -> EPOLLIN | EPOLLRDHUP;
                case OUT -> EPOLLOUT;
                default -> EPOLLIN | EPOLLRDHUP | EPOLLOUT;
            };
            ctlEvent.set(EpollAbi.EVENTS_LAYOUT, EpollAbi.EVENTS_OFFSET, mask);
            ctlEvent.set(EpollAbi.DATA_LAYOUT, EpollAbi.DATA_OFFSET, h.generation());
            op = w == null ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
            r = Libc.epollCtl(epfd, op, fd, ctlEvent);
            if (w == null) {
                w = new Watch(h);
                watched.put(h.generation(), w);
                engine.assign(h, w); // allowed from inside the callback
            }
            w.action = action;
        }
        calls.add(new Call(h, action, data, closedFlag, open, op, r));
        if (r < 0) problems.add("epoll_ctl failed (" + Errno.name(-r) + ") for " + calls.getLast());
        if (onSocketHook != null) onSocketHook.onSocket(h, action, data);
    }

    private void onTimer(long delayMillis) {
        timerCalls.add(delayMillis);
        timerArmed = delayMillis >= 0;
        if (timerArmed) deadlineNanos = System.nanoTime() + delayMillis * 1_000_000L;
        if (onTimerHook != null) onTimerHook.onTimer(delayMillis);
    }

    /** The last thing the timer callback said; {@link TimerCallback#NONE} when nothing is pending. */
    long lastTimer() {
        return timerCalls.isEmpty() ? TimerCallback.NONE : timerCalls.getLast();
    }

    /** One loop iteration: wait (up to the engine's deadline, at most 50 ms), deliver, fire the timer. */
    void runOnce() {
        int timeout = MAX_WAIT_MS;
        if (timerArmed) {
            long left = deadlineNanos - System.nanoTime();
            timeout = left <= 0 ? 0 : (int) Math.min(MAX_WAIT_MS, (left + 999_999) / 1_000_000);
        }
        int n = Libc.epollWait(epfd, ready, MAX_EVENTS, timeout);
        if (n == -Errno.EINTR) n = 0;
        if (n < 0) throw new IllegalStateException("epoll_wait: " + Libc.strerror(-n));
        for (int i = 0; i < n; i++) {
            long base = i * EpollAbi.SIZE;
            int bits = ready.get(EpollAbi.EVENTS_LAYOUT, base + EpollAbi.EVENTS_OFFSET);
            long generation = ready.get(EpollAbi.DATA_LAYOUT, base + EpollAbi.DATA_OFFSET);
            Watch w = watched.get(generation);
            if (w == null) { // removed by an earlier event of this batch: its number may be reused already
                stale++;
                continue;
            }
            int events = toEvents(bits) & (w.action.interest() | Events.ERROR | Events.HANGUP);
            if (events == 0) continue; // 0 would mean "unknown, try everything"
            delivered++;
            engine.socketAction(w.handle, unknownEvents ? 0 : events);
            checkWatchedAreOpen();
        }
        if (timerArmed && System.nanoTime() - deadlineNanos >= 0) {
            timerArmed = false; // timeoutAction announces the next deadline anew
            engine.timeoutAction();
            checkWatchedAreOpen();
        }
    }

    static int toEvents(int bits) {
        int ev = 0;
        if ((bits & EPOLLIN) != 0) ev |= Events.READ;
        if ((bits & EPOLLOUT) != 0) ev |= Events.WRITE;
        if ((bits & EPOLLERR) != 0) ev |= Events.ERROR;
        if ((bits & (EPOLLHUP | EPOLLRDHUP)) != 0) ev |= Events.HANGUP;
        return ev;
    }

    /** Runs until {@code done}; fails past {@code max}. */
    void runUntil(BooleanSupplier done, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("loop did not finish within " + max.toMillis() + " ms: running "
                        + engine.running() + ", connections " + engine.connections() + ", watched " + watched.size()
                        + ", timer " + (timerArmed ? "armed" : "none") + ", last calls " + tail(calls, 10));
            }
            runOnce();
        }
    }

    /** Runs for {@code d}, whatever happens. */
    void runFor(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() - end < 0) runOnce();
    }

    /** Invariant of a correct engine: every socket the application watches is still open. */
    void checkWatchedAreOpen() {
        for (Watch w : watched.values()) {
            if (w.handle.isClosed() || !fdOpen(w.handle.fd()) || !((TcpSocket) w.handle.pollable()).isOpen()) {
                problems.add("closed while still watched (" + w.action + "): " + w.handle);
            }
        }
    }

    /** Calls grouped per socket (by handle identity), in order. */
    Map<SocketHandle, List<Call>> perHandle() {
        Map<SocketHandle, List<Call>> m = new java.util.IdentityHashMap<>();
        for (Call c : calls) m.computeIfAbsent(c.handle(), k -> new ArrayList<>()).add(c);
        return m;
    }

    static <T> List<T> tail(List<T> list, int n) {
        return list.subList(Math.max(0, list.size() - n), list.size());
    }

    @Override
    public void close() {
        Libc.close(epfd);
        arena.close();
    }
}
