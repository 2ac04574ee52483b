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
    /** Cached {@link #origin()}; a benign race writes the same value. */
    private String origin;
    private final BodySource source;
    private final boolean expectContinue;
    private final Duration continueTimeout;
    private final UpgradeListener upgrade;
    /** Null: the engine's. */
    private final HttpVersionPolicy versionPolicy;
    /** The headers plus the engine's Accept-Encoding, built once; a benign race builds the same. */
    HttpHeaders withAcceptEncoding;

    /** A request to {@code target} with this request's settings: for a followed redirect. */
    HttpRequest redirect(URI target, String method, byte[] body, HttpHeaders headers) {
        return new HttpRequest(method, target, headers, body, timeout, null, expectContinue && body != null,
                continueTimeout, upgrade, versionPolicy);
    }

    private HttpRequest(String method, URI uri, HttpHeaders headers, byte[] body, Duration timeout,
            BodySource source, boolean expectContinue, Duration continueTimeout, UpgradeListener upgrade,
            HttpVersionPolicy versionPolicy) {
        this.versionPolicy = versionPolicy;
        this.method = method;
        this.uri = uri;
        this.headers = headers;
        this.body = body;
        this.timeout = timeout;
        this.source = source;
        this.expectContinue = expectContinue;
        this.continueTimeout = continueTimeout;
        this.upgrade = upgrade;
    }

    private HttpRequest(Builder b) {
        this.method = b.method;
        this.uri = b.uri;
        this.body = b.body;
        this.timeout = b.timeout;
        this.source = b.source;
        this.continueTimeout = b.continueTimeout;
        this.upgrade = b.upgrade;
        this.versionPolicy = b.versionPolicy;
        boolean hasBody = b.body != null || b.source != null;
        boolean headerSays = b.headers.build().first("Expect")
                .map(v -> v.trim().equalsIgnoreCase("100-continue")).orElse(false);
        this.expectContinue = hasBody && (b.expectContinue || headerSays);
        HttpHeaders h = b.headers.build();
        this.headers = this.expectContinue && !headerSays ? h.toBuilder().add("Expect", "100-continue").build() : h;
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

    /** {@code scheme://host:port}, the connection-pool key; computed once per request. */
    String origin() {
        String o = origin;
        if (o == null) origin = o = HttpEngine.origin(uri);
        return o;
    }

    public HttpHeaders headers() {
        return headers;
    }

    /** The request content, or null for none. */
    public byte[] body() {
        return body;
    }

    /** The streamed body ({@link Builder#POST(BodySource)}), or null. */
    public BodySource bodySource() {
        return source;
    }

    /** True if a body is sent (bytes or a source). */
    public boolean hasBody() {
        return body != null || source != null;
    }

    /**
     * True when the body waits for {@code 100 Continue} (the request has a body and either an
     * {@code Expect: 100-continue} header or {@link Builder#expectContinue}).
     */
    public boolean expectContinue() {
        return expectContinue;
    }

    /** How long to wait for 100 Continue before sending the body anyway (default 1 s, as curl). */
    public Duration continueTimeout() {
        return continueTimeout;
    }

    /** Who takes the connection if the server switches protocols ({@link Builder#upgrade}), or null. */
    public UpgradeListener upgradeListener() {
        return upgrade;
    }

    /** The total timeout (queueing included), or null for the engine's default. */
    /**
     * The version policy set on this request, or null for the engine's. A request with an
     * {@link #upgradeListener} always goes over HTTP/1.1 (Upgrade does not exist in HTTP/2,
     * RFC 9113 §8.6).
     */
    public HttpVersionPolicy versionPolicy() {
        return versionPolicy;
    }

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

    /** RFC 9110 §7.8: "A sender of Upgrade MUST also send an upgrade connection option". */
    private static void checkUpgradeHeaders(HttpHeaders h) {
        if (h.first("Upgrade").map(String::isBlank).orElse(true)) {
            throw new IllegalArgumentException("an upgrade request needs an Upgrade header naming the protocol "
                    + "(e.g. \"Upgrade: websocket\", RFC 9110 §7.8)");
        }
        boolean option = false;
        for (String v : h.all("Connection")) {
            for (String o : v.split(",")) option |= o.trim().equalsIgnoreCase("upgrade");
        }
        if (!option) {
            throw new IllegalArgumentException("an upgrade request needs \"Connection: Upgrade\" next to its Upgrade "
                    + "header (RFC 9110 §7.8), got Connection " + h.all("Connection"));
        }
    }

    public static final class Builder {
        private String method = "GET";
        private final URI uri;
        private final HttpHeaders.Builder headers = HttpHeaders.builder();
        private byte[] body;
        private BodySource source;
        private Duration timeout;
        private boolean expectContinue;
        private Duration continueTimeout = Duration.ofSeconds(1);
        private UpgradeListener upgrade;
        private HttpVersionPolicy versionPolicy;

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
            this.source = null;
            return this;
        }

        /** A method with a streamed body, pulled by the engine (see {@link BodySource}). */
        public Builder method(String method, BodySource source) {
            this.method = Objects.requireNonNull(method, "method");
            this.source = Objects.requireNonNull(source, "source");
            this.body = null;
            return this;
        }

        public Builder POST(BodySource source) {
            return method("POST", source);
        }

        public Builder PUT(BodySource source) {
            return method("PUT", source);
        }

        /**
         * Send {@code Expect: 100-continue} and hold the body back until the server answers 100,
         * a final status (the body is then not sent), or {@link #continueTimeout} passes (the
         * body is sent anyway). Only for requests with a body; same as setting the header.
         */
        public Builder expectContinue(boolean on) {
            this.expectContinue = on;
            return this;
        }

        public Builder continueTimeout(Duration d) {
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("continueTimeout must be positive: " + d);
            this.continueTimeout = d;
            return this;
        }

        public Builder GET() {
            return method("GET", (byte[]) null);
        }

        public Builder HEAD() {
            return method("HEAD", (byte[]) null);
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
            return method("DELETE", (byte[]) null);
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

        /**
         * Ask to switch protocols (RFC 9110 §7.8; a WebSocket opening handshake, RFC 6455 §4.1):
         * on {@code 101 Switching Protocols} the transfer completes with the 101 response and the
         * connection goes to {@code listener} as an {@link UpgradedStream}, still driven by the
         * engine. The request's own headers must carry {@code Upgrade} and a {@code Connection}
         * with the {@code upgrade} option; the engine adds no Accept-Encoding to such a request. A
         * final (non-1xx) response is an ordinary completed transfer.
         */
        public Builder upgrade(UpgradeListener listener) {
            this.upgrade = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Overrides the engine's {@link HttpEngine.Builder#versionPolicy} for this request. */
        public Builder versionPolicy(HttpVersionPolicy policy) {
            this.versionPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public HttpRequest build() {
            if (upgrade != null) checkUpgradeHeaders(headers.build());
            return new HttpRequest(this);
        }
    }
}
