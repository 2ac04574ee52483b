package dev.evloop.http.codec;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.evloop.testing.FuzzInput;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link ChunkedDecoder} on its own, fed a chunked body in arbitrary pieces the way
 * {@code MessageParser} feeds it. Without {@code JAZZER_FUZZ} this runs the seeds and past findings
 * under {@code src/test/resources/dev/evloop/http/codec/ChunkedDecoderFuzzTestInputs/}; with it
 * ({@code scripts/fuzz chunked SECONDS}) it fuzzes. Input layout: {@link FuzzInput}. Mode bits: 0 a
 * 96-byte trailer section with at most 3 fields; 1 chunk lines of at most 8 bytes; 7 the split run
 * reads from a direct buffer.
 *
 * <p>Checked: only {@link HttpParseException}, with a message; every data count {@code next}
 * announces lies within the input; the trailer count limit; the same data, trailers and outcome
 * whatever the split; and a body that decodes completely decodes to the same data again after
 * {@link ChunkedEncoder} re-encodes it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChunkedDecoderFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void chunkedBodies(FuzzedDataProvider data) {
        FuzzInput in = FuzzInput.read(data);
        ParserLimits limits = ParserLimits.DEFAULT;
        if (in.flag(0)) limits = limits.withMaxHeaderSectionBytes(96).withMaxHeaderCount(3);
        if (in.flag(1)) limits = limits.withMaxChunkLineBytes(8);

        Outcome whole = decode(in.whole(), limits, false);
        Outcome split = decode(in, limits, in.flag(7));
        assertThat(split.events).as("events of the split run").isEqualTo(whole.events);
        assertThat(split.data.toByteArray()).as("data of the split run").isEqualTo(whole.data.toByteArray());

        if (whole.events.contains("done")) {
            ChunkedEncoder encoder = new ChunkedEncoder();
            ByteBuffer wire = encoder.writeChunk(ByteBuffer.allocate(64), ByteBuffer.wrap(whole.data.toByteArray()));
            wire = encoder.finish(wire).flip();
            byte[] again = new byte[wire.remaining()];
            wire.get(again);
            Outcome reencoded = decode(new FuzzInput(0, new int[0], again), ParserLimits.DEFAULT, false);
            assertThat(reencoded.events).containsExactly("done");
            assertThat(reencoded.data.toByteArray()).as("data after re-encoding").isEqualTo(whole.data.toByteArray());
        }
    }

    /** Data, trailers and how it ended: "done" (then any "rest"), or "error ...". */
    private record Outcome(List<String> events, ByteArrayOutputStream data) {}

    private static Outcome decode(FuzzInput in, ParserLimits limits, boolean direct) {
        ChunkedDecoder decoder = new ChunkedDecoder(new LineReader(), limits);
        decoder.reset();
        List<String> events = new ArrayList<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(in.bytes().length + 1) : ByteBuffer.allocate(in.bytes().length + 1);
        int prev = 0;
        boolean done = false;
        try {
            for (int end : in.pieceEnds()) {
                buf.put(in.bytes(), prev, end - prev).flip();
                prev = end;
                while (!done) {
                    int position = buf.position();
                    int limit = buf.limit();
                    long n = decoder.next(buf, (name, value) -> events.add("trailer " + name + ": " + value));
                    assertThat(buf.limit()).as("next leaves the limit alone").isEqualTo(limit);
                    assertThat(buf.position()).as("next never moves backwards").isGreaterThanOrEqualTo(position);
                    if (n == ChunkedDecoder.NEED_MORE) {
                        assertThat(buf.hasRemaining()).as("NEED_MORE after consuming all input").isFalse();
                        break;
                    }
                    if (n == ChunkedDecoder.DONE) {
                        done = true;
                        events.add("done");
                        break;
                    }
                    assertThat(n).as("data bytes announced").isBetween(1L, (long) buf.remaining());
                    for (long i = 0; i < n; i++) data.write(buf.get());
                    decoder.consumed(n);
                }
                buf.compact();
            }
        } catch (HttpParseException e) {
            assertThat(e.getMessage()).as("error message").isNotBlank();
            assertThat(e.suggestedStatus()).as("suggested status of " + e.getMessage()).isIn(400, 431);
            events.add("error " + e.suggestedStatus() + " " + e.getMessage());
            return new Outcome(events, data);
        }
        long trailers = events.stream().filter(e -> e.startsWith("trailer ")).count();
        assertThat(trailers).as("trailer fields").isLessThanOrEqualTo(limits.maxHeaderCount());
        buf.flip();
        if (buf.hasRemaining()) {
            byte[] left = new byte[buf.remaining()];
            buf.get(left);
            events.add("rest " + new String(left, ISO_8859_1));
        }
        return new Outcome(events, data);
    }
}
