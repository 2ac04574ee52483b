/**
 * evloop server: a TCP server framework on the event loop (accept limits, read timeouts,
 * read/write mode backpressure, EMFILE back-off, graceful shutdown, SO_REUSEPORT loops) and the
 * length-prefixed echo service.
 */
module dev.evloop.server {
    requires transitive dev.evloop.core;
    exports dev.evloop.server;
    exports dev.evloop.server.echo;
}
