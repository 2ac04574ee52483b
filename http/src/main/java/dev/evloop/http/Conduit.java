package dev.evloop.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The byte channel under a connection ({@link Http1Connection}, {@link Http2Connection},
 * {@link UpgradedStream}, {@link TlsSession}): the calls the protocol code makes on its socket,
 * with the non-blocking socket's meaning (0: nothing now, -1: end of stream). Two
 * implementations: {@link SocketConduit}, the engine's own socket in readiness mode, and
 * {@link AppSocket}, a socket the application owns in async-action mode, read and written
 * through buffers the engine lends it (seed 003). The protocol code is the same for both.
 */
interface Conduit {
    /** True once connected; false while the connect runs; throws if it failed. */
    boolean finishConnect() throws IOException;

    /** Bytes into {@code dst}: the count, 0 if none are there now, -1 at the end of the stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Bytes from {@code src}: the count taken, 0 if none can be taken now. */
    int write(ByteBuffer src) throws IOException;

    /** FIN after what was written. */
    void shutdownOutput() throws IOException;

    /** The peer's address, as connected. */
    InetSocketAddress remoteAddress() throws IOException;

    /** Releases the socket; called once, after REMOVE was announced. */
    void close() throws IOException;
}
