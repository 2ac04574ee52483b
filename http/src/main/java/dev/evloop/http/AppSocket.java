package dev.evloop.http;

import static dev.evloop.poll.Events.READ;
import static dev.evloop.poll.Events.WRITE;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * Async-action mode: a socket the application owns, seen by the protocol code as a
 * {@link Conduit}. Reads take bytes from the last completed receive, writes copy into a staging
 * buffer; {@link AppSockets} turns what the connection wants into requests at the end of the
 * driving call and completions into readiness for the connection.
 *
 * <p>Lent buffers are never touched while lent, by construction:
 * <ul>
 *   <li>Receive: one buffer, {@code in}. It is lent only when empty (every byte of the last
 *       receive consumed) and read only after its completion; between the two, {@link #read}
 *       returns 0 without looking at it.
 *   <li>Send: two buffers. {@link #write} appends to {@code staged}; a send lends {@code lent},
 *       which the engine only reads again at the completion (to advance past the bytes sent).
 *       When {@code lent} is all sent and {@code staged} holds bytes, the two swap.
 * </ul>
 *
 * <p>States: connecting (connect requested) → connected or failed (the completion) → close
 * requested by the engine ({@link #close}) → close posted to the application (after the bytes
 * written were sent, or the grace) → forgotten once no operation is outstanding.
 */
final class AppSocket implements Conduit {
    static final int RECEIVE_BUFFER = 32 * 1024;
    static final int SEND_BUFFER = 32 * 1024;

    final SocketHandle handle;
    final InetSocketAddress remote;
    /** Read mode: unread bytes of the last receive; lent (its whole capacity) while a receive is outstanding. */
    final ByteBuffer in = ByteBuffer.allocateDirect(RECEIVE_BUFFER).flip();
    /** Write mode: bytes written by the protocol code and not yet lent. */
    ByteBuffer staged = ByteBuffer.allocateDirect(SEND_BUFFER);
    /** Read mode: bytes lent to a send (or waiting to be lent again after a partial send). */
    ByteBuffer lent = ByteBuffer.allocateDirect(SEND_BUFFER).flip();

    boolean connectPosted;
    boolean connectOutstanding;
    boolean connected;
    /** The connect completed (either way) and the connection has not been told yet (a WRITE event). */
    boolean connectEventOwed;
    IOException connectError;
    boolean receiveOutstanding;
    int receiveLent;
    boolean eof;
    IOException receiveError;
    boolean sendOutstanding;
    int sendLent;
    IOException sendError;
    boolean shutdownRequested;
    boolean shutdownPosted;
    /** The engine closed the socket ({@link #close}); nothing is dispatched to it any more. */
    boolean closeRequested;
    boolean closePosted;
    /** The grace for sending what was written before the close passed. */
    boolean lingerOver;
    long lingerTimer;

    AppSocket(SocketHandle handle, InetSocketAddress remote) {
        this.handle = handle;
        this.remote = remote;
    }

    @Override
    public boolean finishConnect() throws IOException {
        if (connectError != null) throw connectError;
        return connected;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (closeRequested) throw new ClosedChannelException();
        if (receiveOutstanding) return 0;
        if (in.hasRemaining()) {
            int n = Math.min(dst.remaining(), in.remaining());
            dst.put(dst.position(), in, in.position(), n).position(dst.position() + n);
            in.position(in.position() + n);
            return n;
        }
        if (receiveError != null) throw receiveError;
        return eof ? -1 : 0;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (closeRequested) throw new ClosedChannelException();
        if (shutdownRequested) throw new IOException("write after shutdownOutput on " + handle);
        if (sendError != null) throw sendError;
        if (!connected) throw new IllegalStateException("write before the connect completed on " + handle);
        int n = Math.min(src.remaining(), staged.remaining());
        staged.put(staged.position(), src, src.position(), n).position(staged.position() + n);
        src.position(src.position() + n);
        return n;
    }

    /** Asked of the application once every byte written before it is sent ({@link AppSockets#post}). */
    @Override
    public void shutdownOutput() throws IOException {
        if (closeRequested) throw new ClosedChannelException();
        if (sendError != null) throw sendError;
        shutdownRequested = true;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** The engine is done with the socket; {@link AppSockets#post} asks the application to close it. */
    @Override
    public void close() {
        closeRequested = true;
    }

    /** Events owed to the connection, within what it wants ({@code wanted}: READ / WRITE bits). */
    int readyEvents(int wanted) {
        if (closeRequested) return 0;
        if (connectEventOwed) return (wanted & WRITE) != 0 ? WRITE : 0;
        if (!connected) return 0;
        int ev = 0;
        if ((wanted & READ) != 0 && !receiveOutstanding && (in.hasRemaining() || eof || receiveError != null)) ev |= READ;
        if ((wanted & WRITE) != 0 && (staged.hasRemaining() || sendError != null)) ev |= WRITE;
        return ev;
    }

    /** Bytes written and not yet sent. */
    boolean hasUnsent() {
        return lent.hasRemaining() || staged.position() > 0;
    }

    /** Nothing outstanding: the application will not report on this socket again. */
    boolean quiet() {
        return !connectOutstanding && !receiveOutstanding && !sendOutstanding;
    }

    /** The application's connect error, named: {@code connect to 127.0.0.1:1 failed: Connection refused}. */
    IOException connectFailed(IOException e) {
        ConnectException c = new ConnectException("connect to " + remote + " (" + handle + ") failed: " + e.getMessage());
        c.initCause(e);
        return c;
    }

    IOException failed(String operation, IOException e) {
        return new IOException(operation + " " + (operation.equals("send") ? "to " : "from ") + remote + " (" + handle
                + ") failed: " + e.getMessage(), e);
    }

    @Override
    public String toString() {
        return handle + (connected ? "" : " connecting") + (receiveOutstanding ? ", receive of " + receiveLent : "")
                + (sendOutstanding ? ", send of " + sendLent : "") + (closeRequested ? ", closing" : "");
    }
}
