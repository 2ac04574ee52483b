/**
 * evloop server: a TCP server framework on the event loop (accept limits, read timeouts,
 * read/write mode backpressure, EMFILE back-off, graceful shutdown, SO_REUSEPORT loops) and the
 * length-prefixed echo service, and a small HTTP/1.1 server on it.
 */
module dev.evloop.server {
    requires transitive dev.evloop.core;
    requires transitive dev.evloop.http;
    exports dev.evloop.server;
    exports dev.evloop.server.echo;
    exports dev.evloop.server.http;
}
