package dev.evloop.websocket.codec;

import java.io.IOException;

/**
 * A violation found in received bytes. {@link #closeCode()} is the status to close the
 * connection with (RFC 6455 §7.4.1): {@link CloseCodes#PROTOCOL_ERROR} for framing and
 * negotiation errors, {@link CloseCodes#INVALID_PAYLOAD} for bad UTF-8 or bad deflate data,
 * {@link CloseCodes#MESSAGE_TOO_BIG} for a frame or message over a limit.
 */
public final class WebSocketException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int closeCode;

    public WebSocketException(int closeCode, String message) {
        super(message);
        this.closeCode = closeCode;
    }

    public int closeCode() {
        return closeCode;
    }

    @Override
    public String toString() {
        return "WebSocketException(" + closeCode + "): " + getMessage();
    }
}
