package dev.evloop.net;

import dev.evloop.poll.Events;
import dev.evloop.poll.Registration;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A listening socket as a JDK {@link ServerSocketChannel}, for the Selector backend. */
final class NioTcpListener implements TcpListener {
    private final ServerSocketChannel ch;
    private final InetSocketAddress local;
    /** Owner thread only. */
    private boolean closed;
    private Registration registration;

    private NioTcpListener(ServerSocketChannel ch, InetSocketAddress local) {
        this.ch = ch;
        this.local = local;
    }

    /** As the native listener: SO_REUSEADDR, SO_REUSEPORT if asked, bind with the backlog. */
    static NioTcpListener listen(InetSocketAddress local, int backlog, boolean reusePort) throws IOException {
        boolean v6 = Addresses.resolve(local) instanceof Inet6Address;
        ServerSocketChannel ch = ServerSocketChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort) ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            try {
                ch.bind(local, backlog);
            } catch (IOException e) {
                throw Addresses.jdkFailure("bind", e, local);
            }
            return new NioTcpListener(ch, (InetSocketAddress) ch.getLocalAddress());
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
    public TcpSocket accept() throws IOException {
        if (closed) throw new SocketClosedException("accept", "listener", Addresses.describe(local));
        SocketChannel sc;
        try {
            sc = ch.accept();
        } catch (IOException e) {
            throw Addresses.jdkFailure("accept", e, local);
        }
        if (sc == null) {
            // The one place would-block is handled: the JDK's null is EAGAIN.
            Registration reg = registration;
            if (reg != null) reg.wouldBlock(Events.READ);
            return null;
        }
        return NioTcpSocket.accepted(sc);
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        if (closed) throw new SocketClosedException("getsockname", "listener", Addresses.describe(local));
        return local;
    }

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
        return "TcpListener[nio, " + Addresses.describe(local) + (closed ? ", closed]" : "]");
    }
}
