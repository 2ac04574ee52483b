package dev.evloop.http.codec.hpack;

import java.io.IOException;

/**
 * A header block could not be decoded, or decoding it would exceed a limit. The message names what
 * was wrong and the offset in the block where it was found, e.g.
 * {@code "index 70 out of range (61 static + 3 dynamic entries) at offset 4"}.
 *
 * <p>This is a connection error of type COMPRESSION_ERROR (RFC 9113 §4.3): the decoder's dynamic
 * table may now differ from the peer's encoder, so the decoder must not be used again.
 */
public final class HpackException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int offset;

    public HpackException(String message, int offset) {
        super(message + " at offset " + offset);
        this.offset = offset;
    }

    /** Offset in the header block, from its first byte, of the representation or byte at fault. */
    public int offset() {
        return offset;
    }
}
