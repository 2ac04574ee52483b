package dev.evloop.http;

import dev.evloop.net.TcpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** Readiness mode: the engine's own non-blocking socket, read and written when the application says it is ready. */
final class SocketConduit implements Conduit {
    private final TcpSocket socket;

    SocketConduit(TcpSocket socket) {
        this.socket = socket;
    }

    @Override
    public boolean finishConnect() throws IOException {
        return socket.finishConnect();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return socket.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return socket.write(src);
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        return socket.remoteAddress();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
