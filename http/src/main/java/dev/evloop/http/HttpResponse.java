package dev.evloop.http;

import java.nio.charset.StandardCharsets;

/**
 * A final response: status, headers, the body (empty when the transfer streamed it to its
 * listener) and trailers.
 */
public record HttpResponse(int status, String version, HttpHeaders headers, byte[] body, HttpHeaders trailers) {

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return version + " " + status + " (" + body.length + " bytes)";
    }
}
