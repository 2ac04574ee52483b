package dev.evloop.http.codec;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Incremental HTTP/1.x response parser (RFC 9112), push style: bytes in, events out. No socket,
 * loop or clock; it copies no body byte and allocates nothing per byte (header names and values
 * become Strings).
 *
 * <p>Lifecycle, per connection:
 * <ol>
 *   <li>{@link #begin(String)} with the method of the request whose response comes next: HEAD
 *       responses have no body, and 2xx responses to CONNECT open a tunnel (RFC 9112 §6.3).
 *   <li>{@link #parse(ByteBuffer)} each time bytes arrive, split anywhere (one byte at a time
 *       gives the same events). The {@link Listener} hears {@code onStatus}, {@code onHeader}*,
 *       then either {@code onInterimResponse} for a 1xx (and parsing goes on with the next status
 *       line) or {@code onHeadersComplete}, {@code onBody}*, {@code onTrailer}*,
 *       {@code onMessageComplete}.
 *   <li>After {@code onMessageComplete}, {@code parse} returns at once; bytes after the response
 *       stay in the buffer (a pipelined next response, or after a {@link BodyFraming#TUNNEL} the
 *       new protocol's bytes).
 *   <li>If {@link #keepAlive()}, the connection may carry the next exchange: back to step 1.
 *   <li>When the server closes the connection, {@link #endOfInput()}: it ends a
 *       {@link BodyFraming#UNTIL_CLOSE} body and throws if a response was cut short.
 *   <li>An {@link HttpParseException} is final: the connection's framing is lost and it must be
 *       closed; further calls throw {@link IllegalStateException} until {@link #reset()}.
 * </ol>
 *
 * <p>Choices where the RFCs leave room (the rest is in {@link ParserLimits} and the
 * {@code FieldSectionReader} / {@code ChunkedDecoder} rules):
 * <ul>
 *   <li>Status codes 100..999 are accepted (RFC 9110 §15 calls 600..999 invalid but seen in use);
 *       a missing reason phrase and the SP before it may be absent ({@code HTTP/1.1 200}).
 *   <li>obs-fold is rejected, although RFC 9112 §5.2 asks a user agent to unfold: it has been
 *       deprecated since RFC 7230 and rejecting keeps one rule for both sides.
 *   <li>A Transfer-Encoding other than a single final {@code chunked} is an error rather than a
 *       close-delimited body (RFC 9112 §6.3 item 4 reads until close): we never advertise other
 *       transfer codings (RFC 9112 §7.4), so such a response is broken or hostile.
 *   <li>Content-Length and Transfer-Encoding together, or Transfer-Encoding in HTTP/1.0, are
 *       errors even where no body follows (HEAD, 204, 304): framing headers are always checked.
 *   <li>101 always ends HTTP/1.1 on the connection; whether the upgrade was asked for is the
 *       engine's business.
 * </ul>
 *
 * <p>Not thread-safe: one parser per connection, driven by one thread at a time.
 */
public final class Http1ResponseParser {

    /** The events of a response. */
    public interface Listener extends Http1MessageListener {
        /** The status line of an interim (1xx) or final response; {@code reason} may be empty. */
        void onStatus(HttpVersion version, int code, String reason);

        /**
         * The head of an interim 1xx response other than 101 is complete (its fields came through
         * {@link #onHeader}). For 100 Continue this is the engine's cue to send a body it held back
         * (RFC 9110 §10.1.1); 103 Early Hints carry Link fields. Parsing continues with the next
         * status line.
         */
        default void onInterimResponse(int code) {}
    }

    private final MessageParser parser;
    /** The request method, for the HEAD and CONNECT rules; null until {@link #begin}. */
    private String method;
    private int statusCode;

    public Http1ResponseParser(Listener listener) {
        this(listener, ParserLimits.DEFAULT);
    }

    public Http1ResponseParser(Listener listener, ParserLimits limits) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(limits, "limits");
        this.parser = new MessageParser(new ResponseRole(listener), listener, limits);
    }

    /**
     * Expects the response to a request with this method (case-sensitive, RFC 9110 §9.1).
     *
     * @throws IllegalStateException if a response is in progress, the previous one ended the
     *     connection ({@link #keepAlive()} false) or the parser failed
     */
    public void begin(String requestMethod) {
        HttpTokens.checkToken(requestMethod, "request method");
        int s = parser.state();
        if (s == MessageParser.FAILED) {
            throw new IllegalStateException(
                    "parser failed earlier (" + parser.failure() + "); call reset() or close the connection");
        }
        if (s == MessageParser.TUNNEL) {
            throw new IllegalStateException(
                    "the connection left HTTP/1.1 (" + statusCode + " response); it carries no more responses");
        }
        if (s == MessageParser.COMPLETE && !parser.keepAlive()) {
            throw new IllegalStateException("the previous response ended the connection (keepAlive() is false)");
        }
        if (method != null && s != MessageParser.COMPLETE && (s != MessageParser.START_LINE || parser.started())) {
            throw new IllegalStateException("response to " + method + " still in progress; call reset() to abandon it");
        }
        parser.startNext();
        method = requestMethod;
    }

    /**
     * Consumes as much of {@code in} as belongs to the current response, reporting events as they
     * complete; stops right after {@code onMessageComplete}. Advances {@code in}'s position.
     *
     * @return the number of bytes consumed
     * @throws HttpParseException if the response is malformed or exceeds a limit (final)
     * @throws IllegalStateException before {@link #begin}, after the response completed, or after
     *     a failure
     */
    public int parse(ByteBuffer in) throws HttpParseException {
        if (method == null) {
            throw new IllegalStateException("call begin(requestMethod) before parsing a response");
        }
        if (parser.state() == MessageParser.COMPLETE || parser.state() == MessageParser.TUNNEL) {
            throw new IllegalStateException("the response is complete; call begin(requestMethod) for the next one");
        }
        int start = in.position();
        parser.parse(in);
        return in.position() - start;
    }

    /**
     * The server closed the connection. Completes a {@link BodyFraming#UNTIL_CLOSE} body (with
     * {@code onMessageComplete}); does nothing between responses.
     *
     * @throws HttpParseException if a response was expected ({@link #begin} called) but had not
     *     started (check {@link #messageStarted()} first to retry an idempotent request on a fresh
     *     connection), or was cut short: in the head, short of its Content-Length, or inside the
     *     chunked framing
     */
    public void endOfInput() throws HttpParseException {
        if (method == null) return;
        if (parser.state() == MessageParser.START_LINE && !parser.started()) {
            throw new HttpParseException("connection closed before the response to " + method + " started");
        }
        parser.endOfInput();
    }

    /** Abandons any response in progress and clears a failure; {@link #begin} comes next. */
    public void reset() {
        parser.startNext();
        method = null;
        statusCode = 0;
    }

    /**
     * Whether the connection may carry another exchange after this response (RFC 9112 §9.3):
     * HTTP/1.1 without {@code Connection: close}, or HTTP/1.0 with {@code Connection: keep-alive};
     * never after a close-delimited body or a tunnel. Known from {@code onHeadersComplete}; false
     * before. The engine also honours a {@code close} it sent itself.
     */
    public boolean keepAlive() {
        return parser.keepAlive();
    }

    /** The framing of the current final response, from {@code onHeadersComplete}; null before. */
    public BodyFraming framing() {
        return parser.framing();
    }

    /** The status code of the latest status line; 0 before one. */
    public int statusCode() {
        return statusCode;
    }

    /** The version of the latest status line; null before one. */
    public HttpVersion version() {
        return parser.version();
    }

    /** The Connection field had the "upgrade" option (meaningful with a 101). */
    public boolean connectionUpgrade() {
        return parser.connectionUpgrade();
    }

    /** The current response is complete ({@code onMessageComplete} was reported). */
    public boolean isComplete() {
        int s = parser.state();
        return s == MessageParser.COMPLETE || s == MessageParser.TUNNEL;
    }

    /** The connection left HTTP/1.1: a 101, or a 2xx to CONNECT. */
    public boolean isTunnel() {
        return parser.state() == MessageParser.TUNNEL;
    }

    /** Some byte of the current response (empty lines before it aside) has been consumed. */
    public boolean messageStarted() {
        return parser.started();
    }

    private final class ResponseRole implements MessageParser.Role {
        private final Listener listener;

        ResponseRole(Listener listener) {
            this.listener = listener;
        }

        /** status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4). */
        @Override
        public void startLine(MessageParser p, byte[] b, int n) throws HttpParseException {
            if (n < 12 || b[8] != ' ') {
                throw new HttpParseException("malformed status line \"" + text(b, 0, n) + "\"");
            }
            HttpVersion v = MessageParser.parseVersion(b, 0, 8);
            if (!MessageParser.isDigit(b[9]) || !MessageParser.isDigit(b[10]) || !MessageParser.isDigit(b[11])
                    || (n > 12 && b[12] != ' ')) {
                throw new HttpParseException("malformed status code in \"" + text(b, 0, n) + "\" (RFC 9112 §4)");
            }
            int code = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
            if (code < 100) {
                throw new HttpParseException("status code " + code + " out of range (RFC 9110 §15)");
            }
            for (int i = 13; i < n; i++) {
                // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
                if (HttpTokens.isForbiddenCtl(b[i] & 0xFF)) {
                    throw new HttpParseException(
                            "control character " + HttpTokens.hex(b[i]) + " in reason phrase (RFC 9112 §4)");
                }
            }
            String reason = n > 13 ? new String(b, 13, n - 13, ISO_8859_1) : "";
            p.version(v);
            statusCode = code;
            listener.onStatus(v, code, reason);
        }

        @Override
        public String startLineName() {
            return "status line";
        }

        @Override
        public int startLineTooLongStatus() {
            return 431;
        }

        @Override
        public void header(String name, String value) {}

        /** RFC 9112 §6.3, in its order. */
        @Override
        public BodyFraming framing(MessageParser p) {
            if (statusCode < 200) {
                if (statusCode == 101) return BodyFraming.TUNNEL;
                listener.onInterimResponse(statusCode);
                return null;
            }
            if (statusCode < 300 && method.equals("CONNECT")) return BodyFraming.TUNNEL;
            if (statusCode == 204 || statusCode == 304 || method.equals("HEAD")) return BodyFraming.NONE;
            if (p.chunked()) return BodyFraming.CHUNKED;
            if (p.contentLength() >= 0) return BodyFraming.CONTENT_LENGTH;
            return BodyFraming.UNTIL_CLOSE;
        }

        @Override
        public void resetHead() {}
    }

    private static String text(byte[] b, int from, int to) {
        return HttpTokens.printable(new String(b, from, Math.min(to - from, 80), ISO_8859_1));
    }
}
