package dev.evloop.http.codec.h2;

import static dev.evloop.http.codec.h2.ErrorCode.ENHANCE_YOUR_CALM;
import static dev.evloop.http.codec.h2.ErrorCode.FRAME_SIZE_ERROR;
import static dev.evloop.http.codec.h2.ErrorCode.PROTOCOL_ERROR;
import static dev.evloop.http.codec.h2.Http2.CONTINUATION;
import static dev.evloop.http.codec.h2.Http2.FLAG_ACK;
import static dev.evloop.http.codec.h2.Http2.FLAG_END_HEADERS;
import static dev.evloop.http.codec.h2.Http2.FLAG_END_STREAM;
import static dev.evloop.http.codec.h2.Http2.FLAG_PADDED;
import static dev.evloop.http.codec.h2.Http2.FLAG_PRIORITY;
import static dev.evloop.http.codec.h2.Http2.FRAME_HEADER_LENGTH;
import static dev.evloop.http.codec.h2.Http2.HEADERS;
import static dev.evloop.http.codec.h2.Http2.frameName;

import java.nio.ByteBuffer;

/**
 * Incremental frame reader for one connection (the client side: the peer is a server). Decodes
 * frames (RFC 9113 §4.1), checks every rule of §4-§6 that needs no stream state, and hands them to
 * an {@link Http2FrameListener}. Stream states, flow control and HPACK belong to the caller.
 *
 * <p>Per {@link #read} call:
 * <ol>
 *   <li>A frame held from an earlier call is completed first, from the front of the input.
 *   <li>As soon as a frame's 9-byte header is known, the rules that need only the header are
 *       checked (length against our SETTINGS_MAX_FRAME_SIZE, the CONTINUATION sequence and the
 *       header block limits), so an oversized or flooding frame is refused before its payload is
 *       held.
 *   <li>A frame wholly in the input is consumed (the position moves past it), then checked and
 *       delivered as a view of the input: no copy, no allocation per frame.
 *   <li>A frame cut short is copied into one buffer of at most maxFrameSize + 9 bytes, grown as
 *       its bytes arrive.
 *   <li>A header block spread over HEADERS / PUSH_PROMISE and CONTINUATIONs is gathered in one
 *       reusable buffer that never exceeds maxHeaderBlock; a block in one frame is passed as a view.
 * </ol>
 * Errors: a stream error is thrown after its frame was consumed, and the reader goes on at the
 * next call; after a connection error every call throws {@link IllegalStateException}. One thread
 * at a time.
 */
public final class Http2FrameReader {
    private static final int MASK_31 = 0x7FFF_FFFF;

    private final int maxHeaderBlock;
    private final int maxContinuations;
    private int maxFrameSize;
    private boolean failed;

    // A frame cut short: its first partialLength bytes; once 9 are here, its header was checked.
    private byte[] partial = new byte[FRAME_HEADER_LENGTH];
    private int partialLength;

    // The header block waiting for CONTINUATION frames: blockType is HEADERS or PUSH_PROMISE, -1 if none.
    private int blockType = -1;
    private int blockStream;
    private int blockPromised;
    private boolean blockEndStream;
    private int blockContinuations;
    private byte[] block = new byte[0];
    private int blockLength;

    /**
     * @param maxFrameSize our SETTINGS_MAX_FRAME_SIZE: a longer frame is a FRAME_SIZE_ERROR (§4.2)
     * @param maxHeaderBlock the most bytes one header block (HEADERS/PUSH_PROMISE + CONTINUATIONs) may
     *     reach before HPACK sees it: over it is a connection error ENHANCE_YOUR_CALM naming the limit
     * @param maxContinuations the most CONTINUATION frames one block may have (the empty-CONTINUATION
     *     flood, CVE-2024-27316 class): over it, ENHANCE_YOUR_CALM
     */
    public Http2FrameReader(int maxFrameSize, int maxHeaderBlock, int maxContinuations) {
        setMaxFrameSize(maxFrameSize);
        if (maxHeaderBlock < 1) throw new IllegalArgumentException("maxHeaderBlock < 1: " + maxHeaderBlock);
        if (maxContinuations < 0) throw new IllegalArgumentException("maxContinuations < 0: " + maxContinuations);
        this.maxHeaderBlock = maxHeaderBlock;
        this.maxContinuations = maxContinuations;
    }

    /**
     * Our SETTINGS_MAX_FRAME_SIZE from now on (after the peer acknowledged it, §6.5.3), within
     * 16384..16777215 (§6.5.2). A frame already partly held was checked against the old value.
     */
    public void setMaxFrameSize(int maxFrameSize) {
        if (maxFrameSize < Http2.DEFAULT_MAX_FRAME_SIZE || maxFrameSize > Http2.MAX_FRAME_SIZE_LIMIT) {
            throw new IllegalArgumentException(
                    "maxFrameSize " + maxFrameSize + " outside 16384..16777215 (RFC 9113 §6.5.2)");
        }
        this.maxFrameSize = maxFrameSize;
    }

    /**
     * Decodes every complete frame in {@code in} (consuming them) and keeps a partial frame's bytes
     * internally for the next call (in may be split anywhere, the frames delivered are the same).
     * A stream error is thrown AFTER its frame was consumed: the caller resets that stream and calls
     * read again with the same buffer to go on. After a connection error the reader is unusable
     * (later calls throw IllegalStateException).
     */
    public void read(ByteBuffer in, Http2FrameListener listener) throws Http2Exception {
        if (failed) throw new IllegalStateException("the HTTP/2 frame reader failed with a connection error earlier");
        try {
            if (partialLength > 0 && !completePartial(in, listener)) return;
            ByteBuffer view = null;
            while (in.remaining() >= FRAME_HEADER_LENGTH) {
                int at = in.position();
                int length = u24(in, at);
                int type = in.get(at + 3) & 0xFF;
                int flags = in.get(at + 4) & 0xFF;
                int streamId = u32(in, at + 5) & MASK_31; // the reserved bit is ignored (§4.1)
                checkHeader(length, type, streamId);
                if (in.remaining() < FRAME_HEADER_LENGTH + length) break;
                in.position(at + FRAME_HEADER_LENGTH + length);
                if (view == null) view = in.duplicate();
                frame(view, at + FRAME_HEADER_LENGTH, length, type, flags, streamId, listener);
            }
            if (in.hasRemaining()) hold(in);
        } catch (Http2Exception e) {
            if (e.isConnectionError()) fail();
            throw e;
        }
    }

    /** True while a header block waits for its CONTINUATION frames, or a partial frame is held. */
    public boolean midFrame() {
        return blockType >= 0 || partialLength > 0;
    }

    /** Adds input to the held frame; delivers it and returns true once it is whole. */
    private boolean completePartial(ByteBuffer in, Http2FrameListener listener) throws Http2Exception {
        if (partialLength < FRAME_HEADER_LENGTH) {
            take(in, FRAME_HEADER_LENGTH - partialLength, FRAME_HEADER_LENGTH);
            if (partialLength < FRAME_HEADER_LENGTH) return false;
            checkHeader(heldLength(), partial[3] & 0xFF, heldStream());
        }
        int total = FRAME_HEADER_LENGTH + heldLength();
        take(in, total - partialLength, total);
        if (partialLength < total) return false;
        partialLength = 0;
        frame(ByteBuffer.wrap(partial, 0, total), FRAME_HEADER_LENGTH, total - FRAME_HEADER_LENGTH,
                partial[3] & 0xFF, partial[4] & 0xFF, heldStream(), listener);
        return true;
    }

    /** Keeps the rest of in (less than a frame, its header already checked if it is all there). */
    private void hold(ByteBuffer in) {
        int n = in.remaining();
        int total = n >= FRAME_HEADER_LENGTH ? FRAME_HEADER_LENGTH + u24(in, in.position()) : FRAME_HEADER_LENGTH;
        partialLength = 0;
        take(in, n, total);
    }

    /**
     * Copies up to wanted bytes of in into the held frame of total bytes. The buffer grows with
     * what arrives, not with what the length field announces, so a header claiming 16 MiB costs
     * nothing until the bytes come.
     */
    private void take(ByteBuffer in, int wanted, int total) {
        int n = Math.min(wanted, in.remaining());
        int need = partialLength + n;
        if (partial.length < need) {
            partial = java.util.Arrays.copyOf(partial, (int) Math.min(total, Math.max(need, 2L * partial.length)));
        }
        in.get(partial, partialLength, n);
        partialLength = need;
    }

    private int heldLength() {
        return (partial[0] & 0xFF) << 16 | (partial[1] & 0xFF) << 8 | partial[2] & 0xFF;
    }

    private int heldStream() {
        return ((partial[5] & 0xFF) << 24 | (partial[6] & 0xFF) << 16 | (partial[7] & 0xFF) << 8 | partial[8] & 0xFF)
                & MASK_31;
    }

    /** The rules a frame header alone breaks, checked before its payload is held. */
    private void checkHeader(int length, int type, int streamId) throws Http2Exception {
        if (length > maxFrameSize) {
            throw Http2Exception.connection(FRAME_SIZE_ERROR, frameName(type) + " frame of " + length
                    + " bytes exceeds SETTINGS_MAX_FRAME_SIZE " + maxFrameSize + " (RFC 9113 §4.2)");
        }
        if (blockType < 0) {
            if (type == CONTINUATION) {
                throw Http2Exception.connection(PROTOCOL_ERROR, "CONTINUATION frame on stream " + streamId
                        + " without a HEADERS or PUSH_PROMISE frame before it (RFC 9113 §6.10)");
            }
            return;
        }
        // A header block is one unit: nothing may come between its frames (§4.3, §6.10).
        if (type != CONTINUATION || streamId != blockStream) {
            throw Http2Exception.connection(PROTOCOL_ERROR, frameName(type) + " frame on stream " + streamId
                    + " while the header block of " + frameName(blockType) + " on stream " + blockStream
                    + " waits for CONTINUATION (RFC 9113 §6.10)");
        }
        if (blockContinuations >= maxContinuations) {
            throw Http2Exception.connection(ENHANCE_YOUR_CALM, "CONTINUATION frame on stream " + streamId
                    + " is one more than the limit of " + maxContinuations + " per header block");
        }
        checkBlockSize((long) blockLength + length, streamId);
    }

    private void checkBlockSize(long size, int streamId) throws Http2Exception {
        if (size > maxHeaderBlock) {
            throw Http2Exception.connection(ENHANCE_YOUR_CALM, "header block on stream " + streamId + " reaches "
                    + size + " bytes, over the limit of " + maxHeaderBlock);
        }
    }

    /** One whole frame: its payload is b[p, p + length). */
    private void frame(ByteBuffer b, int p, int length, int type, int flags, int streamId, Http2FrameListener listener)
            throws Http2Exception {
        // Absolute gets are bounded by the limit, which the last delivery may have narrowed.
        window(b, p, p + length);
        switch (type) {
            case Http2.DATA -> data(b, p, length, flags, streamId, listener);
            case HEADERS -> headers(b, p, length, flags, streamId, listener);
            case Http2.PRIORITY -> priority(length, streamId, listener);
            case Http2.RST_STREAM -> rstStream(b, p, length, streamId, listener);
            case Http2.SETTINGS -> settings(b, p, length, flags, streamId, listener);
            case Http2.PUSH_PROMISE -> pushPromise(b, p, length, flags, streamId, listener);
            case Http2.PING -> ping(b, p, length, flags, streamId, listener);
            case Http2.GOAWAY -> goAway(b, p, length, streamId, listener);
            case Http2.WINDOW_UPDATE -> windowUpdate(b, p, length, streamId, listener);
            case CONTINUATION -> continuation(b, p, length, flags, listener);
            default -> listener.onUnknown(type, streamId, flags, window(b, p, p + length));
        }
    }

    private void data(ByteBuffer b, int p, int length, int flags, int streamId, Http2FrameListener listener)
            throws Http2Exception {
        if (streamId == 0) {
            throw Http2Exception.connection(PROTOCOL_ERROR, "DATA frame on stream 0 (RFC 9113 §6.1)");
        }
        int pad = padLength(b, p, length, flags, 0, "DATA", "§6.1");
        int start = p + ((flags & FLAG_PADDED) != 0 ? 1 : 0);
        listener.onData(streamId, window(b, start, p + length - pad), (flags & FLAG_END_STREAM) != 0, length);
    }

    private void headers(ByteBuffer b, int p, int length, int flags, int streamId, Http2FrameListener listener)
            throws Http2Exception {
        if (streamId == 0) {
            throw Http2Exception.connection(PROTOCOL_ERROR, "HEADERS frame on stream 0 (RFC 9113 §6.2)");
        }
        // Priority fields (§6.2): exclusive bit, stream dependency, weight; ignored (§5.3.2).
        int fields = (flags & FLAG_PRIORITY) != 0 ? 5 : 0;
        int pad = padLength(b, p, length, flags, fields, "HEADERS", "§6.2");
        int start = p + ((flags & FLAG_PADDED) != 0 ? 1 : 0) + fields;
        blockStart(b, start, p + length - pad, HEADERS, flags, streamId, 0, listener);
    }

    private void pushPromise(ByteBuffer b, int p, int length, int flags, int streamId, Http2FrameListener listener)
            throws Http2Exception {
        if (streamId == 0) {
            throw Http2Exception.connection(PROTOCOL_ERROR, "PUSH_PROMISE frame on stream 0 (RFC 9113 §6.6)");
        }
        int pad = padLength(b, p, length, flags, 4, "PUSH_PROMISE", "§6.6");
        int start = p + ((flags & FLAG_PADDED) != 0 ? 1 : 0);
        int promised = u32(b, start) & MASK_31;
        blockStart(b, start + 4, p + length - pad, Http2.PUSH_PROMISE, flags, streamId, promised, listener);
    }

    /**
     * The Pad Length of a frame whose payload holds, after it, {@code fields} fixed bytes, then the
     * fragment, then the padding; 0 without PADDED. Checks that it all fits in length.
     */
    private static int padLength(ByteBuffer b, int p, int length, int flags, int fields, String frame, String section)
            throws Http2Exception {
        boolean padded = (flags & FLAG_PADDED) != 0;
        int fixed = (padded ? 1 : 0) + fields;
        if (length < fixed) {
            throw Http2Exception.connection(FRAME_SIZE_ERROR, frame + " frame of " + length
                    + " bytes is too short for its " + fixed + " bytes of " + (padded ? "Pad Length and " : "")
                    + "fixed fields (RFC 9113 §4.2, " + section + ")");
        }
        if (!padded) return 0;
        int pad = b.get(p) & 0xFF;
        // §6.1, §6.2, §6.6: padding longer than what remains of the payload after the Pad Length
        // and fixed fields (for DATA: as long as the whole payload or longer) is a PROTOCOL_ERROR.
        if (pad > length - fixed) {
            throw Http2Exception.connection(PROTOCOL_ERROR, frame + " frame with Pad Length " + pad
                    + " in a payload of " + length + " bytes leaves no room for the padding (RFC 9113 " + section + ")");
        }
        return pad;
    }

    private void blockStart(ByteBuffer b, int start, int end, int type, int flags, int streamId, int promised,
            Http2FrameListener listener) throws Http2Exception {
        checkBlockSize(end - start, streamId);
        boolean endStream = type == HEADERS && (flags & FLAG_END_STREAM) != 0;
        if ((flags & FLAG_END_HEADERS) != 0) {
            deliverBlock(type, streamId, promised, endStream, window(b, start, end), listener);
            return;
        }
        blockType = type;
        blockStream = streamId;
        blockPromised = promised;
        blockEndStream = endStream;
        blockContinuations = 0;
        blockLength = 0;
        append(b, start, end - start);
    }

    private void continuation(ByteBuffer b, int p, int length, int flags, Http2FrameListener listener)
            throws Http2Exception {
        // checkHeader made sure a block is open on this stream and within its limits.
        blockContinuations++;
        append(b, p, length);
        if ((flags & FLAG_END_HEADERS) == 0) return;
        int type = blockType;
        blockType = -1;
        deliverBlock(type, blockStream, blockPromised, blockEndStream, ByteBuffer.wrap(block, 0, blockLength), listener);
    }

    private void append(ByteBuffer b, int from, int n) {
        int need = blockLength + n; // <= maxHeaderBlock: checked before
        if (block.length < need) {
            int grown = (int) Math.min(maxHeaderBlock, Math.max(need, Math.max(256L, 2L * block.length)));
            block = java.util.Arrays.copyOf(block, grown);
        }
        b.get(from, block, blockLength, n);
        blockLength = need;
    }

    private static void deliverBlock(int type, int streamId, int promised, boolean endStream, ByteBuffer fragment,
            Http2FrameListener listener) throws Http2Exception {
        if (type == HEADERS) listener.onHeaders(streamId, fragment, endStream);
        else listener.onPushPromise(streamId, promised, fragment);
    }

    private static void priority(int length, int streamId, Http2FrameListener listener) throws Http2Exception {
        if (streamId == 0) {
            throw Http2Exception.connection(PROTOCOL_ERROR, "PRIORITY frame on stream 0 (RFC 9113 §6.3)");
        }
        if (length != 5) {
            throw Http2Exception.stream(streamId, FRAME_SIZE_ERROR,
                    "PRIORITY frame of " + length + " bytes, not 5 (RFC 9113 §6.3)");
        }
        listener.onPriority(streamId);
    }

    private static void rstStream(ByteBuffer b, int p, int length, int streamId, Http2FrameListener listener)
            throws Http2Exception {
        if (streamId == 0) {
            throw Http2Exception.connection(PROTOCOL_ERROR, "RST_STREAM frame on stream 0 (RFC 9113 §6.4)");
        }
        if (length != 4) {
            throw Http2Exception.connection(FRAME_SIZE_ERROR,
                    "RST_STREAM frame of " + length + " bytes, not 4 (RFC 9113 §6.4)");
        }
        listener.onRstStream(streamId, u32(b, p) & 0xFFFF_FFFFL);
    }

    private static void settings(ByteBuffer b, int p, int length, int flags, int streamId, Http2FrameListener listener)
            throws Http2Exception {
        if (streamId != 0) {
            throw Http2Exception.connection(PROTOCOL_ERROR,
                    "SETTINGS frame on stream " + streamId + ", not 0 (RFC 9113 §6.5)");
        }
        if ((flags & FLAG_ACK) != 0) {
            if (length != 0) {
                throw Http2Exception.connection(FRAME_SIZE_ERROR,
                        "SETTINGS frame with ACK and a payload of " + length + " bytes (RFC 9113 §6.5)");
            }
            listener.onSettingsAck();
            return;
        }
        if (length % 6 != 0) {
            throw Http2Exception.connection(FRAME_SIZE_ERROR,
                    "SETTINGS frame of " + length + " bytes, not a multiple of 6 (RFC 9113 §6.5)");
        }
        Http2Settings settings = new Http2Settings();
        for (int at = p; at < p + length; at += 6) {
            int id = (b.get(at) & 0xFF) << 8 | b.get(at + 1) & 0xFF;
            long value = u32(b, at + 2) & 0xFFFF_FFFFL;
            if (!Http2Settings.known(id)) continue; // §6.5.2: unknown or unsupported ids are ignored
            ErrorCode violation = Http2Settings.violation(id, value);
            if (violation != null) {
                throw Http2Exception.connection(violation, "SETTINGS frame: " + Http2Settings.rule(id, value));
            }
            // §6.5.2: a client treats SETTINGS_ENABLE_PUSH 1 from a server as a PROTOCOL_ERROR.
            if (id == Http2Settings.ENABLE_PUSH && value == 1) {
                throw Http2Exception.connection(PROTOCOL_ERROR,
                        "SETTINGS frame: a server sent SETTINGS_ENABLE_PUSH 1 (RFC 9113 §6.5.2)");
            }
            settings.put(id, value);
        }
        listener.onSettings(settings);
    }

    private static void ping(ByteBuffer b, int p, int length, int flags, int streamId, Http2FrameListener listener)
            throws Http2Exception {
        if (streamId != 0) {
            throw Http2Exception.connection(PROTOCOL_ERROR,
                    "PING frame on stream " + streamId + ", not 0 (RFC 9113 §6.7)");
        }
        if (length != 8) {
            throw Http2Exception.connection(FRAME_SIZE_ERROR,
                    "PING frame of " + length + " bytes, not 8 (RFC 9113 §6.7)");
        }
        long payload = (long) u32(b, p) << 32 | u32(b, p + 4) & 0xFFFF_FFFFL;
        listener.onPing((flags & FLAG_ACK) != 0, payload);
    }

    private static void goAway(ByteBuffer b, int p, int length, int streamId, Http2FrameListener listener)
            throws Http2Exception {
        if (streamId != 0) {
            throw Http2Exception.connection(PROTOCOL_ERROR,
                    "GOAWAY frame on stream " + streamId + ", not 0 (RFC 9113 §6.8)");
        }
        if (length < 8) {
            throw Http2Exception.connection(FRAME_SIZE_ERROR,
                    "GOAWAY frame of " + length + " bytes, shorter than 8 (RFC 9113 §6.8)");
        }
        listener.onGoAway(u32(b, p) & MASK_31, u32(b, p + 4) & 0xFFFF_FFFFL, window(b, p + 8, p + length));
    }

    private static void windowUpdate(ByteBuffer b, int p, int length, int streamId, Http2FrameListener listener)
            throws Http2Exception {
        if (length != 4) {
            throw Http2Exception.connection(FRAME_SIZE_ERROR,
                    "WINDOW_UPDATE frame of " + length + " bytes, not 4 (RFC 9113 §6.9)");
        }
        int increment = u32(b, p) & MASK_31;
        if (increment == 0) {
            String message = "WINDOW_UPDATE frame on stream " + streamId + " with an increment of 0 (RFC 9113 §6.9)";
            throw streamId == 0
                    ? Http2Exception.connection(PROTOCOL_ERROR, message)
                    : Http2Exception.stream(streamId, PROTOCOL_ERROR, message);
        }
        listener.onWindowUpdate(streamId, increment);
    }

    private void fail() {
        failed = true;
        partial = null;
        block = null;
        partialLength = 0;
        blockType = -1;
    }

    /** b with [from, to) between position and limit. */
    private static ByteBuffer window(ByteBuffer b, int from, int to) {
        b.limit(to);
        b.position(from);
        return b;
    }

    private static int u24(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) << 16 | (b.get(at + 1) & 0xFF) << 8 | b.get(at + 2) & 0xFF;
    }

    private static int u32(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) << 24 | (b.get(at + 1) & 0xFF) << 16 | (b.get(at + 2) & 0xFF) << 8 | b.get(at + 3) & 0xFF;
    }
}
