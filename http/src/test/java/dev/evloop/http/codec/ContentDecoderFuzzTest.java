package dev.evloop.http.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.evloop.testing.FuzzInput;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link ContentDecoder} (gzip and deflate, with and without limits) with arbitrary
 * compressed bodies in arbitrary pieces and output buffers of 1 to 8192 bytes. Without
 * {@code JAZZER_FUZZ} this runs the seeds and past findings under
 * {@code src/test/resources/dev/evloop/http/codec/ContentDecoderFuzzTestInputs/}; with it
 * ({@code scripts/fuzz content SECONDS}) it fuzzes. Input layout: {@link FuzzInput}. Mode bits: 0
 * deflate (else gzip); 1 at most 1000 decoded bytes (else 1 MiB); 2..3 the output buffer size; 4
 * an expansion ratio of at most 10:1 past 100 bytes; 7 direct buffers in the split run.
 *
 * <p>Checked: only {@link ContentDecodingException}, with a message; {@code decode} returns what it
 * wrote and uses up its input unless the output filled; the decoded-size limit; the same outcome
 * whatever the split (numbers in error messages aside, as they count bytes of the current piece),
 * except that a ratio limit may stop a split run earlier, after a prefix of the same output; and
 * whatever decodes completely, the JDK's own gzip / zlib / raw deflate reader decodes the same.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContentDecoderFuzzTest {
    private static final int[] OUT_SIZES = {1, 7, 64, 8192};

    @FuzzTest(maxDuration = "10s")
    void compressedBodies(FuzzedDataProvider data) throws IOException {
        FuzzInput in = FuzzInput.read(data);
        boolean deflate = in.flag(0);
        // 1 MiB rather than no limit: a deflate bomb the fuzzer builds from a few kilobytes would
        // otherwise take seconds to drain through a 1-byte output buffer.
        long maxDecoded = in.flag(1) ? 1000 : 1 << 20;
        int outSize = OUT_SIZES[(in.mode() >> 2) & 3];
        ContentDecoder.Limits noRatio = new ContentDecoder.Limits(maxDecoded, 0, 0);

        Outcome whole = decode(in.whole(), deflate, noRatio, outSize, false);
        Outcome split = decode(in, deflate, noRatio, outSize, in.flag(7));
        assertThat(split.result).as("outcome of the split run").isEqualTo(whole.result);
        assertThat(split.output).as("output of the split run").isEqualTo(whole.output);

        if (whole.result.equals("ok")) {
            assertThat(whole.output).as("what the JDK decodes").isEqualTo(reference(in.bytes(), deflate));
        }

        if (in.flag(4)) {
            ContentDecoder.Limits ratio = new ContentDecoder.Limits(maxDecoded, 10, 100);
            Outcome limited = decode(in, deflate, ratio, outSize, in.flag(7));
            if (limited.result.startsWith("error expansion ratio exceeds")) {
                assertThat(whole.output).as("output before the ratio stopped it").startsWith(limited.output);
            } else {
                assertThat(limited.result).as("outcome under a ratio limit").isEqualTo(whole.result);
                assertThat(limited.output).isEqualTo(whole.output);
            }
            if (limited.result.equals("ok") && limited.output.length > 100) {
                assertThat((long) (limited.output.length - 1) / 10).as("ratio of a body that passed").isLessThan(limited.compressed);
            }
        }
    }

    /** "ok" or "error " and the message with its numbers blanked; output; compressed bytes counted. */
    private record Outcome(String result, byte[] output, long compressed) {}

    private static Outcome decode(FuzzInput in, boolean deflate, ContentDecoder.Limits limits, int outSize, boolean direct) {
        ContentDecoder decoder = deflate ? ContentDecoder.deflate(limits) : ContentDecoder.gzip(limits);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        ByteBuffer out = direct ? ByteBuffer.allocateDirect(outSize) : ByteBuffer.allocate(outSize);
        long fed = 0;
        int prev = 0;
        try {
            for (int end : in.pieceEnds()) {
                ByteBuffer piece = ByteBuffer.wrap(in.bytes(), prev, end - prev);
                fed += end - prev;
                prev = end;
                boolean full;
                do {
                    out.clear();
                    int sizeBefore = output.size();
                    int n;
                    try {
                        n = decoder.decode(piece, out);
                    } catch (ContentDecodingException e) {
                        drain(out, output);
                        throw e;
                    }
                    full = !out.hasRemaining();
                    drain(out, output);
                    assertThat(n).as("decode returns the bytes it wrote").isEqualTo(output.size() - sizeBefore);
                    if (!full) assertThat(piece.hasRemaining()).as("input used up unless the output filled").isFalse();
                } while (full);
                assertThat(decoder.decodedBytes()).as("decodedBytes").isEqualTo(output.size());
                assertThat(decoder.compressedBytes()).as("compressed bytes counted").isBetween(0L, fed);
                assertThat(decoder.decodedBytes()).as("decoded size limit").isLessThanOrEqualTo(limits.maxDecodedBytes());
            }
            long compressed = decoder.compressedBytes();
            decoder.end();
            return new Outcome("ok", output.toByteArray(), compressed);
        } catch (ContentDecodingException e) {
            assertThat(e.getMessage()).as("error message").isNotBlank();
            // The decoder lets the inflater write one byte past the limit, so that exceeding it shows.
            assertThat((long) output.size()).as("decoded before the error").isLessThanOrEqualTo(limits.maxDecodedBytes() + 1);
            return new Outcome("error " + e.getMessage().replaceAll("[0-9a-f]*[0-9][0-9a-f]*", "#"), output.toByteArray(), -1);
        } finally {
            decoder.close();
        }
    }

    private static void drain(ByteBuffer out, ByteArrayOutputStream output) {
        out.flip();
        while (out.hasRemaining()) output.write(out.get());
    }

    /** The JDK's reading of a body {@link ContentDecoder} accepted. */
    private static byte[] reference(byte[] body, boolean deflate) throws IOException {
        if (body.length == 0) return body;
        if (!deflate) {
            try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(body))) {
                return gz.readAllBytes();
            }
        }
        int cmf = body[0] & 0xFF;
        int flg = body.length > 1 ? body[1] & 0xFF : 0;
        boolean zlib = body.length > 1 && (cmf & 0x0F) == 8 && (cmf >>> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
        Inflater inflater = new Inflater(!zlib);
        try {
            inflater.setInput(body);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                // An empty stream is finished by the first call, which returns 0.
                if (n == 0 && !inflater.finished() && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new AssertionError("the JDK's inflater needs more input for a body ContentDecoder accepted");
                }
                out.write(chunk, 0, n);
            }
            assertThat(inflater.getRemaining()).as("bytes after the deflate stream").isZero();
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new AssertionError("the JDK rejects a body ContentDecoder accepted: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }
}
