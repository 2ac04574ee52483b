package dev.evloop.http;

import static dev.evloop.poll.Events.READ;
import static dev.evloop.poll.Events.WRITE;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the engine has told the application to watch, per socket (seed 001).
 *
 * <p>Each entry counts the transfers that want to read and to write its socket (counts, not
 * flags: one HTTP/2 connection carries many transfers), keeps connection-level interest apart
 * from transfers (a TLS close_notify being flushed while no transfer uses the connection), and
 * remembers the last action announced. Users report diffs ({@link #change}: their previous and
 * current interest); {@link #flush} announces only entries whose action changed, so the same
 * action is never announced twice in a row. {@link #remove} announces REMOVE before the caller
 * closes the socket, because the OS hands the same number out again at once.
 *
 * <p>Engine thread only (whichever thread is driving the engine).
 */
final class SocketTable {
    static final class Entry {
        final SocketHandle handle;
        /** Transfers that want to read / write this socket. Never negative. */
        int readers;
        int writers;
        /** Transfers using this socket, wanting anything or nothing. */
        int users;
        /** Connection-level interest, apart from transfers. */
        boolean connectionRead;
        boolean connectionWrite;
        /** The last action announced; null when not announced (never, or REMOVE was last). */
        SocketAction announced;
        Object appData;
        /** The engine's object for this socket (its connection). */
        Object owner;
        boolean dirty;
        boolean removed;

        Entry(SocketHandle handle) {
            this.handle = handle;
        }

        SocketAction wanted() {
            return SocketAction.of(readers > 0 || connectionRead, writers > 0 || connectionWrite);
        }

        @Override
        public String toString() {
            return handle + "[readers " + readers + ", writers " + writers + ", users " + users
                    + (connectionRead || connectionWrite ? ", connection " + (connectionRead ? "R" : "") + (connectionWrite ? "W" : "") : "")
                    + ", announced " + announced + "]";
        }
    }

    private final Map<SocketHandle, Entry> entries = new IdentityHashMap<>();
    private final List<Entry> dirty = new ArrayList<>();
    private final SocketCallback callback;
    /** Announcements made, by action; for the demo's counts and for tests. */
    private final long[] announcements = new long[SocketAction.values().length];

    SocketTable(SocketCallback callback) {
        this.callback = callback;
    }

    Entry add(SocketHandle handle) {
        Entry e = new Entry(handle);
        if (entries.putIfAbsent(handle, e) != null) {
            throw new AssertionError("socket added twice: " + handle);
        }
        return e;
    }

    /** The entry of a live socket, or null (never known, or removed). */
    Entry get(SocketHandle handle) {
        return entries.get(handle);
    }

    int size() {
        return entries.size();
    }

    /** A user starts using the socket (wanting nothing yet). */
    void join(Entry e) {
        e.users++;
    }

    /** A user stops using the socket; {@code lastInterest} is what it wanted until now. */
    void leave(Entry e, int lastInterest) {
        change(e, lastInterest, 0);
        e.users--;
        if (e.users < 0) throw new AssertionError("negative users on " + e);
    }

    /** A user's interest moved from {@code before} to {@code after} (READ/WRITE bits). */
    void change(Entry e, int before, int after) {
        if (before == after) return;
        if ((before & READ) != 0 && (after & READ) == 0) e.readers--;
        if ((before & READ) == 0 && (after & READ) != 0) e.readers++;
        if ((before & WRITE) != 0 && (after & WRITE) == 0) e.writers--;
        if ((before & WRITE) == 0 && (after & WRITE) != 0) e.writers++;
        if (e.readers < 0 || e.writers < 0) throw new AssertionError("negative interest count on " + e);
        markDirty(e);
    }

    void connectionInterest(Entry e, boolean read, boolean write) {
        if (e.connectionRead == read && e.connectionWrite == write) return;
        e.connectionRead = read;
        e.connectionWrite = write;
        markDirty(e);
    }

    private void markDirty(Entry e) {
        if (!e.dirty && !e.removed) {
            e.dirty = true;
            dirty.add(e);
        }
    }

    /** Announces every entry whose wanted action differs from the one last announced. */
    void flush() {
        for (int i = 0; i < dirty.size(); i++) {
            Entry e = dirty.get(i);
            e.dirty = false;
            if (e.removed) continue;
            SocketAction want = e.wanted();
            if (want == e.announced) continue;
            if (want == null) {
                e.announced = null;
                announce(e, SocketAction.REMOVE);
                e.appData = null; // the association ends with REMOVE, as in libcurl
            } else {
                e.announced = want;
                announce(e, want);
            }
        }
        dirty.clear();
    }

    /**
     * Forgets the socket, announcing REMOVE first if anything is announced. Call before closing
     * the socket. Users must have left; connection interest is dropped.
     */
    void remove(Entry e) {
        if (e.removed) return;
        if (e.users != 0 || e.readers != 0 || e.writers != 0) {
            throw new AssertionError("removing a socket still in use: " + e);
        }
        e.removed = true;
        entries.remove(e.handle);
        if (e.announced != null) {
            e.announced = null;
            announce(e, SocketAction.REMOVE);
        }
        e.appData = null;
    }

    long announcements(SocketAction action) {
        return announcements[action.ordinal()];
    }

    private void announce(Entry e, SocketAction action) {
        announcements[action.ordinal()]++;
        callback.onSocket(e.handle, action, e.appData);
    }
}
