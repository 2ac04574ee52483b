/**
 * A small HTTP/1.1 server on the TCP server framework: {@link dev.evloop.server.http.HttpServer}
 * starts a {@link dev.evloop.server.TcpServer} whose connections each run an
 * {@link dev.evloop.server.http.HttpServerHandler}, which frames requests and responses with the
 * codec of {@code dev.evloop.http.codec} and hands each request to an
 * {@link dev.evloop.server.http.HttpService}, typically a {@link dev.evloop.server.http.Routes}
 * table. {@link dev.evloop.server.http.DemoRoutes} is the demo's and the tests' route set.
 *
 * <p>Threading: services, responders and response streams run on the connection's loop thread,
 * and must not block it; an answer that has to wait is given later through the
 * {@link dev.evloop.server.http.Responder} (from a loop timer, or from any thread with
 * {@link dev.evloop.server.http.Responder#respond}).
 *
 * <p>What the server does for the service: persistence and pipelining (answers in request order,
 * RFC 9112 §9.3), request bodies by Content-Length or chunked up to a limit, {@code 100 Continue},
 * error statuses for malformed requests, response framing (Content-Length, chunked, or the close
 * for HTTP/1.0), {@code Date} and {@code Connection}, HEAD, and backpressure on large responses.
 * Protocol upgrades ({@link dev.evloop.server.http.Responder#upgrade}: {@code 101}, then the
 * connection belongs to another {@link dev.evloop.server.Handler}, WebSocket say).
 * Not done: TLS, HTTP/2, CONNECT tunnels (answered like any request), content coding of its own.
 */
package dev.evloop.server.http;
