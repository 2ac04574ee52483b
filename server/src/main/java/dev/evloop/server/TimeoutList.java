package dev.evloop.server;

/**
 * The connections of one loop, ordered by the time of their last read: O(1) append, move to the
 * tail and removal (seed 004). Every connection shares one read timeout, so moving a connection
 * to the tail whenever it reads keeps the list sorted, and the head is always the next to
 * expire: no heap, no scan. Intrusive (the links live in {@link Connection}): no node objects.
 * Loop thread only.
 *
 * <p>A worker keeps two: the connections under the server's read timeout, sorted as above, and
 * the ones with a timeout of their own or none ({@link Connection#readTimeout}), where only
 * membership matters. A connection is on exactly one of them while open.
 */
final class TimeoutList {
    private Connection head;
    private Connection tail;
    private int size;

    Connection head() {
        return head;
    }

    int size() {
        return size;
    }

    void add(Connection c, long now) {
        c.lastRead = now;
        c.list = this;
        c.prev = tail;
        c.next = null;
        if (tail == null) head = c; else tail.next = c;
        tail = c;
        size++;
    }

    /** Marks a read at {@code now}: the connection becomes the last to expire. */
    void touch(Connection c, long now) {
        c.lastRead = now;
        if (tail == c) return;
        unlink(c);
        c.prev = tail;
        c.next = null;
        if (tail == null) head = c; else tail.next = c;
        tail = c;
        size++;
    }

    void remove(Connection c) {
        if (c.list != this) return;
        unlink(c);
        c.list = null;
        c.prev = null;
        c.next = null;
    }

    private void unlink(Connection c) {
        if (c.prev == null) head = c.next; else c.prev.next = c.next;
        if (c.next == null) tail = c.prev; else c.next.prev = c.prev;
        size--;
    }
}
