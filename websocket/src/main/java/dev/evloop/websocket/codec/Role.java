package dev.evloop.websocket.codec;

/**
 * Which end of the connection WE are. It decides masking (RFC 6455 §5.1: a client masks every
 * frame it sends, a server masks none, and each fails the connection on a frame masked the wrong
 * way) and which of the permessage-deflate parameters applies to our compressor (RFC 7692 §7.1).
 */
public enum Role {
    CLIENT,
    SERVER
}
