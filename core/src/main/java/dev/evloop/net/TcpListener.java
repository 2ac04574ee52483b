package dev.evloop.net;

import dev.evloop.poll.Events;
import dev.evloop.poll.Pollable;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A listening TCP socket, made by {@link Transport#listen}: readable ({@link Events#READ}) when a
 * connection is waiting. Accepted sockets are non-blocking and connected from the start, with
 * TCP_NODELAY on like the sockets {@link Transport#connect} makes.
 *
 * <p>Threading: as {@link TcpSocket}, one thread at a time, the poller's.
 */
public sealed interface TcpListener extends Pollable permits NativeTcpListener, NioTcpListener {

    /**
     * One pending connection, or null when none is waiting (would block; the registration is
     * told, see {@link TcpSocket}). Call it until null after each READ event.
     *
     * @throws IOException when the listener cannot accept, e.g. {@code accept: EMFILE (Too many
     *     open files)}: the connection stays queued, so calling again at once fails again. A
     *     server should stop accepting for a while (disable READ) or shed connections, not loop.
     */
    TcpSocket accept() throws IOException;

    /** The bound address, with the port the kernel chose if port 0 was asked for. */
    InetSocketAddress localAddress() throws IOException;

    /** Cancels the registration this listener knows about, then closes. Idempotent. */
    @Override
    void close() throws IOException;
}
