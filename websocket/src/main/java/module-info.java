/**
 * evloop websocket: the WebSocket protocol (RFC 6455) on the server framework and the HTTP
 * engine, with its codec (framing, UTF-8 validation, permessage-deflate of RFC 7692) in
 * {@code dev.evloop.websocket.codec}.
 */
module dev.evloop.websocket {
    requires transitive dev.evloop.server;
    exports dev.evloop.websocket;
    exports dev.evloop.websocket.codec;
}
