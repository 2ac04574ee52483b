package dev.evloop.server.echo;

import dev.evloop.server.Connection;
import dev.evloop.server.Handler;
import java.nio.ByteBuffer;

/**
 * The length-prefixed echo service (seed 004): each message is a 4-byte little-endian length,
 * then that many bytes; the server sends every message back unchanged.
 *
 * <p>A negative length, or one over the maximum, closes the connection with a logged reason
 * ({@link Connection#abort}); other connections are not affected. Messages are parsed in place
 * from the buffer the framework hands over; a partial message stays there for the next call, and
 * echoes are written by range, so nothing is copied or allocated per message.
 */
public final class EchoHandler implements Handler {
    /** The default maximum payload: 1 MiB. */
    public static final int DEFAULT_MAX_MESSAGE = 1 << 20;
    /** The length prefix. */
    public static final int HEADER = 4;

    private final int maxMessage;

    public EchoHandler() {
        this(DEFAULT_MAX_MESSAGE);
    }

    public EchoHandler(int maxMessage) {
        if (maxMessage < 0) throw new IllegalArgumentException("maxMessage must not be negative: " + maxMessage);
        this.maxMessage = maxMessage;
    }

    /** Input a connection must be able to buffer for this handler: one whole message. */
    public static int bufferedInputFor(int maxMessage) {
        return HEADER + maxMessage;
    }

    @Override
    public void onData(Connection connection, ByteBuffer in) {
        int pos = in.position();
        int limit = in.limit();
        while (limit - pos >= HEADER) {
            int length = lengthAt(in, pos);
            if (length < 0) {
                connection.abort("echo: negative message length " + length);
                return;
            }
            if (length > maxMessage) {
                connection.abort("echo: message length " + length + " exceeds the maximum of " + maxMessage);
                return;
            }
            if (limit - pos - HEADER < length) break; // the rest of it has not arrived yet
            if (!connection.write(in, pos, HEADER + length)) return;
            pos += HEADER + length;
        }
        in.position(pos);
    }

    /** The little-endian int at {@code index}, whatever the buffer's byte order. */
    static int lengthAt(ByteBuffer b, int index) {
        return (b.get(index) & 0xFF)
                | (b.get(index + 1) & 0xFF) << 8
                | (b.get(index + 2) & 0xFF) << 16
                | (b.get(index + 3) & 0xFF) << 24;
    }
}
