package dev.evloop.http.codec.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.evloop.testing.FuzzInput;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link Http2FrameReader} with arbitrary bytes in arbitrary pieces, as a server's frames
 * reach a client. Without {@code JAZZER_FUZZ} this runs the seeds and past findings under
 * {@code src/test/resources/dev/evloop/http/codec/h2/Http2FrameReaderFuzzTestInputs/}; with it
 * ({@code scripts/fuzz h2-frames SECONDS}) it fuzzes.
 *
 * <p>Input, as {@code dev.evloop.http.codec.FuzzInput} lays it out (numbers from the end, bytes
 * from the front): the last byte is the mode, the one before it the number of cuts (0..7), before
 * that two bytes per cut, and the frames under test at the front. Mode bits 0..1 pick the header
 * block limit (64, 1000, 16384 bytes, 1 MiB), bits 2..3 the CONTINUATION limit (0, 2, 16, 10,000),
 * bit 4 SETTINGS_MAX_FRAME_SIZE (16384 or 2^24-1), bit 5 direct pieces for the split reading.
 *
 * <p>Checked: only {@link Http2Exception}, with a message, going on after stream errors and
 * stopping at a connection error, after which {@code read} throws {@link IllegalStateException};
 * each {@code read} consumes all its input; payloads within the frame size, DATA within its
 * flow-controlled length, header blocks within their limit; and the same frames and errors
 * whether the input comes whole (heap) or in the fuzzer's pieces.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http2FrameReaderFuzzTest {
    private static final int[] BLOCK_LIMITS = {64, 1000, 16_384, 1 << 20};
    private static final int[] CONTINUATION_LIMITS = {0, 2, 16, 10_000};

    @FuzzTest(maxDuration = "10s")
    void frames(FuzzedDataProvider data) {
        FuzzInput in = FuzzInput.read(data);
        int mode = in.mode();
        byte[] bytes = in.bytes();
        int[] ends = in.pieceEnds();

        int maxBlock = BLOCK_LIMITS[mode & 3];
        int maxContinuations = CONTINUATION_LIMITS[(mode >> 2) & 3];
        int maxFrame = (mode & 0x10) != 0 ? Http2.MAX_FRAME_SIZE_LIMIT : Http2.DEFAULT_MAX_FRAME_SIZE;

        Http2FrameReader wholeReader = new Http2FrameReader(maxFrame, maxBlock, maxContinuations);
        List<String> whole = FrameLog.feed(wholeReader, bytes, new int[] {bytes.length}, false,
                new Checked(maxFrame, maxBlock));
        Http2FrameReader splitReader = new Http2FrameReader(maxFrame, maxBlock, maxContinuations);
        List<String> split = FrameLog.feed(splitReader, bytes, ends, (mode & 0x20) != 0, new Checked(maxFrame, maxBlock));
        assertThat(split).as("frames read in pieces ending at %s", Arrays.toString(ends)).isEqualTo(whole);

        for (String line : whole) {
            if (line.startsWith("ERROR")) assertThat(line).as("an error names what was wrong").matches("ERROR \\w+ stream=\\d+ \\S.*");
        }
        if (!whole.isEmpty() && whole.getLast().startsWith("ERROR") && whole.getLast().contains(" stream=0 ")) {
            assertThatThrownBy(() -> wholeReader.read(ByteBuffer.allocate(1), new FrameLog()))
                    .isInstanceOf(IllegalStateException.class);
            assertThat(wholeReader.midFrame()).isFalse();
        }
    }

    /** Logs the frames and checks the sizes the reader promises. */
    private static final class Checked extends FrameLog {
        private final int maxFrame;
        private final int maxBlock;

        Checked(int maxFrame, int maxBlock) {
            this.maxFrame = maxFrame;
            this.maxBlock = maxBlock;
        }

        @Override
        public void onData(int streamId, ByteBuffer data, boolean endStream, int flowControlled) throws Http2Exception {
            assertThat(streamId).isPositive();
            assertThat(flowControlled).isBetween(data.remaining(), maxFrame);
            super.onData(streamId, data, endStream, flowControlled);
        }

        @Override
        public void onHeaders(int streamId, ByteBuffer block, boolean endStream) {
            assertThat(streamId).isPositive();
            assertThat(block.remaining()).isLessThanOrEqualTo(maxBlock);
            super.onHeaders(streamId, block, endStream);
        }

        @Override
        public void onPushPromise(int streamId, int promisedStreamId, ByteBuffer block) {
            assertThat(streamId).isPositive();
            assertThat(promisedStreamId).isNotNegative();
            assertThat(block.remaining()).isLessThanOrEqualTo(maxBlock);
            super.onPushPromise(streamId, promisedStreamId, block);
        }

        @Override
        public void onWindowUpdate(int streamId, int increment) throws Http2Exception {
            assertThat(increment).isPositive();
            super.onWindowUpdate(streamId, increment);
        }

        @Override
        public void onUnknown(int type, int streamId, int flags, ByteBuffer payload) {
            assertThat(type).isGreaterThan(Http2.CONTINUATION);
            assertThat(payload.remaining()).isLessThanOrEqualTo(maxFrame);
            super.onUnknown(type, streamId, flags, payload);
        }
    }
}
