package dev.evloop.server.echo;

import java.nio.ByteBuffer;

/**
 * The framing of the echo protocol (seed 004): a 4-byte little-endian length, then that many bytes
 * of payload. Pure: it reads a buffer by index, never moves its position, keeps no state and
 * allocates nothing, except the reason string once a length is refused.
 *
 * <p>Use: call {@link #frameAt} at the start of each message; a positive result is the whole
 * message's size, {@link #NEED_MORE} means it has not fully arrived, {@link #BAD_LENGTH} means the
 * prefix is negative or over the maximum, and {@link #badLengthReason} says which.
 */
public final class EchoFraming {
    /** The length prefix. */
    public static final int HEADER = 4;
    /** From {@link #frameAt}: the message at that index has not fully arrived. */
    public static final int NEED_MORE = -1;
    /** From {@link #frameAt}: the length prefix is negative or exceeds the maximum. */
    public static final int BAD_LENGTH = -2;

    private final int maxMessage;

    /** @param maxMessage the largest payload accepted, prefix excluded */
    public EchoFraming(int maxMessage) {
        if (maxMessage < 0) throw new IllegalArgumentException("maxMessage must not be negative: " + maxMessage);
        this.maxMessage = maxMessage;
    }

    public int maxMessage() {
        return maxMessage;
    }

    /**
     * The message starting at {@code index}, among the bytes before {@code limit}.
     *
     * @return its size, prefix included ({@code HEADER} to {@code HEADER + maxMessage}), when all of
     *     it lies before {@code limit}; {@link #NEED_MORE}; or {@link #BAD_LENGTH}, known as soon as
     *     the prefix is there
     */
    public int frameAt(ByteBuffer b, int index, int limit) {
        if (limit - index < HEADER) return NEED_MORE;
        int length = lengthAt(b, index);
        if (!isValidLength(length)) return BAD_LENGTH;
        // limit - index fits in an int, so the whole message does too when it has arrived.
        if (limit - index - HEADER < length) return NEED_MORE;
        return HEADER + length;
    }

    /** Why the prefix at {@code index} was refused, after {@link #frameAt} returned {@link #BAD_LENGTH}. */
    public String badLengthReason(ByteBuffer b, int index) {
        return badLengthReason(lengthAt(b, index));
    }

    /** True if a prefix saying {@code length} is accepted: 0 to the maximum. */
    public boolean isValidLength(int length) {
        return length >= 0 && length <= maxMessage;
    }

    /** Why a prefix saying {@code length} is refused ({@link #isValidLength} false). */
    public String badLengthReason(int length) {
        if (length < 0) return "echo: negative message length " + length;
        if (length > maxMessage) return "echo: message length " + length + " exceeds the maximum of " + maxMessage;
        throw new IllegalStateException("echo: message length " + length + " is valid");
    }

    /** The little-endian int at {@code index}, whatever the buffer's byte order. */
    private static int lengthAt(ByteBuffer b, int index) {
        return (b.get(index) & 0xFF)
                | (b.get(index + 1) & 0xFF) << 8
                | (b.get(index + 2) & 0xFF) << 16
                | (b.get(index + 3) & 0xFF) << 24;
    }
}
