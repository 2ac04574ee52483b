package dev.evloop.http.codec;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.nio.ByteBuffer;

/**
 * Reads one field section, the header section of a message or the trailer section of a chunked
 * body: field lines up to an empty line (RFC 9112 §5, §7.1.2). The one implementation of
 * field-line parsing, used by both parsers for both sections.
 *
 * <p>Lifecycle:
 * <ol>
 *   <li>{@link #begin} with the byte budget left for the section;
 *   <li>{@link #read} as input arrives; each field goes to the sink as it completes;
 *   <li>{@link #read} returns true once the empty line is consumed; {@link #begin} again for the
 *       next section.
 * </ol>
 *
 * <p>Rules (all violations are {@link HttpParseException}s):
 * <ul>
 *   <li>field-line = field-name ":" OWS field-value OWS; the name is a token (RFC 9110 §5.1).
 *   <li>Whitespace between name and colon is rejected (RFC 9112 §5.1: "MUST respond with 400").
 *   <li>A line starting with whitespace is rejected: as the first line it is whitespace after the
 *       start line (RFC 9112 §2.2 allows rejecting), later it is obs-fold (RFC 9112 §5.2: a server
 *       MUST reject or unfold; a user agent MUST unfold — we reject on both sides, see
 *       {@link Http1ResponseParser}).
 *   <li>NUL and CR in a value are rejected (RFC 9110 §5.5: "MUST either reject ... or replace");
 *       other controls are kept, as §5.5 permits.
 * </ul>
 */
final class FieldSectionReader {

    /** Receives each field of the section. */
    interface Sink {
        void field(String name, String value) throws HttpParseException;
    }

    private final LineReader lines;
    private final int maxCount;
    private final int limitBytes;
    private final boolean allowBareLf;
    /** "header" or "trailer", for messages. */
    private final String what;
    /** Bytes still allowed for this section. */
    private int budget;
    private int count;

    FieldSectionReader(LineReader lines, ParserLimits limits, boolean allowBareLf, String what) {
        this.lines = lines;
        this.maxCount = limits.maxHeaderCount();
        this.limitBytes = limits.maxHeaderSectionBytes();
        this.allowBareLf = allowBareLf;
        this.what = what;
    }

    void begin(int budgetBytes) {
        budget = budgetBytes;
        count = 0;
    }

    /** Bytes still allowed for this section. */
    int remaining() {
        return budget;
    }

    /** @return true once the section's empty line has been consumed */
    boolean read(ByteBuffer in, Sink sink) throws HttpParseException {
        while (true) {
            int n = lines.read(in, budget, allowBareLf);
            switch (n) {
                case LineReader.NEED_MORE:
                    return false;
                case LineReader.TOO_LONG:
                    throw new HttpParseException(431, what + " section exceeds " + limitBytes + " bytes");
                case LineReader.BARE_LF:
                    throw new HttpParseException("bare LF in " + what + " section (CRLF required, RFC 9112 §2.2)");
                default:
                    break;
            }
            budget -= lines.lastLineBytes();
            if (n == 0) {
                return true;
            }
            if (++count > maxCount) {
                throw new HttpParseException(431, "more than " + maxCount + " " + what + " fields");
            }
            parseLine(lines.array(), n, sink);
        }
    }

    private void parseLine(byte[] b, int len, Sink sink) throws HttpParseException {
        if (HttpTokens.isWhitespace(b[0])) {
            throw new HttpParseException(count == 1
                    ? what + " field line starts with whitespace (RFC 9112 §2.2)"
                    : "obsolete line folding (obs-fold) in " + what + " section (RFC 9112 §5.2)");
        }
        int colon = 0;
        while (colon < len && HttpTokens.isTchar(b[colon])) {
            colon++;
        }
        if (colon == len) {
            throw new HttpParseException(what + " field line without a colon: \"" + text(b, 0, len) + "\"");
        }
        if (b[colon] != ':') {
            int j = colon;
            while (j < len && HttpTokens.isWhitespace(b[j])) j++;
            if (j > colon && j < len && b[j] == ':') {
                throw new HttpParseException("whitespace between " + what + " field name \"" + text(b, 0, colon)
                        + "\" and colon (RFC 9112 §5.1)");
            }
            throw new HttpParseException("invalid character " + HttpTokens.hex(b[colon]) + " in " + what
                    + " field name \"" + text(b, 0, colon) + "\"");
        }
        if (colon == 0) {
            throw new HttpParseException("empty " + what + " field name");
        }
        int start = colon + 1;
        int end = len;
        while (start < end && HttpTokens.isWhitespace(b[start])) start++;
        while (end > start && HttpTokens.isWhitespace(b[end - 1])) end--;
        for (int i = start; i < end; i++) {
            if (b[i] == 0 || b[i] == '\r') {
                throw new HttpParseException((b[i] == 0 ? "NUL" : "CR") + " in value of " + what + " field \""
                        + text(b, 0, colon) + "\" (RFC 9110 §5.5)");
            }
        }
        sink.field(new String(b, 0, colon, ISO_8859_1), new String(b, start, end - start, ISO_8859_1));
    }

    private static String text(byte[] b, int from, int to) {
        return HttpTokens.printable(new String(b, from, Math.min(to - from, 80), ISO_8859_1));
    }
}
