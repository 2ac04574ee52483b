/**
 * evloop http: an HTTP client engine that any event loop can drive (libcurl's multi-socket
 * model), its HTTP/1.1 codec, and the driver for evloop's own loop.
 */
module dev.evloop.http {
    requires transitive dev.evloop.core;
    exports dev.evloop.http;
    exports dev.evloop.http.codec;
    exports dev.evloop.http.driver;
}
