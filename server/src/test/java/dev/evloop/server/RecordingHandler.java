package dev.evloop.server;

import dev.evloop.server.echo.EchoHandler;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Wraps a handler and records what the server did with each connection. */
final class RecordingHandler implements Handler {
    record Closed(Connection connection, int remotePort, CloseReason reason, Throwable cause) {}

    final Handler inner;
    final List<Connection> opened;
    final List<Closed> closed;
    final AtomicInteger dataCalls;

    /** All handlers made by one supplier share the lists. */
    private RecordingHandler(Handler inner, List<Connection> opened, List<Closed> closed, AtomicInteger dataCalls) {
        this.inner = inner;
        this.opened = opened;
        this.closed = closed;
        this.dataCalls = dataCalls;
    }

    /** A supplier of recording echo handlers sharing one record. */
    static final class Log {
        final List<Connection> opened = new CopyOnWriteArrayList<>();
        final List<Closed> closed = new CopyOnWriteArrayList<>();
        final AtomicInteger dataCalls = new AtomicInteger();

        RecordingHandler echo() {
            return wrap(new EchoHandler());
        }

        RecordingHandler wrap(Handler h) {
            return new RecordingHandler(h, opened, closed, dataCalls);
        }

        List<CloseReason> reasons() {
            return closed.stream().map(Closed::reason).toList();
        }
    }

    @Override
    public void onOpen(Connection c) throws Exception {
        opened.add(c);
        inner.onOpen(c);
    }

    @Override
    public void onData(Connection c, ByteBuffer in) throws Exception {
        dataCalls.incrementAndGet();
        inner.onData(c, in);
    }

    @Override
    public void onDrained(Connection c) throws Exception {
        inner.onDrained(c);
    }

    @Override
    public void onClose(Connection c, CloseReason reason, Throwable cause) {
        java.net.InetSocketAddress a = c.remoteAddress();
        closed.add(new Closed(c, a == null ? -1 : a.getPort(), reason, cause));
        inner.onClose(c, reason, cause);
    }
}
