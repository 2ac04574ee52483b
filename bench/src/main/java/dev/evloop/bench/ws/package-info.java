/**
 * WebSocket echo servers side by side ({@code scripts/ws-compare}): evloop's {@code ws-echo-server},
 * Jetty 12's and Netty 4.1's, under the same load from evloop's WebSocket client ({@link
 * dev.evloop.bench.ws.WsLoad}); {@link dev.evloop.bench.ws.WsCompare} runs them one at a time and
 * reports messages per second, CPU and memory.
 */
package dev.evloop.bench.ws;
