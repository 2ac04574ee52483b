package dev.evloop.http.codec;

/**
 * How a message's body is delimited, decided from the start line, the request method and the
 * framing header fields by the rules of RFC 9112 §6.3. Reported by the parsers in
 * {@link Http1MessageListener#onHeadersComplete}.
 */
public enum BodyFraming {
    /**
     * No body: a response to HEAD, a 1xx, 204 or 304 response (RFC 9112 §6.3 item 1), or a request
     * with neither Content-Length nor Transfer-Encoding (item 6).
     */
    NONE,
    /** Exactly {@code Content-Length} bytes (RFC 9112 §6.3 item 5); possibly zero. */
    CONTENT_LENGTH,
    /** The chunked transfer coding (RFC 9112 §7.1), possibly with trailer fields. */
    CHUNKED,
    /**
     * A response body that ends when the server closes the connection (RFC 9112 §6.3 item 8); the
     * engine ends it with {@link Http1ResponseParser#endOfInput()}. The connection is not reusable.
     */
    UNTIL_CLOSE,
    /**
     * The connection stops speaking HTTP/1.1 after this head: {@code 101 Switching Protocols}
     * (RFC 9110 §15.2.2) or a 2xx response to CONNECT (RFC 9110 §9.3.6, RFC 9112 §6.3 item 2). Bytes
     * after the head belong to the new protocol and are left unconsumed in the input buffer.
     */
    TUNNEL
}
