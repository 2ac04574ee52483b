package dev.evloop.net;

import dev.evloop.poll.Events;
import dev.evloop.poll.Registration;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;

/**
 * A TCP socket as a JDK {@link SocketChannel}, for the Selector backend (the only sources it can
 * watch are channels). The JDK reports would-block as 0 and errors as plain exceptions; this class
 * tells the registration about the former and restates the latter naming the call and the peer.
 *
 * <p>A {@link MemorySegment} goes through {@link MemorySegment#asByteBuffer}, a view allocated per
 * call; heap segments must then be backed by a {@code byte[]}, and at most 2 GiB move per call.
 */
final class NioTcpSocket implements TcpSocket {
    private final SocketChannel ch;
    private final InetSocketAddress remote;
    /** Owner thread only, like every field here. */
    private boolean closed;
    /** Why the connect failed, thrown again by later finishConnect calls (the JDK closed the channel). */
    private IOException connectFailure;
    /** The registration last passed to {@link #registered}; null when not registered. */
    private Registration registration;

    private NioTcpSocket(SocketChannel ch, InetSocketAddress remote) {
        this.ch = ch;
        this.remote = remote;
    }

    /** Starts a non-blocking connect with TCP_NODELAY on, as the native transport does. */
    static NioTcpSocket connect(InetSocketAddress remote) throws IOException {
        boolean v6 = Addresses.resolve(remote) instanceof Inet6Address;
        SocketChannel ch = SocketChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            try {
                ch.connect(remote);
            } catch (IOException e) {
                throw Addresses.jdkFailure("connect", e, remote);
            }
            return new NioTcpSocket(ch, remote);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * An accepted channel, blocking as the JDK returns it: made non-blocking, and TCP_NODELAY set
     * here, since a ServerSocketChannel does not take the option for its sockets to inherit.
     */
    static NioTcpSocket accepted(SocketChannel ch) throws IOException {
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return new NioTcpSocket(ch, (InetSocketAddress) ch.getRemoteAddress());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public int fd() {
        return -1;
    }

    @Override
    public SelectableChannel channel() {
        return ch;
    }

    @Override
    public void registered(Registration registration) {
        this.registration = registration;
    }

    @Override
    public boolean finishConnect() throws IOException {
        if (closed) throw closed("connect");
        if (connectFailure != null) {
            throw new IOException(connectFailure.getMessage(), connectFailure.getCause());
        }
        try {
            return ch.finishConnect();
        } catch (IOException e) {
            connectFailure = Addresses.jdkFailure("connect", e, remote);
            throw connectFailure;
        }
    }

    @Override
    public boolean isConnected() {
        return !closed && ch.isConnected();
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        checkConnected("read");
        boolean room = dst.hasRemaining();
        int n;
        try {
            n = ch.read(dst);
        } catch (IOException e) {
            throw Addresses.jdkFailure("read", e, remote);
        }
        return (int) result(n, room, Events.READ);
    }

    @Override
    public long read(MemorySegment dst) throws IOException {
        return read(view(dst));
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        checkConnected("write");
        boolean room = src.hasRemaining();
        int n;
        try {
            n = ch.write(src);
        } catch (IOException e) {
            throw Addresses.jdkFailure("write", e, remote);
        }
        return (int) result(n, room, Events.WRITE);
    }

    @Override
    public long write(MemorySegment src) throws IOException {
        return write(view(src));
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        checkConnected("write");
        boolean room = false;
        for (int i = offset; i < offset + length && !room; i++) {
            room = srcs[i].hasRemaining();
        }
        long n;
        try {
            n = ch.write(srcs, offset, length);
        } catch (IOException e) {
            throw Addresses.jdkFailure("write", e, remote);
        }
        return result(n, room, Events.WRITE);
    }

    @Override
    public void shutdownOutput() throws IOException {
        checkConnected("shutdown");
        try {
            ch.shutdownOutput();
        } catch (IOException e) {
            throw Addresses.jdkFailure("shutdown", e, remote);
        }
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        checkOpen("getsockname");
        return (InetSocketAddress) ch.getLocalAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        checkOpen("getpeername");
        return remote;
    }

    @Override
    public void setNoDelay(boolean on) throws IOException {
        checkOpen("setsockopt");
        ch.setOption(StandardSocketOptions.TCP_NODELAY, on);
    }

    @Override
    public void setKeepAlive(boolean on) throws IOException {
        checkOpen("setsockopt");
        ch.setOption(StandardSocketOptions.SO_KEEPALIVE, on);
    }

    @Override
    public void setReceiveBufferSize(int bytes) throws IOException {
        checkOpen("setsockopt");
        ch.setOption(StandardSocketOptions.SO_RCVBUF, positive(bytes));
    }

    @Override
    public void setSendBufferSize(int bytes) throws IOException {
        checkOpen("setsockopt");
        ch.setOption(StandardSocketOptions.SO_SNDBUF, positive(bytes));
    }

    @Override
    public int receiveBufferSize() throws IOException {
        checkOpen("getsockopt");
        return ch.getOption(StandardSocketOptions.SO_RCVBUF);
    }

    @Override
    public int sendBufferSize() throws IOException {
        checkOpen("getsockopt");
        return ch.getOption(StandardSocketOptions.SO_SNDBUF);
    }

    /** The JDK's SO_LINGER has the same meaning as ours: negative off, 0 reset on close. */
    @Override
    public void setLinger(int seconds) throws IOException {
        checkOpen("setsockopt");
        ch.setOption(StandardSocketOptions.SO_LINGER, seconds < 0 ? -1 : seconds);
    }

    /**
     * Cancels the registration first. The JDK defers the descriptor's release while the channel
     * is still registered with a selector, until that selector's next select or close.
     */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        Registration r = registration;
        registration = null;
        if (r != null) r.cancel();
        ch.close();
    }

    @Override
    public String toString() {
        String s = closed ? "closed"
                : ch.isConnected() ? "connected"
                : connectFailure != null ? "connect failed" : "connecting";
        return "TcpSocket[nio, " + Addresses.describe(remote) + ", " + s + "]";
    }

    /**
     * The one place would-block is handled. The JDK returns 0 for EAGAIN; when the buffer had
     * room, that 0 is a would-block, and the registration is told so emulated edge re-arms.
     */
    private long result(long n, boolean room, int op) {
        if (n == 0 && room) {
            Registration reg = registration;
            if (reg != null) reg.wouldBlock(op);
        }
        return n;
    }

    private static ByteBuffer view(MemorySegment segment) {
        long size = segment.byteSize();
        return (size > Integer.MAX_VALUE ? segment.asSlice(0, Integer.MAX_VALUE) : segment).asByteBuffer();
    }

    private static int positive(int bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("buffer size must be positive: " + bytes);
        return bytes;
    }

    private void checkOpen(String call) throws SocketClosedException {
        if (closed) throw closed(call);
    }

    private void checkConnected(String call) throws SocketClosedException {
        if (closed) throw closed(call);
        if (!ch.isConnected()) {
            throw new IllegalStateException(call + " on a socket that is not connected ("
                    + (connectFailure != null ? "its connect failed" : "call finishConnect() until it returns true first")
                    + "): " + this);
        }
    }

    private SocketClosedException closed(String call) {
        return new SocketClosedException(call, "socket", Addresses.describe(remote));
    }
}
