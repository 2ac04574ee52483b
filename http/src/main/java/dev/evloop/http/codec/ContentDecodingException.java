package dev.evloop.http.codec;

import java.io.IOException;

/**
 * Compressed content could not be decoded: corrupt or truncated data, a checksum mismatch, or a
 * decoding limit exceeded (the message names the limit, e.g.
 * {@code "decoded content exceeds 1048576 bytes (maxDecodedBytes)"}). Final for the decoder.
 */
public final class ContentDecodingException extends IOException {
    private static final long serialVersionUID = 1L;

    public ContentDecodingException(String message) {
        super(message);
    }

    public ContentDecodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
