package dev.evloop.http;

/**
 * Which HTTP version a transfer may use (libcurl's CURLOPT_HTTP_VERSION). Set per engine
 * ({@link HttpEngine.Builder#versionPolicy}) and per request ({@link HttpRequest.Builder#versionPolicy}).
 */
public enum HttpVersionPolicy {
    /** HTTP/1.1 only; TLS offers ALPN {@code http/1.1} alone. */
    HTTP_1_1,
    /**
     * The default: HTTP/2 over TLS when the server picks {@code h2} in ALPN (RFC 9113 §3.2), else
     * HTTP/1.1; {@code http://} stays HTTP/1.1 (libcurl's CURL_HTTP_VERSION_2TLS).
     */
    HTTP_2_TLS,
    /**
     * As {@link #HTTP_2_TLS} over TLS, and HTTP/2 without TLS for {@code http://} with prior
     * knowledge (RFC 9113 §3.3): the connection starts with the preface, no Upgrade dance. Only for
     * servers known to speak h2c.
     */
    HTTP_2_PRIOR_KNOWLEDGE;

    /** True if a connection for {@code https} (or not) may be HTTP/2 under this policy. */
    boolean allowsHttp2(boolean tls) {
        return this == HTTP_2_PRIOR_KNOWLEDGE || this == HTTP_2_TLS && tls;
    }
}
