package dev.evloop.http.codec;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Incremental HTTP/1.x request parser for the server side (RFC 9112), push style, sharing its
 * header, framing and chunked code with {@link Http1ResponseParser}. No socket, loop or clock; no
 * body byte is copied.
 *
 * <p>Lifecycle, per connection:
 * <ol>
 *   <li>{@link #parse(ByteBuffer)} each time bytes arrive, split anywhere. The {@link Listener}
 *       hears {@code onRequestLine}, {@code onHeader}*, {@code onHeadersComplete},
 *       {@code onBody}*, {@code onTrailer}*, {@code onMessageComplete}. At
 *       {@code onHeadersComplete} the server may answer {@code 100 Continue} if
 *       {@link #expectContinue()}.
 *   <li>After {@code onMessageComplete}, {@code parse} returns at once; bytes of a pipelined next
 *       request stay in the buffer.
 *   <li>If {@link #keepAlive()}, the next {@code parse} starts the next request by itself;
 *       otherwise the server closes the connection after responding (RFC 9112 §9.6).
 *   <li>When the client closes, {@link #endOfInput()}: nothing between requests, an error inside one.
 *   <li>An {@link HttpParseException} is final: answer {@link HttpParseException#suggestedStatus()}
 *       if possible and close the connection; further calls throw {@link IllegalStateException}
 *       until {@link #reset()}.
 * </ol>
 *
 * <p>Rules beyond the shared ones (see {@link Http1ResponseParser} and {@link ParserLimits}):
 * <ul>
 *   <li>request-line = method SP request-target SP HTTP-version with single spaces (RFC 9112 §3;
 *       the "whitespace-delimited words" leniency of §3 is not taken).
 *   <li>The method is a token, case-sensitive (RFC 9110 §9.1). The target is visible ASCII only and
 *       of the form its method allows (RFC 9112 §3.2): asterisk-form only for OPTIONS,
 *       authority-form only (and always) for CONNECT, otherwise origin-form or absolute-form.
 *   <li>An HTTP/1.1 request without Host, or any request with more than one, is a 400
 *       (RFC 9112 §3.2).
 *   <li>Content-Length with Transfer-Encoding, chunked not final, or chunked twice are 400s; an
 *       unknown transfer coding is a 501 (RFC 9112 §6.1, §6.3). No framing field means no body.
 *   <li>A request line beyond the head limit suggests 414; a header section beyond it, or too many
 *       fields, 431; a body beyond {@link ParserLimits#maxBodyBytes()}, 413; HTTP/2+ in the
 *       request line, 505.
 * </ul>
 *
 * <p>Not thread-safe: one parser per connection, driven by one thread at a time.
 */
public final class Http1RequestParser {

    /** The events of a request. */
    public interface Listener extends Http1MessageListener {
        /** The request line; {@code target} as sent (not decoded or normalized). */
        void onRequestLine(String method, String target, HttpVersion version);
    }

    private final MessageParser parser;
    private String method;
    private String target;
    private int hostCount;
    private boolean expect100;

    public Http1RequestParser(Listener listener) {
        this(listener, ParserLimits.DEFAULT);
    }

    public Http1RequestParser(Listener listener, ParserLimits limits) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(limits, "limits");
        this.parser = new MessageParser(new RequestRole(listener), listener, limits);
    }

    /**
     * Consumes as much of {@code in} as belongs to the current request, reporting events; stops
     * right after {@code onMessageComplete}. After a complete request the next call begins the
     * next one. Advances {@code in}'s position.
     *
     * @return the number of bytes consumed
     * @throws HttpParseException if the request is malformed or exceeds a limit (final)
     * @throws IllegalStateException after a failure, or after a request that ended the connection
     */
    public int parse(ByteBuffer in) throws HttpParseException {
        if (parser.state() == MessageParser.COMPLETE) {
            if (!parser.keepAlive()) {
                throw new IllegalStateException("the previous request ended the connection (keepAlive() is false); "
                        + "no further requests may be processed (RFC 9112 §9.6)");
            }
            parser.startNext();
        }
        int start = in.position();
        parser.parse(in);
        return in.position() - start;
    }

    /**
     * The client closed its side. Nothing happens between requests.
     *
     * @throws HttpParseException if a request was cut short
     */
    public void endOfInput() throws HttpParseException {
        parser.endOfInput();
    }

    /** Abandons any request in progress and clears a failure. */
    public void reset() {
        parser.startNext();
    }

    /**
     * Whether the connection stays open after the response to this request (RFC 9112 §9.3):
     * HTTP/1.1 without {@code Connection: close}, HTTP/1.0 with {@code Connection: keep-alive}.
     * Known from {@code onHeadersComplete}; false before.
     */
    public boolean keepAlive() {
        return parser.keepAlive();
    }

    /**
     * The request carries {@code Expect: 100-continue} and is HTTP/1.1 (an HTTP/1.0 request's
     * expectation is ignored, RFC 9110 §10.1.1). Known from {@code onHeadersComplete}.
     */
    public boolean expectContinue() {
        return expect100 && parser.version() == HttpVersion.HTTP_1_1;
    }

    /** The framing of the current request, from {@code onHeadersComplete}; null before. */
    public BodyFraming framing() {
        return parser.framing();
    }

    /** The method of the current request; null before its request line. */
    public String method() {
        return method;
    }

    /** The request-target of the current request; null before its request line. */
    public String target() {
        return target;
    }

    /** The version of the current request; null before its request line. */
    public HttpVersion version() {
        return parser.version();
    }

    /** The current request is complete ({@code onMessageComplete} was reported). */
    public boolean isComplete() {
        return parser.state() == MessageParser.COMPLETE;
    }

    /** Some byte of the current request (empty lines before it aside) has been consumed. */
    public boolean messageStarted() {
        return parser.started();
    }

    private final class RequestRole implements MessageParser.Role {
        private final Listener listener;

        RequestRole(Listener listener) {
            this.listener = listener;
        }

        /** request-line = method SP request-target SP HTTP-version (RFC 9112 §3). */
        @Override
        public void startLine(MessageParser p, byte[] b, int n) throws HttpParseException {
            int sp1 = 0;
            while (sp1 < n && HttpTokens.isTchar(b[sp1])) sp1++;
            if (sp1 == 0 || sp1 == n || b[sp1] != ' ') {
                throw new HttpParseException("malformed request line \"" + text(b, 0, n) + "\" (RFC 9112 §3)");
            }
            int sp2 = sp1 + 1;
            while (sp2 < n && b[sp2] > 0x20 && b[sp2] < 0x7F) sp2++;
            if (sp2 < n && b[sp2] != ' ') {
                throw new HttpParseException(
                        "invalid character " + HttpTokens.hex(b[sp2]) + " in request-target (RFC 9112 §3.2)");
            }
            if (sp2 == sp1 + 1 || sp2 == n) {
                throw new HttpParseException("malformed request line \"" + text(b, 0, n) + "\" (RFC 9112 §3)");
            }
            HttpVersion v = MessageParser.parseVersion(b, sp2 + 1, n - sp2 - 1);
            String m = new String(b, 0, sp1, ISO_8859_1);
            String t = new String(b, sp1 + 1, sp2 - sp1 - 1, ISO_8859_1);
            checkTargetForm(m, t);
            p.version(v);
            method = m;
            target = t;
            listener.onRequestLine(m, t, v);
        }

        /** RFC 9112 §3.2: which request-target form goes with which method. */
        private static void checkTargetForm(String method, String target) throws HttpParseException {
            boolean ok;
            if (method.equals("CONNECT")) {
                // authority-form = uri-host ":" port
                int colon = target.lastIndexOf(':');
                ok = colon > 0 && colon < target.length() - 1 && target.indexOf('/') < 0 && target.indexOf('@') < 0;
            } else if (target.equals("*")) {
                ok = method.equals("OPTIONS");
            } else if (target.charAt(0) == '/') {
                ok = true;
            } else {
                // absolute-form: scheme ":" ..., scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
                int i = 0;
                while (i < target.length() && isSchemeChar(target.charAt(i), i == 0)) i++;
                ok = i > 0 && i < target.length() && target.charAt(i) == ':';
            }
            if (!ok) {
                throw new HttpParseException("request-target \"" + HttpTokens.printable(target)
                        + "\" is not a valid form for " + method + " (RFC 9112 §3.2)");
            }
        }

        private static boolean isSchemeChar(char c, boolean first) {
            boolean alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            return first ? alpha : alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
        }

        @Override
        public String startLineName() {
            return "request line";
        }

        @Override
        public int startLineTooLongStatus() {
            return 414;
        }

        @Override
        public void header(String name, String value) {
            if (name.length() == 4 && name.equalsIgnoreCase("Host")) {
                hostCount++;
            } else if (name.length() == 6 && name.equalsIgnoreCase("Expect") && value.equalsIgnoreCase("100-continue")) {
                expect100 = true;
            }
        }

        @Override
        public BodyFraming framing(MessageParser p) throws HttpParseException {
            if (hostCount > 1) {
                throw new HttpParseException("multiple Host header fields (RFC 9112 §3.2)");
            }
            if (hostCount == 0 && p.version() == HttpVersion.HTTP_1_1) {
                throw new HttpParseException("HTTP/1.1 request without a Host header field (RFC 9112 §3.2)");
            }
            if (p.chunked()) return BodyFraming.CHUNKED;
            if (p.contentLength() >= 0) return BodyFraming.CONTENT_LENGTH;
            return BodyFraming.NONE; // RFC 9112 §6.3 item 6
        }

        @Override
        public void resetHead() {
            method = null;
            target = null;
            hostCount = 0;
            expect100 = false;
        }
    }

    private static String text(byte[] b, int from, int to) {
        return HttpTokens.printable(new String(b, from, Math.min(to - from, 80), ISO_8859_1));
    }
}
