package dev.evloop.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.evloop.testing.FuzzInput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link Utf8Validator} against the JDK's UTF-8 decoder in strict mode (malformed input
 * REPORTed), which follows the same table of well-formed sequences (RFC 3629 §4, Unicode table
 * 3-7). Without {@code JAZZER_FUZZ} this runs the seeds and past findings under
 * {@code src/test/resources/dev/evloop/websocket/codec/Utf8ValidatorFuzzTestInputs/}; with it
 * ({@code scripts/fuzz ws-utf8 SECONDS}) it fuzzes. Input layout: {@link FuzzInput}. Mode bits: 0..2
 * how many bytes of 0xFF (never valid) surround each piece, outside its position and limit; 6
 * little-endian buffers; 7 direct buffers in the split run.
 *
 * <p>Checked: {@code feed} never moves the position or limit; the verdict on the whole input
 * (every feed true and {@code isComplete}) is the JDK's, whatever the split; fail-fast, exactly:
 * fed one byte at a time, the first false comes at the first byte after which no continuation
 * whatever makes the input valid by the JDK (so never earlier, never later); in a split run the first false comes with the
 * piece that holds that byte; false stays false; and {@code reset} makes the validator as new.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Utf8ValidatorFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void utf8(FuzzedDataProvider data) {
        FuzzInput in = FuzzInput.read(data);
        byte[] bytes = in.bytes();
        int pad = in.mode() & 7;
        ByteOrder order = in.flag(6) ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;

        // The JDK: the byte at which the input stops being a prefix of any valid UTF-8, if any.
        // A prefix that cannot start valid UTF-8 stays so when extended: binary search for the
        // shortest such prefix; its last byte is where the input fails. (The JDK's decoder, told
        // more input may follow, is no oracle for this: it lets ED A0 pass until the third byte.)
        int lo = 0;
        int hi = bytes.length + 1;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (completable(bytes, mid)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        int jdkFailsAt = hi > bytes.length ? bytes.length : hi - 1;
        boolean jdkValid = jdkAccepts(bytes, bytes.length);

        Utf8Validator validator = new Utf8Validator();
        int failsAt = bytes.length;
        for (int i = 0; i < bytes.length; i++) {
            if (!feed(validator, bytes, i, i + 1, pad, order, false)) {
                failsAt = i;
                break;
            }
        }
        assertThat(failsAt).as("the byte at which feeding one byte at a time first returns false").isEqualTo(jdkFailsAt);
        boolean valid = failsAt == bytes.length && validator.isComplete();
        assertThat(valid).as("verdict fed one byte at a time").isEqualTo(jdkValid);
        if (failsAt < bytes.length) {
            assertThat(feed(validator, bytes, 0, 0, pad, order, false)).as("false stays false").isFalse();
            assertThat(validator.isComplete()).as("isComplete after a failure").isFalse();
        }

        validator.reset();
        assertThat(feed(validator, bytes, 0, bytes.length, pad, order, false) && validator.isComplete())
                .as("verdict on the whole input after reset").isEqualTo(jdkValid);

        Utf8Validator pieces = new Utf8Validator();
        int prev = 0;
        boolean ok = true;
        for (int end : in.pieceEnds()) {
            boolean fed = feed(pieces, bytes, prev, end, pad, order, in.flag(7));
            if (ok && !fed) {
                assertThat(jdkFailsAt).as("the first piece whose feed returns false holds the failing byte")
                        .isBetween(prev, end - 1);
            } else if (!ok) {
                assertThat(fed).as("false stays false").isFalse();
            } else {
                assertThat(jdkFailsAt).as("a piece whose feed returned true ends before the failing byte")
                        .isGreaterThanOrEqualTo(end);
            }
            ok = fed;
            prev = end;
        }
        assertThat(ok && pieces.isComplete()).as("verdict of the split run").isEqualTo(jdkValid);
    }

    /** Feeds bytes[from, to) with pad bytes 0xFF on each side, outside the position and limit. */
    private static boolean feed(Utf8Validator validator, byte[] bytes, int from, int to, int pad, ByteOrder order,
            boolean direct) {
        int n = to - from;
        ByteBuffer buf = (direct ? ByteBuffer.allocateDirect(n + 2 * pad) : ByteBuffer.allocate(n + 2 * pad)).order(order);
        for (int i = 0; i < pad; i++) {
            buf.put(i, (byte) 0xFF).put(pad + n + i, (byte) 0xFF);
        }
        buf.put(pad, bytes, from, n).position(pad).limit(pad + n);
        boolean result = validator.feed(buf);
        assertThat(buf.position()).as("feed leaves the position alone").isEqualTo(pad);
        assertThat(buf.limit()).as("feed leaves the limit alone").isEqualTo(pad + n);
        return result;
    }

    /**
     * Whether bytes[0, n) start some valid UTF-8 string, by the JDK: a valid string that starts
     * with them continues a truncated last character with 1 to 3 continuation bytes, and whether
     * a continuation byte fits depends only on which of 80..8F, 90..9F, A0..BF it is in (RFC 3629
     * §4), so trying 80, 90 and A0 in each place tries every case.
     */
    private static boolean completable(byte[] bytes, int n) {
        byte[] extended = java.util.Arrays.copyOf(bytes, n + 3);
        for (int k = 0; k <= 3; k++) {
            int combinations = k == 0 ? 1 : k == 1 ? 3 : k == 2 ? 9 : 27;
            for (int c = 0; c < combinations; c++) {
                int digits = c;
                for (int j = 0; j < k; j++) {
                    extended[n + j] = (byte) (0x80 + 0x10 * (digits % 3 == 0 ? 0 : digits % 3 == 1 ? 1 : 2));
                    digits /= 3;
                }
                if (jdkAccepts(extended, n + k)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The JDK's strict decoder: whether bytes[0, n) are valid UTF-8. */
    private static boolean jdkAccepts(byte[] bytes, int n) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(2 * n + 2);
        CoderResult result = decoder.decode(ByteBuffer.wrap(bytes, 0, n), out, true);
        return !result.isError() && !decoder.flush(out).isError();
    }
}
