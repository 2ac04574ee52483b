package dev.evloop.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.evloop.testing.FuzzInput;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link FrameReader} with arbitrary bytes in arbitrary pieces. Without {@code JAZZER_FUZZ}
 * this runs the seeds and past findings under
 * {@code src/test/resources/dev/evloop/websocket/codec/FrameReaderFuzzTestInputs/}; with it
 * ({@code scripts/fuzz ws-frames SECONDS}) it fuzzes. Input layout: {@link FuzzInput}. Mode bits: 0
 * the server's reader (masked frames), else the client's; 1 RSV1 allowed (permessage-deflate
 * negotiated); 2..3 the maximum frame payload (0, 10, 125 or 1 MiB); 6 the split run reads
 * read-only buffers (unmasked through the reader's scratch buffer); 7 the split run reads direct
 * buffers (6 is then ignored).
 *
 * <p>Checked: only {@link WebSocketException} with close code 1002 or 1009 and a message, after
 * which {@code read} throws {@link IllegalStateException}; each call leaves the limit alone,
 * consumes all its input unless it fails, and touches no byte outside [position, limit); the
 * handler sees start, payload, end in order, never more payload than the declared length and
 * exactly that much at the end; the same frames, payload bytes and failure whatever the split;
 * and all of it equal to an independent reading of the whole input: the frames as the bytes
 * declare them, payload unmasked, up to the first frame that RFC 6455 §5 forbids (reserved bits,
 * reserved opcodes, fragmented or oversized control frames, a 1-byte CLOSE, masking against the
 * role, CONTINUATION out of sequence, a 64-bit length with its top bit set: 1002) or that exceeds
 * the maximum payload (1009, before any of its payload).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameReaderFuzzTest {
    private static final long[] MAX_PAYLOADS = {0, 10, 125, 1 << 20};
    /** Bytes on each side of every piece, which the reader must neither read as input nor modify. */
    private static final int GUARD = 5;
    private static final byte GUARD_BYTE = (byte) 0x81;

    private enum Kind {
        HEAP,
        DIRECT,
        READ_ONLY
    }

    @FuzzTest(maxDuration = "10s")
    void frames(FuzzedDataProvider data) {
        FuzzInput in = FuzzInput.read(data);
        Role role = in.flag(0) ? Role.SERVER : Role.CLIENT;
        boolean rsv1Allowed = in.flag(1);
        long maxPayload = MAX_PAYLOADS[(in.mode() >> 2) & 3];
        Kind kind = in.flag(7) ? Kind.DIRECT : in.flag(6) ? Kind.READ_ONLY : Kind.HEAP;

        List<String> whole = read(in.whole(), role, rsv1Allowed, maxPayload, Kind.HEAP);
        List<String> split = read(in, role, rsv1Allowed, maxPayload, kind);
        assertThat(split).as("events of the split run").isEqualTo(whole);
        assertThat(whole).as("events against an independent reading")
                .isEqualTo(reference(in.bytes(), role, rsv1Allowed, maxPayload));
    }

    /**
     * Feeds the pieces to one reader. Events: "start OPCODE fin rsv1 LENGTH" per frame, then
     * "payload HEX" with all its payload at its end (or at the end of the input, for a frame left
     * unfinished), "end", and finally "error CODE" if the reader failed.
     */
    private static List<String> read(FuzzInput in, Role role, boolean rsv1Allowed, long maxPayload, Kind kind) {
        FrameReader reader = new FrameReader(role, maxPayload);
        reader.allowRsv1(rsv1Allowed);
        Checking handler = new Checking(maxPayload);
        int prev = 0;
        for (int end : in.pieceEnds()) {
            ByteBuffer piece = piece(in.bytes(), prev, end, kind);
            prev = end;
            int start = piece.position();
            int limit = piece.limit();
            try {
                reader.read(piece, handler);
                assertThat(piece.position()).as("read consumes all its input").isEqualTo(limit);
            } catch (WebSocketException e) {
                assertThat(e.getMessage()).as("error message").isNotBlank();
                assertThat(e.closeCode()).as("close code of " + e.getMessage()).isIn(CloseCodes.PROTOCOL_ERROR,
                        CloseCodes.MESSAGE_TOO_BIG);
                assertThat(piece.position()).as("position after a failure").isBetween(start, limit);
                handler.failed(e.closeCode());
                assertThatThrownBy(() -> reader.read(ByteBuffer.allocate(1), handler))
                        .as("a read after a failure").isInstanceOf(IllegalStateException.class);
                assertThat(handler.events).as("nothing reaches the handler after a failure").last()
                        .isEqualTo("error " + e.closeCode());
                return handler.events;
            } finally {
                assertThat(piece.limit()).as("read leaves the limit alone").isEqualTo(limit);
                assertGuards(piece, start, limit);
            }
        }
        handler.endOfInput();
        return handler.events;
    }

    /** bytes[from, to) between GUARD bytes on each side, as the buffer's [position, limit). */
    private static ByteBuffer piece(byte[] bytes, int from, int to, Kind kind) {
        int n = to - from;
        ByteBuffer buf = kind == Kind.DIRECT ? ByteBuffer.allocateDirect(n + 2 * GUARD) : ByteBuffer.allocate(n + 2 * GUARD);
        for (int i = 0; i < GUARD; i++) {
            buf.put(i, GUARD_BYTE).put(GUARD + n + i, GUARD_BYTE);
        }
        buf.put(GUARD, bytes, from, n).position(GUARD).limit(GUARD + n);
        return kind == Kind.READ_ONLY ? buf.asReadOnlyBuffer() : buf;
    }

    private static void assertGuards(ByteBuffer piece, int start, int limit) {
        ByteBuffer buf = piece.duplicate().clear();
        for (int i = 0; i < GUARD; i++) {
            assertThat(buf.get(start - GUARD + i)).as("byte before the position").isEqualTo(GUARD_BYTE);
            assertThat(buf.get(limit + i)).as("byte after the limit").isEqualTo(GUARD_BYTE);
        }
    }

    /** Records the events and checks the handler contract as the calls come. */
    private static final class Checking implements FrameHandler {
        final List<String> events = new ArrayList<>();
        private final long maxPayload;
        private ByteArrayOutputStream payload;
        private long declared;
        private boolean stopped;

        Checking(long maxPayload) {
            this.maxPayload = maxPayload;
        }

        @Override
        public void onFrameStart(int opcode, boolean fin, boolean rsv1, long payloadLength) {
            assertThat(stopped).as("a call after a failure").isFalse();
            assertThat(payload).as("onFrameStart before the last frame ended").isNull();
            assertThat(payloadLength).as("declared length").isBetween(0L, maxPayload);
            if (Opcode.isControl(opcode)) {
                assertThat(fin).as("FIN of a control frame").isTrue();
                assertThat(payloadLength).as("control frame length").isLessThanOrEqualTo(FrameWriter.MAX_CONTROL_PAYLOAD);
            }
            events.add(start(opcode, fin, rsv1, payloadLength));
            payload = new ByteArrayOutputStream();
            declared = payloadLength;
        }

        @Override
        public void onPayload(ByteBuffer data) {
            assertThat(stopped).as("a call after a failure").isFalse();
            assertThat(payload).as("onPayload outside a frame").isNotNull();
            assertThat((long) payload.size() + data.remaining()).as("payload delivered").isLessThanOrEqualTo(declared);
            while (data.hasRemaining()) {
                payload.write(data.get());
            }
        }

        @Override
        public void onFrameEnd() {
            assertThat(stopped).as("a call after a failure").isFalse();
            assertThat(payload).as("onFrameEnd outside a frame").isNotNull();
            assertThat((long) payload.size()).as("payload at the frame's end").isEqualTo(declared);
            events.add("payload " + HexFormat.of().formatHex(payload.toByteArray()));
            events.add("end");
            payload = null;
        }

        void failed(int code) {
            assertThat(payload).as("a failure in the middle of a payload").isNull();
            stopped = true;
            events.add("error " + code);
        }

        void endOfInput() {
            if (payload != null) {
                events.add("payload " + HexFormat.of().formatHex(payload.toByteArray()));
            }
        }
    }

    private static String start(int opcode, boolean fin, boolean rsv1, long length) {
        return "start " + Opcode.name(opcode) + (fin ? " fin" : "") + (rsv1 ? " rsv1" : "") + " " + length;
    }

    /**
     * The events that RFC 6455 §5.2's layout and the rules in the class comment give for the
     * whole input, written without looking at FrameReader.
     */
    private static List<String> reference(byte[] b, Role role, boolean rsv1Allowed, long maxPayload) {
        List<String> events = new ArrayList<>();
        boolean inMessage = false;
        int i = 0;
        while (b.length - i >= 2) {
            int b0 = b[i] & 0xFF;
            int b1 = b[i + 1] & 0xFF;
            boolean fin = (b0 & 0x80) != 0;
            boolean rsv1 = (b0 & 0x40) != 0;
            int op = b0 & 0x0F;
            boolean masked = (b1 & 0x80) != 0;
            boolean control = op >= 8;
            boolean dataFrame = op == 1 || op == 2;
            boolean bad = (b0 & 0x30) != 0
                    || !(op <= 2 || op >= 8 && op <= 10)
                    || control && !fin
                    || rsv1 && (!rsv1Allowed || !dataFrame)
                    || masked != (role == Role.SERVER)
                    || op == 0 && !inMessage
                    || dataFrame && inMessage;
            if (bad) {
                events.add("error " + CloseCodes.PROTOCOL_ERROR);
                return events;
            }
            int len7 = b1 & 0x7F;
            int extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
            int headerLength = 2 + extended + (masked ? 4 : 0);
            if (b.length - i < headerLength) {
                return events;
            }
            long length = len7;
            if (extended > 0) {
                length = 0;
                for (int k = 0; k < extended; k++) {
                    length = (length << 8) | (b[i + 2 + k] & 0xFF);
                }
            }
            if (length < 0 || control && length > 125 || op == 8 && length == 1) {
                events.add("error " + CloseCodes.PROTOCOL_ERROR);
                return events;
            }
            if (length > maxPayload) {
                events.add("error " + CloseCodes.MESSAGE_TOO_BIG);
                return events;
            }
            if (dataFrame) {
                inMessage = !fin;
            } else if (op == 0 && fin) {
                inMessage = false;
            }
            events.add(start(op, fin, rsv1, length));
            int at = i + headerLength;
            int available = (int) Math.min(length, b.length - at);
            byte[] payload = new byte[available];
            for (int k = 0; k < available; k++) {
                // RFC 6455 §5.3: octet k of the payload is XORed with octet k mod 4 of the key.
                payload[k] = (byte) (b[at + k] ^ (masked ? b[at - 4 + (k & 3)] : 0));
            }
            events.add("payload " + HexFormat.of().formatHex(payload));
            if (available < length) {
                return events;
            }
            events.add("end");
            i = at + available;
        }
        return events;
    }
}
