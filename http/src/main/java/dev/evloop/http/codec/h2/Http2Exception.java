package dev.evloop.http.codec.h2;

import java.io.IOException;
import java.util.Objects;

/**
 * A connection error (streamId 0, §5.4.1) or a stream error (§5.4.2), with a message naming the
 * frame and the rule, e.g. {@code "DATA frame on stream 0 (RFC 9113 §6.1)"}. The message is
 * suitable as GOAWAY debug data; {@link #toString} adds the code and the stream.
 */
public final class Http2Exception extends IOException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final int streamId;

    private Http2Exception(int streamId, ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
        this.streamId = streamId;
    }

    /** An error that ends the connection (GOAWAY with this code, §5.4.1). */
    public static Http2Exception connection(ErrorCode code, String message) {
        return new Http2Exception(0, code, message);
    }

    /** An error that ends one stream (RST_STREAM with this code, §5.4.2); streamId must be positive. */
    public static Http2Exception stream(int streamId, ErrorCode code, String message) {
        if (streamId <= 0) {
            throw new IllegalArgumentException("a stream error needs a stream id > 0, got " + streamId);
        }
        return new Http2Exception(streamId, code, message);
    }

    public ErrorCode code() {
        return code;
    }

    /** The stream to reset, or 0 for a connection error. */
    public int streamId() {
        return streamId;
    }

    public boolean isConnectionError() {
        return streamId == 0;
    }

    @Override
    public String toString() {
        return "Http2Exception: " + code + (streamId == 0 ? " (connection)" : " (stream " + streamId + ")") + ": "
                + getMessage();
    }
}
