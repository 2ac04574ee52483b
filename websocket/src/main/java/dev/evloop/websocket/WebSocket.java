package dev.evloop.websocket;

import dev.evloop.websocket.codec.CloseCodes;
import dev.evloop.websocket.codec.FrameHandler;
import dev.evloop.websocket.codec.FrameReader;
import dev.evloop.websocket.codec.FrameWriter;
import dev.evloop.websocket.codec.Opcode;
import dev.evloop.websocket.codec.PerMessageDeflate;
import dev.evloop.websocket.codec.Role;
import dev.evloop.websocket.codec.Utf8Validator;
import dev.evloop.websocket.codec.WebSocketException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * One WebSocket session (RFC 6455), client or server, over a connection driven by an event loop.
 *
 * <p>Lifecycle: 1. open (after the opening handshake; {@link WebSocketListener#onOpen}) 2. closing:
 * this side sent a close frame and waits for the peer's (at most {@code closeTimeout}), or the
 * peer sent one and this side answered 3. closed: {@link WebSocketListener#onClose} called once.
 * A server closes the TCP connection once the close frames are exchanged; a client waits for the
 * server to do so, at most {@code closeTimeout} (RFC 6455 §7.1.1).
 *
 * <p>Threads: the methods may be called from any thread. On the thread that drives the connection
 * (inside listener callbacks, for one) they act at once and their results are exact; from another
 * thread the call is handed to that thread (the buffer is copied first) and the result only says
 * whether the session was open when the call was made.
 *
 * <p>Backpressure: sending never blocks; {@link #queuedBytes} says how much waits for the socket
 * and {@link WebSocketListener#onDrained} says when it is all written. A server connection has an
 * output bound ({@code ServerConfig.maxPendingOutput}); past it the connection closes. Receiving
 * pauses with {@link #pauseReceiving}: the socket is no longer read and messages already read are
 * held until {@link #resumeReceiving}.
 */
public final class WebSocket {
    private static final int OPEN = 0;
    /** This side sent a close frame and waits for the peer's. */
    private static final int CLOSE_SENT = 1;
    /** Closed for the application: onClose was called; the transport may still be finishing. */
    private static final int CLOSED = 2;

    private final Transport transport;
    private final WebSocketListener listener;
    private final WebSocketConfig config;
    private final Role role;
    private final String subprotocol;
    private final String extensions;
    private final FrameReader reader;
    /** Null unless permessage-deflate was negotiated. */
    private final PerMessageDeflate deflate;
    private final Receiver receiver = new Receiver();

    /** OPEN, CLOSE_SENT or CLOSED; written on the loop thread, read anywhere. */
    private volatile int state = OPEN;
    private boolean transportEnded;
    private long closeTimer = -1;
    private long tickTimer = -1;
    private long lastReceived;
    private long lastActivity;
    private long pingsSent;

    // Sending.
    /** The data opcode of a message being sent in fragments by the application; -1 if none. */
    private int sendingFragmented = -1;
    private ByteBuffer frame = ByteBuffer.allocate(256);
    private final CharsetEncoder utf8Encoder = StandardCharsets.UTF_8.newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private ByteBuffer encoded = ByteBuffer.allocate(256);
    /** Client masking keys come from a strong source (RFC 6455 §5.3, §10.3), drawn in batches. */
    private final SecureRandom maskSource;
    private final byte[] maskKeys;
    private int maskKeyIndex;

    // Receiving.
    private boolean paused;
    /** Messages read while paused, delivered in order on resume. */
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private Object attachment;

    private record Held(int opcode, byte[] payload, String text, int closeCode) {}

    WebSocket(Transport transport, WebSocketListener listener, WebSocketConfig config, Role role,
            String subprotocol, String extensions, PerMessageDeflate deflate) {
        this.transport = transport;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.config = config;
        this.role = role;
        this.subprotocol = subprotocol;
        this.extensions = extensions;
        this.deflate = deflate;
        this.reader = new FrameReader(role, config.maxFrameSize());
        reader.allowRsv1(deflate != null);
        if (role == Role.CLIENT) {
            maskSource = new SecureRandom();
            maskKeys = new byte[256];
            maskKeyIndex = maskKeys.length;
        } else {
            maskSource = null;
            maskKeys = null;
        }
    }

    // ---------------------------------------------------------------- the application's calls

    /** Sends a text message. False if the session is closing or closed. */
    public boolean sendText(CharSequence text) {
        return sendText(text, true);
    }

    /**
     * Sends part of a text message; {@code last} ends it. Each part must hold whole characters
     * (no split surrogate pair). Other messages may not start until the last part is sent.
     *
     * @throws IllegalArgumentException if the text is not valid UTF-16 (an unpaired surrogate)
     */
    public boolean sendText(CharSequence text, boolean last) {
        Objects.requireNonNull(text, "text");
        ByteBuffer bytes;
        try {
            bytes = utf8(text);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("text is not valid UTF-16 (unpaired surrogate)", e);
        }
        if (!transport.inLoop()) {
            ByteBuffer copy = copyOf(bytes);
            transport.execute(() -> sendData(Opcode.TEXT, copy, last));
            return state == OPEN;
        }
        return sendData(Opcode.TEXT, bytes, last);
    }

    /** Sends a binary message: the bytes from the buffer's position to its limit (position unchanged). */
    public boolean sendBinary(ByteBuffer data) {
        return sendBinary(data, true);
    }

    /** Sends part of a binary message; {@code last} ends it. */
    public boolean sendBinary(ByteBuffer data, boolean last) {
        Objects.requireNonNull(data, "data");
        if (!transport.inLoop()) {
            ByteBuffer copy = copyOf(data);
            transport.execute(() -> sendData(Opcode.BINARY, copy, last));
            return state == OPEN;
        }
        return sendData(Opcode.BINARY, data.duplicate(), last);
    }

    /** Sends a ping (at most 125 bytes, RFC 6455 §5.5). */
    public boolean sendPing(ByteBuffer payload) {
        return sendControlFromApp(Opcode.PING, payload);
    }

    /** Sends an unsolicited pong, a one-way heartbeat (RFC 6455 §5.5.3). */
    public boolean sendPong(ByteBuffer payload) {
        return sendControlFromApp(Opcode.PONG, payload);
    }

    /**
     * Starts the closing handshake with {@code code} (a status that may be sent: 1000, 1001,
     * 1002, 1003, 1007 to 1011, 3000 to 4999) and a reason of at most 123 UTF-8 bytes. Messages
     * queued before are sent first. Nothing if already closing.
     */
    public void close(int code, String reason) {
        if (!CloseCodes.isValidOnWire(code)) {
            throw new IllegalArgumentException("close code " + code + " may not be sent (RFC 6455 §7.4)");
        }
        String why = reason == null ? "" : reason;
        if (why.getBytes(StandardCharsets.UTF_8).length > 123) {
            throw new IllegalArgumentException("close reason longer than 123 UTF-8 bytes (RFC 6455 §5.5): " + why);
        }
        if (!transport.inLoop()) {
            transport.execute(() -> startClose(code, why));
            return;
        }
        startClose(code, why);
    }

    /** Closes the connection at once without a closing handshake; onClose gets 1006. */
    public void abort() {
        if (!transport.inLoop()) {
            transport.execute(this::abort);
            return;
        }
        if (state == CLOSED) {
            transport.abort();
            return;
        }
        finish(CloseCodes.ABNORMAL, "aborted by the application");
        transport.abort();
    }

    /** Stops delivering messages and reading the socket until {@link #resumeReceiving}. */
    public void pauseReceiving() {
        if (!transport.inLoop()) {
            transport.execute(this::pauseReceiving);
            return;
        }
        if (paused) return;
        paused = true;
        if (!transportEnded) transport.pauseReading(true);
    }

    /** Delivers held messages, then reads the socket again. */
    public void resumeReceiving() {
        if (!transport.inLoop()) {
            transport.execute(this::resumeReceiving);
            return;
        }
        if (!paused) return;
        paused = false;
        while (!paused && !held.isEmpty()) deliver(held.poll());
        if (!paused && !transportEnded) transport.pauseReading(false);
    }

    public boolean isReceivingPaused() {
        return paused;
    }

    /** Bytes sent and not yet handed to the kernel (exact on the connection's thread). */
    public long queuedBytes() {
        return transport.queuedBytes();
    }

    /** True until a close frame was sent or received, or the connection ended. */
    public boolean isOpen() {
        return state == OPEN;
    }

    /** The subprotocol both sides agreed on (Sec-WebSocket-Protocol), or null. */
    public String subprotocol() {
        return subprotocol;
    }

    /** The negotiated Sec-WebSocket-Extensions value, or "" when none. */
    public String extensions() {
        return extensions;
    }

    public InetSocketAddress remoteAddress() {
        return transport.remoteAddress();
    }

    public Object attachment() {
        return attachment;
    }

    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    @Override
    public String toString() {
        return "WebSocket[" + role.name().toLowerCase(java.util.Locale.ROOT) + ", " + transport.remoteAddress()
                + (state == OPEN ? "" : state == CLOSE_SENT ? ", closing" : ", closed") + "]";
    }

    // ---------------------------------------------------------------- the transport's calls

    /** The handshake is done: starts timers and tells the listener. */
    void opened() {
        long now = transport.nanoTime();
        lastReceived = now;
        lastActivity = now;
        armTick();
        try {
            listener.onOpen(this);
        } catch (Exception e) {
            listenerFailed(e);
        }
    }

    /** Bytes from the socket; all of them are consumed. */
    void onBytes(ByteBuffer in) {
        if (transportEnded || !in.hasRemaining()) return;
        if (state == CLOSED && role == Role.SERVER) {
            in.position(in.limit()); // after the closing handshake nothing more is read (RFC 6455 §5.5.1)
            return;
        }
        long now = transport.nanoTime();
        lastReceived = now;
        lastActivity = now;
        try {
            reader.read(in, receiver);
        } catch (WebSocketException e) {
            in.position(in.limit());
            fail(e.closeCode(), e.getMessage(), e);
        } catch (ListenerFailure f) {
            in.position(in.limit());
            listenerFailed(f.getCause());
        }
    }

    /** Everything queued was written. */
    void onDrained() {
        if (state == CLOSED) return;
        try {
            listener.onDrained(this);
        } catch (Exception e) {
            listenerFailed(e);
        }
    }

    /** The connection ended: end of stream (cause null) or an error. No more calls follow. */
    void onEnd(Throwable cause) {
        if (transportEnded) return;
        transportEnded = true;
        cancelTimers();
        if (state == CLOSED) return;
        if (cause != null) {
            notifyError(cause);
            finish(CloseCodes.ABNORMAL, String.valueOf(cause.getMessage()));
        } else {
            finish(CloseCodes.ABNORMAL, "connection closed without a close frame");
        }
    }

    /** The server is shutting down: close with 1001 (RFC 6455 §7.4.1). */
    void goingAway() {
        if (state == OPEN) startClose(CloseCodes.GOING_AWAY, "server shutting down");
    }

    // ---------------------------------------------------------------- sending

    private boolean sendData(int opcode, ByteBuffer payload, boolean last) {
        if (state != OPEN) return false;
        int frameOpcode = opcode;
        if (sendingFragmented >= 0) {
            if (sendingFragmented != opcode) {
                throw new IllegalStateException("a fragmented " + Opcode.name(sendingFragmented)
                        + " message is in progress; finish it before sending " + Opcode.name(opcode));
            }
            frameOpcode = Opcode.CONTINUATION;
        }
        boolean compress = deflate != null && sendingFragmented < 0 && last;
        ByteBuffer body = compress ? deflate.compress(payload) : payload;
        int chunk = config.sendFrameSize();
        boolean first = true;
        do {
            int n = Math.min(chunk, body.remaining());
            boolean fin = last && n == body.remaining();
            ByteBuffer piece = body.slice(body.position(), n);
            writeFrame(first ? frameOpcode : Opcode.CONTINUATION, fin, compress && first, piece);
            body.position(body.position() + n);
            first = false;
        } while (body.hasRemaining());
        sendingFragmented = last ? -1 : opcode;
        return true;
    }

    private boolean sendControlFromApp(int opcode, ByteBuffer payload) {
        Objects.requireNonNull(payload, "payload");
        if (payload.remaining() > 125) {
            throw new IllegalArgumentException(Opcode.name(opcode) + " payload of " + payload.remaining()
                    + " bytes; control frames carry at most 125 (RFC 6455 §5.5)");
        }
        if (!transport.inLoop()) {
            ByteBuffer copy = copyOf(payload);
            transport.execute(() -> {
                if (state == OPEN) writeFrame(opcode, true, false, copy);
            });
            return state == OPEN;
        }
        if (state != OPEN) return false;
        writeFrame(opcode, true, false, payload.duplicate());
        return true;
    }

    /** Encodes one frame (masked by a client, RFC 6455 §5.3) and hands it to the transport. */
    private void writeFrame(int opcode, boolean fin, boolean rsv1, ByteBuffer payload) {
        int length = payload.remaining();
        boolean masked = role == Role.CLIENT;
        int need = FrameWriter.headerLength(length, masked) + length;
        if (frame.capacity() < need) frame = ByteBuffer.allocate(Math.max(need, frame.capacity() * 2));
        frame.clear();
        int key = masked ? nextMaskKey() : 0;
        FrameWriter.writeHeader(frame, opcode, fin, rsv1, length, masked, key);
        int start = frame.position();
        frame.put(payload);
        if (masked) FrameWriter.mask(frame, start, length, key, 0);
        frame.flip();
        transport.send(frame);
        lastActivity = transport.nanoTime();
        if (frame.capacity() > (1 << 20)) frame = ByteBuffer.allocate(256); // do not pin a huge buffer
    }

    private int nextMaskKey() {
        if (maskKeyIndex == maskKeys.length) {
            maskSource.nextBytes(maskKeys);
            maskKeyIndex = 0;
        }
        int k = (maskKeys[maskKeyIndex] & 0xFF) << 24 | (maskKeys[maskKeyIndex + 1] & 0xFF) << 16
                | (maskKeys[maskKeyIndex + 2] & 0xFF) << 8 | maskKeys[maskKeyIndex + 3] & 0xFF;
        maskKeyIndex += 4;
        return k;
    }

    private ByteBuffer utf8(CharSequence text) throws CharacterCodingException {
        int max = (int) Math.min(Integer.MAX_VALUE, (long) text.length() * 3);
        if (encoded.capacity() < max) encoded = ByteBuffer.allocate(max);
        encoded.clear();
        utf8Encoder.reset();
        var r = utf8Encoder.encode(CharBuffer.wrap(text), encoded, true);
        if (r.isError()) r.throwException();
        r = utf8Encoder.flush(encoded);
        if (r.isError()) r.throwException();
        encoded.flip();
        ByteBuffer out = encoded;
        if (encoded.capacity() > (1 << 20)) encoded = ByteBuffer.allocate(256);
        return out;
    }

    private void sendClose(int code, String reason) {
        ByteBuffer payload;
        if (code == CloseCodes.NO_STATUS) {
            payload = ByteBuffer.allocate(0); // 1005 is never sent (RFC 6455 §7.4.1): an empty close
        } else {
            byte[] why = truncate(reason);
            payload = ByteBuffer.allocate(2 + why.length).putShort((short) code).put(why).flip();
        }
        writeFrame(Opcode.CLOSE, true, false, payload);
    }

    /** At most 123 bytes of UTF-8, cut on a character boundary. */
    private static byte[] truncate(String reason) {
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        if (b.length <= 123) return b;
        int n = 123;
        while (n > 0 && (b[n] & 0xC0) == 0x80) n--; // back to the start of the character cut in two
        return java.util.Arrays.copyOf(b, n);
    }

    // ---------------------------------------------------------------- closing

    private void startClose(int code, String reason) {
        if (state != OPEN) return;
        sendClose(code, reason);
        state = CLOSE_SENT;
        cancelTick();
        closeTimer = transport.schedule(config.closeTimeout().toNanos(), () -> {
            closeTimer = -1;
            if (state == CLOSE_SENT) {
                TimeoutException e = new TimeoutException("no close frame from the peer within "
                        + config.closeTimeout().toMillis() + " ms");
                notifyError(e);
                finish(CloseCodes.ABNORMAL, e.getMessage());
            }
            transport.abort();
        });
    }

    /** A close frame arrived. */
    private void closeReceived(int code, String reason) {
        if (state == OPEN) {
            // Echo the status (RFC 6455 §5.5.1) and the handshake is complete on this side.
            sendClose(code, reason);
        }
        finish(code, reason);
        afterHandshake();
    }

    /** Both close frames are exchanged: the server closes TCP; the client waits for it, not forever. */
    private void afterHandshake() {
        cancelTimers();
        if (role == Role.SERVER) {
            transport.closeAfterFlush();
        } else if (!transportEnded) {
            closeTimer = transport.schedule(config.closeTimeout().toNanos(), () -> {
                closeTimer = -1;
                transport.abort();
            });
        }
    }

    /** Fails the connection (RFC 6455 §7.1.7): close frame with the status, then close TCP. */
    private void fail(int code, String why, Throwable cause) {
        if (state == CLOSED) {
            transport.abort();
            return;
        }
        if (state == OPEN) sendClose(code, why);
        notifyError(cause);
        finish(code, why); // cancels the timers
        transport.closeAfterFlush();
    }

    private void listenerFailed(Throwable e) {
        System.getLogger("dev.evloop.websocket").log(System.Logger.Level.WARNING,
                "WebSocket listener failed on " + this, e);
        fail(CloseCodes.INTERNAL_ERROR, "internal error", e);
    }

    /** The application learns the session is over: once. */
    private void finish(int code, String reason) {
        if (state == CLOSED) return;
        state = CLOSED;
        cancelTimers();
        if (paused) {
            held.add(new Held(Opcode.CLOSE, null, reason, code));
            return;
        }
        notifyClose(code, reason);
    }

    private void notifyClose(int code, String reason) {
        try {
            listener.onClose(this, code, reason);
        } catch (RuntimeException e) {
            System.getLogger("dev.evloop.websocket").log(System.Logger.Level.WARNING,
                    "WebSocket listener failed in onClose on " + this, e);
        }
        if (deflate != null) deflate.close();
    }

    private void notifyError(Throwable error) {
        try {
            listener.onError(this, error);
        } catch (RuntimeException e) {
            System.getLogger("dev.evloop.websocket").log(System.Logger.Level.WARNING,
                    "WebSocket listener failed in onError on " + this, e);
        }
    }

    // ---------------------------------------------------------------- keep-alive and idle timeout

    /** One timer for both: it fires at the nearer of the next ping and the idle deadline. */
    private void armTick() {
        long ping = config.pingInterval().toNanos();
        long idle = config.idleTimeout().toNanos();
        if (ping == 0 && idle == 0) return;
        long now = transport.nanoTime();
        long next = Long.MAX_VALUE;
        if (ping > 0) next = Math.min(next, lastReceived + ping);
        if (idle > 0) next = Math.min(next, lastActivity + idle);
        tickTimer = transport.schedule(Math.max(0, next - now), this::tick);
    }

    private void tick() {
        tickTimer = -1;
        if (state != OPEN) return;
        long now = transport.nanoTime();
        long idle = config.idleTimeout().toNanos();
        if (idle > 0 && now - lastActivity >= idle) {
            notifyError(new TimeoutException("idle for " + config.idleTimeout().toMillis() + " ms"));
            startClose(CloseCodes.GOING_AWAY, "idle timeout");
            return;
        }
        long ping = config.pingInterval().toNanos();
        if (ping > 0 && now - lastReceived >= ping) {
            ByteBuffer p = ByteBuffer.allocate(8).putLong(0, ++pingsSent);
            long active = lastActivity;
            writeFrame(Opcode.PING, true, false, p);
            lastActivity = active; // our own keep-alive is not activity for the idle timeout
            lastReceived = now; // next ping one interval later unless something arrives
        }
        armTick();
    }

    private void cancelTick() {
        if (tickTimer >= 0) {
            transport.cancel(tickTimer);
            tickTimer = -1;
        }
    }

    private void cancelTimers() {
        cancelTick();
        if (closeTimer >= 0) {
            transport.cancel(closeTimer);
            closeTimer = -1;
        }
    }

    // ---------------------------------------------------------------- receiving

    private void deliver(Held h) {
        try {
            switch (h.opcode) {
                case Opcode.TEXT -> listener.onText(this, h.text);
                case Opcode.BINARY -> listener.onBinary(this, ByteBuffer.wrap(h.payload));
                case Opcode.PING -> listener.onPing(this, ByteBuffer.wrap(h.payload));
                case Opcode.PONG -> listener.onPong(this, ByteBuffer.wrap(h.payload));
                case Opcode.CLOSE -> notifyClose(h.closeCode, h.text);
                default -> throw new AssertionError("held opcode " + h.opcode);
            }
        } catch (Exception e) {
            listenerFailed(e);
        }
    }

    /** A listener exception, carried through the frame reader to onBytes. */
    private static final class ListenerFailure extends RuntimeException {
        ListenerFailure(Throwable cause) {
            super(cause);
        }
    }

    /** Reassembles messages from frames (RFC 6455 §5.4), validates text, inflates. */
    private final class Receiver implements FrameHandler {
        private int frameOpcode;
        private boolean frameFin;
        /** TEXT or BINARY while a data message is being received; -1 between messages. */
        private int messageOpcode = -1;
        private boolean compressed;
        private byte[] message = new byte[1024];
        private int messageLength;
        private final byte[] control = new byte[125];
        private int controlLength;
        private final Utf8Validator utf8 = new Utf8Validator();
        private final java.util.function.Consumer<ByteBuffer> sink = this::append;
        private WebSocketException sinkFailure;

        @Override
        public void onFrameStart(int opcode, boolean fin, boolean rsv1, long payloadLength) throws WebSocketException {
            frameOpcode = opcode;
            frameFin = fin;
            if (Opcode.isControl(opcode)) {
                controlLength = 0;
                return;
            }
            if (opcode != Opcode.CONTINUATION) {
                messageOpcode = opcode;
                compressed = rsv1;
                messageLength = 0;
                utf8.reset();
            }
            if (!compressed && messageLength + payloadLength > config.maxMessageSize()) {
                throw tooBig(messageLength + payloadLength);
            }
        }

        @Override
        public void onPayload(ByteBuffer data) throws WebSocketException {
            if (Opcode.isControl(frameOpcode)) {
                int n = data.remaining();
                data.get(control, controlLength, n);
                controlLength += n;
                return;
            }
            if (compressed) {
                deflate.inflate(data, sink, config.maxMessageSize());
                rethrowSinkFailure();
            } else {
                append(data);
                rethrowSinkFailure();
            }
        }

        @Override
        public void onFrameEnd() throws WebSocketException {
            if (Opcode.isControl(frameOpcode)) {
                control(frameOpcode);
                return;
            }
            if (!frameFin) return;
            if (compressed) {
                deflate.endMessage(sink, config.maxMessageSize());
                rethrowSinkFailure();
            }
            int opcode = messageOpcode;
            messageOpcode = -1;
            if (opcode == Opcode.TEXT && !utf8.isComplete()) {
                throw new WebSocketException(CloseCodes.INVALID_PAYLOAD, "text message ends inside a UTF-8 sequence");
            }
            if (state == CLOSED) return; // after our failure or the peer's close: dropped
            if (paused) {
                byte[] copy = java.util.Arrays.copyOf(message, messageLength);
                held.add(opcode == Opcode.TEXT
                        ? new Held(opcode, null, new String(copy, StandardCharsets.UTF_8), 0)
                        : new Held(opcode, copy, null, 0));
            } else {
                try {
                    if (opcode == Opcode.TEXT) {
                        listener.onText(WebSocket.this, new String(message, 0, messageLength, StandardCharsets.UTF_8));
                    } else {
                        listener.onBinary(WebSocket.this, ByteBuffer.wrap(message, 0, messageLength).slice());
                    }
                } catch (Exception e) {
                    throw new ListenerFailure(e);
                }
            }
            if (message.length > (1 << 20)) message = new byte[1024]; // do not pin a huge buffer
        }

        /** Appends plain message bytes, validating text as it goes (fail fast, RFC 6455 §8.1). */
        private void append(ByteBuffer data) {
            int n = data.remaining();
            if ((long) messageLength + n > config.maxMessageSize()) {
                sinkFailure = tooBig((long) messageLength + n);
                data.position(data.limit());
                return;
            }
            if (messageOpcode == Opcode.TEXT && !utf8.feed(data)) {
                sinkFailure = new WebSocketException(CloseCodes.INVALID_PAYLOAD, "invalid UTF-8 in a text message");
                data.position(data.limit());
                return;
            }
            if (message.length - messageLength < n) {
                long grown = Math.max((long) message.length * 2, (long) messageLength + n);
                message = java.util.Arrays.copyOf(message, (int) Math.min(grown, Integer.MAX_VALUE - 8));
            }
            data.get(message, messageLength, n);
            messageLength += n;
        }

        private void rethrowSinkFailure() throws WebSocketException {
            WebSocketException e = sinkFailure;
            if (e != null) {
                sinkFailure = null;
                throw e;
            }
        }

        private WebSocketException tooBig(long size) {
            return new WebSocketException(CloseCodes.MESSAGE_TOO_BIG,
                    "message of " + size + " bytes exceeds the maximum of " + config.maxMessageSize());
        }

        private void control(int opcode) throws WebSocketException {
            switch (opcode) {
                case Opcode.CLOSE -> {
                    int code = CloseCodes.NO_STATUS;
                    String reason = "";
                    if (controlLength >= 2) {
                        code = (control[0] & 0xFF) << 8 | control[1] & 0xFF;
                        if (!CloseCodes.isValidOnWire(code)) {
                            throw new WebSocketException(CloseCodes.PROTOCOL_ERROR, "invalid close code " + code);
                        }
                        Utf8Validator v = new Utf8Validator();
                        ByteBuffer r = ByteBuffer.wrap(control, 2, controlLength - 2);
                        if (!v.feed(r) || !v.isComplete()) {
                            throw new WebSocketException(CloseCodes.INVALID_PAYLOAD, "close reason is not valid UTF-8");
                        }
                        reason = new String(control, 2, controlLength - 2, StandardCharsets.UTF_8);
                    }
                    closeReceived(code, reason);
                }
                case Opcode.PING -> {
                    if (state == OPEN) writeFrame(Opcode.PONG, true, false, ByteBuffer.wrap(control, 0, controlLength));
                    controlToListener(Opcode.PING);
                }
                case Opcode.PONG -> controlToListener(Opcode.PONG);
                default -> throw new AssertionError("control opcode " + opcode);
            }
        }

        private void controlToListener(int opcode) {
            if (state == CLOSED) return;
            if (paused) {
                held.add(new Held(opcode, java.util.Arrays.copyOf(control, controlLength), null, 0));
                return;
            }
            try {
                ByteBuffer p = ByteBuffer.wrap(control, 0, controlLength).slice();
                if (opcode == Opcode.PING) listener.onPing(WebSocket.this, p); else listener.onPong(WebSocket.this, p);
            } catch (Exception e) {
                throw new ListenerFailure(e);
            }
        }
    }

    private static ByteBuffer copyOf(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate()).flip();
        return c;
    }

    /** A session timer ran out (close handshake, idle). */
    public static final class TimeoutException extends java.io.IOException {
        TimeoutException(String message) {
            super(message);
        }
    }
}
