package dev.evloop.http.codec;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChunkedEncoderTest {

    private static String text(ByteBuffer b) {
        return new String(b.array(), 0, b.position(), ISO_8859_1);
    }

    @Test
    void chunksAndLastChunk() {
        ChunkedEncoder c = new ChunkedEncoder();
        ByteBuffer data = ByteBuffer.wrap("0123456789abcdefX".getBytes(ISO_8859_1));
        ByteBuffer b = c.writeChunk(null, data);
        assertThat(data.hasRemaining()).isFalse();
        b = c.writeChunk(b, ByteBuffer.allocate(0)); // nothing: a zero-size chunk would end the body
        b = c.finish(b);
        assertThat(text(b)).isEqualTo("11\r\n0123456789abcdefX\r\n0\r\n\r\n");
        assertThat(c.isFinished()).isTrue();
    }

    @Test
    void gatheringWriteAndTrailers() {
        ChunkedEncoder c = new ChunkedEncoder();
        ByteBuffer b = c.writeChunkHeader(ByteBuffer.allocate(2), 0x1234_5678_9AL);
        b = c.writeChunkEnd(b);
        b = c.finish(b, List.of(Map.entry("Digest", "sha-256=x"), Map.entry("X-Count", "2")));
        assertThat(text(b)).isEqualTo("123456789a\r\n\r\n0\r\nDigest: sha-256=x\r\nX-Count: 2\r\n\r\n");
    }

    @Test
    void stepsOutOfOrderAreIllegalStates() {
        ChunkedEncoder c = new ChunkedEncoder();
        assertThatThrownBy(() -> c.writeChunkEnd(null)).isInstanceOf(IllegalStateException.class)
                .hasMessage("writeChunkEnd() called between chunks: writeChunkHeader() first");
        ByteBuffer b = c.writeChunkHeader(null, 3);
        assertThatThrownBy(() -> c.finish(b)).isInstanceOf(IllegalStateException.class)
                .hasMessage("finish() called inside a chunk: writeChunkEnd() first");
        c.writeChunkEnd(b);
        c.finish(b);
        assertThatThrownBy(() -> c.writeChunk(b, ByteBuffer.allocate(1))).isInstanceOf(IllegalStateException.class)
                .hasMessage("writeChunk() called after finish(): reset() first");
        c.reset();
        c.writeChunk(b, ByteBuffer.allocate(1));
        assertThatThrownBy(() -> new ChunkedEncoder().writeChunkHeader(null, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finish()");
    }

    @Test
    void trailerFieldsAreChecked() {
        assertThatThrownBy(() -> new ChunkedEncoder().finish(null, List.of(Map.entry("X", "a\r\nb"))))
                .hasMessageStartingWith("header \"X\" value contains CR");
        assertThatThrownBy(() -> new ChunkedEncoder().finish(null, List.of(Map.entry("Content-Length", "1"))))
                .hasMessageStartingWith("header \"Content-Length\" is written by the encoder");
        assertThatThrownBy(() -> new ChunkedEncoder().finish(null, List.of(Map.entry("host", "h"))))
                .hasMessage("header \"host\" is not allowed in trailers (RFC 9110 §6.5.1)");
    }

    @Test
    void largeBodiesRoundTripThroughTheParser() {
        ChunkedEncoder c = new ChunkedEncoder();
        ByteBuffer b = Http1ResponseEncoder.encodeHead(ByteBuffer.allocate(16), 200, null, List.of(), Http1ResponseEncoder.CHUNKED);
        StringBuilder expected = new StringBuilder();
        for (int size : new int[] {1, 15, 16, 255, 256, 4095, 4096, 70_000}) {
            String piece = String.valueOf((char) ('a' + size % 26)).repeat(size);
            expected.append(piece);
            b = c.writeChunk(b, ByteBuffer.wrap(piece.getBytes(ISO_8859_1)));
        }
        b = c.finish(b);
        byte[] wire = new byte[b.flip().remaining()];
        b.get(wire);
        assertThat(Feed.wholeAndBytewise(Feed.responses(ParserLimits.DEFAULT, false, "GET"), wire))
                .contains("body " + expected, "complete");
    }
}
