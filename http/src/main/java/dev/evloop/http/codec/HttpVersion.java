package dev.evloop.http.codec;

/**
 * The HTTP/1.x versions the codec speaks (RFC 9112 §2.3).
 *
 * <p>A received {@code HTTP/1.x} with a minor version above 1 is read as {@link #HTTP_1_1}: a
 * recipient may assume the highest minor version it implements that is not above the sender's
 * (RFC 9110 §6.2, RFC 9112 §2.3). Any other major version is rejected by the parsers.
 */
public enum HttpVersion {
    HTTP_1_0("HTTP/1.0"),
    HTTP_1_1("HTTP/1.1");

    private final String text;

    HttpVersion(String text) {
        this.text = text;
    }

    /** The protocol name as it appears on the wire, e.g. {@code HTTP/1.1}. */
    @Override
    public String toString() {
        return text;
    }
}
