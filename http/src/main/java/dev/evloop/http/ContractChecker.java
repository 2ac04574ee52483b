package dev.evloop.http;

import dev.evloop.poll.Events;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The checking mode (on in every test): records what the application was told, and verifies at
 * each driving call that the engine's view and the announced state agree and that no event
 * arrives for a socket never announced, already removed, or for a direction it was not told to
 * watch. A violation throws {@link ContractViolation} with the recent history that led to it.
 *
 * <p>In async-action mode it also records every request and completion, and {@link AppSockets}
 * reports through it completions the application cannot make: for a socket never opened or
 * already closed, for an operation not outstanding (reported twice, or never requested), with more
 * bytes than were lent.
 */
final class ContractChecker implements SocketCallback {
    private static final int HISTORY = 64;

    private final SocketCallback delegate;
    /** What the application was last told per socket; absent once REMOVE was announced. */
    private final Map<SocketHandle, SocketAction> told = new IdentityHashMap<>();
    private final Deque<String> history = new ArrayDeque<>();

    ContractChecker(SocketCallback delegate) {
        this.delegate = delegate;
    }

    @Override
    public void onSocket(SocketHandle socket, SocketAction action, Object socketData) {
        SocketAction previous = told.get(socket);
        record("announce " + socket + " " + action + (previous != null ? " (was " + previous + ")" : ""));
        if (action == previous) violation("the same action announced twice in a row for " + socket + ": " + action);
        if (action == SocketAction.REMOVE && previous == null) violation("REMOVE for a socket not announced: " + socket);
        if (socket.isClosed()) violation("announcement for a socket already closed: " + socket + " " + action);
        if (action == SocketAction.REMOVE) told.remove(socket); else told.put(socket, action);
        socket.announcedOnce = true;
        delegate.onSocket(socket, action, socketData);
    }

    /** Called at the start of {@link HttpEngine#socketAction}. */
    void beforeDrive(SocketHandle socket, int events) {
        SocketAction action = told.get(socket);
        record("socketAction " + socket + " " + (events == 0 ? "UNKNOWN" : Events.toString(events)));
        if (action == null) {
            violation("event for a socket " + (socket.announcedOnce ? "already removed" : "never announced") + ": " + socket);
        }
        int wanted = action.interest();
        int directions = events & Events.READ_WRITE;
        if ((directions & ~wanted) != 0) {
            violation("event " + Events.toString(events) + " for " + socket + ", which was announced " + action);
        }
    }

    void timeout() {
        record("timeoutAction");
    }

    /** Verifies that the engine's table and what the application was told agree. */
    void verify(SocketTable table) {
        for (Map.Entry<SocketHandle, SocketAction> e : told.entrySet()) {
            SocketTable.Entry entry = table.get(e.getKey());
            if (entry == null) {
                violation("the application still watches " + e.getKey() + " (" + e.getValue() + "), which the engine forgot");
            } else if (entry.announced != e.getValue()) {
                violation("engine thinks " + e.getKey() + " is " + entry.announced + ", application was told " + e.getValue());
            }
        }
    }

    void record(String line) {
        if (history.size() == HISTORY) history.removeFirst();
        history.addLast(line);
    }

    void violation(String what) {
        throw new ContractViolation(what + "\nrecent history, oldest first:\n  " + String.join("\n  ", history));
    }
}
