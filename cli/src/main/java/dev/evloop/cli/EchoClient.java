package dev.evloop.cli;

import dev.evloop.loop.EventLoop;
import dev.evloop.loop.IoHandler;
import dev.evloop.net.TcpSocket;
import dev.evloop.net.Transport;
import dev.evloop.poll.Events;
import dev.evloop.poll.Registration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One connection of the echo load client ({@code evloop echo-bench}, {@code evloop demo}). It
 * keeps up to {@code pipeline} messages ({@link EchoPattern}) in flight, checks every echoed byte,
 * and reports each round trip, from the moment the message is handed to write to the read that
 * brings the last byte of its echo, to its {@link Listener}. Runs on its loop's thread only.
 *
 * <p>Lifecycle:
 * <ol>
 *   <li>Connecting: registered for WRITE; {@code finishConnect} on readiness (connect(2): the
 *       socket becomes writable when the handshake completes or fails).
 *   <li>Connected: watches READ only, so a server that closes or talks first is noticed;
 *       {@link Listener#connected}.
 *   <li>Running, from {@link #start}: writes while fewer than {@code pipeline} messages are in
 *       flight (watching WRITE only while the kernel's send buffer is full), reads always, since
 *       a server that cannot write its echoes stops reading ours.
 *   <li>Closed: by {@link #close} (no callback), or by a failure (connect error, reset, end of
 *       stream, more bytes back than were sent): {@link Listener#failed}, once.
 * </ol>
 *
 * <p>Nothing is allocated per message: the send and receive buffers are made once, messages are
 * copied into the first from the shared pattern and compared in place in the second.
 */
final class EchoClient implements IoHandler {
    /** Buffer size at most, per direction and connection: 1000 connections stay near 128 MiB. */
    private static final int MAX_BUFFER = 64 << 10;

    /** Told about one client's progress, on its loop's thread. */
    interface Listener {
        void connected(EchoClient client);

        /** A whole echo arrived; {@code intact} is false if any of its bytes differ from what was sent. */
        void echoed(EchoClient client, long roundTripNanos, boolean intact);

        /** The connection failed and is closed; {@code why} names the call or the condition. */
        void failed(EchoClient client, String why);
    }

    private final int id;
    private final TcpSocket socket;
    private final EchoPattern pattern;
    private final int pipeline;
    private final int frame;
    private final Listener listener;
    private final ByteBuffer out;
    private final byte[] outBytes;
    private final ByteBuffer in;
    private final byte[] inBytes;
    /** Send start (System.nanoTime) of message seq, at [seq % pipeline], while it is in flight. */
    private final long[] sentAt;
    private Registration registration;
    private boolean connected;
    private boolean running;
    private boolean closed;
    private boolean watchingWrite;

    /** The message being copied into {@link #out} (or next to be), and how much of it is copied. */
    private long nextSeq;
    private int copied;
    /** The message whose echo is arriving, how much of it has arrived, and whether intact so far. */
    private long echoSeq;
    private int echoed;
    private boolean intact = true;
    /** Totals, to catch a server that sends back more than it got. */
    private long bytesWritten;
    private long bytesRead;

    private EchoClient(int id, TcpSocket socket, EchoPattern pattern, int pipeline, Listener listener) {
        this.id = id;
        this.socket = socket;
        this.pattern = pattern;
        this.pipeline = pipeline;
        this.frame = pattern.frameLength();
        this.listener = listener;
        int buffer = Math.clamp((long) pipeline * frame, 64, MAX_BUFFER);
        this.out = ByteBuffer.allocate(buffer);
        this.outBytes = out.array();
        this.in = ByteBuffer.allocate(buffer);
        this.inBytes = in.array();
        this.sentAt = new long[pipeline];
    }

    /**
     * Starts connecting to {@code remote} on {@code loop} (its owner thread only).
     *
     * @param id this connection's number, which selects its messages' payloads
     * @throws IOException if the connect fails at once
     */
    static EchoClient open(EventLoop loop, InetSocketAddress remote, int id, EchoPattern pattern, int pipeline,
            Listener listener) throws IOException {
        if (pipeline < 1) throw new IllegalArgumentException("pipeline must be at least 1, got " + pipeline);
        TcpSocket socket = Transport.forBackend(loop.backend()).connect(remote);
        EchoClient client = new EchoClient(id, socket, pattern, pipeline, listener);
        try {
            client.registration = loop.register(socket, Events.WRITE, client);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return client;
    }

    int id() {
        return id;
    }

    /** True once the connect completed (even if the connection failed or was closed later). */
    boolean wasConnected() {
        return connected;
    }

    boolean isOpen() {
        return !closed;
    }

    /** Begins sending. Connected clients only; a failure here is reported to the listener. */
    void start() {
        if (!connected || closed) {
            throw new IllegalStateException("start() on " + this + ": not connected or already closed");
        }
        running = true;
        try {
            send();
        } catch (IOException e) {
            fail(e.getMessage());
        }
    }

    /** Closes the connection without telling the listener; in-flight messages are dropped. */
    void close() {
        if (closed) return;
        closed = true;
        try {
            socket.close(); // cancels the registration first
        } catch (IOException e) {
            // nothing was lost that the run still needs
        }
    }

    @Override
    public void onReady(Registration r, int ready) {
        if (closed) return;
        try {
            if (!connected) {
                if (socket.finishConnect()) onConnected();
                return;
            }
            if ((ready & (Events.READ | Events.HANGUP | Events.ERROR)) != 0 && !receive()) return;
            if (running) send();
        } catch (IOException e) {
            fail(e.getMessage());
        }
    }

    private void onConnected() {
        connected = true;
        registration.interest(Events.READ);
        listener.connected(this);
    }

    /** Tops up the pipeline and writes until done or the kernel's buffer is full. */
    private void send() throws IOException {
        while (true) {
            fill();
            if (out.position() == 0) break; // nothing to send: the pipeline is full
            out.flip();
            bytesWritten += socket.write(out);
            out.compact();
            if (out.position() > 0) break; // the rest waits for WRITE
        }
        watchWrite(out.position() > 0);
    }

    /** Copies as much of the next messages into {@link #out} as fits, up to {@code pipeline} in flight. */
    private void fill() {
        long now = 0;
        while (out.hasRemaining()) {
            if (copied == 0) {
                if (nextSeq - echoSeq >= pipeline) return;
                if (now == 0) now = System.nanoTime();
                sentAt[slot(nextSeq)] = now;
            }
            int n = Math.min(out.remaining(), frame - copied);
            pattern.copy(id, nextSeq, copied, outBytes, out.position(), n);
            out.position(out.position() + n);
            copied += n;
            if (copied == frame) {
                nextSeq++;
                copied = 0;
            }
        }
    }

    /** One read; checks what arrived and reports finished echoes. False if the client failed. */
    private boolean receive() throws IOException {
        int n = socket.read(in.clear());
        if (n < 0) {
            fail("end of stream from the server after " + echoSeq + " echo(es), with " + (nextSeq - echoSeq
                    + (copied > 0 ? 1 : 0)) + " message(s) in flight");
            return false;
        }
        if (n == 0) return true;
        long now = System.nanoTime();
        if (bytesRead + n > bytesWritten) {
            fail("the server sent " + (bytesRead + n - bytesWritten) + " byte(s) more than it was sent");
            return false;
        }
        bytesRead += n;
        for (int i = 0; i < n; ) {
            int take = Math.min(n - i, frame - echoed);
            if (intact && !pattern.matches(id, echoSeq, echoed, inBytes, i, take)) intact = false;
            echoed += take;
            i += take;
            if (echoed == frame) {
                long roundTrip = now - sentAt[slot(echoSeq)];
                boolean ok = intact;
                echoSeq++;
                echoed = 0;
                intact = true;
                listener.echoed(this, roundTrip, ok);
                if (closed) return false;
            }
        }
        return true;
    }

    private int slot(long seq) {
        return (int) (seq % pipeline);
    }

    private void watchWrite(boolean on) {
        if (on != watchingWrite) {
            watchingWrite = on;
            registration.interest(on ? Events.READ_WRITE : Events.READ);
        }
    }

    private void fail(String why) {
        if (closed) return;
        close();
        listener.failed(this, why);
    }

    @Override
    public String toString() {
        return "EchoClient[" + id + ", " + socket + "]";
    }
}
