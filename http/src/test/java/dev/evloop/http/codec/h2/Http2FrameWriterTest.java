package dev.evloop.http.codec.h2;

import static dev.evloop.http.codec.h2.FrameLog.feed;
import static dev.evloop.http.codec.h2.FrameLog.feedWhole;
import static dev.evloop.http.codec.h2.FrameLog.reader;
import static dev.evloop.http.codec.h2.FrameLog.toArray;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Writer to reader round trips for every frame type, and the same frames whatever the split. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http2FrameWriterTest {
    private static final HexFormat HEX = HexFormat.of();

    private static ByteBuffer block(int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        for (int i = 0; i < n; i++) b.put((byte) (0x80 + i));
        return b.flip();
    }

    /** A connection's worth of frames, every type the writer knows. */
    private static byte[] conversation(int headerFrameSize) {
        ByteBuffer out = ByteBuffer.allocate(0);
        out = Http2FrameWriter.settings(out, new Http2Settings().set(Http2Settings.ENABLE_PUSH, 0)
                .set(Http2Settings.INITIAL_WINDOW_SIZE, 1 << 20).set(Http2Settings.MAX_HEADER_LIST_SIZE, 8192));
        out = Http2FrameWriter.settingsAck(out);
        out = Http2FrameWriter.headers(out, 1, block(40), false, headerFrameSize);
        out = Http2FrameWriter.data(out, 1, ByteBuffer.wrap("hello".getBytes(US_ASCII)), 5, true);
        out = Http2FrameWriter.windowUpdate(out, 0, 65_535);
        out = Http2FrameWriter.windowUpdate(out, 3, Integer.MAX_VALUE);
        out = Http2FrameWriter.rstStream(out, 3, ErrorCode.CANCEL);
        out = Http2FrameWriter.ping(out, true, 0x0102030405060708L);
        out = Http2FrameWriter.headers(out, 5, block(3), true, headerFrameSize);
        out = Http2FrameWriter.goAway(out, 5, ErrorCode.NO_ERROR, "bye");
        return toArray(out);
    }

    private static final List<String> CONVERSATION = List.of(
            "SETTINGS {ENABLE_PUSH=0, INITIAL_WINDOW_SIZE=1048576, MAX_HEADER_LIST_SIZE=8192}",
            "SETTINGS ACK",
            "HEADERS 1 end=false " + FrameLog.hex(block(40)),
            "DATA 1 end=true fc=5 68656c6c6f",
            "WINDOW_UPDATE 0 65535",
            "WINDOW_UPDATE 3 2147483647",
            "RST_STREAM 3 CANCEL",
            "PING ack=true 102030405060708",
            "HEADERS 5 end=true 808182",
            "GOAWAY 5 NO_ERROR 627965");

    @Test
    void everyFrameTypeRoundTrips() {
        for (int size : new int[] {16_384, 16, 7, 1}) {
            assertThat(feedWhole(reader(), conversation(size))).as("header frames of %d bytes", size)
                    .isEqualTo(CONVERSATION);
        }
    }

    @Test
    void headersAreSplitIntoContinuationsWithEndHeadersOnTheLastAndEndStreamOnTheFirst() {
        byte[] bytes = toArray(Http2FrameWriter.headers(ByteBuffer.allocate(64), 7, block(10), true, 4));
        assertThat(HEX.formatHex(bytes)).isEqualTo(
                "000004" + "01" + "01" + "00000007" + "80818283"
                + "000004" + "09" + "00" + "00000007" + "84858687"
                + "000002" + "09" + "04" + "00000007" + "8889");
        byte[] empty = toArray(Http2FrameWriter.headers(ByteBuffer.allocate(64), 1, ByteBuffer.allocate(0), false, 16));
        assertThat(HEX.formatHex(empty)).isEqualTo("000000" + "01" + "04" + "00000001");
    }

    @Test
    void prefaceAndFixedFramesAreByteExact() {
        ByteBuffer out = Http2FrameWriter.preface(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN));
        out = Http2FrameWriter.ping(out, false, 1L);
        out = Http2FrameWriter.windowUpdate(out, 1, 0x10203);
        out = Http2FrameWriter.goAway(out, 3, ErrorCode.PROTOCOL_ERROR, null);
        out = Http2FrameWriter.settings(out, new Http2Settings());
        assertThat(HEX.formatHex(toArray(out))).isEqualTo(HEX.formatHex("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(US_ASCII))
                + "000008060000000000" + "0000000000000001"
                + "000004080000000001" + "00010203"
                + "000008070000000000" + "00000003" + "00000001"
                + "000000040000000000");
        assertThat(Http2.preface()).isEqualTo(Http2.PREFACE).isNotSameAs(Http2.PREFACE);
    }

    @Test
    void grownBuffersKeepTheirContentsAndKind() {
        ByteBuffer direct = ByteBuffer.allocateDirect(3).put((byte) 0x42);
        ByteBuffer out = Http2FrameWriter.data(direct, 1, ByteBuffer.allocate(100), 100, false);
        assertThat(out.isDirect()).isTrue();
        assertThat(out.position()).isEqualTo(1 + 9 + 100);
        assertThat(out.get(0)).isEqualTo((byte) 0x42);
        ByteBuffer roomy = ByteBuffer.allocate(100);
        assertThat(Http2FrameWriter.settingsAck(roomy)).isSameAs(roomy);
    }

    @Test
    void dataTakesTheNextLengthBytes() {
        ByteBuffer data = ByteBuffer.wrap("abcdef".getBytes(US_ASCII));
        ByteBuffer out = Http2FrameWriter.data(ByteBuffer.allocate(0), 3, data, 2, false);
        out = Http2FrameWriter.data(out, 3, data, 4, true);
        assertThat(data.hasRemaining()).isFalse();
        assertThat(feedWhole(reader(), toArray(out))).containsExactly("DATA 3 end=false fc=2 6162", "DATA 3 end=true fc=4 63646566");
    }

    @Test
    void badArgumentsAreRefusedByName() {
        ByteBuffer out = ByteBuffer.allocate(64);
        assertThatThrownBy(() -> Http2FrameWriter.windowUpdate(out, 1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("WINDOW_UPDATE increment 0");
        assertThatThrownBy(() -> Http2FrameWriter.data(out, 0, ByteBuffer.allocate(1), 1, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DATA frame needs a stream id > 0, got 0");
        assertThatThrownBy(() -> Http2FrameWriter.data(out, 1, ByteBuffer.allocate(1), 2, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DATA length 2 outside 0..1");
        assertThatThrownBy(() -> Http2FrameWriter.frameHeader(out, 1 << 24, 0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frame length 16777216");
        assertThatThrownBy(() -> Http2FrameWriter.headers(out, 1, ByteBuffer.allocate(1), false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxFrameSize 0");
        assertThat(out.position()).as("nothing written by a refused call").isZero();
    }

    @Test
    void anySplitGivesTheSameFrames() {
        byte[] bytes = conversation(7);
        List<String> whole = feedWhole(reader(), bytes);
        assertThat(whole).isEqualTo(CONVERSATION);
        for (int i = 0; i <= bytes.length; i++) {
            assertThat(feed(reader(), bytes, new int[] {i, bytes.length}, false)).as("cut at %d", i).isEqualTo(whole);
        }
        for (int i = 0; i <= bytes.length; i += 3) {
            for (int j = i; j <= bytes.length; j += 5) {
                assertThat(feed(reader(), bytes, new int[] {i, j, bytes.length}, (i & 1) == 0))
                        .as("cuts at %d and %d", i, j).isEqualTo(whole);
            }
        }
        int[] byteByByte = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) byteByByte[i] = i + 1;
        assertThat(feed(reader(), bytes, byteByByte, true)).isEqualTo(whole);
    }

    @Test
    void anySplitGivesTheSameErrorsAndAStreamErrorLeavesTheReaderUsable() {
        byte[] bytes = FrameLog.concat(
                conversation(16_384),
                FrameLog.frame(Http2.PRIORITY, 0, 3, new byte[2]),
                FrameLog.frame(Http2.WINDOW_UPDATE, 0, 5, FrameLog.u32(0)),
                FrameLog.frame(Http2.DATA, 0, 1, FrameLog.bytes(9)),
                FrameLog.frame(Http2.DATA, 0, 0, FrameLog.bytes(9)),
                FrameLog.frame(Http2.PING, 0, 0, new byte[8]));
        List<String> whole = feedWhole(reader(), bytes);
        assertThat(whole).hasSize(CONVERSATION.size() + 4);
        assertThat(whole.subList(CONVERSATION.size(), whole.size())).containsExactly(
                "ERROR FRAME_SIZE_ERROR stream=3 PRIORITY frame of 2 bytes, not 5 (RFC 9113 §6.3)",
                "ERROR PROTOCOL_ERROR stream=5 WINDOW_UPDATE frame on stream 5 with an increment of 0 (RFC 9113 §6.9)",
                "DATA 1 end=false fc=1 09",
                "ERROR PROTOCOL_ERROR stream=0 DATA frame on stream 0 (RFC 9113 §6.1)");
        for (int i = 0; i <= bytes.length; i++) {
            assertThat(feed(reader(), bytes, new int[] {i, bytes.length}, false)).as("cut at %d", i).isEqualTo(whole);
        }
    }

    @Test
    void truncatedInputLeavesTheReaderHolding() {
        byte[] bytes = conversation(16_384);
        List<String> cut = feed(reader(), bytes, new int[] {bytes.length - 1}, false);
        assertThat(cut.getLast()).isEqualTo("HELD");
        assertThat(cut.subList(0, cut.size() - 1)).isEqualTo(CONVERSATION.subList(0, CONVERSATION.size() - 1));
    }
}
