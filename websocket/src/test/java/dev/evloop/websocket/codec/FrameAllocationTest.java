package dev.evloop.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Frames cost no allocation once warm, on the writing and the reading side. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameAllocationTest {
    private static final int FRAMES = 4096;

    @Test
    void writingAndReadingMaskedFramesAllocatesNothingPerFrame() throws Exception {
        ByteBuffer wire = ByteBuffer.allocateDirect(FRAMES * (FrameWriter.MAX_HEADER + 200));
        ByteBuffer payload = ByteBuffer.allocateDirect(200);
        for (int i = 0; i < 200; i++) {
            payload.put(i, (byte) i);
        }
        long[] counts = new long[3];
        FrameHandler counting = new FrameHandler() {
            @Override
            public void onFrameStart(int opcode, boolean fin, boolean rsv1, long payloadLength) {
                counts[0]++;
            }

            @Override
            public void onPayload(ByteBuffer data) {
                counts[1] += data.remaining();
                data.position(data.limit());
            }

            @Override
            public void onFrameEnd() {
                counts[2]++;
            }
        };
        FrameReader reader = new FrameReader(Role.SERVER, 1 << 20);
        ByteBuffer piece = ByteBuffer.allocateDirect(7);
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 4; round++) { // round 0 warms up
            long before = allocatedBytes();
            wire.clear();
            for (int i = 0; i < FRAMES; i++) {
                int length = i % 200;
                int op = i % 3 == 0 ? Opcode.PING : Opcode.BINARY;
                int sent = op == Opcode.PING ? Math.min(length, 125) : length;
                FrameWriter.writeHeader(wire, op, true, false, sent, true, 0x5EED0000 + i);
                int at = wire.position();
                wire.put(at, payload, 0, sent);
                FrameWriter.mask(wire, at, sent, 0x5EED0000 + i, 0);
                wire.position(at + sent);
            }
            wire.flip();
            // Odd-sized pieces so headers and payloads are split everywhere.
            while (wire.hasRemaining()) {
                int n = Math.min(piece.capacity(), wire.remaining());
                piece.clear().put(0, wire, wire.position(), n).limit(n);
                wire.position(wire.position() + n);
                reader.read(piece, counting);
            }
            long allocated = allocatedBytes() - before;
            if (round > 0) {
                least = Math.min(least, allocated);
            }
        }
        assertThat(counts[0]).isEqualTo(4L * FRAMES).isEqualTo(counts[2]);
        // Thousands of frames and read calls: one object per frame would be far over this; what
        // remains is JIT noise.
        assertThat(least).as("bytes allocated for %d frames", FRAMES).isLessThan(64 * 1024);
    }

    /** This thread's allocation counter, reached reflectively (the module does not read java.management). */
    private static long allocatedBytes() throws ReflectiveOperationException {
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes")
                .invoke(bean);
    }
}
