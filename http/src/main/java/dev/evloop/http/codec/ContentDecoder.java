package dev.evloop.http.codec;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.zip.Adler32;
import java.util.zip.CRC32;
import java.util.zip.Checksum;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Streaming decoder for the gzip and deflate content codings (RFC 9110 §8.4.1), fed compressed
 * bytes in any split and writing decoded bytes into the caller's buffers. One {@link Inflater} in
 * raw mode does the inflating; the gzip (RFC 1952) and zlib (RFC 1950) wrappers are parsed here,
 * checksums included.
 *
 * <p>Lifecycle, one per body:
 * <ol>
 *   <li>{@link #gzip}, {@link #deflate} or {@link #forCoding} with {@link Limits}.
 *   <li>{@link #decode(ByteBuffer, ByteBuffer)} for each piece of compressed body, e.g. from
 *       {@link Http1MessageListener#onBody}. It returns when {@code in} is used up and everything
 *       it yields has been written, or when {@code out} is full; in the latter case call again
 *       with room in {@code out}, even if {@code in} is empty, since the inflater may hold more:
 *       <pre>{@code
 * boolean full;
 * do {
 *     out.clear();
 *     decoder.decode(body, out);
 *     full = !out.hasRemaining();
 *     deliver(out.flip());
 * } while (full);
 *       }</pre>
 *   <li>{@link #end()} when the body is complete: it throws if the stream stopped short (a
 *       truncated gzip member, deflate data without its final block, a missing trailer) and
 *       releases the inflater. {@link #close()} releases without checking, for an aborted body.
 *       {@link #reset()} instead of {@code end()} prepares the decoder for another body.
 *   <li>A {@link ContentDecodingException} is final (the inflater is released).
 * </ol>
 *
 * <p>Choices:
 * <ul>
 *   <li>"deflate" means zlib-wrapped data per RFC 9110 §8.4.1.2, but some servers send raw
 *       deflate; like browsers, the first two bytes decide: a valid zlib header (CM 8, CINFO at
 *       most 7, FCHECK passing) means zlib, anything else raw. A preset dictionary is refused.
 *   <li>gzip: header flags FTEXT, FHCRC (the header CRC16 is checked), FEXTRA, FNAME and FCOMMENT
 *       are handled, reserved flags refused; CRC32 and ISIZE are checked. Concatenated members
 *       are decoded one after another (RFC 1952 §2.2); bytes after a member that do not start
 *       another are an error, as are bytes after a deflate stream.
 *   <li>An empty body (no bytes at all) decodes to nothing without error, as a body of a
 *       response that cannot have content (HEAD) may still be labelled.
 *   <li>The expansion ratio (decoded bytes / compressed bytes consumed, wrapper bytes included) is
 *       checked after each inflate call once {@link Limits#ratioGraceBytes()} have been decoded,
 *       so a bomb is stopped within one output buffer of the limit; small, highly compressible
 *       bodies pass.
 * </ul>
 *
 * <p>Not thread-safe.
 */
public final class ContentDecoder implements AutoCloseable {

    /**
     * Decoding limits, against zip bombs.
     *
     * @param maxDecodedBytes the most decoded bytes; {@link Long#MAX_VALUE} for no limit
     * @param maxExpansionRatio the most decoded bytes per compressed byte; 0 for no limit
     * @param ratioGraceBytes decoded bytes allowed before the ratio is checked
     */
    public record Limits(long maxDecodedBytes, int maxExpansionRatio, long ratioGraceBytes) {
        /** No size limit; ratio at most 100:1 once past 1 MiB decoded. */
        public static final Limits DEFAULT = new Limits(Long.MAX_VALUE, 100, 1 << 20);
        /** No limits at all. */
        public static final Limits NONE = new Limits(Long.MAX_VALUE, 0, 0);

        public Limits {
            if (maxDecodedBytes < 0 || maxExpansionRatio < 0 || ratioGraceBytes < 0) {
                throw new IllegalArgumentException("limits must not be negative: " + maxDecodedBytes + ", "
                        + maxExpansionRatio + ", " + ratioGraceBytes);
            }
        }

        public Limits withMaxDecodedBytes(long v) {
            return new Limits(v, maxExpansionRatio, ratioGraceBytes);
        }

        public Limits withMaxExpansionRatio(int v) {
            return new Limits(maxDecodedBytes, v, ratioGraceBytes);
        }

        public Limits withRatioGraceBytes(long v) {
            return new Limits(maxDecodedBytes, maxExpansionRatio, v);
        }
    }

    private static final int GZIP = 0;
    private static final int DEFLATE = 1;

    // The wrapper found in a "deflate" stream (gzip is always GZIP).
    private static final int WRAP_UNKNOWN = 0;
    private static final int WRAP_GZIP = 1;
    private static final int WRAP_ZLIB = 2;
    private static final int WRAP_RAW = 3;

    // Stream states.
    private static final int HEADER = 0;
    private static final int DATA = 1;
    private static final int TRAILER = 2;
    /** gzip: a member ended; another may follow. */
    private static final int MEMBER_END = 3;
    /** deflate: the stream ended. */
    private static final int DONE = 4;
    private static final int FAILED = 5;
    private static final int CLOSED = 6;

    // gzip header steps, in stream order (RFC 1952 §2.3).
    private static final int H_ID1 = 0;
    private static final int H_ID2 = 1;
    private static final int H_CM = 2;
    private static final int H_FLG = 3;
    private static final int H_FIXED = 4; // MTIME(4) XFL OS
    private static final int H_XLEN = 5;
    private static final int H_EXTRA = 6;
    private static final int H_NAME = 7;
    private static final int H_COMMENT = 8;
    private static final int H_HCRC = 9;
    private static final int H_DONE = 10;

    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final int coding;
    private final Limits limits;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final CRC32 headerCrc = new CRC32();
    private final Adler32 adler = new Adler32();
    /** The first byte of a "deflate" stream, held until the second tells zlib from raw. */
    private final ByteBuffer stash = ByteBuffer.allocate(1);

    /** One of the stream states above; the owner thread only. */
    private int state;
    private int wrap;
    private Checksum checksum;
    /** True while {@link #stash} holds a raw-deflate byte the inflater has not taken yet. */
    private boolean stashPending;
    private int headerStep;
    private int flags;
    /** Bytes left in the current header or trailer field, or bytes gathered of it. */
    private int count;
    /** A little-endian or big-endian field being gathered (XLEN, CRC16, trailer). */
    private long value;
    private int members;
    private long memberDecoded;
    private long decoded;
    private long compressed;

    private ContentDecoder(int coding, Limits limits) {
        this.coding = coding;
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
        reset();
    }

    /** A decoder for the gzip coding (also "x-gzip", RFC 9110 §8.4.1.3). */
    public static ContentDecoder gzip(Limits limits) {
        return new ContentDecoder(GZIP, limits);
    }

    /** A decoder for the deflate coding: zlib-wrapped or raw, detected. */
    public static ContentDecoder deflate(Limits limits) {
        return new ContentDecoder(DEFLATE, limits);
    }

    /**
     * A decoder for one content coding name, case-insensitive: gzip, x-gzip or deflate.
     *
     * @throws IllegalArgumentException for any other coding (check {@link #supports} first)
     */
    public static ContentDecoder forCoding(String coding, Limits limits) {
        return switch (coding.trim().toLowerCase(Locale.ROOT)) {
            case "gzip", "x-gzip" -> gzip(limits);
            case "deflate" -> deflate(limits);
            default -> throw new IllegalArgumentException("unsupported content coding \"" + coding + "\"");
        };
    }

    /** Whether {@link #forCoding} accepts {@code coding}. */
    public static boolean supports(String coding) {
        return switch (coding.trim().toLowerCase(Locale.ROOT)) {
            case "gzip", "x-gzip", "deflate" -> true;
            default -> false;
        };
    }

    /**
     * Decodes from {@code in} into {@code out}, advancing both positions.
     *
     * @return the number of bytes written to {@code out}
     * @throws ContentDecodingException for corrupt data, a checksum mismatch or an exceeded limit
     * @throws IllegalStateException after {@link #end}, {@link #close} or a failure
     */
    public int decode(ByteBuffer in, ByteBuffer out) throws ContentDecodingException {
        checkUsable("decode");
        int start = out.position();
        try {
            loop:
            while (true) {
                switch (state) {
                    case HEADER -> {
                        if (!(coding == GZIP ? readGzipHeader(in) : readDeflateHeader(in))) break loop;
                    }
                    case DATA -> {
                        if (!inflate(in, out)) break loop;
                    }
                    case TRAILER -> {
                        if (!readTrailer(in)) break loop;
                    }
                    case MEMBER_END -> {
                        if (!in.hasRemaining()) break loop;
                        startMember();
                    }
                    case DONE -> {
                        if (in.hasRemaining()) {
                            throw new ContentDecodingException(
                                    in.remaining() + " bytes of data after the end of the deflate stream");
                        }
                        break loop;
                    }
                    default -> throw new AssertionError("state " + state);
                }
            }
        } catch (ContentDecodingException | RuntimeException e) {
            state = FAILED;
            inflater.end();
            throw e;
        }
        return out.position() - start;
    }

    /**
     * The body ended: checks the stream ended properly and releases the inflater.
     *
     * @throws ContentDecodingException if the stream was truncated
     */
    public void end() throws ContentDecodingException {
        checkUsable("end");
        int s = state;
        boolean empty = compressed == 0;
        state = CLOSED;
        inflater.end();
        if (s == MEMBER_END || s == DONE || empty) {
            return;
        }
        String format = coding == GZIP ? "gzip" : wrap == WRAP_ZLIB ? "zlib" : "deflate";
        String where = switch (s) {
            case HEADER -> "in the header";
            case DATA -> "in the compressed data";
            default -> "in the trailer";
        };
        throw new ContentDecodingException("truncated " + format + " stream: ended " + where + " after "
                + compressed + " compressed bytes");
    }

    /** Releases the inflater without checks; idempotent. */
    @Override
    public void close() {
        if (state != CLOSED && state != FAILED) {
            inflater.end();
        }
        state = CLOSED;
    }

    /** Prepares for another body, keeping the inflater. */
    public void reset() {
        if (state == CLOSED || state == FAILED) {
            throw new IllegalStateException("decoder released; create a new one");
        }
        decoded = 0;
        compressed = 0;
        members = 0;
        wrap = coding == GZIP ? WRAP_GZIP : WRAP_UNKNOWN;
        stashPending = false;
        stash.clear();
        startMember();
    }

    /** The stream is complete so far: a gzip member or the deflate stream ended. */
    public boolean isFinished() {
        return state == MEMBER_END || state == DONE;
    }

    /** Decoded bytes produced so far. */
    public long decodedBytes() {
        return decoded;
    }

    /** Compressed bytes consumed so far, wrapper bytes included. */
    public long compressedBytes() {
        return compressed;
    }

    private void startMember() {
        inflater.reset();
        state = HEADER;
        headerStep = H_ID1;
        flags = 0;
        count = 0;
        value = 0;
        memberDecoded = 0;
        crc.reset();
        headerCrc.reset();
        adler.reset();
    }

    /** RFC 1952 §2.3: ID1 ID2 CM FLG MTIME(4) XFL OS [XLEN extra] [name\0] [comment\0] [CRC16]. */
    private boolean readGzipHeader(ByteBuffer in) throws ContentDecodingException {
        while (in.hasRemaining()) {
            int b = in.get() & 0xFF;
            compressed++;
            if (headerStep != H_HCRC) headerCrc.update(b);
            switch (headerStep) {
                case H_ID1 -> {
                    if (b != 0x1F) throw notGzip(b);
                    headerStep = H_ID2;
                }
                case H_ID2 -> {
                    if (b != 0x8B) throw notGzip(b);
                    headerStep = H_CM;
                }
                case H_CM -> {
                    if (b != 8) {
                        throw new ContentDecodingException("unsupported gzip compression method " + b + " (only 8, deflate)");
                    }
                    headerStep = H_FLG;
                }
                case H_FLG -> {
                    if ((b & 0xE0) != 0) {
                        throw new ContentDecodingException("reserved gzip header flags set: " + HttpTokens.hex(b));
                    }
                    flags = b;
                    headerStep = H_FIXED;
                    count = 6;
                }
                case H_FIXED -> {
                    if (--count == 0) headerStep = nextHeaderStep(H_FIXED);
                }
                case H_XLEN -> {
                    value |= (long) b << (8 * count);
                    if (++count == 2) {
                        count = (int) value;
                        value = 0;
                        headerStep = count == 0 ? nextHeaderStep(H_EXTRA) : H_EXTRA;
                    }
                }
                case H_EXTRA -> {
                    if (--count == 0) headerStep = nextHeaderStep(H_EXTRA);
                }
                case H_NAME -> {
                    if (b == 0) headerStep = nextHeaderStep(H_NAME);
                }
                case H_COMMENT -> {
                    if (b == 0) headerStep = nextHeaderStep(H_COMMENT);
                }
                case H_HCRC -> {
                    value |= (long) b << (8 * count);
                    if (++count == 2) {
                        long expected = headerCrc.getValue() & 0xFFFF;
                        if (value != expected) {
                            throw new ContentDecodingException("gzip header CRC16 mismatch: stored " + Long.toHexString(value)
                                    + ", computed " + Long.toHexString(expected));
                        }
                        headerStep = H_DONE;
                    }
                }
                default -> throw new AssertionError("gzip header step " + headerStep);
            }
            if (headerStep == H_DONE) {
                checksum = crc;
                state = DATA;
                return true;
            }
        }
        return false;
    }

    private int nextHeaderStep(int after) {
        count = 0;
        value = 0;
        if (after < H_XLEN && (flags & FEXTRA) != 0) return H_XLEN;
        if (after < H_NAME && (flags & FNAME) != 0) return H_NAME;
        if (after < H_COMMENT && (flags & FCOMMENT) != 0) return H_COMMENT;
        if (after < H_HCRC && (flags & FHCRC) != 0) return H_HCRC;
        return H_DONE;
    }

    private ContentDecodingException notGzip(int b) {
        return new ContentDecodingException(members > 0
                ? "trailing data after gzip member " + members + " (byte " + HttpTokens.hex(b) + ")"
                : "not a gzip stream (bad magic byte " + HttpTokens.hex(b) + ", RFC 1952 §2.3.1)");
    }

    /** The first two bytes of "deflate" decide zlib (RFC 1950 §2.2) or raw (RFC 1951). */
    private boolean readDeflateHeader(ByteBuffer in) throws ContentDecodingException {
        if (!in.hasRemaining()) return false;
        if (stash.position() == 0) {
            stash.put(in.get());
            compressed++;
            if (!in.hasRemaining()) return false;
        }
        int cmf = stash.get(0) & 0xFF;
        int flg = in.get(in.position()) & 0xFF;
        boolean zlib = (cmf & 0x0F) == 8 && (cmf >>> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
        if (zlib) {
            in.get();
            compressed++;
            if ((flg & 0x20) != 0) {
                throw new ContentDecodingException("zlib stream needs a preset dictionary (FDICT), which HTTP cannot supply");
            }
            wrap = WRAP_ZLIB;
            checksum = adler;
        } else {
            wrap = WRAP_RAW;
            checksum = null;
            stash.flip();
            stashPending = true;
        }
        state = DATA;
        return true;
    }

    /** @return true when the deflate data ended */
    private boolean inflate(ByteBuffer in, ByteBuffer out) throws ContentDecodingException {
        while (true) {
            ByteBuffer src = stashPending ? stash : in;
            inflater.setInput(src);
            int srcBefore = src.position();
            int outBefore = out.position();
            int limit = out.limit();
            if (limits.maxDecodedBytes() != Long.MAX_VALUE) {
                // Room for one byte beyond the limit, so exceeding it shows.
                long room = limits.maxDecodedBytes() - decoded + 1;
                if (room < out.remaining()) out.limit(outBefore + (int) room);
            }
            int n;
            try {
                n = inflater.inflate(out);
            } catch (DataFormatException e) {
                throw new ContentDecodingException("invalid deflate data: " + e.getMessage(), e);
            } finally {
                out.limit(limit);
            }
            int consumed = src.position() - srcBefore;
            if (stashPending) {
                stashPending = src.hasRemaining();
            } else {
                compressed += consumed;
            }
            if (n > 0) {
                produced(out, outBefore, n);
            }
            if (inflater.finished()) {
                state = wrap == WRAP_RAW ? DONE : TRAILER;
                count = 0;
                value = 0;
                return true;
            }
            if (inflater.needsDictionary()) {
                throw new ContentDecodingException("deflate data needs a preset dictionary");
            }
            if (n == 0 && consumed == 0) {
                if (!out.hasRemaining() || !src.hasRemaining() && src == in) return false;
                if (!src.hasRemaining()) continue; // the stash is used up; go on with in
                throw new ContentDecodingException("inflater made no progress with input and output room");
            }
        }
    }

    private void produced(ByteBuffer out, int from, int n) throws ContentDecodingException {
        decoded += n;
        memberDecoded += n;
        if (checksum != null) {
            int end = out.position();
            int limit = out.limit();
            out.position(from).limit(end);
            checksum.update(out);
            out.limit(limit);
        }
        if (decoded > limits.maxDecodedBytes()) {
            throw new ContentDecodingException(
                    "decoded content exceeds " + limits.maxDecodedBytes() + " bytes (maxDecodedBytes)");
        }
        int ratio = limits.maxExpansionRatio();
        if (ratio > 0 && decoded > limits.ratioGraceBytes() && (decoded - 1) / ratio >= compressed) {
            throw new ContentDecodingException("expansion ratio exceeds " + ratio + ":1 (maxExpansionRatio): " + decoded
                    + " bytes decoded from " + compressed + " compressed");
        }
    }

    /** gzip: CRC32 and ISIZE, little-endian (RFC 1952 §2.3.1); zlib: ADLER32, big-endian (RFC 1950 §2.2). */
    private boolean readTrailer(ByteBuffer in) throws ContentDecodingException {
        int size = wrap == WRAP_GZIP ? 8 : 4;
        while (count < size) {
            if (!in.hasRemaining()) return false;
            int b = in.get() & 0xFF;
            compressed++;
            if (wrap == WRAP_GZIP) {
                value |= (long) b << (8 * count);
            } else {
                value = (value << 8) | b;
            }
            count++;
        }
        if (wrap == WRAP_GZIP) {
            long storedCrc = value & 0xFFFFFFFFL;
            long storedSize = value >>> 32;
            if (storedCrc != crc.getValue()) {
                throw new ContentDecodingException("gzip CRC32 mismatch: stored " + Long.toHexString(storedCrc)
                        + ", computed " + Long.toHexString(crc.getValue()));
            }
            if (storedSize != (memberDecoded & 0xFFFFFFFFL)) {
                throw new ContentDecodingException("gzip ISIZE mismatch: stored " + storedSize + ", decoded "
                        + memberDecoded + " (mod 2^32)");
            }
            members++;
            state = MEMBER_END;
        } else {
            if (value != adler.getValue()) {
                throw new ContentDecodingException("zlib ADLER32 mismatch: stored " + Long.toHexString(value)
                        + ", computed " + Long.toHexString(adler.getValue()));
            }
            state = DONE;
        }
        return true;
    }

    private void checkUsable(String call) {
        if (state == CLOSED || state == FAILED) {
            throw new IllegalStateException(
                    call + "() on a decoder that " + (state == CLOSED ? "was ended or closed" : "failed"));
        }
    }
}
