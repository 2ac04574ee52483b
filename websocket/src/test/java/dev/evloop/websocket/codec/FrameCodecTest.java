package dev.evloop.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** FrameReader and FrameWriter against RFC 6455 §5.7's examples, every violation of §5, and masking. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameCodecTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final int RFC_KEY = 0x37fa213d;
    private static final String HELLO = HEX.formatHex("Hello".getBytes(StandardCharsets.US_ASCII));

    // RFC 6455 §5.7, byte for byte.
    private static final byte[] UNMASKED_HELLO = HEX.parseHex("810548656c6c6f");
    private static final byte[] MASKED_HELLO = HEX.parseHex("818537fa213d7f9f4d5158");
    private static final byte[] FRAGMENTED_HEL_LO = HEX.parseHex("010348656c" + "80026c6f");
    private static final byte[] UNMASKED_PING = HEX.parseHex("890548656c6c6f");
    private static final byte[] MASKED_PONG = HEX.parseHex("8a8537fa213d7f9f4d5158");

    private static byte[] binary(int length, byte[] header) {
        byte[] frame = new byte[header.length + length];
        System.arraycopy(header, 0, frame, 0, header.length);
        for (int i = 0; i < length; i++) {
            frame[header.length + i] = (byte) (i * 31 + 7);
        }
        return frame;
    }

    private static final byte[] BINARY_256 = binary(256, HEX.parseHex("827e0100"));
    private static final byte[] BINARY_64K = binary(65536, HEX.parseHex("827f0000000000010000"));

    private static List<RecordingFrames.Frame> readWhole(Role role, byte[] wire) throws WebSocketException {
        RecordingFrames rec = new RecordingFrames();
        FrameReader reader = new FrameReader(role, Long.MAX_VALUE);
        reader.read(ByteBuffer.wrap(wire), rec);
        assertThat(reader.atFrameBoundary()).isTrue();
        assertThat(rec.midFrame()).isFalse();
        return rec.frames;
    }

    private static List<RecordingFrames.Frame> readInPieces(Role role, byte[] wire, int... cuts)
            throws WebSocketException {
        RecordingFrames rec = new RecordingFrames();
        FrameReader reader = new FrameReader(role, Long.MAX_VALUE);
        int from = 0;
        for (int cut : cuts) {
            ByteBuffer piece = ByteBuffer.wrap(wire, from, cut - from);
            reader.read(piece, rec);
            assertThat(piece.hasRemaining()).as("read consumes all input").isFalse();
            from = cut;
        }
        reader.read(ByteBuffer.wrap(wire, from, wire.length - from), rec);
        assertThat(reader.atFrameBoundary()).isTrue();
        return rec.frames;
    }

    private static List<RecordingFrames.Frame> readByteByByte(Role role, byte[] wire) throws WebSocketException {
        RecordingFrames rec = new RecordingFrames();
        FrameReader reader = new FrameReader(role, Long.MAX_VALUE);
        for (int i = 0; i < wire.length; i++) {
            reader.read(ByteBuffer.wrap(wire, i, 1), rec);
        }
        assertThat(reader.atFrameBoundary()).isTrue();
        return rec.frames;
    }

    private static void assertEverySplitGives(Role role, byte[] wire, List<RecordingFrames.Frame> expected)
            throws WebSocketException {
        assertThat(readWhole(role, wire.clone())).isEqualTo(expected);
        assertThat(readByteByByte(role, wire.clone())).isEqualTo(expected);
        int step = Math.max(1, wire.length / 300);
        for (int cut = 0; cut <= wire.length; cut += step) {
            assertThat(readInPieces(role, wire.clone(), cut)).as("split at %d", cut).isEqualTo(expected);
        }
    }

    private static RecordingFrames.Frame frame(int opcode, boolean fin, String payloadHex) {
        return new RecordingFrames.Frame(opcode, fin, false, payloadHex.length() / 2, payloadHex);
    }

    @Test
    void rfcExamplesReadTheSameWhateverTheSplit() throws WebSocketException {
        assertEverySplitGives(Role.CLIENT, UNMASKED_HELLO, List.of(frame(Opcode.TEXT, true, HELLO)));
        assertEverySplitGives(Role.SERVER, MASKED_HELLO, List.of(frame(Opcode.TEXT, true, HELLO)));
        assertEverySplitGives(Role.CLIENT, FRAGMENTED_HEL_LO,
                List.of(frame(Opcode.TEXT, false, "48656c"), frame(Opcode.CONTINUATION, true, "6c6f")));
        assertEverySplitGives(Role.CLIENT, UNMASKED_PING, List.of(frame(Opcode.PING, true, HELLO)));
        assertEverySplitGives(Role.SERVER, MASKED_PONG, List.of(frame(Opcode.PONG, true, HELLO)));
        assertEverySplitGives(Role.CLIENT, BINARY_256,
                List.of(frame(Opcode.BINARY, true, HEX.formatHex(BINARY_256, 4, BINARY_256.length))));
        assertEverySplitGives(Role.CLIENT, BINARY_64K,
                List.of(frame(Opcode.BINARY, true, HEX.formatHex(BINARY_64K, 10, BINARY_64K.length))));
    }

    @Test
    void allExamplesBackToBackInOneBufferAndByteByByte() throws WebSocketException {
        byte[] wire = concat(UNMASKED_HELLO, FRAGMENTED_HEL_LO, UNMASKED_PING, BINARY_256, BINARY_64K);
        List<RecordingFrames.Frame> expected = List.of(frame(Opcode.TEXT, true, HELLO),
                frame(Opcode.TEXT, false, "48656c"), frame(Opcode.CONTINUATION, true, "6c6f"),
                frame(Opcode.PING, true, HELLO),
                frame(Opcode.BINARY, true, HEX.formatHex(BINARY_256, 4, BINARY_256.length)),
                frame(Opcode.BINARY, true, HEX.formatHex(BINARY_64K, 10, BINARY_64K.length)));
        assertThat(readWhole(Role.CLIENT, wire)).isEqualTo(expected);
        assertThat(readByteByByte(Role.CLIENT, wire)).isEqualTo(expected);
    }

    @Test
    void rfcExamplesWrittenByteForByte() {
        assertThat(written(Opcode.TEXT, true, "Hello", false, 0)).isEqualTo(UNMASKED_HELLO);
        assertThat(written(Opcode.TEXT, true, "Hello", true, RFC_KEY)).isEqualTo(MASKED_HELLO);
        assertThat(concat(written(Opcode.TEXT, false, "Hel", false, 0),
                written(Opcode.CONTINUATION, true, "lo", false, 0))).isEqualTo(FRAGMENTED_HEL_LO);
        assertThat(written(Opcode.PING, true, "Hello", false, 0)).isEqualTo(UNMASKED_PING);
        assertThat(written(Opcode.PONG, true, "Hello", true, RFC_KEY)).isEqualTo(MASKED_PONG);

        ByteBuffer dst = ByteBuffer.allocate(FrameWriter.MAX_HEADER);
        assertThat(FrameWriter.writeHeader(dst, Opcode.BINARY, true, false, 256, false, 0)).isEqualTo(4);
        assertThat(dst.position()).isEqualTo(4);
        assertThat(HEX.formatHex(dst.array(), 0, 4)).isEqualTo("827e0100");
        dst.clear();
        assertThat(FrameWriter.writeHeader(dst, Opcode.BINARY, true, false, 65536, false, 0)).isEqualTo(10);
        assertThat(HEX.formatHex(dst.array(), 0, 10)).isEqualTo("827f0000000000010000");
    }

    private static byte[] written(int opcode, boolean fin, String text, boolean masked, int key) {
        byte[] payload = text.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer dst = ByteBuffer.allocate(FrameWriter.MAX_HEADER + payload.length);
        int n = FrameWriter.writeHeader(dst, opcode, fin, false, payload.length, masked, key);
        assertThat(n).isEqualTo(FrameWriter.headerLength(payload.length, masked)).isEqualTo(dst.position());
        int at = dst.position();
        dst.put(payload);
        if (masked) {
            FrameWriter.mask(dst, at, payload.length, key, 0);
        }
        byte[] out = new byte[dst.position()];
        dst.flip().get(out);
        return out;
    }

    @Test
    void headerLengthBoundaries() {
        assertThat(FrameWriter.headerLength(0, false)).isEqualTo(2);
        assertThat(FrameWriter.headerLength(125, false)).isEqualTo(2);
        assertThat(FrameWriter.headerLength(126, false)).isEqualTo(4);
        assertThat(FrameWriter.headerLength(65535, false)).isEqualTo(4);
        assertThat(FrameWriter.headerLength(65536, false)).isEqualTo(10);
        assertThat(FrameWriter.headerLength(Long.MAX_VALUE, true)).isEqualTo(14);
        assertThatThrownBy(() -> FrameWriter.headerLength(-1, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void writtenHeadersReadBackAtEveryLengthBoundaryAndRole() throws WebSocketException {
        long[] lengths = {0, 1, 125, 126, 127, 65535, 65536, 1L << 32, Long.MAX_VALUE};
        for (long length : lengths) {
            for (boolean masked : new boolean[] {false, true}) {
                ByteBuffer dst = ByteBuffer.allocate(FrameWriter.MAX_HEADER);
                FrameWriter.writeHeader(dst, Opcode.BINARY, false, true, length, masked, 0x01020304);
                dst.flip();
                RecordingHeader rec = new RecordingHeader();
                FrameReader reader = new FrameReader(masked ? Role.SERVER : Role.CLIENT, Long.MAX_VALUE);
                reader.allowRsv1(true);
                reader.read(dst, rec);
                assertThat(rec.calls).as("length %d masked %s", length, masked)
                        .isEqualTo("start BINARY fin=false rsv1=true len=" + length + (length == 0 ? " end" : ""));
            }
        }
    }

    /** Records header calls only, for frames whose payload is never sent. */
    private static final class RecordingHeader implements FrameHandler {
        String calls = "";

        @Override
        public void onFrameStart(int opcode, boolean fin, boolean rsv1, long payloadLength) {
            calls += "start " + Opcode.name(opcode) + " fin=" + fin + " rsv1=" + rsv1 + " len=" + payloadLength;
        }

        @Override
        public void onPayload(ByteBuffer data) {
            calls += " payload";
        }

        @Override
        public void onFrameEnd() {
            calls += " end";
        }
    }

    @Test
    void sixtyThreeBitLengthIsReadAndPayloadStreamsInPieces() throws WebSocketException {
        byte[] header = HEX.parseHex("027f7fffffffffffffff");
        RecordingHeader rec = new RecordingHeader();
        FrameReader reader = new FrameReader(Role.CLIENT, Long.MAX_VALUE);
        reader.read(ByteBuffer.wrap(header), rec);
        assertThat(rec.calls).isEqualTo("start BINARY fin=false rsv1=false len=" + Long.MAX_VALUE);
        reader.read(ByteBuffer.wrap(new byte[1000]), rec);
        assertThat(rec.calls).endsWith(" payload");
        assertThat(reader.atFrameBoundary()).isFalse();
    }

    @Test
    void zeroLengthFramesOfEveryKind() throws WebSocketException {
        byte[] wire = HEX.parseHex("0100" + "8000" + "8200" + "8800" + "8900" + "8a00");
        List<RecordingFrames.Frame> expected = List.of(frame(Opcode.TEXT, false, ""),
                frame(Opcode.CONTINUATION, true, ""), frame(Opcode.BINARY, true, ""), frame(Opcode.CLOSE, true, ""),
                frame(Opcode.PING, true, ""), frame(Opcode.PONG, true, ""));
        assertEverySplitGives(Role.CLIENT, wire, expected);
        RecordingFrames rec = new RecordingFrames();
        new FrameReader(Role.CLIENT, 0).read(ByteBuffer.wrap(wire), rec);
        assertThat(rec.payloadCalls).isZero();
        // Masked zero-length frames: the 4-byte key still follows.
        assertEverySplitGives(Role.SERVER, HEX.parseHex("828011223344"), List.of(frame(Opcode.BINARY, true, "")));
    }

    @Test
    void controlFramesMayInterleaveAFragmentedMessage() throws WebSocketException {
        byte[] wire = HEX.parseHex("010148" + "890150" + "8a00" + "0001ff" + "8000");
        assertEverySplitGives(Role.CLIENT, wire, List.of(frame(Opcode.TEXT, false, "48"), frame(Opcode.PING, true, "50"),
                frame(Opcode.PONG, true, ""), frame(Opcode.CONTINUATION, false, "ff"),
                frame(Opcode.CONTINUATION, true, "")));
    }

    @Test
    void maskedPayloadIsUnmaskedWhenTheInputIsReadOnly() throws WebSocketException {
        byte[] payload = new byte[20_000];
        new SplittableRandom(1).nextBytes(payload);
        int key = 0xA1B2C3D4;
        ByteBuffer wire = ByteBuffer.allocate(FrameWriter.MAX_HEADER + payload.length);
        FrameWriter.writeHeader(wire, Opcode.BINARY, true, false, payload.length, true, key);
        int at = wire.position();
        wire.put(payload);
        FrameWriter.mask(wire, at, payload.length, key, 0);
        wire.flip();
        byte[] sent = new byte[wire.remaining()];
        wire.get(sent);

        RecordingFrames rec = new RecordingFrames();
        new FrameReader(Role.SERVER, Long.MAX_VALUE).read(ByteBuffer.wrap(sent).asReadOnlyBuffer(), rec);
        assertThat(rec.frames).containsExactly(frame(Opcode.BINARY, true, HEX.formatHex(payload)));
        assertThat(rec.payloadCalls).isGreaterThan(1);
        assertThat(readByteByByte(Role.SERVER, sent)).containsExactly(frame(Opcode.BINARY, true, HEX.formatHex(payload)));
    }

    @Test
    void directBuffersReadLikeHeapBuffers() throws WebSocketException {
        ByteBuffer direct = ByteBuffer.allocateDirect(MASKED_HELLO.length + BINARY_256.length + 4);
        direct.put(MASKED_HELLO).put(binaryMasked()).flip();
        RecordingFrames rec = new RecordingFrames();
        new FrameReader(Role.SERVER, Long.MAX_VALUE).read(direct, rec);
        assertThat(rec.frames).containsExactly(frame(Opcode.TEXT, true, HELLO),
                frame(Opcode.BINARY, true, HEX.formatHex(BINARY_256, 4, BINARY_256.length)));
    }

    private static byte[] binaryMasked() {
        // BINARY_256 as a client would send it, with a key; 4 more header bytes than unmasked.
        ByteBuffer b = ByteBuffer.allocate(BINARY_256.length + 4);
        FrameWriter.writeHeader(b, Opcode.BINARY, true, false, 256, true, 0x0BADF00D);
        int at = b.position();
        b.put(BINARY_256, 4, 256);
        FrameWriter.mask(b, at, 256, 0x0BADF00D, 0);
        return b.array();
    }

    // ---- violations ----

    private static WebSocketException failure(Role role, boolean rsv1Allowed, long max, String hex) {
        FrameReader reader = new FrameReader(role, max);
        reader.allowRsv1(rsv1Allowed);
        RecordingFrames rec = new RecordingFrames();
        byte[] wire = HEX.parseHex(hex);
        try {
            reader.read(ByteBuffer.wrap(wire), rec);
        } catch (WebSocketException e) {
            assertThatThrownBy(() -> reader.read(ByteBuffer.wrap(UNMASKED_HELLO), rec))
                    .as("unusable after a failure").isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(e.getMessage());
            // The same failure whatever the split.
            FrameReader bytewise = new FrameReader(role, max);
            bytewise.allowRsv1(rsv1Allowed);
            RecordingFrames rec2 = new RecordingFrames();
            assertThatThrownBy(() -> {
                for (int i = 0; i < wire.length; i++) {
                    bytewise.read(ByteBuffer.wrap(wire, i, 1), rec2);
                }
            }).isInstanceOf(WebSocketException.class).hasMessage(e.getMessage());
            return e;
        }
        throw new AssertionError("no failure for " + hex + "; frames " + rec.frames);
    }

    private static void assertProtocolError(Role role, String hex, String message) {
        assertProtocolError(role, false, hex, message);
    }

    private static void assertProtocolError(Role role, boolean rsv1Allowed, String hex, String message) {
        WebSocketException e = failure(role, rsv1Allowed, Long.MAX_VALUE, hex);
        assertThat(e.closeCode()).as(message).isEqualTo(CloseCodes.PROTOCOL_ERROR);
        assertThat(e.getMessage()).contains(message);
    }

    @Test
    void reservedBits() {
        assertProtocolError(Role.CLIENT, "a100", "reserved bit RSV2 set");
        assertProtocolError(Role.CLIENT, "9100", "reserved bit RSV3 set");
        assertProtocolError(Role.CLIENT, true, "b100", "reserved bits RSV2 and RSV3 set");
        assertProtocolError(Role.CLIENT, "c100", "reserved bit RSV1 set without a negotiated extension");
        assertProtocolError(Role.CLIENT, true, "c900", "RSV1 on a control frame PING");
        assertProtocolError(Role.CLIENT, true, "4100" + "c000", "RSV1 on a continuation frame");
    }

    @Test
    void rsv1IsAllowedOnTheFirstFrameOfADataMessageWhenNegotiated() throws WebSocketException {
        FrameReader reader = new FrameReader(Role.CLIENT, 100);
        reader.allowRsv1(true);
        RecordingFrames rec = new RecordingFrames();
        reader.read(ByteBuffer.wrap(HEX.parseHex("4100" + "8000" + "c200")), rec);
        assertThat(rec.frames).containsExactly(new RecordingFrames.Frame(Opcode.TEXT, false, true, 0, ""),
                frame(Opcode.CONTINUATION, true, ""), new RecordingFrames.Frame(Opcode.BINARY, true, true, 0, ""));
    }

    @Test
    void reservedOpcodes() {
        for (int op : new int[] {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
            assertProtocolError(Role.CLIENT, String.format("%02x00", 0x80 | op), "reserved opcode 0x" + Integer.toHexString(op).toUpperCase(Locale.ROOT));
        }
    }

    @Test
    void controlFrameRules() {
        assertProtocolError(Role.CLIENT, "0900", "fragmented control frame PING");
        assertProtocolError(Role.CLIENT, "0800", "fragmented control frame CLOSE");
        assertProtocolError(Role.CLIENT, "897e007e", "control frame PING payload 126 > 125");
        assertProtocolError(Role.CLIENT, "8a7f0000000000010000", "control frame PONG payload 65536 > 125");
        assertProtocolError(Role.CLIENT, "880103", "CLOSE payload of 1 byte");
    }

    @Test
    void maskingMustFitTheRole() {
        assertProtocolError(Role.SERVER, "810548656c6c6f", "unmasked client frame TEXT");
        assertProtocolError(Role.CLIENT, "818537fa213d7f9f4d5158", "masked server frame TEXT");
    }

    @Test
    void fragmentationOrder() {
        assertProtocolError(Role.CLIENT, "8000", "CONTINUATION without a message in progress");
        assertProtocolError(Role.CLIENT, "810148" + "8000" + "8000", "CONTINUATION without a message in progress");
        assertProtocolError(Role.CLIENT, "0100" + "8100", "TEXT frame while a fragmented message is in progress");
        assertProtocolError(Role.CLIENT, "0200" + "8900" + "0200", "BINARY frame while a fragmented message is in progress");
    }

    @Test
    void sixtyFourBitLengthWithTheTopBitSet() {
        assertProtocolError(Role.CLIENT, "827f8000000000000000", "payload length with the most significant bit set");
    }

    @Test
    void declaredLengthOverTheLimitFailsBeforeAnyPayload() {
        WebSocketException e = failure(Role.CLIENT, false, 1000, "827e03e9");
        assertThat(e.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        assertThat(e.getMessage()).contains("1001").contains("1000");
        // Exactly at the limit is fine.
        RecordingHeader rec = new RecordingHeader();
        assertThatCode(
                () -> new FrameReader(Role.CLIENT, 1000).read(ByteBuffer.wrap(HEX.parseHex("827e03e8")), rec))
                .doesNotThrowAnyException();
        assertThat(rec.calls).isEqualTo("start BINARY fin=true rsv1=false len=1000");
    }

    @Test
    void aHandlerFailureStopsTheReader() {
        FrameReader reader = new FrameReader(Role.CLIENT, 100);
        FrameHandler refusing = new FrameHandler() {
            @Override
            public void onFrameStart(int opcode, boolean fin, boolean rsv1, long payloadLength) {}

            @Override
            public void onPayload(ByteBuffer data) {
                throw new IllegalStateException("refused");
            }

            @Override
            public void onFrameEnd() {}
        };
        assertThatThrownBy(() -> reader.read(ByteBuffer.wrap(UNMASKED_HELLO), refusing)).hasMessage("refused");
        assertThatThrownBy(() -> reader.read(ByteBuffer.wrap(UNMASKED_HELLO), new RecordingFrames()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed earlier: refused");
    }

    // ---- writer misuse ----

    @Test
    void writerRefusesWhatMayNotBeSent() {
        ByteBuffer dst = ByteBuffer.allocate(FrameWriter.MAX_HEADER);
        assertThatThrownBy(() -> FrameWriter.writeHeader(dst, 3, true, false, 0, false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x3");
        assertThatThrownBy(() -> FrameWriter.writeHeader(dst, Opcode.PING, false, false, 0, false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fragmented control frame PING");
        assertThatThrownBy(() -> FrameWriter.writeHeader(dst, Opcode.CLOSE, true, false, 126, false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("126 > 125");
        assertThatThrownBy(() -> FrameWriter.writeHeader(dst, Opcode.PONG, true, true, 0, false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RSV1");
        assertThatThrownBy(() -> FrameWriter.writeHeader(dst, Opcode.TEXT, true, false, -5, false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-5");
        ByteBuffer small = ByteBuffer.allocate(3);
        assertThatThrownBy(() -> FrameWriter.writeHeader(small, Opcode.TEXT, true, false, 126, false, 0))
                .isInstanceOf(BufferOverflowException.class);
        assertThat(small.position()).isZero();
        assertThat(small.array()).containsOnly(0);
    }

    // ---- masking ----

    @Test
    void maskingRoundTripsAtEveryOffsetAlignmentAndByteOrder() {
        SplittableRandom random = new SplittableRandom(42);
        byte[] plain = new byte[80];
        random.nextBytes(plain);
        for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
            for (boolean direct : new boolean[] {false, true}) {
                for (int from = 0; from < 9; from++) {
                    for (int length = 0; length <= plain.length - 9; length++) {
                        for (int offset = 0; offset < 5; offset++) {
                            int key = random.nextInt();
                            ByteBuffer buf = (direct ? ByteBuffer.allocateDirect(plain.length) : ByteBuffer.allocate(plain.length))
                                    .order(order);
                            buf.put(0, plain);
                            FrameWriter.mask(buf, from, length, key, offset);
                            for (int i = 0; i < plain.length; i++) {
                                int expected = i >= from && i < from + length
                                        ? plain[i] ^ (key >>> (24 - 8 * ((i - from + offset) & 3)))
                                        : plain[i];
                                assertThat(buf.get(i)).as("byte %d from %d length %d offset %d %s direct=%s", i,
                                        from, length, offset, order, direct).isEqualTo((byte) expected);
                            }
                            FrameWriter.mask(buf, from, length, key, offset);
                            byte[] back = new byte[plain.length];
                            buf.get(0, back);
                            assertThat(back).isEqualTo(plain);
                            assertThat(buf.position()).isZero();
                        }
                    }
                }
            }
        }
    }

    @Test
    void maskingInPiecesEqualsMaskingAtOnce() {
        byte[] plain = new byte[1000];
        new SplittableRandom(7).nextBytes(plain);
        int key = 0xDEADBEEF;
        ByteBuffer whole = ByteBuffer.wrap(plain.clone());
        FrameWriter.mask(whole, 0, plain.length, key, 0);
        SplittableRandom random = new SplittableRandom(8);
        for (int trial = 0; trial < 50; trial++) {
            ByteBuffer pieces = ByteBuffer.wrap(plain.clone());
            int at = 0;
            while (at < plain.length) {
                int n = Math.min(plain.length - at, random.nextInt(1, 40));
                FrameWriter.mask(pieces, at, n, key, at);
                at += n;
            }
            assertThat(pieces.array()).isEqualTo(whole.array());
        }
        assertThatThrownBy(() -> FrameWriter.mask(ByteBuffer.allocate(4), 2, 3, key, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
