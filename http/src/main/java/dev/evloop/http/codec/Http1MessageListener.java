package dev.evloop.http.codec;

import java.nio.ByteBuffer;

/**
 * The events both HTTP/1.x parsers report after the start line, in this order for one message:
 * {@code onHeader}*, {@code onHeadersComplete}, {@code onBody}*, {@code onTrailer}*,
 * {@code onMessageComplete}. The start-line events are in {@link Http1ResponseParser.Listener} and
 * {@link Http1RequestParser.Listener}.
 *
 * <p>Callbacks run on the thread calling {@code parse}, inside it; they must not call back into the
 * parser. A {@link RuntimeException} thrown by a callback propagates out of {@code parse} and
 * leaves the parser failed.
 */
public interface Http1MessageListener {

    /**
     * One header field line, in arrival order. Names are as received (compare them
     * case-insensitively, RFC 9110 §5.1); values have leading and trailing whitespace removed
     * (RFC 9112 §5.1) and are decoded as ISO-8859-1 (obs-text kept, RFC 9110 §5.5). Repeated fields
     * are reported once per line, not combined.
     */
    default void onHeader(String name, String value) {}

    /**
     * The header section is complete and the body framing is decided.
     *
     * @param contentLength the body length for {@link BodyFraming#CONTENT_LENGTH}, 0 for
     *     {@link BodyFraming#NONE}, -1 otherwise
     */
    default void onHeadersComplete(BodyFraming framing, long contentLength) {}

    /**
     * Body bytes, after transfer decoding (chunk framing removed; content codings are left for
     * {@link ContentDecoder}). Never empty.
     *
     * <p>{@code body} is the very buffer given to {@code parse}, with its position and limit
     * narrowed to these bytes: nothing was copied. Read from it freely (advancing its position is
     * expected) but do not keep it: after the callback the parser puts the limit back and moves the
     * position past these bytes, whatever the callback did, and the caller will reuse the buffer.
     */
    default void onBody(ByteBuffer body) {}

    /** One trailer field of a chunked body (RFC 9112 §7.1.2); same form as {@link #onHeader}. */
    default void onTrailer(String name, String value) {}

    /** The message is complete. {@code parse} returns right after this, leaving any further bytes. */
    default void onMessageComplete() {}
}
