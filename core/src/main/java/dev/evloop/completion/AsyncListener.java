package dev.evloop.completion;

import dev.evloop.completion.Operation.Kind;
import dev.evloop.net.TcpListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A listening TCP socket driven by completions, made by {@link Completions#listen}. Each
 * {@link #accept} completes with one connection ({@link Operation#socket}); accepts pending
 * together complete in submission order. Loop thread only.
 */
public final class AsyncListener {
    private final Completions completions;
    final TcpListener tcp;
    final Source source;
    private final InetSocketAddress local;

    AsyncListener(Completions completions, TcpListener tcp) throws IOException {
        this.completions = completions;
        this.tcp = tcp;
        this.local = tcp.localAddress();
        this.source = new Source(this, tcp);
    }

    /** Accepts one connection; the accepted socket is non-blocking with TCP_NODELAY on. */
    public Operation accept(CompletionHandler handler) {
        completions.checkThread("accept");
        Objects.requireNonNull(handler, "handler");
        checkOpen("accept");
        Operation op = new Operation(completions, Kind.ACCEPT, false, null, this, null, null, handler);
        completions.engine().submit(op);
        return op;
    }

    /** Closes the listener; pending accepts complete first, cancelled. */
    public Operation close(CompletionHandler handler) {
        completions.checkThread("close");
        Objects.requireNonNull(handler, "handler");
        checkOpen("close");
        Operation op = new Operation(completions, Kind.CLOSE, false, null, this, null, null, handler);
        completions.engine().close(source, op);
        return op;
    }

    public boolean isOpen() {
        return !source.closed;
    }

    /** The bound address, with the port the kernel chose for port 0. */
    public InetSocketAddress localAddress() {
        return local;
    }

    String describe() {
        return local.getHostString() + ":" + local.getPort();
    }

    private void checkOpen(String call) {
        if (source.closed) {
            throw new IllegalStateException(call + " on a closed listener [" + describe() + "]");
        }
    }

    @Override
    public String toString() {
        return "AsyncListener[" + describe() + (source.closed ? ", closed" : "") + "]";
    }
}
