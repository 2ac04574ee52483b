package dev.evloop.http.codec;

import java.net.IDN;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Encodes HTTP/1.1 request heads (RFC 9112 §3) into a caller's buffer, growing it when needed.
 * Stateless; bodies are the caller's bytes (Content-Length) or go through a {@link ChunkedEncoder}.
 *
 * <p>Use, per request:
 * <ol>
 *   <li>{@link #encodeHead} with the method, the URI (or a target and Host), the caller's fields and
 *       the body length: {@code n >= 0} writes {@code Content-Length: n}, {@link #CHUNKED} writes
 *       {@code Transfer-Encoding: chunked} (length unknown), {@link #NO_BODY} writes neither (RFC
 *       9110 §8.6: no Content-Length when there is no content and the method does not anticipate
 *       any, e.g. GET).
 *   <li>Send the head. With {@code Expect: 100-continue} among the fields, the engine waits for
 *       the interim response before the next step; the head never includes body bytes.
 *   <li>Send the body: exactly {@code n} bytes, or chunks and the last chunk via
 *       {@link ChunkedEncoder}.
 * </ol>
 *
 * <p>The head is: request line, {@code Host} first (RFC 9110 §7.2 "SHOULD be the first field"),
 * the caller's fields in order, the framing field, the empty line. A caller's {@code Host} field
 * replaces the one derived from the URI (at most one allowed). Caller fields named Content-Length
 * or Transfer-Encoding are refused: framing comes from the body length alone, so it cannot be
 * contradicted. Names must be tokens; values may not contain CR, LF, NUL or other controls except
 * HTAB (header injection). Violations are {@link IllegalArgumentException}s naming the header.
 */
public final class Http1RequestEncoder {
    /** Body length for a request without content: no framing field is written. */
    public static final long NO_BODY = -1;
    /** Body length for content of unknown length: {@code Transfer-Encoding: chunked}. */
    public static final long CHUNKED = -2;

    private Http1RequestEncoder() {}

    /**
     * Encodes a request head for {@code uri} in origin-form (RFC 9112 §3.2.1).
     *
     * @param dst the buffer to append to (null: a new one)
     * @return {@code dst}, or a larger buffer holding what {@code dst} held plus the head when it
     *     did not fit: always continue with the returned buffer. Its position is after the head.
     * @throws IllegalArgumentException for a bad method, URI, field or body length
     */
    public static ByteBuffer encodeHead(ByteBuffer dst, String method, URI uri,
            Iterable<? extends Map.Entry<String, String>> headers, long bodyLength) {
        return encodeHead(dst, method, requestTarget(uri), hostHeader(uri), headers, bodyLength);
    }

    /**
     * Encodes a request head with an explicit request-target (any form: origin, absolute for a
     * proxy, authority for CONNECT, asterisk for OPTIONS) and Host value.
     *
     * @param host the Host field value; null if {@code headers} has one
     */
    public static ByteBuffer encodeHead(ByteBuffer dst, String method, String requestTarget, String host,
            Iterable<? extends Map.Entry<String, String>> headers, long bodyLength) {
        HttpTokens.checkToken(method, "method");
        checkTarget(requestTarget);
        Wire.checkBodyLength(bodyLength);
        String userHost = null;
        for (Map.Entry<String, String> f : headers) {
            if (f.getKey() != null && f.getKey().equalsIgnoreCase("Host")) {
                if (userHost != null) {
                    throw new IllegalArgumentException("header \"Host\" given twice (RFC 9112 §3.2)");
                }
                userHost = f.getValue();
            }
        }
        String hostValue = userHost != null ? userHost : host;
        if (hostValue == null) {
            throw new IllegalArgumentException("no Host: pass a host or a Host header (RFC 9112 §3.2)");
        }
        HttpTokens.checkField("Host", hostValue);
        int size = method.length() + 1 + requestTarget.length() + 1 + 8 + 2
                + Wire.fieldBytes("Host", hostValue)
                + Wire.checkedFieldBytes(headers, "Host")
                + Wire.framingBytes(bodyLength) + 2;
        dst = Wire.ensure(dst, size);
        int start = dst.position();
        Wire.putLatin1(dst, method);
        dst.put((byte) ' ');
        Wire.putLatin1(dst, requestTarget);
        Wire.putLatin1(dst, " HTTP/1.1\r\n");
        Wire.putField(dst, "Host", hostValue);
        for (Map.Entry<String, String> f : headers) {
            if (!f.getKey().equalsIgnoreCase("Host")) Wire.putField(dst, f.getKey(), f.getValue());
        }
        Wire.putFraming(dst, bodyLength);
        Wire.crlf(dst);
        assert dst.position() - start == size : "sized " + size + ", wrote " + (dst.position() - start);
        return dst;
    }

    /**
     * The origin-form request-target of {@code uri} (RFC 9112 §3.2.1): raw path ("/" if empty) and
     * query, fragment dropped; characters beyond ASCII are percent-encoded as UTF-8.
     *
     * @throws IllegalArgumentException for an opaque URI or one with spaces or controls
     */
    public static String requestTarget(URI uri) {
        if (uri.isOpaque()) {
            throw new IllegalArgumentException("opaque URI has no request-target: " + uri);
        }
        String path = uri.getRawPath();
        if (path == null || path.isEmpty()) path = "/";
        String query = uri.getRawQuery();
        String target = query == null ? path : path + "?" + query;
        for (int i = 0; i < target.length(); i++) {
            if (target.charAt(i) > 0x7E) {
                return percentEncodeNonAscii(target);
            }
        }
        checkTarget(target);
        return target;
    }

    /**
     * The Host field value for {@code uri} (RFC 9110 §7.2): host, with ":port" unless the port is
     * absent or the scheme's default (80 for http/ws, 443 for https/wss); IPv6 literals stay in
     * brackets; userinfo is dropped; an internationalized name is converted with IDNA.
     *
     * @throws IllegalArgumentException for a relative URI, another scheme, or no host
     */
    public static String hostHeader(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new IllegalArgumentException("URI is not absolute: " + uri);
        }
        boolean secure = switch (scheme.toLowerCase(Locale.ROOT)) {
            case "http", "ws" -> false;
            case "https", "wss" -> true;
            default -> throw new IllegalArgumentException("unsupported URI scheme \"" + scheme + "\": " + uri);
        };
        String host = uri.getHost();
        int port = uri.getPort();
        if (host == null) {
            // java.net.URI fell back to a registry-based authority (e.g. '_' or non-ASCII in the
            // name): take host[:port] from the raw authority ourselves.
            String authority = uri.getRawAuthority();
            if (authority == null || authority.isEmpty()) {
                throw new IllegalArgumentException("URI has no host: " + uri);
            }
            authority = authority.substring(authority.lastIndexOf('@') + 1);
            int colon = authority.lastIndexOf(':');
            host = authority;
            port = -1;
            if (colon >= 0 && authority.indexOf(']') < colon) {
                host = authority.substring(0, colon);
                try {
                    port = colon == authority.length() - 1 ? -1 : Integer.parseInt(authority.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad port in URI: " + uri, e);
                }
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("URI has no host: " + uri);
            }
            if (!host.startsWith("[")) {
                host = IDN.toASCII(host, IDN.ALLOW_UNASSIGNED);
            }
        }
        return hostHeader(host, port, secure);
    }

    /**
     * The Host field value for a host and port: IPv6 literals get brackets, the default port for
     * {@code secure} (443) or plain (80) is omitted, as is a negative port.
     */
    public static String hostHeader(String host, int port, boolean secure) {
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return port < 0 || port == (secure ? 443 : 80) ? host : host + ":" + port;
    }

    /**
     * Checks a field as {@link #encodeHead} would, for a caller that wants to fail early (when a
     * request is built rather than sent).
     *
     * @throws IllegalArgumentException naming the header
     */
    public static void checkHeader(String name, String value) {
        HttpTokens.checkField(name, value);
    }

    private static void checkTarget(String target) {
        if (target == null || target.isEmpty()) {
            throw new IllegalArgumentException("request-target is empty");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                throw new IllegalArgumentException("request-target \"" + HttpTokens.printable(target)
                        + "\" has " + (c == ' ' ? "a space" : "character " + HttpTokens.hex(c))
                        + " at index " + i + " (RFC 9112 §3.2)");
            }
        }
    }

    private static String percentEncodeNonAscii(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xFF;
            if (c > 0x7E) {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            } else {
                b.append((char) c);
            }
        }
        String target = b.toString();
        checkTarget(target);
        return target;
    }
}
