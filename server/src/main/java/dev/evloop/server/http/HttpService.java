package dev.evloop.server.http;

import java.util.Objects;
import java.util.function.Function;

/**
 * The application: turns a request into a response, now or later. Called on the connection's
 * loop thread, so it must not block; a response that has to wait (for a timer, another
 * connection, another thread) is given later through the {@link Responder}.
 *
 * <p>An exception thrown before the exchange is answered becomes a {@code 500}; thrown after a
 * streamed response began, it closes the connection (the framing of the response is broken).
 */
@FunctionalInterface
public interface HttpService {

    /**
     * Answers {@code request} through {@code responder}, exactly once: {@link Responder#respond}
     * or {@link Responder#stream}, before returning or at any later time. Requests on the same
     * connection are answered in order, so the next one waits until this one is answered.
     */
    void serve(Request request, Responder responder) throws Exception;

    /** A service that answers at once with the response {@code f} computes. */
    static HttpService of(Function<? super Request, Response> f) {
        Objects.requireNonNull(f, "f");
        return (request, responder) -> responder.respond(f.apply(request));
    }
}
