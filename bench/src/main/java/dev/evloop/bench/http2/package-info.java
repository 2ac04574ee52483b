/**
 * HTTP/2 clients side by side ({@code scripts/h2-compare}): {@link dev.evloop.bench.http2.H2Compare}
 * runs each client ({@link dev.evloop.bench.http2.H2Load}) in its own JVM against one Jetty h2c
 * server ({@link dev.evloop.bench.http2.H2Server}), 64 streams in flight on one connection.
 */
package dev.evloop.bench.http2;
