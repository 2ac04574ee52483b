package dev.evloop.http.codec;

import java.nio.ByteBuffer;

/**
 * The chunked transfer coding, receiving side (RFC 9112 §7.1): the one implementation of chunk
 * framing, used by both parsers. It walks the framing and says where data is; it never touches the
 * data itself, so the caller can hand it on without copying.
 *
 * <pre>
 * chunked-body = *chunk last-chunk trailer-section CRLF
 * chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 * chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 * </pre>
 *
 * <p>Lifecycle:
 * <ol>
 *   <li>{@link #reset} at the start of a chunked body;
 *   <li>{@link #next} until it returns {@link #DONE}: a positive result is the number of data bytes
 *       at the input's position, which the caller consumes and reports with {@link #consumed};
 *   <li>trailer fields go to the sink given to {@link #next} as they complete.
 * </ol>
 *
 * <p>Framing is strict: CRLF is required after the chunk-size line and after chunk data (a bare
 * LF there is an error, whatever {@link ParserLimits#allowBareLf()} says, since RFC 9112 §2.2 only
 * allows it for the start line and fields, and chunk framing is where smuggling lives). Extensions
 * are checked against the grammar and then ignored (RFC 9112 §7.1.1: "MUST ignore unrecognized
 * chunk extensions"); whitespace after the size without a following ";" is rejected.
 */
final class ChunkedDecoder {
    /** Returned by {@link #next}: more input is needed. */
    static final long NEED_MORE = -1;
    /** Returned by {@link #next}: last chunk and trailer section consumed; the body is complete. */
    static final long DONE = -2;

    private static final int SIZE_LINE = 0;
    private static final int DATA = 1;
    private static final int DATA_CR = 2;
    private static final int DATA_LF = 3;
    private static final int TRAILERS = 4;
    private static final int COMPLETE = 5;

    private final LineReader lines;
    private final FieldSectionReader trailers;
    private final int maxLineBytes;
    private final int maxTrailerBytes;
    /** One of the constants above; owned by the parser's thread like everything here. */
    private int state;
    /** Data bytes of the current chunk not yet consumed. */
    private long remaining;

    ChunkedDecoder(LineReader lines, ParserLimits limits) {
        this.lines = lines;
        // Trailers sit inside the chunked framing, so no bare LF there either.
        this.trailers = new FieldSectionReader(lines, limits, false, "trailer");
        this.maxLineBytes = limits.maxChunkLineBytes();
        this.maxTrailerBytes = limits.maxHeaderSectionBytes();
    }

    void reset() {
        state = SIZE_LINE;
        remaining = 0;
    }

    /** Where in the framing the decoder is, for error messages. */
    String where() {
        return switch (state) {
            case SIZE_LINE -> "a chunk-size line";
            case DATA -> "chunk data (" + remaining + " bytes missing)";
            case DATA_CR, DATA_LF -> "the CRLF after chunk data";
            case TRAILERS -> "the trailer section";
            default -> "nothing";
        };
    }

    /**
     * Consumes framing bytes until data is available, input runs out or the body ends.
     *
     * @return the count of data bytes starting at {@code in.position()} (at most
     *     {@code in.remaining()}, at least 1), {@link #NEED_MORE} or {@link #DONE}
     */
    long next(ByteBuffer in, FieldSectionReader.Sink trailerSink) throws HttpParseException {
        while (true) {
            switch (state) {
                case SIZE_LINE -> {
                    if (!readSizeLine(in)) return NEED_MORE;
                }
                case DATA -> {
                    if (!in.hasRemaining()) return NEED_MORE;
                    return Math.min(remaining, in.remaining());
                }
                case DATA_CR -> {
                    if (!in.hasRemaining()) return NEED_MORE;
                    byte b = in.get();
                    if (b != '\r') throw missingCrlf(b);
                    state = DATA_LF;
                }
                case DATA_LF -> {
                    if (!in.hasRemaining()) return NEED_MORE;
                    byte b = in.get();
                    if (b != '\n') throw missingCrlf(b);
                    state = SIZE_LINE;
                }
                case TRAILERS -> {
                    if (!trailers.read(in, trailerSink)) return NEED_MORE;
                    state = COMPLETE;
                    return DONE;
                }
                case COMPLETE -> {
                    return DONE;
                }
                default -> throw new AssertionError("chunked state " + state);
            }
        }
    }

    /** The caller consumed {@code n} data bytes of those {@link #next} announced. */
    void consumed(long n) {
        assert state == DATA && n > 0 && n <= remaining : "consumed " + n + " of " + remaining;
        remaining -= n;
        if (remaining == 0) {
            state = DATA_CR;
        }
    }

    private boolean readSizeLine(ByteBuffer in) throws HttpParseException {
        int n = lines.read(in, maxLineBytes, false);
        switch (n) {
            case LineReader.NEED_MORE:
                return false;
            case LineReader.TOO_LONG:
                throw new HttpParseException("chunk-size line exceeds " + maxLineBytes + " bytes");
            case LineReader.BARE_LF:
                throw new HttpParseException("bare LF in chunk-size line (CRLF required, RFC 9112 §7.1)");
            default:
                break;
        }
        byte[] b = lines.array();
        int i = 0;
        long size = 0;
        while (i < n && HttpTokens.isHexDigit(b[i])) {
            if (size > (Long.MAX_VALUE >>> 4)) {
                throw new HttpParseException("chunk size overflows: \"" + line(b, n) + "\"");
            }
            size = (size << 4) | HttpTokens.hexValue(b[i]);
            i++;
        }
        if (i == 0) {
            throw new HttpParseException("invalid chunk size (not hexadecimal): \"" + line(b, n) + "\"");
        }
        checkExtensions(b, i, n);
        if (size == 0) {
            trailers.begin(maxTrailerBytes);
            state = TRAILERS;
        } else {
            remaining = size;
            state = DATA;
        }
        return true;
    }

    /** chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), RFC 9112 §7.1.1. */
    private static void checkExtensions(byte[] b, int i, int n) throws HttpParseException {
        boolean first = true;
        while (i < n) {
            i = skipWhitespace(b, i, n);
            if (i == n || b[i] != ';') {
                // Right after the digits, this is a bad size ("5 ", "5x"); later, a bad extension.
                throw first ? new HttpParseException("invalid chunk size (not hexadecimal): \"" + line(b, n) + "\"")
                        : badExtension(b, n);
            }
            first = false;
            i = skipWhitespace(b, i + 1, n);
            int nameStart = i;
            while (i < n && HttpTokens.isTchar(b[i])) i++;
            if (i == nameStart) {
                throw badExtension(b, n);
            }
            int afterName = i;
            i = skipWhitespace(b, i, n);
            if (i < n && b[i] == '=') {
                i = skipWhitespace(b, i + 1, n);
                if (i < n && b[i] == '"') {
                    i = skipQuotedString(b, i, n);
                } else {
                    int valueStart = i;
                    while (i < n && HttpTokens.isTchar(b[i])) i++;
                    if (i == valueStart) throw badExtension(b, n);
                }
            } else {
                i = afterName;
            }
        }
    }

    /** quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, RFC 9110 §5.6.4. */
    private static int skipQuotedString(byte[] b, int i, int n) throws HttpParseException {
        i++;
        while (i < n) {
            int c = b[i] & 0xFF;
            if (c == '"') return i + 1;
            if (c == '\\') {
                if (i + 1 == n || HttpTokens.isForbiddenCtl(b[i + 1] & 0xFF)) throw badExtension(b, n);
                i += 2;
            } else if (HttpTokens.isForbiddenCtl(c)) {
                throw badExtension(b, n);
            } else {
                i++;
            }
        }
        throw badExtension(b, n);
    }

    private static int skipWhitespace(byte[] b, int i, int n) {
        while (i < n && HttpTokens.isWhitespace(b[i])) i++;
        return i;
    }

    private static HttpParseException badExtension(byte[] b, int n) {
        return new HttpParseException("invalid chunk extension (RFC 9112 §7.1.1): \"" + line(b, n) + "\"");
    }

    private static HttpParseException missingCrlf(byte b) {
        return new HttpParseException("expected CRLF after chunk data, got " + HttpTokens.hex(b) + " (RFC 9112 §7.1)");
    }

    private static String line(byte[] b, int n) {
        return HttpTokens.printable(new String(b, 0, Math.min(n, 80), java.nio.charset.StandardCharsets.ISO_8859_1));
    }
}
