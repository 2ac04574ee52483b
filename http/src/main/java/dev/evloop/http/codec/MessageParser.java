package dev.evloop.http.codec;

import java.nio.ByteBuffer;

/**
 * The parsing machinery shared by {@link Http1ResponseParser} and {@link Http1RequestParser}:
 * start-line gathering, the header section, the framing fields, body delimitation (RFC 9112 §6.3),
 * body hand-off and completion. What differs between requests and responses is a {@link Role}.
 *
 * <p>Lifecycle of one message, the field {@link #state}:
 * <ol>
 *   <li>{@code START_LINE}: empty lines are skipped (RFC 9112 §2.2), then the role parses the start
 *       line;
 *   <li>{@code FIELDS}: header fields; Content-Length, Transfer-Encoding and Connection are
 *       interpreted on the way;
 *   <li>the head is checked for smuggling shapes and the role decides the framing; an interim (1xx)
 *       response goes back to {@code START_LINE};
 *   <li>{@code BODY_LENGTH}, {@code BODY_CHUNKED} or {@code BODY_UNTIL_CLOSE}: body bytes are
 *       handed to the listener as views of the input;
 *   <li>{@code COMPLETE} (or {@code TUNNEL}): {@link #parse} consumes nothing more until
 *       {@link #startNext}. Any error leads to {@code FAILED}, which only {@link #startNext} leaves.
 * </ol>
 *
 * <p>Not thread-safe: one parser belongs to one connection, driven by one thread at a time.
 */
final class MessageParser {

    /** What differs between parsing a request and parsing a response. */
    interface Role {
        /** Parses and reports the start line (terminator excluded); must call {@link #version(HttpVersion)}. */
        void startLine(MessageParser p, byte[] line, int len) throws HttpParseException;

        /** "status line" or "request line", for messages. */
        String startLineName();

        /** The status to suggest when the start line alone exceeds the head limit. */
        int startLineTooLongStatus();

        /** Sees every header field before the listener does. */
        void header(String name, String value) throws HttpParseException;

        /**
         * Decides the framing once the header section is read and checked, or returns null for an
         * interim (1xx) response after reporting it.
         */
        BodyFraming framing(MessageParser p) throws HttpParseException;

        /** Forgets the state of the current head. */
        void resetHead();
    }

    static final int START_LINE = 0;
    static final int FIELDS = 1;
    static final int BODY_LENGTH = 2;
    static final int BODY_CHUNKED = 3;
    static final int BODY_UNTIL_CLOSE = 4;
    static final int COMPLETE = 5;
    static final int TUNNEL = 6;
    static final int FAILED = 7;

    private final Role role;
    private final Http1MessageListener listener;
    private final ParserLimits limits;
    private final LineReader lines = new LineReader();
    private final FieldSectionReader headers;
    private final ChunkedDecoder chunked;
    private final FieldSectionReader.Sink headerSink = this::headerField;
    private final FieldSectionReader.Sink trailerSink;

    /** One of the constants above; see the class doc for the transitions. */
    private int state = START_LINE;
    /** A byte of the current message (other than empty lines before it) was consumed. */
    private boolean started;
    /** A start line of the current exchange was parsed (an interim response's counts). */
    private boolean startLineSeen;
    /** Why the parser failed, for the {@link IllegalStateException} of later calls. */
    private String failure;
    /**
     * Head bytes consumed before the header section: empty lines and the start line, plus the
     * whole heads of the interim responses before it.
     */
    private int startBytes;
    private long bodyBytes;
    private long bodyRemaining;

    // Facts about the current head, reset by resetHead().
    private HttpVersion version;
    /** -1: no Content-Length field. */
    private long contentLength;
    private boolean transferEncoding;
    private boolean chunkedCoding;
    private boolean connectionClose;
    private boolean connectionKeepAlive;
    private boolean connectionUpgrade;
    /** Decided at the end of the head; null before. */
    private BodyFraming framing;
    private boolean keepAlive;

    MessageParser(Role role, Http1MessageListener listener, ParserLimits limits) {
        this.role = role;
        this.listener = listener;
        this.limits = limits;
        this.headers = new FieldSectionReader(lines, limits, limits.allowBareLf(), "header");
        this.chunked = new ChunkedDecoder(lines, limits);
        this.trailerSink = listener::onTrailer;
        resetHead();
    }

    /** Consumes what it can of {@code in}, stopping after a complete message. */
    void parse(ByteBuffer in) throws HttpParseException {
        if (state == FAILED) {
            throw new IllegalStateException("parser failed earlier (" + failure + "); the connection must be closed");
        }
        try {
            run(in);
        } catch (HttpParseException | RuntimeException e) {
            fail(e.getMessage());
            throw e;
        }
    }

    /** The peer closed the connection; see the public parsers for the contract. */
    void endOfInput() throws HttpParseException {
        switch (state) {
            case BODY_UNTIL_CLOSE -> complete();
            case COMPLETE, TUNNEL -> {}
            case START_LINE -> {
                if (started) throw closedEarly("in the " + role.startLineName());
            }
            case FIELDS -> throw closedEarly("in the header section");
            case BODY_LENGTH -> throw closedEarly("after " + bodyBytes + " of " + contentLength + " body bytes");
            case BODY_CHUNKED -> throw closedEarly("in " + chunked.where() + " of a chunked body");
            case FAILED -> throw new IllegalStateException("parser failed earlier (" + failure + ")");
            default -> throw new AssertionError("state " + state);
        }
    }

    /** Prepares for the next message on the connection, abandoning any current one. */
    void startNext() {
        state = START_LINE;
        started = false;
        startLineSeen = false;
        failure = null;
        startBytes = 0;
        bodyBytes = 0;
        bodyRemaining = 0;
        lines.reset();
        resetHead();
    }

    private void run(ByteBuffer in) throws HttpParseException {
        while (true) {
            switch (state) {
                case START_LINE -> {
                    if (!readStartLine(in)) return;
                }
                case FIELDS -> {
                    if (!headers.read(in, headerSink)) return;
                    endOfHead();
                }
                case BODY_LENGTH -> {
                    int n = (int) Math.min(bodyRemaining, in.remaining());
                    if (n == 0) return;
                    emit(in, n);
                    bodyRemaining -= n;
                    if (bodyRemaining == 0) complete();
                }
                case BODY_CHUNKED -> {
                    long n = chunked.next(in, trailerSink);
                    if (n == ChunkedDecoder.NEED_MORE) return;
                    if (n == ChunkedDecoder.DONE) {
                        complete();
                    } else {
                        emit(in, (int) n);
                        chunked.consumed(n);
                    }
                }
                case BODY_UNTIL_CLOSE -> {
                    int n = in.remaining();
                    if (n == 0) return;
                    emit(in, n);
                }
                case COMPLETE, TUNNEL -> {
                    return;
                }
                default -> throw new AssertionError("state " + state);
            }
        }
    }

    private boolean readStartLine(ByteBuffer in) throws HttpParseException {
        int max = limits.maxHeaderSectionBytes();
        while (true) {
            int n = lines.read(in, max - startBytes, limits.allowBareLf());
            switch (n) {
                case LineReader.NEED_MORE -> {
                    // A lone CR may yet be an empty line; anything else is the message starting.
                    int pending = lines.pending();
                    started = startLineSeen || pending > 1 || (pending == 1 && lines.array()[0] != '\r');
                    return false;
                }
                case LineReader.TOO_LONG -> throw new HttpParseException(role.startLineTooLongStatus(),
                        role.startLineName() + " exceeds the header section limit of " + max + " bytes");
                case LineReader.BARE_LF -> throw new HttpParseException(
                        "bare LF in " + role.startLineName() + " (CRLF required, RFC 9112 §2.2)");
                default -> {}
            }
            startBytes += lines.lastLineBytes();
            if (n > 0) {
                started = true;
                startLineSeen = true;
                role.startLine(this, lines.array(), n);
                assert version != null : "role did not set the version";
                headers.begin(max - startBytes);
                state = FIELDS;
                return true;
            }
            // RFC 9112 §2.2: "SHOULD ignore at least one empty line (CRLF) received prior to the
            // request-line"; bounded by the head budget. Done for status lines too.
            started = startLineSeen;
        }
    }

    private void headerField(String name, String value) throws HttpParseException {
        // Framing fields, compared case-insensitively (RFC 9110 §5.1); length first, it is cheap.
        switch (name.length()) {
            case 14 -> {
                if (name.equalsIgnoreCase("Content-Length")) contentLength(value);
            }
            case 17 -> {
                if (name.equalsIgnoreCase("Transfer-Encoding")) transferEncoding(value);
            }
            case 10 -> {
                if (name.equalsIgnoreCase("Connection")) connection(value);
            }
            default -> {}
        }
        role.header(name, value);
        listener.onHeader(name, value);
    }

    /**
     * Content-Length = 1*DIGIT (RFC 9110 §8.6). A list of identical values, in one line or over
     * several, is accepted as that value, which §8.6 permits; differing values are rejected.
     */
    private void contentLength(String value) throws HttpParseException {
        int n = value.length();
        int i = 0;
        long v = -1;
        while (true) {
            int start = i;
            long x = 0;
            while (i < n && value.charAt(i) >= '0' && value.charAt(i) <= '9') {
                int d = value.charAt(i) - '0';
                if (x > (Long.MAX_VALUE - d) / 10) {
                    throw new HttpParseException("Content-Length overflows: \"" + HttpTokens.printable(value) + "\"");
                }
                x = x * 10 + d;
                i++;
            }
            if (i == start) {
                throw malformedLength(value);
            }
            if (v >= 0 && x != v) {
                throw conflictingLengths(v, x);
            }
            v = x;
            while (i < n && HttpTokens.isWhitespace(value.charAt(i))) i++;
            if (i == n) break;
            if (value.charAt(i) != ',') {
                throw malformedLength(value);
            }
            i++;
            while (i < n && HttpTokens.isWhitespace(value.charAt(i))) i++;
        }
        if (contentLength >= 0 && contentLength != v) {
            throw conflictingLengths(contentLength, v);
        }
        contentLength = v;
    }

    private static HttpParseException malformedLength(String value) {
        return new HttpParseException("malformed Content-Length \"" + HttpTokens.printable(value) + "\" (RFC 9110 §8.6)");
    }

    private static HttpParseException conflictingLengths(long a, long b) {
        return new HttpParseException("conflicting Content-Length values " + a + " and " + b + " (RFC 9110 §8.6)");
    }

    /**
     * Transfer-Encoding = #transfer-coding (RFC 9112 §6.1). Only chunked is implemented, so it must
     * be the one and final coding: anything after it (RFC 9112 §6.3 item 4 makes such a request a
     * 400) or any other coding (§6.1: "SHOULD respond with 501") is rejected, on both sides.
     */
    private void transferEncoding(String value) throws HttpParseException {
        transferEncoding = true;
        int n = value.length();
        int i = 0;
        while (i <= n) {
            int comma = value.indexOf(',', i);
            int end = comma < 0 ? n : comma;
            int s = i;
            int e = end;
            while (s < e && HttpTokens.isWhitespace(value.charAt(s))) s++;
            while (e > s && HttpTokens.isWhitespace(value.charAt(e - 1))) e--;
            if (s < e) { // empty list elements are ignored, RFC 9110 §5.6.1
                boolean isChunked = e - s == 7 && value.regionMatches(true, s, "chunked", 0, 7);
                if (chunkedCoding) {
                    throw new HttpParseException(isChunked
                            ? "chunked applied more than once (RFC 9112 §7)"
                            : "chunked is not the final transfer coding in \"" + HttpTokens.printable(value)
                                    + "\" (RFC 9112 §6.3)");
                }
                if (!isChunked) {
                    throw new HttpParseException(501, "unsupported transfer coding \""
                            + HttpTokens.printable(value.substring(s, e)) + "\" (only chunked is supported)");
                }
                chunkedCoding = true;
            }
            i = end + 1;
        }
    }

    /** Connection = #connection-option (RFC 9110 §7.6.1); close and keep-alive per RFC 9112 §9.3. */
    private void connection(String value) {
        int n = value.length();
        int i = 0;
        while (i <= n) {
            int comma = value.indexOf(',', i);
            int end = comma < 0 ? n : comma;
            int s = i;
            int e = end;
            while (s < e && HttpTokens.isWhitespace(value.charAt(s))) s++;
            while (e > s && HttpTokens.isWhitespace(value.charAt(e - 1))) e--;
            if (e - s == 5 && value.regionMatches(true, s, "close", 0, 5)) connectionClose = true;
            else if (e - s == 10 && value.regionMatches(true, s, "keep-alive", 0, 10)) connectionKeepAlive = true;
            else if (e - s == 7 && value.regionMatches(true, s, "upgrade", 0, 7)) connectionUpgrade = true;
            i = end + 1;
        }
    }

    private void endOfHead() throws HttpParseException {
        if (transferEncoding) {
            // RFC 9112 §6.3 item 3: "ought to be handled as an error"; §6.1: a server MAY reject.
            if (contentLength >= 0) {
                throw new HttpParseException(
                        "both Transfer-Encoding and Content-Length (request smuggling shape, RFC 9112 §6.3)");
            }
            if (!chunkedCoding) {
                throw new HttpParseException("Transfer-Encoding without a transfer coding");
            }
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
            if (version == HttpVersion.HTTP_1_0) {
                throw new HttpParseException("Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1)");
            }
        }
        BodyFraming f = role.framing(this);
        if (f == null) { // interim response: the final one follows with a head of its own
            // RFC 9110 §15.2 allows any number of 1xx before the final response; they share the
            // final head's budget, or a peer sending 1xx forever would be read forever.
            startBytes = limits.maxHeaderSectionBytes() - headers.remaining();
            resetHead();
            state = START_LINE;
            return;
        }
        framing = f;
        // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
        keepAlive = f != BodyFraming.UNTIL_CLOSE && f != BodyFraming.TUNNEL && !connectionClose
                && (version == HttpVersion.HTTP_1_1 || connectionKeepAlive);
        if (f == BodyFraming.CONTENT_LENGTH && contentLength > limits.maxBodyBytes()) {
            throw new HttpParseException(413, "Content-Length " + contentLength + " exceeds the body limit of "
                    + limits.maxBodyBytes() + " bytes");
        }
        listener.onHeadersComplete(f, switch (f) {
            case CONTENT_LENGTH -> contentLength;
            case NONE -> 0;
            default -> -1;
        });
        switch (f) {
            case NONE -> complete();
            case CONTENT_LENGTH -> {
                if (contentLength == 0) {
                    complete();
                } else {
                    bodyRemaining = contentLength;
                    state = BODY_LENGTH;
                }
            }
            case CHUNKED -> {
                chunked.reset();
                state = BODY_CHUNKED;
            }
            case UNTIL_CLOSE -> state = BODY_UNTIL_CLOSE;
            case TUNNEL -> {
                state = TUNNEL;
                listener.onMessageComplete();
            }
        }
    }

    /** Hands {@code n} body bytes at the input's position to the listener, without copying. */
    private void emit(ByteBuffer in, int n) throws HttpParseException {
        if (n > limits.maxBodyBytes() - bodyBytes) {
            throw new HttpParseException(413, "body exceeds " + limits.maxBodyBytes() + " bytes");
        }
        bodyBytes += n;
        int end = in.position() + n;
        int limit = in.limit();
        in.limit(end);
        try {
            listener.onBody(in);
        } finally {
            in.limit(limit);
            in.position(end);
        }
    }

    private void complete() {
        state = COMPLETE;
        listener.onMessageComplete();
    }

    private void fail(String why) {
        state = FAILED;
        failure = why;
    }

    private HttpParseException closedEarly(String where) {
        fail("connection closed " + where);
        return new HttpParseException("connection closed before the end of the message: " + where);
    }

    private void resetHead() {
        version = null;
        contentLength = -1;
        transferEncoding = false;
        chunkedCoding = false;
        connectionClose = false;
        connectionKeepAlive = false;
        connectionUpgrade = false;
        framing = null;
        keepAlive = false;
        role.resetHead();
    }

    /**
     * HTTP-version = HTTP-name "/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3), at
     * {@code b[off..off+8)}.
     */
    static HttpVersion parseVersion(byte[] b, int off, int len) throws HttpParseException {
        if (len != 8 || b[off] != 'H' || b[off + 1] != 'T' || b[off + 2] != 'T' || b[off + 3] != 'P' || b[off + 4] != '/'
                || !isDigit(b[off + 5]) || b[off + 6] != '.' || !isDigit(b[off + 7])) {
            String text = new String(b, off, Math.min(len, 40), java.nio.charset.StandardCharsets.ISO_8859_1);
            throw new HttpParseException("malformed HTTP version \"" + HttpTokens.printable(text) + "\"");
        }
        if (b[off + 5] != '1') {
            throw new HttpParseException(505, "unsupported HTTP version HTTP/" + (char) b[off + 5] + "." + (char) b[off + 7]);
        }
        return b[off + 7] == '0' ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
    }

    static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    void version(HttpVersion v) {
        version = v;
    }

    HttpVersion version() {
        return version;
    }

    long contentLength() {
        return contentLength;
    }

    boolean chunked() {
        return chunkedCoding;
    }

    boolean connectionUpgrade() {
        return connectionUpgrade;
    }

    BodyFraming framing() {
        return framing;
    }

    boolean keepAlive() {
        return keepAlive;
    }

    int state() {
        return state;
    }

    boolean started() {
        return started;
    }

    String failure() {
        return failure;
    }
}
