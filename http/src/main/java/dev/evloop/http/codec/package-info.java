/**
 * HTTP/1.1 framing, bytes in and bytes out: no sockets, no loop, no clock (RFC 9110, RFC 9112).
 *
 * <p>Client side: {@link dev.evloop.http.codec.Http1RequestEncoder} writes request heads,
 * {@link dev.evloop.http.codec.ChunkedEncoder} streamed bodies,
 * {@link dev.evloop.http.codec.Http1ResponseParser} reads responses and
 * {@link dev.evloop.http.codec.ContentDecoder} undoes gzip and deflate content codings. Server
 * side: {@link dev.evloop.http.codec.Http1RequestParser} and
 * {@link dev.evloop.http.codec.Http1ResponseEncoder}. Both parsers share one implementation of
 * line gathering ({@code LineReader}), field sections ({@code FieldSectionReader}), chunk framing
 * ({@code ChunkedDecoder}) and body delimitation ({@code MessageParser}).
 *
 * <p>Where the RFCs leave room, the codec chooses, for both parsers alike:
 * <ol>
 *   <li>CRLF is required; a bare LF is accepted only with {@link
 *       dev.evloop.http.codec.ParserLimits#allowBareLf()}, and then only in the start line and
 *       header section, never in chunk framing or trailers (RFC 9112 §2.2). A bare CR is an error.
 *   <li>Empty lines before a start line are skipped, within the head budget (RFC 9112 §2.2).
 *   <li>Whitespace before the colon, obs-fold and whitespace before the first field are errors
 *       (RFC 9112 §5.1, §5.2, §2.2); so are NUL and CR in values. Other controls are kept
 *       (RFC 9110 §5.5 permits it).
 *   <li>Content-Length: a list of identical values, on one line or several, is accepted as that
 *       value; differing, empty, signed or overflowing values are errors (RFC 9110 §8.6).
 *   <li>Transfer-Encoding: only a single, final {@code chunked} is accepted; any other coding,
 *       chunked not last or twice, Transfer-Encoding with Content-Length, and Transfer-Encoding in
 *       HTTP/1.0 are errors, in requests and responses, even where no body follows (RFC 9112 §6.1,
 *       §6.3).
 *   <li>Chunk lines follow the grammar strictly (hex size, optional extensions that are checked
 *       and ignored, no trailing whitespace) and sizes beyond {@code Long.MAX_VALUE} are errors
 *       (RFC 9112 §7.1).
 *   <li>An error is final for the connection: framing is lost.
 * </ol>
 * The encoders refuse caller-supplied Content-Length and Transfer-Encoding fields (framing comes
 * from the body length only) and any control character other than HTAB in values.
 */
package dev.evloop.http.codec;
