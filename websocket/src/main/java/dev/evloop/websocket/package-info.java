/**
 * WebSocket connections (RFC 6455) on evloop's server framework and HTTP engine, built on the
 * codec of {@code dev.evloop.websocket.codec}.
 */
package dev.evloop.websocket;
