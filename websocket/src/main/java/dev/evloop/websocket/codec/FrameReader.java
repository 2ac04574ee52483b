package dev.evloop.websocket.codec;

import java.nio.ByteBuffer;

/**
 * Incremental frame parser: any split of the input gives the same calls (payload chunking may
 * differ).
 *
 * <p>What it checks, in this order, failing with {@link CloseCodes#PROTOCOL_ERROR} unless said
 * otherwise (RFC 6455 §5.2: a receiver MUST fail the connection on each of these):
 * <ol>
 *   <li>RSV2 and RSV3 are never set: no extension we negotiate defines them;</li>
 *   <li>the opcode is defined (§5.2, §11.8);</li>
 *   <li>a control frame is not fragmented (§5.5);</li>
 *   <li>RSV1 is set only when permessage-deflate was negotiated ({@link #allowRsv1}), and then
 *       only on the first frame of a data message, never on a continuation or control frame
 *       (RFC 7692 §6);</li>
 *   <li>masking fits the role: a server reads masked frames only, a client unmasked ones only
 *       (§5.1);</li>
 *   <li>a CONTINUATION continues a fragmented message, and a new TEXT or BINARY does not start
 *       while one is in progress; control frames may come in between (§5.4);</li>
 *   <li>a 64-bit length has its most significant bit clear (§5.2);</li>
 *   <li>a control frame carries at most 125 bytes (§5.5), a CLOSE frame not exactly 1 (§5.5.1:
 *       a body starts with a 2-byte status code);</li>
 *   <li>the declared length is at most {@code maxFramePayload}, else
 *       {@link CloseCodes#MESSAGE_TOO_BIG}, before any payload byte is read.</li>
 * </ol>
 * Everything about payload content (UTF-8, close codes, message size, decompression) is the
 * handler's business.
 *
 * <p>No allocation per frame: the header is gathered in a 14-byte array; masked payload is
 * unmasked in place in the caller's buffer and handed to the handler as that same buffer with
 * its limit narrowed. Only a read-only input is unmasked through a scratch buffer allocated on
 * first need. Not thread-safe: one reader per connection, used by its loop thread.
 */
public final class FrameReader {
    private static final int SCRATCH_SIZE = 8192;

    private final Role role;
    private final long maxFramePayload;
    private boolean rsv1Allowed;

    /** Header bytes gathered so far; headerNeed is 2 until the second byte says how many follow. */
    private final byte[] header = new byte[FrameWriter.MAX_HEADER];
    private int headerFill;
    private int headerNeed = 2;

    /** The current frame, valid while inPayload. */
    private boolean inPayload;
    private int opcode;
    private boolean masked;
    private int maskKey;
    private long payloadLength;
    private long remaining;

    /** A TEXT or BINARY frame with FIN=0 was read and its final CONTINUATION not yet. */
    private boolean messageInProgress;

    /** Set by the first failure (ours or the handler's); the reader refuses input afterwards. */
    private String failure;

    private ByteBuffer scratch;

    /**
     * maxFramePayload: a frame whose declared length exceeds it fails with 1009 before any
     * payload is read.
     */
    public FrameReader(Role role, long maxFramePayload) {
        if (role == null) {
            throw new IllegalArgumentException("role is null");
        }
        if (maxFramePayload < 0) {
            throw new IllegalArgumentException("negative maxFramePayload " + maxFramePayload);
        }
        this.role = role;
        this.maxFramePayload = maxFramePayload;
    }

    /**
     * permessage-deflate negotiated: RSV1 is then allowed on the first frame of a data message
     * (RFC 7692 §6); otherwise RSV1 is a 1002.
     */
    public void allowRsv1(boolean allowed) {
        rsv1Allowed = allowed;
    }

    /** True between a TEXT/BINARY frame with FIN=0 and the CONTINUATION with FIN=1. */
    public boolean isMessageInProgress() {
        return messageInProgress;
    }

    /** True when no partial header or payload is pending: the input so far ended on a frame boundary. */
    public boolean atFrameBoundary() {
        return !inPayload && headerFill == 0;
    }

    /**
     * Consumes ALL of {@code in} (keeps at most a partial header internally), calling the
     * handler; throws on the first violation and is unusable after. A masked payload is unmasked
     * in place, so a writable {@code in} is modified between its position and limit.
     *
     * @throws WebSocketException the first violation, found here or thrown by the handler
     * @throws IllegalStateException when an earlier call failed
     */
    public void read(ByteBuffer in, FrameHandler handler) throws WebSocketException {
        if (failure != null) {
            throw new IllegalStateException("FrameReader failed earlier: " + failure);
        }
        try {
            while (in.hasRemaining()) {
                if (inPayload) {
                    deliverPayload(in, handler);
                } else {
                    readHeader(in, handler);
                }
            }
        } catch (WebSocketException | RuntimeException | Error e) {
            failure = String.valueOf(e.getMessage());
            throw e;
        }
    }

    private void readHeader(ByteBuffer in, FrameHandler handler) throws WebSocketException {
        int take = Math.min(headerNeed - headerFill, in.remaining());
        in.get(header, headerFill, take);
        headerFill += take;
        if (headerFill < headerNeed) {
            return;
        }
        if (headerNeed == 2) {
            checkFirstTwoBytes();
            int len7 = header[1] & 0x7F;
            int need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header[1] & 0x80) != 0 ? 4 : 0);
            if (need > 2) {
                headerNeed = need;
                return;
            }
        }
        startFrame(handler);
    }

    /** The checks that need only the flags, opcode, mask bit and 7-bit length. */
    private void checkFirstTwoBytes() throws WebSocketException {
        int b0 = header[0] & 0xFF;
        int b1 = header[1] & 0xFF;
        boolean fin = (b0 & 0x80) != 0;
        boolean rsv1 = (b0 & 0x40) != 0;
        int op = b0 & 0x0F;
        if ((b0 & 0x30) != 0) {
            String bits = (b0 & 0x30) == 0x30 ? "bits RSV2 and RSV3" : (b0 & 0x20) != 0 ? "bit RSV2" : "bit RSV3";
            throw protocolError("reserved " + bits + " set");
        }
        if (!Opcode.isDefined(op)) {
            throw protocolError("reserved opcode " + Opcode.name(op));
        }
        boolean control = Opcode.isControl(op);
        if (control && !fin) {
            throw protocolError("fragmented control frame " + Opcode.name(op));
        }
        if (rsv1) {
            if (control) {
                throw protocolError("RSV1 on a control frame " + Opcode.name(op));
            }
            if (!rsv1Allowed) {
                throw protocolError("reserved bit RSV1 set without a negotiated extension");
            }
            if (op == Opcode.CONTINUATION) {
                throw protocolError("RSV1 on a continuation frame");
            }
        }
        boolean isMasked = (b1 & 0x80) != 0;
        if (role == Role.SERVER && !isMasked) {
            throw protocolError("unmasked client frame " + Opcode.name(op));
        }
        if (role == Role.CLIENT && isMasked) {
            throw protocolError("masked server frame " + Opcode.name(op));
        }
        if (op == Opcode.CONTINUATION && !messageInProgress) {
            throw protocolError("CONTINUATION without a message in progress");
        }
        if ((op == Opcode.TEXT || op == Opcode.BINARY) && messageInProgress) {
            throw protocolError(Opcode.name(op) + " frame while a fragmented message is in progress");
        }
    }

    private void startFrame(FrameHandler handler) throws WebSocketException {
        int b0 = header[0] & 0xFF;
        int b1 = header[1] & 0xFF;
        boolean fin = (b0 & 0x80) != 0;
        boolean rsv1 = (b0 & 0x40) != 0;
        int op = b0 & 0x0F;
        int len7 = b1 & 0x7F;
        int at = 2;
        long length;
        if (len7 == 126) {
            length = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
            at = 4;
        } else if (len7 == 127) {
            length = 0;
            for (int i = 2; i < 10; i++) {
                length = (length << 8) | (header[i] & 0xFF);
            }
            if (length < 0) {
                throw protocolError("payload length with the most significant bit set");
            }
            at = 10;
        } else {
            length = len7;
        }
        if (Opcode.isControl(op)) {
            if (length > FrameWriter.MAX_CONTROL_PAYLOAD) {
                throw protocolError("control frame " + Opcode.name(op) + " payload " + length + " > "
                        + FrameWriter.MAX_CONTROL_PAYLOAD);
            }
            if (op == Opcode.CLOSE && length == 1) {
                throw protocolError("CLOSE payload of 1 byte");
            }
        }
        if (length > maxFramePayload) {
            throw new WebSocketException(CloseCodes.MESSAGE_TOO_BIG, Opcode.name(op) + " frame payload " + length
                    + " > limit " + maxFramePayload);
        }
        masked = (b1 & 0x80) != 0;
        maskKey = masked
                ? ((header[at] & 0xFF) << 24) | ((header[at + 1] & 0xFF) << 16) | ((header[at + 2] & 0xFF) << 8)
                        | (header[at + 3] & 0xFF)
                : 0;
        if (op == Opcode.TEXT || op == Opcode.BINARY) {
            messageInProgress = !fin;
        } else if (op == Opcode.CONTINUATION && fin) {
            messageInProgress = false;
        }
        opcode = op;
        payloadLength = length;
        remaining = length;
        headerFill = 0;
        headerNeed = 2;
        handler.onFrameStart(op, fin, rsv1, length);
        if (length == 0) {
            handler.onFrameEnd();
        } else {
            inPayload = true;
        }
    }

    private void deliverPayload(ByteBuffer in, FrameHandler handler) throws WebSocketException {
        int n = (int) Math.min(remaining, in.remaining());
        long offset = payloadLength - remaining;
        if (masked && in.isReadOnly()) {
            deliverThroughScratch(in, n, offset, handler);
        } else {
            int from = in.position();
            if (masked) {
                FrameWriter.mask(in, from, n, maskKey, offset);
            }
            int limit = in.limit();
            in.limit(from + n);
            try {
                handler.onPayload(in);
            } finally {
                in.limit(limit);
                in.position(from + n);
            }
        }
        remaining -= n;
        if (remaining == 0) {
            inPayload = false;
            handler.onFrameEnd();
        }
    }

    private void deliverThroughScratch(ByteBuffer in, int n, long offset, FrameHandler handler)
            throws WebSocketException {
        if (scratch == null) {
            scratch = ByteBuffer.allocate(SCRATCH_SIZE);
        }
        int done = 0;
        while (done < n) {
            int piece = Math.min(n - done, scratch.capacity());
            scratch.clear();
            scratch.put(0, in, in.position(), piece);
            in.position(in.position() + piece);
            FrameWriter.mask(scratch, 0, piece, maskKey, offset + done);
            scratch.limit(piece);
            handler.onPayload(scratch);
            done += piece;
        }
    }

    private static WebSocketException protocolError(String message) {
        return new WebSocketException(CloseCodes.PROTOCOL_ERROR, message);
    }

    @Override
    public String toString() {
        return "FrameReader[" + role + (inPayload ? ", in " + Opcode.name(opcode) + " payload, " + remaining
                + " of " + payloadLength + " left" : "") + (failure != null ? ", failed: " + failure : "") + "]";
    }
}
