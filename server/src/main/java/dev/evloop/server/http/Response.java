package dev.evloop.server.http;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A complete response whose body is known: sent with {@code Content-Length}. Immutable (the body
 * array is shared, not copied). For a body produced piece by piece, see
 * {@link Responder#stream}.
 *
 * <p>The server adds the framing ({@code Content-Length}), {@code Date}, and {@code Connection}
 * when the connection closes after this response (RFC 9112 §9.6) or an HTTP/1.0 client keeps it
 * open. A {@code Connection: close} field here makes the server close after sending. A HEAD
 * request gets the head only, with the length the body would have.
 *
 * @param status a final status, 200 to 999 (1xx are interim; {@code 100 Continue} is the
 *     server's business)
 * @param reason the reason phrase, or null for the standard one
 * @param headers fields to send; not Content-Length or Transfer-Encoding, which the server writes
 * @param body the content; must be empty for 204 and 304 (RFC 9110 §15.3.5, §15.4.5)
 */
public record Response(int status, String reason, List<Map.Entry<String, String>> headers, byte[] body) {
    private static final byte[] EMPTY = new byte[0];

    public Response {
        if (status < 200 || status > 999) {
            throw new IllegalArgumentException("status " + status + " is not a final status (200 to 999); "
                    + "1xx responses are interim (RFC 9110 §15.2)");
        }
        headers = List.copyOf(headers);
        if (body == null) body = EMPTY;
        if (!hasContent(status) && body.length > 0) {
            throw new IllegalArgumentException("a " + status + " response has no content, got " + body.length
                    + " body bytes (RFC 9110 §15.3.5, §15.4.5)");
        }
    }

    /** A response with no fields. */
    public static Response of(int status, byte[] body) {
        return new Response(status, null, List.of(), body);
    }

    /** A {@code text/plain; charset=utf-8} response. */
    public static Response text(int status, String text) {
        return new Response(status, null, List.of(Map.entry("Content-Type", "text/plain; charset=utf-8")),
                text.getBytes(UTF_8));
    }

    /** A response with no content (and no fields). */
    public static Response empty(int status) {
        return new Response(status, null, List.of(), EMPTY);
    }

    /** This response with one more field. */
    public Response withHeader(String name, String value) {
        List<Map.Entry<String, String>> h = new ArrayList<>(headers.size() + 1);
        h.addAll(headers);
        h.add(Map.entry(name, value));
        return new Response(status, reason, h, body);
    }

    /** This response with another body. */
    public Response withBody(byte[] body) {
        return new Response(status, reason, headers, body);
    }

    /** The value of the first field named {@code name} (case-insensitive), or null. */
    public String header(String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) return h.getValue();
        }
        return null;
    }

    /** 204 and 304 responses never carry content (RFC 9110 §6.4.1); 1xx are not final. */
    static boolean hasContent(int status) {
        return status != 204 && status != 304;
    }

    @Override
    public String toString() {
        return "Response[" + status + ", " + headers.size() + " fields, " + body.length + " body bytes]";
    }
}
