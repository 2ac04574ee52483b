package dev.evloop.http.codec.h2;

import static dev.evloop.http.codec.h2.FrameLog.bytes;
import static dev.evloop.http.codec.h2.FrameLog.concat;
import static dev.evloop.http.codec.h2.FrameLog.feedWhole;
import static dev.evloop.http.codec.h2.FrameLog.frame;
import static dev.evloop.http.codec.h2.FrameLog.reader;
import static dev.evloop.http.codec.h2.FrameLog.setting;
import static dev.evloop.http.codec.h2.FrameLog.u32;
import static dev.evloop.http.codec.h2.Http2.CONTINUATION;
import static dev.evloop.http.codec.h2.Http2.DATA;
import static dev.evloop.http.codec.h2.Http2.FLAG_ACK;
import static dev.evloop.http.codec.h2.Http2.FLAG_END_HEADERS;
import static dev.evloop.http.codec.h2.Http2.FLAG_END_STREAM;
import static dev.evloop.http.codec.h2.Http2.FLAG_PADDED;
import static dev.evloop.http.codec.h2.Http2.FLAG_PRIORITY;
import static dev.evloop.http.codec.h2.Http2.GOAWAY;
import static dev.evloop.http.codec.h2.Http2.HEADERS;
import static dev.evloop.http.codec.h2.Http2.PING;
import static dev.evloop.http.codec.h2.Http2.PRIORITY;
import static dev.evloop.http.codec.h2.Http2.PUSH_PROMISE;
import static dev.evloop.http.codec.h2.Http2.RST_STREAM;
import static dev.evloop.http.codec.h2.Http2.SETTINGS;
import static dev.evloop.http.codec.h2.Http2.WINDOW_UPDATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every rule of RFC 9113 §4-§6 the reader enforces, on hand-built frames. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Http2FrameReaderTest {
    private static final byte[] PING_OK = frame(PING, 0, 0, new byte[8]);

    /** Reads bytes whole and returns the error they must raise. */
    private static Http2Exception failure(Http2FrameReader reader, byte[] bytes) {
        FrameLog log = new FrameLog();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            reader.read(in, log);
        } catch (Http2Exception e) {
            return e;
        }
        throw new AssertionError("no Http2Exception; frames: " + log.lines);
    }

    private static void assertConnectionError(byte[] bytes, ErrorCode code, String... inMessage) {
        Http2FrameReader reader = reader();
        Http2Exception e = failure(reader, bytes);
        assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
        assertThat(e.isConnectionError()).as("connection error: " + e.getMessage()).isTrue();
        assertThat(e.streamId()).isZero();
        assertThat(e.getMessage()).contains(inMessage);
        // The reader is done: a connection error ends the connection (§5.4.1).
        assertThatThrownBy(() -> reader.read(ByteBuffer.wrap(PING_OK), new FrameLog()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("connection error");
    }

    private static void assertStreamErrorThenGoesOn(byte[] bad, int streamId, ErrorCode code, String... inMessage)
            throws Http2Exception {
        Http2FrameReader reader = reader();
        ByteBuffer in = ByteBuffer.wrap(concat(bad, PING_OK));
        FrameLog log = new FrameLog();
        try {
            reader.read(in, log);
            throw new AssertionError("no stream error; frames: " + log.lines);
        } catch (Http2Exception e) {
            assertThat(e.isConnectionError()).as("stream error: " + e.getMessage()).isFalse();
            assertThat(e.streamId()).isEqualTo(streamId);
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(inMessage);
        }
        assertThat(in.position()).as("the bad frame was consumed").isEqualTo(bad.length);
        reader.read(in, log);
        assertThat(log.lines).containsExactly("PING ack=false 0");
        assertThat(in.hasRemaining()).isFalse();
    }

    // §4.1, §4.2

    @Test
    void frameLongerThanMaxFrameSizeIsRefusedFromItsHeaderAlone() throws Http2Exception {
        Http2FrameReader reader = reader();
        byte[] header = frame(16_385, DATA, 0, 1);
        Http2Exception e = failure(reader, header);
        assertThat(e.code()).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
        assertThat(e.isConnectionError()).isTrue();
        assertThat(e.getMessage()).contains("DATA frame of 16385 bytes", "SETTINGS_MAX_FRAME_SIZE 16384", "§4.2");

        Http2FrameReader larger = new Http2FrameReader(20_000, 1024, 4);
        byte[] ok = frame(DATA, 0, 1, new byte[16_385]);
        assertThat(feedWhole(larger, ok)).hasSize(1).first().asString().startsWith("DATA 1 end=false fc=16385");
    }

    @Test
    void frameHeaderCutShortOverTheLimitFailsOnceItsNinthByteArrives() throws Http2Exception {
        Http2FrameReader reader = reader();
        byte[] header = frame(1 << 20, HEADERS, 0, 3);
        reader.read(ByteBuffer.wrap(header, 0, 8), new FrameLog());
        assertThat(reader.midFrame()).isTrue();
        Http2Exception e = failure(reader, new byte[] {header[8]});
        assertThat(e.code()).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
        assertThat(e.getMessage()).contains("HEADERS frame of 1048576 bytes");
    }

    @Test
    void reservedBitOfTheStreamIdIsIgnored() {
        byte[] bytes = concat(frame(DATA, 0, 0x8000_0001, bytes(7)), frame(WINDOW_UPDATE, 0, 0x8000_0000, u32(0x8000_0010L)));
        assertThat(feedWhole(reader(), bytes)).containsExactly("DATA 1 end=false fc=1 07", "WINDOW_UPDATE 0 16");
    }

    @Test
    void badMaxFrameSizeOfOurOwnIsRefused() {
        assertThatThrownBy(() -> new Http2FrameReader(16_383, 1024, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16383");
        assertThatThrownBy(() -> reader().setMaxFrameSize(1 << 24)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16777216");
        assertThatThrownBy(() -> new Http2FrameReader(16_384, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxHeaderBlock");
    }

    // DATA, §6.1

    @Test
    void dataOnStreamZeroIsAConnectionError() {
        assertConnectionError(frame(DATA, 0, 0, bytes(1)), ErrorCode.PROTOCOL_ERROR, "DATA frame on stream 0", "§6.1");
    }

    @Test
    void dataPaddingIsStrippedAndCountedForFlowControl() {
        byte[] padded = frame(DATA, FLAG_PADDED | FLAG_END_STREAM, 5, bytes(2, 0xaa, 0xbb, 0, 0));
        byte[] allPadding = frame(DATA, FLAG_PADDED, 5, bytes(3, 0, 0, 0));
        assertThat(feedWhole(reader(), concat(padded, allPadding)))
                .containsExactly("DATA 5 end=true fc=5 aabb", "DATA 5 end=false fc=4 ");
    }

    @Test
    void dataPadLengthAsLongAsThePayloadIsAProtocolError() {
        assertConnectionError(frame(DATA, FLAG_PADDED, 1, bytes(4, 0, 0, 0)), ErrorCode.PROTOCOL_ERROR,
                "DATA frame with Pad Length 4 in a payload of 4 bytes", "§6.1");
        assertConnectionError(frame(DATA, FLAG_PADDED, 1), ErrorCode.FRAME_SIZE_ERROR, "DATA frame of 0 bytes");
    }

    // HEADERS and CONTINUATION, §6.2, §6.10, §4.3

    @Test
    void headersOnStreamZeroIsAConnectionError() {
        assertConnectionError(frame(HEADERS, FLAG_END_HEADERS, 0, bytes(0x82)), ErrorCode.PROTOCOL_ERROR,
                "HEADERS frame on stream 0", "§6.2");
    }

    @Test
    void headersPaddingAndPriorityFieldsAreStripped() {
        byte[] payload = concat(bytes(2), u32(0x8000_0003L), bytes(15), bytes(0x82, 0x86), bytes(0, 0));
        byte[] bytes = frame(HEADERS, FLAG_PADDED | FLAG_PRIORITY | FLAG_END_HEADERS | FLAG_END_STREAM, 1, payload);
        assertThat(feedWhole(reader(), bytes)).containsExactly("HEADERS 1 end=true 8286");
    }

    @Test
    void headersPaddingLongerThanWhatRemainsIsAProtocolError() {
        // 9 bytes: Pad Length, 5 of priority, 3 left; padding of 3 leaves an empty fragment, 4 is too much.
        byte[] fits = concat(bytes(3), u32(0), bytes(15), bytes(0x82, 0, 0));
        assertThat(feedWhole(reader(), frame(HEADERS, FLAG_PADDED | FLAG_PRIORITY | FLAG_END_HEADERS, 1, fits)))
                .containsExactly("HEADERS 1 end=false ");
        byte[] payload = concat(bytes(4), u32(0), bytes(15), bytes(0x82, 0, 0));
        assertConnectionError(frame(HEADERS, FLAG_PADDED | FLAG_PRIORITY | FLAG_END_HEADERS, 1, payload),
                ErrorCode.PROTOCOL_ERROR, "HEADERS frame with Pad Length 4 in a payload of 9 bytes", "§6.2");
        assertConnectionError(frame(HEADERS, FLAG_PRIORITY | FLAG_END_HEADERS, 1, bytes(0, 0, 0)),
                ErrorCode.FRAME_SIZE_ERROR, "HEADERS frame of 3 bytes is too short");
    }

    @Test
    void headerBlockOverContinuationsIsDeliveredWholeWithEndStream() {
        byte[] bytes = concat(
                frame(HEADERS, FLAG_END_STREAM | FLAG_PADDED, 3, bytes(1, 0x82, 0)),
                frame(CONTINUATION, 0, 3, bytes(0x86)),
                frame(CONTINUATION, 0, 3),
                frame(CONTINUATION, FLAG_END_HEADERS | FLAG_END_STREAM, 3, bytes(0x84)),
                PING_OK);
        Http2FrameReader reader = reader();
        assertThat(feedWhole(reader, bytes)).containsExactly("HEADERS 3 end=true 828684", "PING ack=false 0");
        assertThat(reader.midFrame()).isFalse();
    }

    @Test
    void anyFrameButContinuationInsideAHeaderBlockIsAProtocolError() {
        byte[] open = frame(HEADERS, 0, 1, bytes(0x82));
        assertConnectionError(concat(open, frame(DATA, 0, 1, bytes(1))), ErrorCode.PROTOCOL_ERROR,
                "DATA frame on stream 1 while the header block of HEADERS on stream 1 waits for CONTINUATION", "§6.10");
        assertConnectionError(concat(open, PING_OK), ErrorCode.PROTOCOL_ERROR, "PING frame on stream 0 while");
        assertConnectionError(concat(open, frame(0x2a, 0, 1)), ErrorCode.PROTOCOL_ERROR, "type 0x2a frame on stream 1 while");
        assertConnectionError(concat(open, frame(CONTINUATION, FLAG_END_HEADERS, 3, bytes(0x84))),
                ErrorCode.PROTOCOL_ERROR, "CONTINUATION frame on stream 3 while the header block of HEADERS on stream 1");
    }

    @Test
    void continuationWithNoBlockOpenIsAProtocolError() {
        assertConnectionError(frame(CONTINUATION, FLAG_END_HEADERS, 1, bytes(0x82)), ErrorCode.PROTOCOL_ERROR,
                "CONTINUATION frame on stream 1 without a HEADERS or PUSH_PROMISE", "§6.10");
        byte[] closed = concat(frame(HEADERS, FLAG_END_HEADERS, 1, bytes(0x82)), frame(CONTINUATION, FLAG_END_HEADERS, 1));
        assertConnectionError(closed, ErrorCode.PROTOCOL_ERROR, "CONTINUATION frame on stream 1 without");
    }

    @Test
    void continuationFloodFailsAtTheFirstFrameOverTheCount() throws Http2Exception {
        int limit = 100;
        Http2FrameReader reader = new Http2FrameReader(Http2.DEFAULT_MAX_FRAME_SIZE, 16 * 1024, limit);
        FrameLog log = new FrameLog();
        reader.read(ByteBuffer.wrap(frame(HEADERS, 0, 1, bytes(0x82))), log);
        byte[] empty = frame(CONTINUATION, 0, 1);
        ByteBuffer flood = ByteBuffer.allocate(10_000 * empty.length);
        for (int i = 0; i < 10_000; i++) flood.put(empty);
        flood.flip();
        Http2Exception e = failure(reader, flood.array());
        assertThat(e.code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        assertThat(e.isConnectionError()).isTrue();
        assertThat(e.getMessage()).contains("CONTINUATION frame on stream 1", "limit of 100 per header block");
        assertThat(log.lines).isEmpty();

        // The same flood, frame by frame: the 100 allowed ones go by, the 101st fails.
        Http2FrameReader stepwise = new Http2FrameReader(Http2.DEFAULT_MAX_FRAME_SIZE, 16 * 1024, limit);
        stepwise.read(ByteBuffer.wrap(frame(HEADERS, 0, 1, bytes(0x82))), log);
        for (int i = 0; i < limit; i++) stepwise.read(ByteBuffer.wrap(empty), log);
        assertThat(stepwise.midFrame()).isTrue();
        assertThat(failure(stepwise, empty).code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
    }

    @Test
    void oversizedBlockFailsOnTheHeaderOfTheFrameThatWouldCrossTheLimit() throws Http2Exception {
        int limit = 1000;
        Http2FrameReader reader = new Http2FrameReader(Http2.DEFAULT_MAX_FRAME_SIZE, limit, 64);
        FrameLog log = new FrameLog();
        reader.read(ByteBuffer.wrap(frame(HEADERS, 0, 1, new byte[600])), log);
        reader.read(ByteBuffer.wrap(frame(CONTINUATION, 0, 1, new byte[400])), log); // exactly the limit
        // Only the 9-byte header of the next CONTINUATION: it fails before any of its payload is held.
        Http2Exception e = failure(reader, frame(1, CONTINUATION, FLAG_END_HEADERS, 1));
        assertThat(e.code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        assertThat(e.getMessage()).contains("header block on stream 1 reaches 1001 bytes, over the limit of 1000");
        assertThat(log.lines).isEmpty();

        // A block of exactly the limit is delivered; one frame over it fails as well.
        Http2FrameReader exact = new Http2FrameReader(Http2.DEFAULT_MAX_FRAME_SIZE, limit, 64);
        byte[] ok = concat(frame(HEADERS, 0, 1, new byte[600]), frame(CONTINUATION, FLAG_END_HEADERS, 1, new byte[400]));
        assertThat(feedWhole(exact, ok)).hasSize(1);
        Http2Exception single = failure(new Http2FrameReader(16_384, limit, 64), frame(HEADERS, FLAG_END_HEADERS, 1, new byte[1001]));
        assertThat(single.code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        assertThat(single.getMessage()).contains("1001 bytes, over the limit of 1000");
    }

    // PRIORITY, §6.3

    @Test
    void priorityOfTheWrongLengthIsAStreamError() throws Http2Exception {
        assertStreamErrorThenGoesOn(frame(PRIORITY, 0, 7, new byte[4]), 7, ErrorCode.FRAME_SIZE_ERROR,
                "PRIORITY frame of 4 bytes, not 5", "§6.3");
        assertThat(feedWhole(reader(), frame(PRIORITY, 0, 7, new byte[5]))).containsExactly("PRIORITY 7");
    }

    @Test
    void priorityOnStreamZeroIsAConnectionError() {
        assertConnectionError(frame(PRIORITY, 0, 0, new byte[5]), ErrorCode.PROTOCOL_ERROR, "PRIORITY frame on stream 0");
    }

    // RST_STREAM, §6.4

    @Test
    void rstStreamRules() {
        assertConnectionError(frame(RST_STREAM, 0, 1, new byte[5]), ErrorCode.FRAME_SIZE_ERROR,
                "RST_STREAM frame of 5 bytes, not 4", "§6.4");
        assertConnectionError(frame(RST_STREAM, 0, 0, u32(8)), ErrorCode.PROTOCOL_ERROR, "RST_STREAM frame on stream 0");
        assertThat(feedWhole(reader(), concat(frame(RST_STREAM, 0, 1, u32(8)), frame(RST_STREAM, 0, 3, u32(0xffff_ffffL)))))
                .containsExactly("RST_STREAM 1 CANCEL", "RST_STREAM 3 0xffffffff (unknown)");
    }

    // SETTINGS, §6.5

    @Test
    void settingsFrameShapeRules() {
        assertConnectionError(frame(SETTINGS, 0, 1), ErrorCode.PROTOCOL_ERROR, "SETTINGS frame on stream 1", "§6.5");
        assertConnectionError(frame(SETTINGS, FLAG_ACK, 0, new byte[6]), ErrorCode.FRAME_SIZE_ERROR,
                "SETTINGS frame with ACK and a payload of 6 bytes");
        assertConnectionError(frame(SETTINGS, 0, 0, new byte[7]), ErrorCode.FRAME_SIZE_ERROR,
                "SETTINGS frame of 7 bytes, not a multiple of 6");
    }

    @Test
    void settingsValuesOutOfRange() {
        assertConnectionError(frame(SETTINGS, 0, 0, setting(2, 2)), ErrorCode.PROTOCOL_ERROR,
                "SETTINGS frame: SETTINGS_ENABLE_PUSH 2 must be 0 or 1");
        assertConnectionError(frame(SETTINGS, 0, 0, setting(2, 1)), ErrorCode.PROTOCOL_ERROR,
                "a server sent SETTINGS_ENABLE_PUSH 1");
        assertConnectionError(frame(SETTINGS, 0, 0, setting(4, 0x8000_0000L)), ErrorCode.FLOW_CONTROL_ERROR,
                "SETTINGS_INITIAL_WINDOW_SIZE 2147483648");
        assertConnectionError(frame(SETTINGS, 0, 0, setting(5, 16_383)), ErrorCode.PROTOCOL_ERROR,
                "SETTINGS_MAX_FRAME_SIZE 16383");
        assertConnectionError(frame(SETTINGS, 0, 0, setting(5, 1 << 24)), ErrorCode.PROTOCOL_ERROR,
                "SETTINGS_MAX_FRAME_SIZE 16777216");
    }

    @Test
    void settingsKnownValuesAreDeliveredAndUnknownIdsDropped() {
        byte[] payload = concat(setting(1, 0), setting(0x99, 12345), setting(2, 0), setting(3, 100),
                setting(4, 0x7fff_ffffL), setting(5, 16_777_215), setting(6, 0xffff_ffffL), setting(0, 1));
        byte[] bytes = concat(frame(SETTINGS, 0, 0, payload), frame(SETTINGS, 0, 0), frame(SETTINGS, FLAG_ACK, 0));
        assertThat(feedWhole(reader(), bytes)).containsExactly(
                "SETTINGS {HEADER_TABLE_SIZE=0, ENABLE_PUSH=0, MAX_CONCURRENT_STREAMS=100, INITIAL_WINDOW_SIZE=2147483647,"
                        + " MAX_FRAME_SIZE=16777215, MAX_HEADER_LIST_SIZE=4294967295}",
                "SETTINGS {}",
                "SETTINGS ACK");
    }

    // PUSH_PROMISE, §6.6

    @Test
    void pushPromiseRules() {
        assertConnectionError(frame(PUSH_PROMISE, FLAG_END_HEADERS, 0, u32(2)), ErrorCode.PROTOCOL_ERROR,
                "PUSH_PROMISE frame on stream 0");
        assertConnectionError(frame(PUSH_PROMISE, FLAG_END_HEADERS, 1, bytes(0, 0, 2)), ErrorCode.FRAME_SIZE_ERROR,
                "PUSH_PROMISE frame of 3 bytes is too short");
        assertConnectionError(frame(PUSH_PROMISE, FLAG_END_HEADERS | FLAG_PADDED, 1, concat(bytes(2), u32(2), bytes(0))),
                ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE frame with Pad Length 2");
        byte[] ok = concat(
                frame(PUSH_PROMISE, FLAG_PADDED, 1, concat(bytes(1), u32(0x8000_0002L), bytes(0x82), bytes(0))),
                frame(CONTINUATION, FLAG_END_HEADERS, 1, bytes(0x87)));
        assertThat(feedWhole(reader(), ok)).containsExactly("PUSH_PROMISE 1 promised=2 8287");
        byte[] interleaved = concat(frame(PUSH_PROMISE, 0, 1, u32(2)), frame(HEADERS, FLAG_END_HEADERS, 1, bytes(0x82)));
        assertConnectionError(interleaved, ErrorCode.PROTOCOL_ERROR, "while the header block of PUSH_PROMISE on stream 1");
    }

    // PING, §6.7; GOAWAY, §6.8

    @Test
    void pingRules() {
        assertConnectionError(frame(PING, 0, 0, new byte[7]), ErrorCode.FRAME_SIZE_ERROR, "PING frame of 7 bytes, not 8");
        assertConnectionError(frame(PING, 0, 1, new byte[8]), ErrorCode.PROTOCOL_ERROR, "PING frame on stream 1", "§6.7");
        byte[] ok = frame(PING, FLAG_ACK, 0, bytes(0x80, 1, 2, 3, 4, 5, 6, 7));
        assertThat(feedWhole(reader(), ok)).containsExactly("PING ack=true 8001020304050607");
    }

    @Test
    void goAwayRules() {
        assertConnectionError(frame(GOAWAY, 0, 1, new byte[8]), ErrorCode.PROTOCOL_ERROR, "GOAWAY frame on stream 1");
        assertConnectionError(frame(GOAWAY, 0, 0, new byte[7]), ErrorCode.FRAME_SIZE_ERROR,
                "GOAWAY frame of 7 bytes, shorter than 8", "§6.8");
        byte[] ok = frame(GOAWAY, 0, 0, concat(u32(0x8000_0005L), u32(0xb), bytes('h', 'i')));
        assertThat(feedWhole(reader(), ok)).containsExactly("GOAWAY 5 ENHANCE_YOUR_CALM 6869");
    }

    // WINDOW_UPDATE, §6.9

    @Test
    void windowUpdateRules() throws Http2Exception {
        assertConnectionError(frame(WINDOW_UPDATE, 0, 1, new byte[3]), ErrorCode.FRAME_SIZE_ERROR,
                "WINDOW_UPDATE frame of 3 bytes, not 4");
        assertConnectionError(frame(WINDOW_UPDATE, 0, 0, u32(0)), ErrorCode.PROTOCOL_ERROR,
                "WINDOW_UPDATE frame on stream 0 with an increment of 0", "§6.9");
        assertStreamErrorThenGoesOn(frame(WINDOW_UPDATE, 0, 9, u32(0x8000_0000L)), 9, ErrorCode.PROTOCOL_ERROR,
                "WINDOW_UPDATE frame on stream 9 with an increment of 0");
    }

    // Unknown types, §4.1, §5.5

    @Test
    void unknownFramesArePassedOnAndOtherwiseIgnored() {
        byte[] bytes = concat(frame(0x2a, 0xff, 5, bytes(1, 2)), frame(0xff, 0, 0), PING_OK);
        assertThat(feedWhole(reader(), bytes))
                .containsExactly("UNKNOWN 0x2a 5 flags=255 0102", "UNKNOWN 0xff 0 flags=0 ", "PING ack=false 0");
    }

    // The reader's own contract

    @Test
    void connectionErrorFromTheListenerEndsTheReaderAndStreamErrorDoesNot() throws Http2Exception {
        Http2FrameReader reader = reader();
        FrameLog log = new FrameLog() {
            @Override
            public void onWindowUpdate(int streamId, int increment) throws Http2Exception {
                if (streamId == 0) throw Http2Exception.connection(ErrorCode.FLOW_CONTROL_ERROR, "window overflow");
                throw Http2Exception.stream(streamId, ErrorCode.FLOW_CONTROL_ERROR, "stream window overflow");
            }
        };
        ByteBuffer in = ByteBuffer.wrap(concat(frame(WINDOW_UPDATE, 0, 1, u32(1)), PING_OK, frame(WINDOW_UPDATE, 0, 0, u32(1))));
        assertThatThrownBy(() -> reader.read(in, log)).isInstanceOf(Http2Exception.class).hasMessage("stream window overflow");
        assertThatThrownBy(() -> reader.read(in, log)).isInstanceOf(Http2Exception.class).hasMessage("window overflow");
        assertThat(log.lines).containsExactly("PING ack=false 0");
        assertThatThrownBy(() -> reader.read(ByteBuffer.allocate(0), log)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void wholeFramesAreViewsOfTheInputAndAPartialOneIsHeldUntilComplete() throws Http2Exception {
        Http2FrameReader reader = reader();
        byte[] data = frame(DATA, 0, 1, bytes(1, 2, 3));
        ByteBuffer in = ByteBuffer.wrap(concat(data, data, new byte[5]), 0, data.length * 2 + 5);
        System.arraycopy(data, 0, in.array(), data.length * 2, 5);
        List<Object> backing = new java.util.ArrayList<>();
        reader.read(in, new FrameLog() {
            @Override
            public void onData(int streamId, ByteBuffer b, boolean endStream, int flowControlled) {
                backing.add(b.hasArray() ? b.array() : null);
            }
        });
        assertThat(backing).containsExactly(in.array(), in.array());
        assertThat(in.hasRemaining()).isFalse();
        assertThat(reader.midFrame()).isTrue();
        FrameLog log = new FrameLog();
        reader.read(ByteBuffer.wrap(data, 5, data.length - 5), log);
        assertThat(log.lines).containsExactly("DATA 1 end=false fc=3 010203");
        assertThat(reader.midFrame()).isFalse();
    }

    @Test
    void heldFrameGrowsWithTheBytesThatArriveNotWithItsLengthField() throws Exception {
        Http2FrameReader reader = new Http2FrameReader(Http2.MAX_FRAME_SIZE_LIMIT, 1024, 4);
        byte[] start = concat(frame(Http2.MAX_FRAME_SIZE_LIMIT, DATA, 0, 1), new byte[100]);
        reader.read(ByteBuffer.wrap(start), new FrameLog());
        assertThat(reader.midFrame()).isTrue();
        // White box: the announced 16 MiB is not allocated for 109 bytes received.
        java.lang.reflect.Field held = Http2FrameReader.class.getDeclaredField("partial");
        held.setAccessible(true);
        assertThat(((byte[]) held.get(reader)).length).isLessThan(1024);
    }

    @Test
    void errorsHaveTheFrameNamesOfRfc9113() {
        assertThat(Http2.frameName(Http2.WINDOW_UPDATE)).isEqualTo("WINDOW_UPDATE");
        assertThat(Http2.frameName(CONTINUATION)).isEqualTo("CONTINUATION");
        assertThat(Http2.frameName(0x2a)).isEqualTo("type 0x2a");
        assertThat(ErrorCode.of(0xb)).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        assertThat(ErrorCode.of(0xe)).isNull();
        assertThat(ErrorCode.of(-1)).isNull();
        assertThat(ErrorCode.describe(0x1f)).isEqualTo("0x1f (unknown)");
        assertThat(ErrorCode.describe(1)).isEqualTo("PROTOCOL_ERROR");
        for (ErrorCode c : ErrorCode.values()) assertThat(ErrorCode.of(c.code())).isSameAs(c);
        assertThatThrownBy(() -> Http2Exception.stream(0, ErrorCode.CANCEL, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Http2Exception.stream(3, ErrorCode.CANCEL, "gone").toString()).contains("CANCEL", "stream 3", "gone");
    }
}
