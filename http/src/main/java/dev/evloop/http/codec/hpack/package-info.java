/**
 * HPACK (RFC 7541), the header compression of HTTP/2: bytes in, bytes out; no sockets, no loop,
 * no clock. {@link dev.evloop.http.codec.hpack.HpackDecoder} and
 * {@link dev.evloop.http.codec.hpack.HpackEncoder} each hold one direction's dynamic table of one
 * connection; the frame layer feeds them whole header blocks in connection order.
 */
package dev.evloop.http.codec.hpack;
