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
 * echoes are written by range, so nothing is copied or allocated per message. The framing itself
 * is {@link EchoFraming}.
 */
public final class EchoHandler implements Handler {
    /** The default maximum payload: 1 MiB. */
    public static final int DEFAULT_MAX_MESSAGE = 1 << 20;
    /** The length prefix. */
    public static final int HEADER = EchoFraming.HEADER;

    private final EchoFraming framing;

    public EchoHandler() {
        this(DEFAULT_MAX_MESSAGE);
    }

    public EchoHandler(int maxMessage) {
        this.framing = new EchoFraming(maxMessage);
    }

    /** Input a connection must be able to buffer for this handler: one whole message. */
    public static int bufferedInputFor(int maxMessage) {
        return (int) Math.min(Integer.MAX_VALUE, (long) HEADER + maxMessage); // no overflow near 2 GiB
    }

    @Override
    public void onData(Connection connection, ByteBuffer in) {
        int pos = in.position();
        int limit = in.limit();
        while (true) {
            int size = framing.frameAt(in, pos, limit);
            if (size == EchoFraming.NEED_MORE) break;
            if (size == EchoFraming.BAD_LENGTH) {
                connection.abort(framing.badLengthReason(in, pos));
                return;
            }
            if (!connection.write(in, pos, size)) return;
            pos += size;
        }
        in.position(pos);
    }
}
