package dev.evloop.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.evloop.http.codec.Http1ResponseEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

/**
 * The demo's routes, also the fixture of the HTTP tests and the CLI (any method; HEAD gets the
 * head only):
 * <ul>
 *   <li>{@code /hello}: the 13 bytes {@value #HELLO}.
 *   <li>{@code /bytes/N}: N bytes of {@link #patternByte} from offset 0, with Content-Length,
 *       streamed with backpressure (N up to {@link #MAX_BYTES}).
 *   <li>{@code /chunked/N}: the same N bytes, chunked, in about four chunks (at most 16 KiB each),
 *       with the trailer {@code X-Body-CRC32} (the CRC-32 of the body, 8 lowercase hex digits).
 *   <li>{@code /delay/MS}: answers after MS milliseconds (at most {@link #MAX_DELAY_MS}) from a
 *       loop timer; the loop serves others meanwhile.
 *   <li>{@code /status/CODE}: that status (200 to 599), body {@code "CODE Reason\n"}; 204 and 304
 *       without a body.
 *   <li>{@code /redirect/N}: 302 to {@code /redirect/N-1}; {@code /redirect/0}: 302 to
 *       {@code /hello}. {@code /redirect-code/CODE}: that 3xx status to {@code /echo}.
 *   <li>{@code /gzip}: {@link #GZIP_TEXT} gzip-encoded, with {@code Content-Encoding: gzip}.
 *   <li>{@code /echo}: the request body back, the method in {@code X-Method}, the request's
 *       Content-Type copied.
 *   <li>{@code /close}: a short body with {@code Connection: close}; the server closes after it.
 *   <li>{@code /headers}: the request's header fields, one {@code "Name: value\n"} line each.
 *   <li>anything else: 404. A malformed number in a path: 400.
 * </ul>
 */
public final class DemoRoutes {
    public static final String HELLO = "Hello, world!";
    /** What {@code /gzip} decodes to. */
    public static final String GZIP_TEXT = "evloop gzip demo: the same line again and again.\n".repeat(40);
    public static final long MAX_BYTES = 1L << 40;
    public static final long MAX_DELAY_MS = 60_000;
    /** The chunk size cap of {@code /chunked/N}. */
    public static final int MAX_CHUNK = 16 * 1024;

    private static final int PERIOD = 251;
    /** The pattern from offset 0, long enough for any chunk to start at any phase. */
    private static final byte[] PATTERN = new byte[PERIOD * (MAX_CHUNK / PERIOD + 2)];
    private static final byte[] GZIPPED = gzip(GZIP_TEXT.getBytes(UTF_8));
    private static final List<Map.Entry<String, String>> TEXT = List.of(Map.entry("Content-Type", "text/plain; charset=utf-8"));

    static {
        for (int i = 0; i < PATTERN.length; i++) PATTERN[i] = patternByte(i);
    }

    private DemoRoutes() {}

    /** The byte at {@code offset} of every {@code /bytes} and {@code /chunked} body: offset mod 251. */
    public static byte patternByte(long offset) {
        return (byte) (offset % PERIOD);
    }

    /** The first {@code n} bytes of the pattern. */
    public static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = patternByte(i);
        return b;
    }

    /** The chunk size {@code /chunked/N} uses: about a quarter of N, 1 to {@link #MAX_CHUNK}. */
    public static int chunkSize(long n) {
        return (int) Math.max(1, Math.min(MAX_CHUNK, (n + 3) / 4));
    }

    public static Routes routes() {
        return Routes.builder()
                .exact("/hello", HttpService.of(r -> Response.text(200, HELLO)))
                .prefix("/bytes/", DemoRoutes::bytes)
                .prefix("/chunked/", DemoRoutes::chunked)
                .prefix("/delay/", DemoRoutes::delay)
                .prefix("/status/", HttpService.of(DemoRoutes::status))
                .prefix("/redirect/", HttpService.of(DemoRoutes::redirect))
                .prefix("/redirect-code/", HttpService.of(DemoRoutes::redirectCode))
                .exact("/gzip", HttpService.of(r -> new Response(200, null, List.of(
                        Map.entry("Content-Type", "text/plain; charset=utf-8"),
                        Map.entry("Content-Encoding", "gzip"),
                        Map.entry("Vary", "Accept-Encoding")), GZIPPED)))
                .exact("/echo", HttpService.of(DemoRoutes::echo))
                .exact("/close", HttpService.of(r -> Response.text(200, "closing\n").withHeader("Connection", "close")))
                .exact("/headers", HttpService.of(DemoRoutes::headers))
                .build();
    }

    private static void bytes(Request r, Responder responder) {
        long n = number(Routes.rest(r, "/bytes/"), MAX_BYTES);
        if (n < 0) {
            responder.respond(badNumber(r, MAX_BYTES));
            return;
        }
        ResponseStream s = responder.stream(200, List.of(Map.entry("Content-Type", "application/octet-stream")), n);
        new PatternProducer(s, n, MAX_CHUNK, null).run();
    }

    private static void chunked(Request r, Responder responder) {
        long n = number(Routes.rest(r, "/chunked/"), MAX_BYTES);
        if (n < 0) {
            responder.respond(badNumber(r, MAX_BYTES));
            return;
        }
        ResponseStream s = responder.stream(200, List.of(
                Map.entry("Content-Type", "application/octet-stream"),
                Map.entry("Trailer", "X-Body-CRC32")), -1);
        new PatternProducer(s, n, chunkSize(n), new CRC32()).run();
    }

    private static void delay(Request r, Responder responder) {
        long ms = number(Routes.rest(r, "/delay/"), MAX_DELAY_MS);
        if (ms < 0) {
            responder.respond(badNumber(r, MAX_DELAY_MS));
            return;
        }
        responder.loop().schedule(ms, TimeUnit.MILLISECONDS,
                () -> responder.respond(Response.text(200, "delayed " + ms + " ms\n")));
    }

    private static Response status(Request r) {
        long code = number(Routes.rest(r, "/status/"), 599);
        if (code < 200) return badNumber(r, 599);
        int c = (int) code;
        if (!Response.hasContent(c)) return Response.empty(c);
        return Response.text(c, c + " " + Http1ResponseEncoder.reasonPhrase(c) + "\n");
    }

    private static Response redirect(Request r) {
        long n = number(Routes.rest(r, "/redirect/"), Integer.MAX_VALUE);
        if (n < 0) return badNumber(r, Integer.MAX_VALUE);
        return Response.empty(302).withHeader("Location", n == 0 ? "/hello" : "/redirect/" + (n - 1));
    }

    private static Response redirectCode(Request r) {
        long code = number(Routes.rest(r, "/redirect-code/"), 399);
        if (code < 300) return badNumber(r, 399);
        return Response.empty((int) code).withHeader("Location", "/echo");
    }

    private static Response echo(Request r) {
        Response out = new Response(200, null, List.of(Map.entry("X-Method", r.method())), r.body());
        String type = r.header("Content-Type");
        return type == null ? out : out.withHeader("Content-Type", type);
    }

    private static Response headers(Request r) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> h : r.headers()) {
            sb.append(h.getKey()).append(": ").append(h.getValue()).append('\n');
        }
        return new Response(200, null, TEXT, sb.toString().getBytes(ISO_8859_1)); // field values are ISO-8859-1
    }

    /** Writes the pattern while the connection takes it, then waits for it to drain. */
    private static final class PatternProducer implements Runnable {
        private final ResponseStream stream;
        private final long total;
        private final int chunk;
        private final CRC32 crc;
        private long offset;

        PatternProducer(ResponseStream stream, long total, int chunk, CRC32 crc) {
            this.stream = stream;
            this.total = total;
            this.chunk = chunk;
            this.crc = crc;
        }

        @Override
        public void run() {
            if (!stream.wantsBody()) {
                stream.end();
                return;
            }
            while (offset < total && stream.isReady()) {
                int n = (int) Math.min(chunk, total - offset);
                ByteBuffer b = ByteBuffer.wrap(PATTERN, (int) (offset % PERIOD), n);
                if (crc != null) crc.update(b.duplicate());
                stream.write(b);
                offset += n;
            }
            if (offset == total) {
                stream.end(crc == null ? List.of()
                        : List.of(Map.entry("X-Body-CRC32", String.format("%08x", crc.getValue()))));
            } else if (stream.isOpen()) {
                stream.whenReady(this);
            }
        }
    }

    /** A decimal number of at most 18 digits, at most {@code max}; -1 if it is not one. */
    private static long number(String s, long max) {
        if (s.isEmpty() || s.length() > 18) return -1;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v <= max ? v : -1;
    }

    private static Response badNumber(Request r, long max) {
        return Response.text(400, "bad number in " + r.path() + " (at most " + max + ")\n");
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen in memory
        }
        return out.toByteArray();
    }
}
