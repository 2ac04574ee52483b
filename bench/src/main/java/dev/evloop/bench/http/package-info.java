/**
 * HTTP clients side by side ({@code scripts/http-compare}): evloop's engine, the JDK's
 * {@code java.net.http.HttpClient}, Jetty 12's {@code HttpClient} and a Netty 4.1 epoll client,
 * each in its own JVM, against one evloop {@code HttpServer} ({@code DemoRoutes}) in another.
 * {@link dev.evloop.bench.http.HttpCompare} runs them; {@link dev.evloop.bench.http.HttpLoad} is
 * one client run; {@link dev.evloop.bench.http.DemoServer} is the server.
 */
package dev.evloop.bench.http;
