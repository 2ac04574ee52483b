package dev.evloop.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.evloop.testing.FuzzInput;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the permessage-deflate transform of {@link PerMessageDeflate}. Without {@code JAZZER_FUZZ}
 * this runs the seeds and past findings under
 * {@code src/test/resources/dev/evloop/websocket/codec/PerMessageDeflateFuzzTestInputs/}; with it
 * ({@code scripts/fuzz ws-deflate SECONDS}) it fuzzes. Input layout: {@link FuzzInput}. Mode bits: 0
 * we are the server, else the client; 1 server_no_context_takeover; 2 client_no_context_takeover;
 * 3 messages of at most 1000 bytes, else 64 KiB; 4..5 the sender's compression level (default, 0,
 * 1, 9); 7 direct buffers in the split run.
 *
 * <p>Checked, with the input as one compressed message inflated whole and in pieces: only
 * {@link WebSocketException} 1007 or 1009 escapes, with a message; never more than the limit
 * reaches the sink; the same outcome whatever the split, and the same bytes (on a failure, what
 * reached the sink in one run is a prefix of the other's); it succeeds exactly when the JDK's raw
 * {@link Inflater}, given the message with {@code 00 00 ff ff} appended (RFC 7692 §7.2.2) and
 * stopping where a final block ends it, inflates without error to at most the limit, and then to
 * the same bytes; after a failure, {@code inflate} and {@code endMessage} throw
 * {@link IllegalStateException}, as documented. And round trips: the
 * input cut into up to eight messages, compressed by the peer's side with the same parameters and
 * inflated in pieces, gives each message back, or 1009 for one over the limit.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PerMessageDeflateFuzzTest {
    private static final int[] LEVELS = {Deflater.DEFAULT_COMPRESSION, 0, 1, 9};
    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};

    @FuzzTest(maxDuration = "10s")
    void messages(FuzzedDataProvider data) {
        FuzzInput in = FuzzInput.read(data);
        Role role = in.flag(0) ? Role.SERVER : Role.CLIENT;
        PerMessageDeflate.Params params = new PerMessageDeflate.Params(in.flag(1), in.flag(2), 15, 15);
        long max = in.flag(3) ? 1000 : 64 * 1024;

        Outcome whole = inflate(in.whole(), role, params, max, false);
        Outcome split = inflate(in, role, params, max, in.flag(7));
        assertThat(split.code).as("outcome of the split run").isEqualTo(whole.code);
        if (whole.code == 0) {
            assertThat(split.output).as("output of the split run").isEqualTo(whole.output);
        } else {
            byte[] shorter = whole.output.length <= split.output.length ? whole.output : split.output;
            byte[] longer = shorter == whole.output ? split.output : whole.output;
            assertThat(Arrays.copyOf(longer, shorter.length)).as("output before the failure").isEqualTo(shorter);
        }
        byte[] reference = reference(in.bytes(), max);
        if (whole.code == 0) {
            assertThat(reference).as("what the JDK inflates from a message that inflated").isEqualTo(whole.output);
        } else {
            assertThat(reference).as("the JDK's reading of a message that failed with " + whole.code).isNull();
        }

        roundTrip(in, role, params, max, LEVELS[(in.mode() >> 4) & 3]);
    }

    /** code: 0 on success, else the close code; output: what reached the sink. */
    private record Outcome(int code, byte[] output) {}

    private static Outcome inflate(FuzzInput in, Role role, PerMessageDeflate.Params params, long max, boolean direct) {
        PerMessageDeflate deflate = new PerMessageDeflate(role, params);
        Sink sink = new Sink(max);
        try {
            int prev = 0;
            for (int end : in.pieceEnds()) {
                ByteBuffer piece = buffer(in.bytes(), prev, end, direct);
                prev = end;
                deflate.inflate(piece, sink, max);
                assertThat(piece.hasRemaining()).as("inflate consumes its input").isFalse();
            }
            deflate.endMessage(sink, max);
            return new Outcome(0, sink.bytes.toByteArray());
        } catch (WebSocketException e) {
            assertFailure(e);
            Outcome failed = new Outcome(e.closeCode(), sink.bytes.toByteArray());
            afterFailure(deflate, in.bytes(), max);
            return failed;
        } finally {
            deflate.close();
        }
    }

    /** After a failure, more input for the message and its end are refused. */
    private static void afterFailure(PerMessageDeflate deflate, byte[] bytes, long max) {
        Sink sink = new Sink(max);
        assertThatThrownBy(() -> deflate.inflate(ByteBuffer.wrap(bytes), sink, max)).as("inflate after a failure")
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> deflate.endMessage(sink, max)).as("endMessage after a failure")
                .isInstanceOf(IllegalStateException.class);
        assertThat(sink.bytes.size()).as("bytes inflated after a failure").isZero();
    }

    private static void assertFailure(WebSocketException e) {
        assertThat(e.getMessage()).as("error message").isNotBlank();
        assertThat(e.closeCode()).as("close code of " + e.getMessage()).isIn(CloseCodes.INVALID_PAYLOAD,
                CloseCodes.MESSAGE_TOO_BIG);
    }

    private static void roundTrip(FuzzInput in, Role role, PerMessageDeflate.Params params, long max, int level) {
        PerMessageDeflate sender = new PerMessageDeflate(role == Role.SERVER ? Role.CLIENT : Role.SERVER, params, level);
        PerMessageDeflate receiver = new PerMessageDeflate(role, params);
        try {
            int prev = 0;
            int k = 0;
            for (int end : in.pieceEnds()) {
                byte[] message = Arrays.copyOfRange(in.bytes(), prev, end);
                prev = end;
                ByteBuffer out = sender.compress(ByteBuffer.wrap(message));
                byte[] compressed = new byte[out.remaining()];
                out.get(compressed);
                // Cut the compressed message where the next cut point falls, modulo its length.
                int cut = in.cuts().length == 0 ? compressed.length / 2 : in.cuts()[k++ % in.cuts().length] % (compressed.length + 1);
                Sink sink = new Sink(max);
                try {
                    receiver.inflate(buffer(compressed, 0, cut, in.flag(7)), sink, max);
                    receiver.inflate(buffer(compressed, cut, compressed.length, false), sink, max);
                    receiver.endMessage(sink, max);
                } catch (WebSocketException e) {
                    assertThat(message.length).as("length of a message that failed with " + e).isGreaterThan((int) max);
                    assertThat(e.closeCode()).as("close code of an oversized message").isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
                    return;
                }
                assertThat((long) message.length).as("length of a message that inflated").isLessThanOrEqualTo(max);
                assertThat(sink.bytes.toByteArray()).as("message " + (k - 1) + " after the round trip").isEqualTo(message);
            }
        } finally {
            sender.close();
            receiver.close();
        }
    }

    private static ByteBuffer buffer(byte[] bytes, int from, int to, boolean direct) {
        if (!direct) {
            return ByteBuffer.wrap(bytes, from, to - from);
        }
        return ByteBuffer.allocateDirect(to - from).put(bytes, from, to - from).flip();
    }

    /** Keeps what the sink receives and checks the limit as it comes. */
    private static final class Sink implements java.util.function.Consumer<ByteBuffer> {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final long max;

        Sink(long max) {
            this.max = max;
        }

        @Override
        public void accept(ByteBuffer chunk) {
            while (chunk.hasRemaining()) {
                bytes.write(chunk.get());
            }
            assertThat((long) bytes.size()).as("bytes that reached the sink").isLessThanOrEqualTo(max);
        }
    }

    /**
     * The JDK's raw inflater on the message and the tail, in one go, stopping where the stream
     * ends: what it inflates, or null for invalid data or more than max bytes.
     */
    private static byte[] reference(byte[] message, long max) {
        Inflater inflater = new Inflater(true);
        try {
            byte[] input = Arrays.copyOf(message, message.length + TAIL.length);
            System.arraycopy(TAIL, 0, input, message.length, TAIL.length);
            inflater.setInput(input);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            while (!inflater.finished() && out.size() <= max) {
                int n = inflater.inflate(chunk);
                out.write(chunk, 0, n);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
            }
            return out.size() <= max ? out.toByteArray() : null;
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.end();
        }
    }
}
