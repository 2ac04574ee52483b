package dev.evloop.websocket.codec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** A FrameHandler that keeps every frame, its payload chunks joined, and checks the call order. */
final class RecordingFrames implements FrameHandler {
    record Frame(int opcode, boolean fin, boolean rsv1, long length, String payloadHex) {
        @Override
        public String toString() {
            return Opcode.name(opcode) + (fin ? " fin" : "") + (rsv1 ? " rsv1" : "") + " len=" + length + " "
                    + (payloadHex.length() > 64 ? payloadHex.substring(0, 64) + "..." : payloadHex);
        }
    }

    final List<Frame> frames = new ArrayList<>();
    int payloadCalls;
    private ByteArrayOutputStream current;
    private int opcode;
    private boolean fin;
    private boolean rsv1;
    private long length;

    @Override
    public void onFrameStart(int opcode, boolean fin, boolean rsv1, long payloadLength) {
        if (current != null) {
            throw new AssertionError("onFrameStart before onFrameEnd");
        }
        current = new ByteArrayOutputStream();
        this.opcode = opcode;
        this.fin = fin;
        this.rsv1 = rsv1;
        this.length = payloadLength;
    }

    @Override
    public void onPayload(ByteBuffer data) {
        if (current == null) {
            throw new AssertionError("onPayload outside a frame");
        }
        payloadCalls++;
        while (data.hasRemaining()) {
            current.write(data.get());
        }
    }

    @Override
    public void onFrameEnd() {
        if (current == null) {
            throw new AssertionError("onFrameEnd outside a frame");
        }
        byte[] payload = current.toByteArray();
        if (payload.length != length) {
            throw new AssertionError("frame declared " + length + " bytes, delivered " + payload.length);
        }
        frames.add(new Frame(opcode, fin, rsv1, length, HexFormat.of().formatHex(payload)));
        current = null;
    }

    boolean midFrame() {
        return current != null;
    }
}
