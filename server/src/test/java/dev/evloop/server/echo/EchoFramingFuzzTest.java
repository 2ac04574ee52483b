package dev.evloop.server.echo;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.evloop.testing.FuzzInput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link EchoFraming} with arbitrary bytes in arbitrary pieces, scanned the way
 * {@link EchoHandler#onData} scans what a connection buffered. Without {@code JAZZER_FUZZ} this runs
 * the seeds and past findings under
 * {@code src/test/resources/dev/evloop/server/echo/EchoFramingFuzzTestInputs/}; with it
 * ({@code scripts/fuzz echo SECONDS}) it fuzzes.
 *
 * <p>Input layout, as in the HTTP codec targets: numbers come from the end (the last byte is the
 * mode, the one before it the number of cuts, 0..7, then two bytes per cut), the bytes under test
 * from the front. Mode bits 0..2 pick the maximum payload; bit 7 makes the split run read a
 * direct buffer.
 *
 * <p>Checked: {@code frameAt} never touches the buffer's position or limit, every message it
 * reports lies within the input and is as long as its prefix says, a refused prefix gets the
 * reason EchoHandler has always logged, and the same messages and outcome come out whatever the
 * split, equal to what an independent reading of the whole input gives.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EchoFramingFuzzTest {
    private static final int[] MAX_MESSAGES = {0, 1, 3, 5, 16, 255, EchoHandler.DEFAULT_MAX_MESSAGE, Integer.MAX_VALUE};

    @FuzzTest(maxDuration = "10s")
    void echoFrames(FuzzedDataProvider data) {
        FuzzInput in = FuzzInput.read(data);
        int mode = in.mode();
        int[] cuts = in.cuts();
        byte[] bytes = in.bytes();
        EchoFraming framing = new EchoFraming(MAX_MESSAGES[mode & 7]);

        List<String> expected = reference(bytes, framing.maxMessage());
        assertThat(scan(framing, bytes, new int[0], false)).as("whole input").isEqualTo(expected);
        assertThat(scan(framing, bytes, cuts, (mode & 0x80) != 0)).as("input cut at " + Arrays.toString(cuts)).isEqualTo(expected);
    }

    /**
     * Feeds the pieces like a connection: what onData leaves unconsumed stays in the buffer, and
     * the next piece is appended after it. Returns each message as "message HEX", then "error
     * REASON" or "rest N" for the bytes of an unfinished message.
     */
    private static List<String> scan(EchoFraming framing, byte[] bytes, int[] cuts, boolean direct) {
        List<String> events = new ArrayList<>();
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(bytes.length) : ByteBuffer.allocate(bytes.length);
        int prev = 0;
        int[] ends = Arrays.copyOf(cuts, cuts.length + 1);
        ends[cuts.length] = bytes.length;
        for (int end : ends) {
            buf.put(bytes, prev, end - prev).flip();
            prev = end;
            int pos = buf.position();
            int limit = buf.limit();
            while (true) {
                int size = framing.frameAt(buf, pos, limit);
                assertThat(buf.position()).as("frameAt leaves the position alone").isEqualTo(0);
                assertThat(buf.limit()).as("frameAt leaves the limit alone").isEqualTo(limit);
                if (size == EchoFraming.NEED_MORE) {
                    break;
                }
                if (size == EchoFraming.BAD_LENGTH) {
                    String reason = framing.badLengthReason(buf, pos);
                    assertThat(reason).as("reason for a refused length").isNotBlank();
                    events.add("error " + reason);
                    return events;
                }
                assertThat((long) size).as("message size")
                        .isBetween((long) EchoFraming.HEADER, (long) EchoFraming.HEADER + framing.maxMessage());
                assertThat(pos + size).as("message end within the input").isLessThanOrEqualTo(limit);
                byte[] message = new byte[size - EchoFraming.HEADER];
                buf.get(pos + EchoFraming.HEADER, message);
                events.add("message " + HexFormat.of().formatHex(message));
                pos += size;
            }
            buf.position(pos);
            buf.compact();
        }
        buf.flip();
        if (buf.hasRemaining()) events.add("rest " + buf.remaining());
        return events;
    }

    /** The whole input read with a little-endian IntBuffer view, independently of EchoFraming. */
    private static List<String> reference(byte[] bytes, int maxMessage) {
        List<String> events = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (b.remaining() >= 4) {
            int length = b.getInt(b.position());
            if (length < 0) {
                events.add("error echo: negative message length " + length);
                return events;
            }
            if (length > maxMessage) {
                events.add("error echo: message length " + length + " exceeds the maximum of " + maxMessage);
                return events;
            }
            if (b.remaining() - 4 < length) break;
            b.position(b.position() + 4);
            byte[] message = new byte[length];
            b.get(message);
            events.add("message " + HexFormat.of().formatHex(message));
        }
        if (b.hasRemaining()) events.add("rest " + b.remaining());
        return events;
    }
}
