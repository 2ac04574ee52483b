package dev.evloop.http.codec;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * The chunked transfer coding, sending side (RFC 9112 §7.1), for request uploads and responses of
 * unknown length. Writes into a caller's buffer, growing it when needed (always continue with the
 * returned buffer).
 *
 * <p>Lifecycle, one per message body:
 * <ol>
 *   <li>Any number of chunks, each either {@link #writeChunk} (header, copied data, CRLF) or, to
 *       send the data from its own buffer with a gathering write, {@link #writeChunkHeader}, then
 *       exactly that many data bytes by the caller, then {@link #writeChunkEnd}. Empty data writes
 *       nothing: a zero-size chunk would end the body.
 *   <li>{@link #finish}: the last chunk {@code 0\r\n}, optional trailer fields, the final CRLF.
 *   <li>{@link #reset} to reuse the encoder for another body.
 * </ol>
 * Steps out of order throw {@link IllegalStateException}. No chunk extensions are written.
 */
public final class ChunkedEncoder {
    private static final int BETWEEN_CHUNKS = 0;
    private static final int IN_CHUNK = 1;
    private static final int FINISHED = 2;

    /** One of the constants above; single-threaded like the connection that owns the encoder. */
    private int state = BETWEEN_CHUNKS;

    /** Writes one chunk holding {@code data}'s remaining bytes, consuming them; nothing if empty. */
    public ByteBuffer writeChunk(ByteBuffer dst, ByteBuffer data) {
        check(BETWEEN_CHUNKS, "writeChunk");
        int n = data.remaining();
        if (n == 0) {
            return dst;
        }
        dst = writeChunkHeader(Wire.ensure(dst, Wire.hexDigits(n) + 2 + n + 2), n);
        dst.put(data);
        return writeChunkEnd(dst);
    }

    /** Writes the size line of a chunk of {@code size} bytes; the caller sends them next. */
    public ByteBuffer writeChunkHeader(ByteBuffer dst, long size) {
        check(BETWEEN_CHUNKS, "writeChunkHeader");
        if (size <= 0) {
            throw new IllegalArgumentException("chunk size must be positive (0 is the last chunk, see finish()): " + size);
        }
        dst = Wire.ensure(dst, Wire.hexDigits(size) + 2);
        Wire.putHex(dst, size);
        Wire.crlf(dst);
        state = IN_CHUNK;
        return dst;
    }

    /** Writes the CRLF that ends a chunk's data. */
    public ByteBuffer writeChunkEnd(ByteBuffer dst) {
        check(IN_CHUNK, "writeChunkEnd");
        dst = Wire.ensure(dst, 2);
        Wire.crlf(dst);
        state = BETWEEN_CHUNKS;
        return dst;
    }

    /** Writes the last chunk and the end of the body, without trailers: {@code 0\r\n\r\n}. */
    public ByteBuffer finish(ByteBuffer dst) {
        return finish(dst, List.of());
    }

    /**
     * Writes the last chunk, the trailer fields (RFC 9112 §7.1.2) and the final CRLF. Fields are
     * checked like header fields; framing and routing fields (Content-Length, Transfer-Encoding,
     * Host, Trailer) are refused in trailers (RFC 9110 §6.5.1).
     */
    public ByteBuffer finish(ByteBuffer dst, Iterable<? extends Map.Entry<String, String>> trailers) {
        check(BETWEEN_CHUNKS, "finish");
        int size = 3 + Wire.checkedFieldBytes(trailers, null) + 2;
        for (Map.Entry<String, String> f : trailers) {
            if (f.getKey().equalsIgnoreCase("Host") || f.getKey().equalsIgnoreCase("Trailer")) {
                throw new IllegalArgumentException("header \"" + f.getKey() + "\" is not allowed in trailers (RFC 9110 §6.5.1)");
            }
        }
        dst = Wire.ensure(dst, size);
        dst.put((byte) '0');
        Wire.crlf(dst);
        for (Map.Entry<String, String> f : trailers) {
            Wire.putField(dst, f.getKey(), f.getValue());
        }
        Wire.crlf(dst);
        state = FINISHED;
        return dst;
    }

    /** The last chunk was written. */
    public boolean isFinished() {
        return state == FINISHED;
    }

    /** Forgets the current body, for the next one. */
    public void reset() {
        state = BETWEEN_CHUNKS;
    }

    private void check(int expected, String call) {
        if (state != expected) {
            throw new IllegalStateException(call + "() called " + switch (state) {
                case IN_CHUNK -> "inside a chunk: writeChunkEnd() first";
                case FINISHED -> "after finish(): reset() first";
                default -> "between chunks: writeChunkHeader() first";
            });
        }
    }
}
