package dev.evloop.http.codec;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.testing.FuzzInput;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the two HTTP/1.1 parser fuzz targets share: limits chosen by the input's mode bits, a
 * driver that feeds the pieces the way a connection does (unconsumed bytes are compacted and
 * offered again with the next piece) while checking every call's buffer bookkeeping, and the
 * checks on the recorded events.
 *
 * <p>Mode bits: 0 bare LF allowed; 1 a 96-byte head with at most 3 fields; 2 chunk lines of at
 * most 8 bytes; 3 bodies of at most 16 bytes; 4 end of input after the last piece; 7 the split
 * run reads from a direct buffer. Bits 5 and 6 are the target's own.
 */
final class MessageFuzzing {
    /** The statuses {@link HttpParseException#suggestedStatus()} documents. */
    private static final Set<Integer> STATUSES = Set.of(400, 413, 414, 431, 501, 505);

    private MessageFuzzing() {}

    static ParserLimits limits(FuzzInput in) {
        ParserLimits l = ParserLimits.DEFAULT.withAllowBareLf(in.flag(0));
        if (in.flag(1)) l = l.withMaxHeaderSectionBytes(96).withMaxHeaderCount(3);
        if (in.flag(2)) l = l.withMaxChunkLineBytes(8);
        if (in.flag(3)) l = l.withMaxBodyBytes(16);
        return l;
    }

    static boolean endOfInput(FuzzInput in) {
        return in.flag(4);
    }

    /** Responses to {@code methods} in order, as long as the connection carries them. */
    static List<String> responses(FuzzInput in, ParserLimits limits, String[] methods, boolean direct) {
        Recorder r = new Recorder();
        Http1ResponseParser p = new Http1ResponseParser(r, limits);
        ByteBuffer buf = allocate(in.bytes().length + 1, direct);
        r.input = buf;
        int next = 0;
        p.begin(methods[next++]);
        boolean stopped = false;
        int prev = 0;
        try {
            for (int end : in.pieceEnds()) {
                buf.put(in.bytes(), prev, end - prev).flip();
                prev = end;
                while (!stopped) {
                    if (p.isComplete()) {
                        if (p.isTunnel() || !p.keepAlive() || next == methods.length) {
                            stopped = true;
                            break;
                        }
                        p.begin(methods[next++]);
                    }
                    if (!buf.hasRemaining()) break;
                    int position = buf.position();
                    int limit = buf.limit();
                    int n = p.parse(buf);
                    checkConsumed(buf, position, limit, n);
                    if (p.isComplete()) {
                        r.add("end keep-alive " + p.keepAlive() + " " + p.framing() + " tunnel " + p.isTunnel());
                    } else {
                        assertThat(buf.hasRemaining()).as("an incomplete response consumes all input").isFalse();
                    }
                }
                buf.compact();
            }
            if (endOfInput(in) && !stopped) {
                boolean wasComplete = p.isComplete();
                p.endOfInput();
                if (!wasComplete) {
                    assertThat(p.isComplete()).as("endOfInput completes or throws").isTrue();
                    r.add("end-of-input keep-alive " + p.keepAlive() + " " + p.framing());
                }
            }
        } catch (HttpParseException e) {
            r.add(error(e));
        }
        return finish(r, buf);
    }

    /** Requests, as many as arrive while the connection stays open. */
    static List<String> requests(FuzzInput in, ParserLimits limits, boolean direct) {
        Recorder r = new Recorder();
        Http1RequestParser p = new Http1RequestParser(r, limits);
        ByteBuffer buf = allocate(in.bytes().length + 1, direct);
        r.input = buf;
        boolean stopped = false;
        int prev = 0;
        try {
            for (int end : in.pieceEnds()) {
                buf.put(in.bytes(), prev, end - prev).flip();
                prev = end;
                while (!stopped && buf.hasRemaining()) {
                    if (p.isComplete() && !p.keepAlive()) {
                        stopped = true;
                        break;
                    }
                    int position = buf.position();
                    int limit = buf.limit();
                    int n = p.parse(buf);
                    checkConsumed(buf, position, limit, n);
                    if (p.isComplete()) {
                        r.add("end keep-alive " + p.keepAlive() + " expect-continue " + p.expectContinue() + " "
                                + p.framing() + " " + p.method() + " " + p.target());
                    } else {
                        assertThat(buf.hasRemaining()).as("an incomplete request consumes all input").isFalse();
                    }
                }
                buf.compact();
            }
            if (endOfInput(in) && !stopped) {
                p.endOfInput();
                r.add("end-of-input");
            }
        } catch (HttpParseException e) {
            r.add(error(e));
        }
        return finish(r, buf);
    }

    /**
     * The whole-input run and the split run must tell the same story. Only where a body limit
     * stopped the message may the body seen before the error differ: the parser refuses a piece
     * that would cross the limit, and the pieces differ.
     */
    static void assertSameOutcome(List<String> whole, List<String> split) {
        assertThat(comparable(split)).as("events of the split run").isEqualTo(comparable(whole));
    }

    /**
     * The invariants of one run's events: limits honoured per message, body sizes matching their
     * framing, errors with a documented status and a message, nothing after an error.
     */
    static void checkEvents(List<String> events, ParserLimits limits) {
        int fields = 0;
        long headBytes = 0;
        int trailers = 0;
        long body = 0;
        String framing = null;
        long contentLength = -1;
        for (int i = 0; i < events.size(); i++) {
            String e = events.get(i);
            String kind = e.substring(0, e.indexOf(' ') < 0 ? e.length() : e.indexOf(' '));
            switch (kind) {
                case "status", "request", "interim" -> {
                    fields = 0;
                    headBytes = 0;
                    framing = null;
                }
                case "header" -> {
                    fields++;
                    // At least "name:value" and a line end for each field.
                    headBytes += e.length() - "header : ".length() + 2;
                    assertThat(fields).as("fields in one head").isLessThanOrEqualTo(limits.maxHeaderCount());
                    assertThat(headBytes).as("bytes of one head's fields").isLessThanOrEqualTo(limits.maxHeaderSectionBytes());
                }
                case "headers-complete" -> {
                    String[] parts = e.split(" ");
                    framing = parts[1];
                    contentLength = Long.parseLong(parts[2]);
                    if (framing.equals("CONTENT_LENGTH")) {
                        assertThat(contentLength).as("Content-Length within the body limit").isBetween(0L, limits.maxBodyBytes());
                    }
                    body = 0;
                    trailers = 0;
                }
                case "body" -> {
                    assertThat(framing).as("body after a head with a body").isIn("CONTENT_LENGTH", "CHUNKED", "UNTIL_CLOSE");
                    body += e.length() - "body ".length();
                    assertThat(body).as("body bytes of one message").isLessThanOrEqualTo(limits.maxBodyBytes());
                    if (framing.equals("CONTENT_LENGTH")) assertThat(body).isLessThanOrEqualTo(contentLength);
                }
                case "trailer" -> {
                    assertThat(framing).as("trailers only in a chunked body").isEqualTo("CHUNKED");
                    trailers++;
                    assertThat(trailers).as("trailer fields").isLessThanOrEqualTo(limits.maxHeaderCount());
                }
                case "complete" -> {
                    assertThat(framing).as("a message completes after its head").isNotNull();
                    if (framing.equals("CONTENT_LENGTH")) assertThat(body).as("body of a Content-Length message").isEqualTo(contentLength);
                    if (framing.equals("NONE") || framing.equals("TUNNEL")) assertThat(body).isZero();
                }
                case "error" -> {
                    assertThat(i).as("nothing after an error").isEqualTo(events.size() - 1);
                    String[] parts = e.split(" ", 3);
                    assertThat(Integer.parseInt(parts[1])).as("suggested status of " + e).isIn(STATUSES);
                    assertThat(parts.length == 3 && !parts[2].isBlank()).as("error message of " + e).isTrue();
                }
                case "end", "end-of-input", "rest" -> {}
                default -> throw new AssertionError("unknown event " + e);
            }
        }
    }

    private static ByteBuffer allocate(int capacity, boolean direct) {
        return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }

    private static void checkConsumed(ByteBuffer buf, int position, int limit, int n) {
        assertThat(buf.limit()).as("parse leaves the limit alone").isEqualTo(limit);
        assertThat(buf.position()).as("parse never moves backwards").isGreaterThanOrEqualTo(position);
        assertThat(n).as("parse returns the bytes it consumed").isEqualTo(buf.position() - position);
    }

    private static String error(HttpParseException e) {
        return "error " + e.suggestedStatus() + " " + e.getMessage();
    }

    private static List<String> finish(Recorder r, ByteBuffer buf) {
        List<String> events = new ArrayList<>(r.finish());
        buf.flip();
        // After an error, what was left unconsumed depends on the split, and means nothing.
        if (buf.hasRemaining() && (events.isEmpty() || !events.getLast().startsWith("error "))) {
            byte[] left = new byte[buf.remaining()];
            buf.get(left);
            events.add("rest " + new String(left, ISO_8859_1));
        }
        assertThat(r.copied).as("body handed over as the input buffer itself").isFalse();
        return events;
    }

    private static List<String> comparable(List<String> events) {
        if (events.isEmpty() || !events.getLast().startsWith("error 413 body exceeds")) return events;
        List<String> out = new ArrayList<>(events);
        for (int i = out.size() - 2; i >= 0 && !out.get(i).startsWith("headers-complete"); i--) {
            if (out.get(i).startsWith("body ")) out.remove(i);
        }
        return out;
    }
}
