package dev.evloop.http;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/** An HTTP request: immutable; {@link #newBuilder} makes one. */
public final class HttpRequest {
    private final String method;
    private final URI uri;
    private final HttpHeaders headers;
    private final byte[] body;
    private final Duration timeout;

    /** A request to {@code target} with this request's settings: for a followed redirect. */
    HttpRequest redirect(URI target, String method, byte[] body, HttpHeaders headers) {
        return new HttpRequest(method, target, headers, body, timeout);
    }

    private HttpRequest(String method, URI uri, HttpHeaders headers, byte[] body, Duration timeout) {
        this.method = method;
        this.uri = uri;
        this.headers = headers;
        this.body = body;
        this.timeout = timeout;
    }

    private HttpRequest(Builder b) {
        this.method = b.method;
        this.uri = b.uri;
        this.headers = b.headers.build();
        this.body = b.body;
        this.timeout = b.timeout;
    }

    public static Builder newBuilder(URI uri) {
        return new Builder(uri);
    }

    public static Builder newBuilder(String uri) {
        return new Builder(URI.create(uri));
    }

    public static HttpRequest get(String uri) {
        return newBuilder(uri).build();
    }

    public String method() {
        return method;
    }

    public URI uri() {
        return uri;
    }

    public HttpHeaders headers() {
        return headers;
    }

    /** The request content, or null for none. */
    public byte[] body() {
        return body;
    }

    /** The total timeout (queueing included), or null for the engine's default. */
    public Duration timeout() {
        return timeout;
    }

    /** GET, HEAD, PUT, DELETE, OPTIONS, TRACE (RFC 9110 §9.2.2): safe to send again. */
    public boolean isIdempotent() {
        return switch (method) {
            case "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE" -> true;
            default -> false;
        };
    }

    @Override
    public String toString() {
        return method + " " + uri;
    }

    public static final class Builder {
        private String method = "GET";
        private final URI uri;
        private final HttpHeaders.Builder headers = HttpHeaders.builder();
        private byte[] body;
        private Duration timeout;

        private Builder(URI uri) {
            this.uri = checkUri(uri);
        }

        private static URI checkUri(URI uri) {
            Objects.requireNonNull(uri, "uri");
            String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException("unsupported URI scheme in " + uri + ": expected http or https");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("no host in " + uri);
            }
            return uri;
        }

        public Builder method(String method, byte[] body) {
            this.method = Objects.requireNonNull(method, "method");
            this.body = body;
            return this;
        }

        public Builder GET() {
            return method("GET", null);
        }

        public Builder HEAD() {
            return method("HEAD", null);
        }

        public Builder POST(byte[] body) {
            return method("POST", Objects.requireNonNull(body, "body"));
        }

        public Builder POST(String body) {
            return POST(body.getBytes(StandardCharsets.UTF_8));
        }

        public Builder PUT(byte[] body) {
            return method("PUT", Objects.requireNonNull(body, "body"));
        }

        public Builder DELETE() {
            return method("DELETE", null);
        }

        public Builder header(String name, String value) {
            headers.add(name, value);
            return this;
        }

        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        public HttpRequest build() {
            return new HttpRequest(this);
        }
    }
}
