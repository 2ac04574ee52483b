/**
 * The echo servers side by side ({@code scripts/echo-compare}): evloop's echo server, a Netty 4.1
 * native-epoll one ({@link dev.evloop.bench.echo.NettyEchoServer}) and a JDK Selector one
 * ({@link dev.evloop.bench.echo.NioEchoServer}), each in its own JVM, under {@code evloop
 * echo-bench} ({@link dev.evloop.bench.echo.EchoCompare}), and the memory of idle connections on
 * each ({@link dev.evloop.bench.echo.IdleConnections}). docs/BENCHMARKS.md has the method and a run.
 */
package dev.evloop.bench.echo;
