package dev.evloop.http.codec;

/**
 * Limits and leniencies shared by {@link Http1ResponseParser} and {@link Http1RequestParser}. Each
 * violation is an {@link HttpParseException} naming the limit. A value exactly at a limit is accepted.
 *
 * <p>Byte counts are bytes on the wire, line terminators included.
 *
 * @param maxHeaderSectionBytes the head: from the first byte of the start line (and of any empty
 *     lines ignored before it) through the empty line that ends the header fields, the heads of
 *     interim (1xx) responses before a final one included; the same budget
 *     applies separately to a chunked body's trailer section, last-chunk line excluded
 * @param maxHeaderCount field lines in the header section; separately, in the trailer section
 * @param maxChunkLineBytes one chunk-size line, extensions and CRLF included
 * @param maxBodyBytes body bytes after transfer decoding (chunk framing not counted);
 *     {@link Long#MAX_VALUE} for no limit. A Content-Length above it fails before any body byte.
 * @param allowBareLf accept a bare LF as the line terminator of the start line and the header
 *     fields, as RFC 9112 §2.2 permits ("MAY recognize a single LF"). Never in chunk framing or
 *     the trailer section, where CRLF is always required. Off by default: a recipient that accepts
 *     what an upstream parser reads differently is the raw material of request smuggling.
 */
public record ParserLimits(
        int maxHeaderSectionBytes, int maxHeaderCount, int maxChunkLineBytes, long maxBodyBytes, boolean allowBareLf) {

    /** 64 KiB head, 100 fields, 1 KiB chunk lines, no body limit, CRLF required. */
    public static final ParserLimits DEFAULT = new ParserLimits(64 * 1024, 100, 1024, Long.MAX_VALUE, false);

    public ParserLimits {
        // The smallest legal head is "HTTP/1.1 200\r\n\r\n" (16 bytes); a chunk line needs "0\r\n".
        if (maxHeaderSectionBytes < 16) {
            throw new IllegalArgumentException("maxHeaderSectionBytes must be >= 16: " + maxHeaderSectionBytes);
        }
        if (maxHeaderCount < 0) {
            throw new IllegalArgumentException("maxHeaderCount must be >= 0: " + maxHeaderCount);
        }
        if (maxChunkLineBytes < 3) {
            throw new IllegalArgumentException("maxChunkLineBytes must be >= 3: " + maxChunkLineBytes);
        }
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 0: " + maxBodyBytes);
        }
    }

    public ParserLimits withMaxHeaderSectionBytes(int v) {
        return new ParserLimits(v, maxHeaderCount, maxChunkLineBytes, maxBodyBytes, allowBareLf);
    }

    public ParserLimits withMaxHeaderCount(int v) {
        return new ParserLimits(maxHeaderSectionBytes, v, maxChunkLineBytes, maxBodyBytes, allowBareLf);
    }

    public ParserLimits withMaxChunkLineBytes(int v) {
        return new ParserLimits(maxHeaderSectionBytes, maxHeaderCount, v, maxBodyBytes, allowBareLf);
    }

    public ParserLimits withMaxBodyBytes(long v) {
        return new ParserLimits(maxHeaderSectionBytes, maxHeaderCount, maxChunkLineBytes, v, allowBareLf);
    }

    public ParserLimits withAllowBareLf(boolean v) {
        return new ParserLimits(maxHeaderSectionBytes, maxHeaderCount, maxChunkLineBytes, maxBodyBytes, v);
    }
}
