/**
 * The WebSocket codec: bytes in, bytes out; no sockets, loop or clock.
 *
 * <ul>
 *   <li>{@link dev.evloop.websocket.codec.FrameReader} parses frames incrementally and enforces
 *       RFC 6455 §5's framing rules; {@link dev.evloop.websocket.codec.FrameWriter} writes
 *       headers and masks payloads (§5.3).</li>
 *   <li>{@link dev.evloop.websocket.codec.Utf8Validator} checks TEXT payloads across fragments
 *       (§8.1).</li>
 *   <li>{@link dev.evloop.websocket.codec.PerMessageDeflate} negotiates and applies
 *       permessage-deflate (RFC 7692).</li>
 *   <li>{@link dev.evloop.websocket.codec.Handshake} computes and checks the handshake's keys
 *       (§4).</li>
 * </ul>
 *
 * <p>A violation in received bytes is a {@link dev.evloop.websocket.codec.WebSocketException}
 * carrying the close code to answer with; misuse by the caller is an
 * {@link java.lang.IllegalArgumentException} or {@link java.lang.IllegalStateException}. Message
 * assembly, close-frame bodies and size limits on whole messages are the connection's job.
 */
package dev.evloop.websocket.codec;
