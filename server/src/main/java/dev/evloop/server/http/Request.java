package dev.evloop.server.http;

import dev.evloop.http.codec.HttpVersion;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One received HTTP/1.1 request, complete with its body (gathered up to the body limit, after
 * chunked decoding; content codings are left alone). Immutable; handed to
 * {@link HttpService#serve} on the connection's loop thread.
 *
 * @param method the method, case-sensitive (RFC 9110 §9.1)
 * @param target the request-target as sent, not decoded (RFC 9112 §3.2)
 * @param version the request's version
 * @param headers the header fields in arrival order, names as received, one entry per field line
 * @param body the body; empty when there was none. Shared, not copied: do not modify it
 * @param trailers the trailer fields of a chunked body, else empty
 * @param remoteAddress the client
 */
public record Request(
        String method,
        String target,
        HttpVersion version,
        List<Map.Entry<String, String>> headers,
        byte[] body,
        List<Map.Entry<String, String>> trailers,
        InetSocketAddress remoteAddress) {

    public Request {
        headers = List.copyOf(headers);
        trailers = List.copyOf(trailers);
    }

    /**
     * The path of the target, without the query, not decoded: {@code /a/b} for {@code /a/b?x=1}
     * and for {@code http://host/a/b?x=1} (absolute-form, RFC 9112 §3.2.2, whose empty path is
     * {@code /}); {@code *} and authority-form targets are returned whole.
     */
    public String path() {
        String t = target;
        int start = 0;
        if (t.charAt(0) != '/' && !t.equals("*") && !method.equals("CONNECT")) {
            int scheme = t.indexOf("://");
            if (scheme > 0) {
                int slash = t.indexOf('/', scheme + 3);
                int q = t.indexOf('?', scheme + 3);
                if (slash < 0 || (q >= 0 && q < slash)) return "/";
                start = slash;
            }
        }
        int q = t.indexOf('?', start);
        return t.substring(start, q < 0 ? t.length() : q);
    }

    /** The raw query after {@code ?}, or null when the target has none. */
    public String query() {
        int q = target.indexOf('?');
        return q < 0 ? null : target.substring(q + 1);
    }

    /** The value of the first field named {@code name} (compared case-insensitively), or null. */
    public String header(String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) return h.getValue();
        }
        return null;
    }

    /** The values of every field named {@code name}, in arrival order. */
    public List<String> headerValues(String name) {
        List<String> values = new ArrayList<>(2);
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) values.add(h.getValue());
        }
        return values;
    }

    /**
     * The elements of every field named {@code name}, in order: each field line's value split at
     * commas outside quoted strings, trimmed, empty elements dropped (RFC 9110 §5.6.1, §5.3: lines
     * of the same field combine into one list). For {@code Connection}, {@code Upgrade},
     * {@code Sec-WebSocket-Protocol}, {@code Sec-WebSocket-Extensions} (whose elements keep their
     * {@code ;} parameters).
     */
    public List<String> headerList(String name) {
        List<String> elements = new ArrayList<>(4);
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) splitList(h.getValue(), elements);
        }
        return elements;
    }

    /** True if a field named {@code name} lists {@code token}, compared case-insensitively. */
    public boolean hasToken(String name, String token) {
        for (String element : headerList(name)) {
            if (element.equalsIgnoreCase(token)) return true;
        }
        return false;
    }

    private static void splitList(String value, List<String> out) {
        int start = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (quoted && ch == '\\') {
                i++; // quoted-pair (RFC 9110 §5.6.4)
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ',' && !quoted) {
                add(value.substring(start, i), out);
                start = i + 1;
            }
        }
        add(value.substring(start), out);
    }

    private static void add(String element, List<String> out) {
        String e = element.strip();
        if (!e.isEmpty()) out.add(e);
    }

    @Override
    public String toString() {
        return method + " " + target + " " + version + " (" + body.length + " body bytes)";
    }
}
