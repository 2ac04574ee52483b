package dev.evloop.websocket.codec;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Frame headers and masking for the sending side (RFC 6455 §5.2, §5.3). Stateless and
 * allocation-free: the caller owns the buffers and the choice of masking key.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-------+-+-------------+-------------------------------+
 * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 * | |1|2|3|       |K|             |                               |
 * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 * |     Extended payload length continued, if payload len == 127  |
 * + - - - - - - - - - - - - - - - +-------------------------------+
 * |                               |Masking-key, if MASK set to 1  |
 * +-------------------------------+-------------------------------+
 * </pre>
 */
public final class FrameWriter {
    /** 2 bytes of flags and length, 8 of extended length, 4 of masking key. */
    public static final int MAX_HEADER = 14;

    /** Largest payload of a control frame (RFC 6455 §5.5). */
    public static final int MAX_CONTROL_PAYLOAD = 125;

    private FrameWriter() {}

    /**
     * Writes a frame header (2..14 bytes) into dst at its position, advancing the position;
     * masked => a 4-byte key follows the length (RFC 6455 §5.2), the key's most significant byte
     * first. The length uses the minimal encoding, as §5.2 requires. Returns bytes written.
     *
     * @throws IllegalArgumentException for a reserved or out-of-range opcode, a negative length,
     *     a control frame that is fragmented, longer than 125 bytes or has RSV1 (§5.5, RFC 7692
     *     §6.1)
     * @throws BufferOverflowException when dst has less room than {@link #headerLength}; nothing
     *     is written then
     */
    public static int writeHeader(ByteBuffer dst, int opcode, boolean fin, boolean rsv1, long payloadLength,
            boolean masked, int maskKey) {
        if (!Opcode.isDefined(opcode)) {
            throw new IllegalArgumentException("reserved or invalid opcode " + Opcode.name(opcode));
        }
        if (payloadLength < 0) {
            throw new IllegalArgumentException("negative payload length " + payloadLength);
        }
        if (Opcode.isControl(opcode)) {
            if (!fin) {
                throw new IllegalArgumentException("fragmented control frame " + Opcode.name(opcode));
            }
            if (payloadLength > MAX_CONTROL_PAYLOAD) {
                throw new IllegalArgumentException("control frame " + Opcode.name(opcode) + " payload "
                        + payloadLength + " > " + MAX_CONTROL_PAYLOAD);
            }
            if (rsv1) {
                throw new IllegalArgumentException("RSV1 on a control frame " + Opcode.name(opcode));
            }
        }
        int length = headerLength(payloadLength, masked);
        if (dst.remaining() < length) {
            throw new BufferOverflowException();
        }
        int p = dst.position();
        dst.put(p, (byte) ((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode));
        int maskBit = masked ? 0x80 : 0;
        int keyAt;
        if (payloadLength <= 125) {
            dst.put(p + 1, (byte) (maskBit | (int) payloadLength));
            keyAt = p + 2;
        } else if (payloadLength <= 0xFFFF) {
            dst.put(p + 1, (byte) (maskBit | 126));
            dst.put(p + 2, (byte) (payloadLength >>> 8));
            dst.put(p + 3, (byte) payloadLength);
            keyAt = p + 4;
        } else {
            dst.put(p + 1, (byte) (maskBit | 127));
            for (int i = 0; i < 8; i++) {
                dst.put(p + 2 + i, (byte) (payloadLength >>> (56 - 8 * i)));
            }
            keyAt = p + 10;
        }
        if (masked) {
            dst.put(keyAt, (byte) (maskKey >>> 24));
            dst.put(keyAt + 1, (byte) (maskKey >>> 16));
            dst.put(keyAt + 2, (byte) (maskKey >>> 8));
            dst.put(keyAt + 3, (byte) maskKey);
        }
        dst.position(p + length);
        return length;
    }

    /**
     * XORs buf[from, from+length) with the key, as if the payload started at offset
     * payloadOffset (so a payload can be masked in pieces): byte i of the payload is XORed with
     * key byte {@code i % 4}, the key's most significant byte being byte 0 (RFC 6455 §5.3).
     * Masking twice unmasks. The buffer's position, limit and byte order are not changed.
     */
    public static void mask(ByteBuffer buf, int from, int length, int maskKey, long payloadOffset) {
        if (from < 0 || length < 0 || from > buf.limit() - length) {
            throw new IndexOutOfBoundsException("mask range [" + from + ", " + from + "+" + length
                    + ") outside the buffer's limit " + buf.limit());
        }
        if (payloadOffset < 0) {
            throw new IllegalArgumentException("negative payload offset " + payloadOffset);
        }
        // Rotate the key so that its byte 0 is the one for the byte at 'from'.
        int key = Integer.rotateLeft(maskKey, 8 * (int) (payloadOffset & 3));
        int i = from;
        int end = from + length;
        if (length >= 8) {
            long key64 = ((long) key << 32) | (key & 0xFFFF_FFFFL);
            // getLong/putLong follow the buffer's order; the key must be laid out the same way.
            if (buf.order() == ByteOrder.LITTLE_ENDIAN) {
                key64 = Long.reverseBytes(key64);
            }
            for (int last = end - 8; i <= last; i += 8) {
                buf.putLong(i, buf.getLong(i) ^ key64);
            }
        }
        // i - from is a multiple of 8 here, so the key's byte 0 belongs to i again.
        for (int k = 0; i < end; i++, k++) {
            buf.put(i, (byte) (buf.get(i) ^ (key >>> (24 - 8 * (k & 3)))));
        }
    }

    /** The header size for this payload length: 2, 4 or 10 bytes, plus 4 when masked. */
    public static int headerLength(long payloadLength, boolean masked) {
        if (payloadLength < 0) {
            throw new IllegalArgumentException("negative payload length " + payloadLength);
        }
        int n = payloadLength <= 125 ? 2 : payloadLength <= 0xFFFF ? 4 : 10;
        return masked ? n + 4 : n;
    }
}
