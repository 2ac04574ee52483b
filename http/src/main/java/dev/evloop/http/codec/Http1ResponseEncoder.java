package dev.evloop.http.codec;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * Encodes HTTP/1.1 response heads (RFC 9112 §4) for the server side into a caller's buffer,
 * growing it when needed. Stateless; bodies go as raw bytes (Content-Length) or through a
 * {@link ChunkedEncoder}.
 *
 * <p>Use, per response:
 * <ol>
 *   <li>Optionally {@link #encodeContinue} first, when the request parser says
 *       {@link Http1RequestParser#expectContinue()} and the server wants the body.
 *   <li>{@link #encodeHead} with the status, reason (null: the standard phrase), fields and body
 *       length: {@code n >= 0} writes {@code Content-Length: n} (also right for a HEAD response,
 *       whose body the server then does not send), {@link #CHUNKED} writes
 *       {@code Transfer-Encoding: chunked}, {@link #NO_BODY} writes neither (1xx, 204, 304, or a
 *       close-delimited body).
 *   <li>Send the body bytes, or chunks and the last chunk via {@link ChunkedEncoder}.
 * </ol>
 *
 * <p>Rules: the status line always says HTTP/1.1 (RFC 9110 §6.2: a server sends its own highest
 * version); chunked must not be used for an HTTP/1.0 client (RFC 9112 §6.1), which is the server's
 * to know. 1xx and 204 responses refuse a body length (RFC 9110 §8.6, RFC 9112 §6.1). Fields are
 * checked as in {@link Http1RequestEncoder}; Content-Length and Transfer-Encoding fields are
 * refused, the body length decides them.
 */
public final class Http1ResponseEncoder {
    /** Body length for a response without a framing field. */
    public static final long NO_BODY = Http1RequestEncoder.NO_BODY;
    /** Body length for content of unknown length: {@code Transfer-Encoding: chunked}. */
    public static final long CHUNKED = Http1RequestEncoder.CHUNKED;

    private Http1ResponseEncoder() {}

    /**
     * Encodes a response head.
     *
     * @param dst the buffer to append to (null: a new one)
     * @param reason the reason phrase, null for {@link #reasonPhrase}
     * @return {@code dst}, or a larger buffer holding what {@code dst} held plus the head when it
     *     did not fit: always continue with the returned buffer. Its position is after the head.
     * @throws IllegalArgumentException for a bad status, reason, field or body length
     */
    public static ByteBuffer encodeHead(ByteBuffer dst, int status, String reason,
            Iterable<? extends Map.Entry<String, String>> headers, long bodyLength) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status " + status + " is not a three-digit code (RFC 9110 §15)");
        }
        Wire.checkBodyLength(bodyLength);
        if ((status < 200 || status == 204) && bodyLength != NO_BODY) {
            throw new IllegalArgumentException(
                    "a " + status + " response has no body; pass NO_BODY (RFC 9110 §8.6, RFC 9112 §6.1)");
        }
        String phrase = reason != null ? reason : reasonPhrase(status);
        HttpTokens.checkReason(phrase);
        int size = 9 + 3 + 1 + phrase.length() + 2
                + Wire.checkedFieldBytes(headers, null)
                + Wire.framingBytes(bodyLength) + 2;
        dst = Wire.ensure(dst, size);
        Wire.putLatin1(dst, "HTTP/1.1 ");
        Wire.putDecimal(dst, status);
        dst.put((byte) ' ');
        Wire.putLatin1(dst, phrase);
        Wire.crlf(dst);
        for (Map.Entry<String, String> f : headers) {
            Wire.putField(dst, f.getKey(), f.getValue());
        }
        Wire.putFraming(dst, bodyLength);
        Wire.crlf(dst);
        return dst;
    }

    /** Encodes {@code HTTP/1.1 100 Continue} and its empty line (RFC 9110 §15.2.1). */
    public static ByteBuffer encodeContinue(ByteBuffer dst) {
        return encodeHead(dst, 100, null, List.of(), NO_BODY);
    }

    /** The RFC 9110 §15 reason phrase of {@code status}, or "" for a code it does not define. */
    public static String reasonPhrase(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 101 -> "Switching Protocols";
            case 103 -> "Early Hints";
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 203 -> "Non-Authoritative Information";
            case 204 -> "No Content";
            case 205 -> "Reset Content";
            case 206 -> "Partial Content";
            case 300 -> "Multiple Choices";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 411 -> "Length Required";
            case 412 -> "Precondition Failed";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 416 -> "Range Not Satisfiable";
            case 417 -> "Expectation Failed";
            case 421 -> "Misdirected Request";
            case 422 -> "Unprocessable Content";
            case 426 -> "Upgrade Required";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> "";
        };
    }
}
