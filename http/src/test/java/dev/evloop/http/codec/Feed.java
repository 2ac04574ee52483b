package dev.evloop.http.codec;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * Drives a parser the way the engine will: bytes arrive in pieces, unconsumed bytes are kept
 * (compacted) and offered again with the next piece. Runs one input under every split (whole, all
 * two-way splits, one byte at a time) and checks the event lists are identical.
 */
final class Feed {
    private Feed() {}

    static byte[] bytes(String s) {
        return s.getBytes(ISO_8859_1);
    }

    /** Events (and a final "rest ..." for bytes left unconsumed, "error ..." for a failure). */
    interface Run {
        List<String> run(byte[] wire, int[] cuts, boolean direct);
    }

    /** Responses to {@code methods}, in order; {@code eof}: call endOfInput at the end. */
    static Run responses(ParserLimits limits, boolean eof, String... methods) {
        return (wire, cuts, direct) -> {
            Recorder r = new Recorder();
            Http1ResponseParser p = new Http1ResponseParser(r, limits);
            Deque<String> pending = new ArrayDeque<>(List.of(methods));
            p.begin(pending.poll());
            ByteBuffer buf = direct ? ByteBuffer.allocateDirect(wire.length + 1) : ByteBuffer.allocate(wire.length + 1);
            r.input = buf;
            int prev = 0;
            try {
                for (int cut : withEnd(cuts, wire.length)) {
                    buf.put(wire, prev, cut - prev).flip();
                    prev = cut;
                    while (true) {
                        if (p.isComplete()) {
                            if (p.isTunnel() || pending.isEmpty()) break;
                            p.begin(pending.poll());
                        }
                        if (!buf.hasRemaining()) break;
                        int before = buf.position();
                        int n = p.parse(buf);
                        assertThat(n).isEqualTo(buf.position() - before);
                        if (p.isComplete()) {
                            r.add("keep-alive " + p.keepAlive());
                        } else {
                            assertThat(buf.hasRemaining()).as("an incomplete message consumes all input").isFalse();
                        }
                    }
                    buf.compact();
                }
                if (eof) {
                    boolean wasComplete = p.isComplete();
                    p.endOfInput();
                    if (!wasComplete && p.isComplete()) r.add("keep-alive " + p.keepAlive());
                }
            } catch (HttpParseException e) {
                r.add("error " + e.getMessage());
            }
            return rest(r, buf);
        };
    }

    /** Requests, as many as arrive; {@code eof}: call endOfInput at the end. */
    static Run requests(ParserLimits limits, boolean eof) {
        return (wire, cuts, direct) -> {
            Recorder r = new Recorder();
            Http1RequestParser p = new Http1RequestParser(r, limits);
            ByteBuffer buf = direct ? ByteBuffer.allocateDirect(wire.length + 1) : ByteBuffer.allocate(wire.length + 1);
            r.input = buf;
            int prev = 0;
            try {
                for (int cut : withEnd(cuts, wire.length)) {
                    buf.put(wire, prev, cut - prev).flip();
                    prev = cut;
                    while (buf.hasRemaining()) {
                        if (p.isComplete() && !p.keepAlive()) break;
                        p.parse(buf);
                        if (p.isComplete()) {
                            r.add("keep-alive " + p.keepAlive() + " expect-continue " + p.expectContinue());
                        } else {
                            assertThat(buf.hasRemaining()).as("an incomplete message consumes all input").isFalse();
                        }
                    }
                    buf.compact();
                }
                if (eof) {
                    p.endOfInput();
                }
            } catch (HttpParseException e) {
                r.add("error " + e.getMessage());
            }
            return rest(r, buf);
        };
    }

    private static List<String> rest(Recorder r, ByteBuffer buf) {
        List<String> events = new ArrayList<>(r.finish());
        buf.flip();
        // After an error, what was left unconsumed depends on the split, and means nothing.
        if (buf.hasRemaining() && !events.getLast().startsWith("error ")) {
            byte[] left = new byte[buf.remaining()];
            buf.get(left);
            events.add("rest " + new String(left, ISO_8859_1));
        }
        assertThat(r.copied).as("body handed over as the input buffer itself").isFalse();
        return events;
    }

    private static int[] withEnd(int[] cuts, int length) {
        int[] all = new int[cuts.length + 1];
        System.arraycopy(cuts, 0, all, 0, cuts.length);
        all[cuts.length] = length;
        return all;
    }

    /**
     * Runs {@code wire} whole, under every two-way split, one byte at a time (direct buffer), and
     * asserts identical events each time.
     *
     * @return the events of the whole-buffer run
     */
    static List<String> everySplit(Run run, String wire) {
        return everySplit(run, bytes(wire));
    }

    static List<String> everySplit(Run run, byte[] wire) {
        List<String> whole = run.run(wire, new int[0], false);
        for (int cut = 0; cut <= wire.length; cut++) {
            List<String> split = run.run(wire, new int[] {cut}, cut % 2 == 0);
            if (!split.equals(whole)) {
                assertThat(split).as("events with a split at byte %d", cut).isEqualTo(whole);
            }
        }
        int[] each = new int[wire.length];
        for (int i = 0; i < each.length; i++) each[i] = i;
        assertThat(run.run(wire, each, true)).as("events one byte at a time").isEqualTo(whole);
        return whole;
    }

    /** For large inputs: whole and one byte at a time only (every split would be quadratic). */
    static List<String> wholeAndBytewise(Run run, byte[] wire) {
        List<String> whole = run.run(wire, new int[0], false);
        int[] each = new int[wire.length];
        for (int i = 0; i < each.length; i++) each[i] = i;
        assertThat(run.run(wire, each, true)).as("events one byte at a time").isEqualTo(whole);
        return whole;
    }

    /**
     * Asserts that every split of {@code wire} fails with {@code message} (the events before the
     * failure may differ where body slicing decides how far a limit was reached).
     */
    static void failsEverySplit(Run run, String wire, String message) {
        failsEverySplit(run, bytes(wire), message);
    }

    static void failsEverySplit(Run run, byte[] wire, String message) {
        String expected = "error " + message;
        assertThat(last(run.run(wire, new int[0], false))).as("whole").isEqualTo(expected);
        for (int cut = 0; cut <= wire.length; cut++) {
            String got = last(run.run(wire, new int[] {cut}, false));
            if (!Objects.equals(got, expected)) {
                assertThat(got).as("split at byte %d", cut).isEqualTo(expected);
            }
        }
        int[] each = new int[wire.length];
        for (int i = 0; i < each.length; i++) each[i] = i;
        assertThat(last(run.run(wire, each, true))).as("one byte at a time").isEqualTo(expected);
    }

    private static String last(List<String> events) {
        // An error is the last event unless unconsumed bytes were recorded after it.
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i).startsWith("error ")) return events.get(i);
        }
        return events.isEmpty() ? null : events.get(events.size() - 1);
    }
}
