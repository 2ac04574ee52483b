package dev.evloop.http;

import dev.evloop.http.codec.ContentDecodingException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * What happens to a response body once its head is known, the same on every protocol: a followed
 * redirect's body is read and dropped (bounded), content coding is decoded, a collecting transfer
 * gathers it under {@link HttpEngine.Builder#maxResponseBody}, a streaming one hands it to its
 * listener, and a paused one keeps it for {@link HttpEngine#resume}. Errors are thrown as
 * {@link UncheckedIOException}s: the callers are parser and frame callbacks, which turn them into
 * a failed transfer.
 */
final class ResponseBody {
    private ResponseBody() {}

    /** The final head of {@code t}'s response arrived: set up the body and tell the listener. */
    static void begin(HttpEngine engine, Transfer t, HttpHeaders head, long contentLength) {
        t.discarding = engine.isRedirect(t, head);
        t.discarded = 0;
        if (t.discarding) return; // the body of a redirect we follow is read and dropped
        t.decoder = engine.decoderFor(head);
        if (t.collects()) {
            long max = engine.maxResponseBody();
            if (t.decoder == null && contentLength > max) throw tooLarge(t, max, "Content-Length " + contentLength);
            t.body = new ByteArrayOutputStream(contentLength > 0 ? (int) Math.min(contentLength, 1 << 20) : 256);
        }
        t.listener().onResponseHead(t, t.status, head);
    }

    /** Body bytes as received (content-coded or not). */
    static void accept(HttpEngine engine, Transfer t, ByteBuffer body) {
        if (t.discarding) { // a redirect's body: dropped, but not read without end
            t.discarded += body.remaining();
            body.position(body.limit());
            long max = engine.maxResponseBody();
            if (t.discarded > max) throw tooLarge(t, max, "more than " + max + " bytes in the body of a redirect");
            return;
        }
        if (t.decoder == null) {
            deliver(engine, t, body);
            return;
        }
        ByteBuffer decoded = engine.decodeBuffer();
        try {
            boolean full;
            do {
                int before = body.position();
                decoded.clear();
                t.decoder.decode(body, decoded); // "call again while out came back full"
                full = !decoded.hasRemaining();
                decoded.flip();
                if (decoded.hasRemaining()) {
                    deliver(engine, t, decoded);
                } else if (body.position() == before && body.hasRemaining()) {
                    throw new ContentDecodingException("content decoder made no progress");
                }
            } while (body.hasRemaining() || full);
        } catch (ContentDecodingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decoded bytes: kept while paused, else collected or handed to the listener. */
    static void deliver(HttpEngine engine, Transfer t, ByteBuffer bytes) {
        if (t.paused) { // kept, delivered first on resume
            ByteBuffer h = t.held;
            if (h == null || h.remaining() < bytes.remaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(64 * 1024,
                        (h == null ? 0 : h.position()) + bytes.remaining() * 2));
                if (h != null) bigger.put(h.flip());
                t.held = h = bigger;
            }
            h.put(bytes);
            return;
        }
        if (!t.collects()) {
            t.listener().onBody(t, bytes);
            return;
        }
        long max = engine.maxResponseBody();
        if (t.body.size() + (long) bytes.remaining() > max) {
            throw tooLarge(t, max, "more than " + max + " bytes received");
        }
        if (bytes.hasArray()) {
            t.body.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
            bytes.position(bytes.limit());
        } else {
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            t.body.write(copy, 0, copy.length);
        }
    }

    /** The decoder's end: a truncated gzip stream is an error, not a short body. Null if fine. */
    static Throwable end(Transfer t) {
        if (t.decoder == null) return null;
        try {
            t.decoder.end();
            return null;
        } catch (IOException e) {
            return e;
        } finally {
            t.decoder.close();
            t.decoder = null;
        }
    }

    static UncheckedIOException tooLarge(Transfer t, long max, String what) {
        return new UncheckedIOException(new IOException("response body exceeds maxResponseBody (" + max
                + " bytes) for " + t.current + ": " + what));
    }
}
