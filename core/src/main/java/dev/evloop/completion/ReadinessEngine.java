package dev.evloop.completion;

import dev.evloop.completion.Operation.Kind;
import dev.evloop.loop.EventLoop;
import dev.evloop.loop.IoHandler;
import dev.evloop.net.TcpSocket;
import dev.evloop.net.Transport;
import dev.evloop.poll.Events;
import dev.evloop.poll.Registration;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Completion I/O emulated on a readiness backend: each source is registered with the loop (level
 * triggered) for READ while reads or accepts are pending and WRITE while a connect or writes are,
 * and nothing once its queues are empty; when it is ready, the head operations make their
 * non-blocking calls and complete. A call that would block (a 0 from {@link TcpSocket}) leaves the
 * operation pending for the next readiness, so EAGAIN never reaches a completion. Interest
 * changes are staged on the {@link Registration}, so everything submitted in one iteration reaches
 * the kernel together at the loop's next wait.
 *
 * <p>Buffers: the I/O happens only here, on readiness, so after an operation completes (or is
 * cancelled, or its socket closed) nothing touches its buffer again.
 */
final class ReadinessEngine implements Engine {
    private final Completions completions;
    private final EventLoop loop;
    private final Transport transport;

    ReadinessEngine(Completions completions, EventLoop loop, Transport transport) {
        this.completions = completions;
        this.loop = loop;
        this.transport = transport;
    }

    @Override
    public void submit(Operation op) {
        switch (op.kind) {
            case CONNECT -> connect(op);
            case ACCEPT -> enqueue(op.listener.source, op, true);
            case READ -> enqueue(op.socket.source, op, true);
            case WRITE, WRITEV -> {
                if (remaining(op) == 0) {
                    completions.complete(op); // nothing to write: done, 0 bytes
                } else {
                    enqueue(op.socket.source, op, false);
                }
            }
            case CLOSE -> throw new AssertionError("close goes through close()");
        }
    }

    @Override
    public boolean cancel(Operation op) {
        Source s = op.kind == Kind.ACCEPT ? op.listener.source : op.socket.source;
        if (!s.remove(op)) return false;
        if (op.kind == Kind.CONNECT) {
            // The socket was never handed out: it goes with its connect.
            release(s);
        } else {
            updateInterest(s);
        }
        op.cancelled();
        completions.complete(op);
        return true;
    }

    @Override
    public void close(Source s, Operation close) {
        s.closed = true;
        cancelAll(s);
        try {
            release(s);
        } catch (RuntimeException e) {
            close.fail(new IOException("close: " + e.getMessage(), e));
        }
        completions.complete(close);
    }

    private void cancelAll(Source s) {
        for (Operation op; (op = s.in.poll()) != null; ) {
            op.cancelled();
            completions.complete(op);
        }
        for (Operation op; (op = s.out.poll()) != null; ) {
            op.cancelled();
            completions.complete(op);
        }
    }

    /** Closes the socket or listener; its close cancels its registration first. */
    private void release(Source s) {
        s.closed = true;
        s.registration = null;
        completions.closed(s);
        try {
            s.pollable.close();
        } catch (IOException e) {
            // close(2) has released the descriptor even when it reports an error (close(2) NOTES).
            loop.reportError(e);
        }
    }

    private void connect(Operation op) {
        TcpSocket tcp;
        try {
            tcp = transport.connect(op.remote);
        } catch (IOException e) {
            op.fail(e);
            completions.complete(op);
            return;
        }
        AsyncSocket s = new AsyncSocket(completions, tcp, op.remote);
        op.socket = s;
        completions.opened(s.source);
        s.source.out.add(op);
        finishConnect(s.source, op); // a loopback connect is often done at once
        if (!op.isDone()) updateInterest(s.source);
    }

    private void enqueue(Source s, Operation op, boolean in) {
        (in ? s.in : s.out).add(op);
        updateInterest(s);
    }

    private void updateInterest(Source s) {
        if (s.closed) return;
        int interest = (s.in.isEmpty() ? 0 : Events.READ) | (s.out.isEmpty() ? 0 : Events.WRITE);
        if (s.registration == null) {
            if (interest == 0) return;
            IoHandler h = (r, ready) -> onReady(s, ready);
            try {
                s.registration = loop.register(s.pollable, interest, h);
            } catch (IOException e) {
                failAll(s, e);
            }
        } else if (s.registration.interest() != interest) {
            s.registration.interest(interest);
        }
    }

    /** Registration failed: nothing pending on this source can ever run. */
    private void failAll(Source s, IOException e) {
        for (Operation op; (op = s.in.poll()) != null; ) {
            op.fail(e);
            completions.complete(op);
        }
        for (Operation op; (op = s.out.poll()) != null; ) {
            op.fail(e);
            completions.complete(op);
            if (op.kind == Kind.CONNECT) release(s);
        }
    }

    private void onReady(Source s, int ready) {
        // HANGUP and ERROR come without being asked for; the next call on the socket reports them.
        boolean trouble = (ready & (Events.ERROR | Events.HANGUP)) != 0;
        if ((ready & Events.READ) != 0 || trouble) {
            if (s.owner instanceof AsyncListener l) acceptAll(l); else readAll(s);
        }
        if (!s.closed && ((ready & Events.WRITE) != 0 || trouble)) writeAll(s);
        updateInterest(s);
    }

    private void acceptAll(AsyncListener l) {
        Source s = l.source;
        Operation op;
        while ((op = s.in.peek()) != null) {
            TcpSocket tcp;
            try {
                tcp = l.tcp.accept();
            } catch (IOException e) {
                // EMFILE and the like: the connection stays queued, so trying again now fails
                // again (accept(2)). One accept hears it; the caller decides how to back off.
                s.in.poll();
                op.fail(e);
                completions.complete(op);
                return;
            }
            if (tcp == null) return;
            s.in.poll();
            AsyncSocket accepted;
            try {
                accepted = new AsyncSocket(completions, tcp, tcp.remoteAddress());
            } catch (IOException e) {
                closeQuietly(tcp);
                op.fail(e);
                completions.complete(op);
                continue;
            }
            completions.opened(accepted.source);
            op.socket = accepted;
            completions.complete(op);
        }
    }

    private void readAll(Source s) {
        TcpSocket tcp = ((AsyncSocket) s.owner).tcp;
        Operation op;
        while ((op = s.in.peek()) != null) {
            long n;
            try {
                n = op.buffer instanceof ByteBuffer b ? tcp.read(b) : tcp.read(op.segment());
            } catch (IOException e) {
                s.in.poll();
                op.fail(e);
                completions.complete(op);
                continue;
            }
            if (n == 0) return; // would block: wait for the next READ
            s.in.poll();
            op.succeed(n < 0 ? 0 : n);
            completions.complete(op);
        }
    }

    private void writeAll(Source s) {
        Operation op;
        while ((op = s.out.peek()) != null) {
            if (op.kind == Kind.CONNECT) {
                if (!finishConnect(s, op)) return;
                continue;
            }
            TcpSocket tcp = ((AsyncSocket) s.owner).tcp;
            long n;
            try {
                n = write(tcp, op);
            } catch (IOException e) {
                s.out.poll();
                op.fail(e);
                completions.complete(op);
                continue;
            }
            if (n == 0) return; // would block: wait for the next WRITE
            op.transferred += n;
            if (op.all && remaining(op) > 0) continue;
            s.out.poll();
            completions.complete(op);
        }
    }

    private static long write(TcpSocket tcp, Operation op) throws IOException {
        return switch (op.buffer) {
            case ByteBuffer b -> tcp.write(b);
            case MemorySegment m -> tcp.write(m.asSlice(op.transferred));
            case ByteBuffer[] bs -> tcp.write(bs);
            default -> throw new AssertionError(op);
        };
    }

    private static long remaining(Operation op) {
        return switch (op.buffer) {
            case ByteBuffer b -> b.remaining();
            case MemorySegment m -> m.byteSize() - op.transferred;
            case ByteBuffer[] bs -> {
                long r = 0;
                for (ByteBuffer b : bs) r += b.remaining();
                yield r;
            }
            default -> throw new AssertionError(op);
        };
    }

    /** @return true if the connect is over (connected or failed; the op is complete, out of the queue) */
    private boolean finishConnect(Source s, Operation op) {
        TcpSocket tcp = ((AsyncSocket) s.owner).tcp;
        try {
            if (!tcp.finishConnect()) return false;
        } catch (IOException e) {
            s.out.remove(op);
            op.fail(e);
            release(s);
            completions.complete(op);
            return true;
        }
        s.out.remove(op);
        completions.complete(op);
        return true;
    }

    private void closeQuietly(TcpSocket tcp) {
        try {
            tcp.close();
        } catch (IOException e) {
            loop.reportError(e);
        }
    }
}
