package dev.evloop.websocket.codec;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * permessage-deflate (RFC 7692): negotiation and the per-message transform, one instance per
 * connection.
 *
 * <p>Negotiation policy, the same on both sides:
 * <ol>
 *   <li>{@code java.util.zip} offers no way to choose the LZ77 window: a raw {@link Deflater}
 *       always uses 15 bits. So we never let the peer shrink OUR compressor's window: a client
 *       offers no {@code client_max_window_bits} (the server may then not send one, §7.1.2.2), a
 *       server declines offers with {@code server_max_window_bits} below 15 (§7.1.2.1).</li>
 *   <li>The peer's window may be anything from 8 to 15 bits: a 15-bit {@link Inflater} reads
 *       data compressed with any smaller window.</li>
 *   <li>{@code *_no_context_takeover} is always honoured: the compressor or decompressor is reset
 *       after each message (§7.1.1).</li>
 *   <li>A server declines (skips) an offer with an unknown, duplicated or malformed parameter and
 *       takes the next acceptable one (§5.1, §7.1); a client fails the handshake on such a
 *       response (§7.1, RFC 6455 §9.1).</li>
 * </ol>
 *
 * <p>The transform: a message is compressed as one run of DEFLATE blocks ended by a sync flush,
 * whose trailing {@code 00 00 ff ff} is dropped (§7.2.1); the receiver appends it again
 * (§7.2.2). RSV1 on the message's first frame says it is compressed; that is the caller's part.
 * Inflating is bounded by {@code maxMessageSize}: at most one byte past it is ever produced, so a
 * deflate bomb fails with 1009 after bounded work.
 *
 * <p>A peer that ends a message with a final block (BFINAL=1, §7.2.3.4) ends its DEFLATE stream:
 * the bytes after that block in the message are ignored and the decompressor starts afresh for
 * the next message, so a peer that then still refers back to earlier messages fails with 1007.
 *
 * <p>Not thread-safe; one instance per connection, used by its loop thread. The compressor's
 * output buffer grows to the largest compressed message and stays that size until {@link #close}.
 */
public final class PerMessageDeflate {
    public static final String EXTENSION = "permessage-deflate";
    private static final String SERVER_NO_CONTEXT_TAKEOVER = "server_no_context_takeover";
    private static final String CLIENT_NO_CONTEXT_TAKEOVER = "client_no_context_takeover";
    private static final String SERVER_MAX_WINDOW_BITS = "server_max_window_bits";
    private static final String CLIENT_MAX_WINDOW_BITS = "client_max_window_bits";

    /** The window of java.util.zip's raw deflate, fixed (see the class comment). */
    public static final int OUR_WINDOW_BITS = 15;

    /** The empty stored block a sync flush ends with, stripped and re-appended (§7.2.1, §7.2.2). */
    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};
    private static final byte[] NO_INPUT = {};
    private static final int INFLATE_CHUNK = 16 * 1024;

    /**
     * Agreed parameters (RFC 7692 §7.1); window bits are 8..15, 15 when the parameter is absent.
     */
    public record Params(boolean serverNoContextTakeover, boolean clientNoContextTakeover, int serverMaxWindowBits,
            int clientMaxWindowBits) {
        public Params {
            checkWindowBits(SERVER_MAX_WINDOW_BITS, serverMaxWindowBits);
            checkWindowBits(CLIENT_MAX_WINDOW_BITS, clientMaxWindowBits);
        }

        /** No parameters: context takeover both ways, 15-bit windows. */
        public static Params defaults() {
            return new Params(false, false, 15, 15);
        }

        private static void checkWindowBits(String name, int bits) {
            if (bits < 8 || bits > 15) {
                throw new IllegalArgumentException(name + " " + bits + " outside 8..15");
            }
        }
    }

    public record Agreement(Params params, String responseHeaderValue) {}

    private final Role role;
    private final Params params;
    private final boolean ourNoContextTakeover;
    private final boolean peerNoContextTakeover;
    private final Deflater deflater;
    private final Inflater inflater;
    private ByteBuffer compressed = ByteBuffer.allocate(256);
    private ByteBuffer inflated;
    private long messageSize;
    /** The peer's stream ended with a BFINAL block inside the current message. */
    private boolean streamEnded;
    private boolean closed;
    /** Set by the first inflate failure; the receiving side refuses input afterwards. */
    private String failure;

    public PerMessageDeflate(Role role, Params params) {
        this(role, params, Deflater.DEFAULT_COMPRESSION);
    }

    /** {@code level}: {@link Deflater}'s 0..9, or {@link Deflater#DEFAULT_COMPRESSION}. */
    public PerMessageDeflate(Role role, Params params, int level) {
        if (role == null || params == null) {
            throw new IllegalArgumentException("role and params are required");
        }
        int ourBits = role == Role.SERVER ? params.serverMaxWindowBits() : params.clientMaxWindowBits();
        if (ourBits != OUR_WINDOW_BITS) {
            throw new IllegalArgumentException((role == Role.SERVER ? SERVER_MAX_WINDOW_BITS : CLIENT_MAX_WINDOW_BITS)
                    + "=" + ourBits + " cannot be honoured: java.util.zip always compresses with a 15-bit window");
        }
        if (level != Deflater.DEFAULT_COMPRESSION && (level < 0 || level > 9)) {
            throw new IllegalArgumentException("compression level " + level + " outside 0..9");
        }
        this.role = role;
        this.params = params;
        this.ourNoContextTakeover = role == Role.SERVER ? params.serverNoContextTakeover()
                : params.clientNoContextTakeover();
        this.peerNoContextTakeover = role == Role.SERVER ? params.clientNoContextTakeover()
                : params.serverNoContextTakeover();
        this.deflater = new Deflater(level, true);
        this.inflater = new Inflater(true);
    }

    public Params params() {
        return params;
    }

    // ---- negotiation ----

    /**
     * The client's offer for Sec-WebSocket-Extensions: plain {@code permessage-deflate}, or with
     * {@code requestNoContextTakeover} also {@code server_no_context_takeover;
     * client_no_context_takeover} (both sides reset after each message: less memory held per idle
     * connection, worse compression). Never {@code client_max_window_bits}: see the class comment.
     */
    public static String clientOffer(boolean requestNoContextTakeover) {
        return requestNoContextTakeover
                ? EXTENSION + "; " + SERVER_NO_CONTEXT_TAKEOVER + "; " + CLIENT_NO_CONTEXT_TAKEOVER
                : EXTENSION;
    }

    /**
     * Client side: parse the server's Sec-WebSocket-Extensions response; empty if it did not
     * accept (null or no element). Fails with a 1002 {@link WebSocketException} naming the fault
     * when the value is malformed, names an extension other than permessage-deflate (we offer no
     * other; RFC 6455 §9.1), repeats it, or has a parameter that is unknown, duplicated, has a bad
     * value, or was not offered ({@code client_max_window_bits}, §7.1.2.2) (RFC 7692 §7.1).
     */
    public static Optional<Params> acceptResponse(String responseHeaderValue) throws WebSocketException {
        if (responseHeaderValue == null) {
            return Optional.empty();
        }
        List<ExtensionHeader.Element> elements;
        try {
            elements = ExtensionHeader.parse(responseHeaderValue);
        } catch (IllegalArgumentException e) {
            throw negotiationError("malformed Sec-WebSocket-Extensions response: " + e.getMessage());
        }
        Params result = null;
        for (ExtensionHeader.Element element : elements) {
            if (!element.name().equalsIgnoreCase(EXTENSION)) {
                throw negotiationError("server accepted extension " + element.name() + ", which was not offered");
            }
            if (result != null) {
                throw negotiationError("server accepted " + EXTENSION + " twice: " + responseHeaderValue);
            }
            boolean serverNoContext = false;
            boolean clientNoContext = false;
            int serverBits = 15;
            Set<String> seen = new HashSet<>();
            for (ExtensionHeader.Param p : element.params()) {
                String name = p.name().toLowerCase(Locale.ROOT);
                if (!seen.add(name)) {
                    throw negotiationError("duplicate parameter " + p.name() + " in " + responseHeaderValue);
                }
                switch (name) {
                    case SERVER_NO_CONTEXT_TAKEOVER -> {
                        requireNoValue(p, responseHeaderValue);
                        serverNoContext = true;
                    }
                    case CLIENT_NO_CONTEXT_TAKEOVER -> {
                        requireNoValue(p, responseHeaderValue);
                        clientNoContext = true;
                    }
                    case SERVER_MAX_WINDOW_BITS -> {
                        serverBits = windowBits(p.value());
                        if (serverBits < 0) {
                            throw negotiationError("bad value " + p.value() + " of " + p.name() + " (8..15) in "
                                    + responseHeaderValue);
                        }
                    }
                    case CLIENT_MAX_WINDOW_BITS -> throw negotiationError(
                            p.name() + " in the response, but it was not offered: " + responseHeaderValue);
                    default -> throw negotiationError("unknown parameter " + p.name() + " in " + responseHeaderValue);
                }
            }
            result = new Params(serverNoContext, clientNoContext, serverBits, 15);
        }
        return Optional.ofNullable(result);
    }

    /**
     * Server side: pick the first acceptable offer among the client's Sec-WebSocket-Extensions
     * values (comma-separated lists, RFC 7692 §5); empty if none acceptable. An offer is declined
     * when a parameter is unknown, duplicated or has a bad value, or when it asks for
     * {@code server_max_window_bits} below 15 (our compressor is always 15 bits); a header value
     * that does not parse is ignored as a whole. {@code *_no_context_takeover} requests are
     * honoured; {@code preferNoContextTakeover} adds both to the response (§7.1.1.1 and §7.1.1.2
     * let a server do so unasked). {@code server_max_window_bits=15} is echoed when asked
     * (§7.1.2.1); the client's {@code client_max_window_bits} is acknowledged by silence, which
     * leaves the client free to use its full window (§7.1.2.2).
     */
    public static Optional<Agreement> negotiate(List<String> offers, boolean preferNoContextTakeover) {
        if (offers == null) {
            return Optional.empty();
        }
        for (String value : offers) {
            if (value == null) {
                continue;
            }
            List<ExtensionHeader.Element> elements;
            try {
                elements = ExtensionHeader.parse(value);
            } catch (IllegalArgumentException e) {
                continue;
            }
            for (ExtensionHeader.Element element : elements) {
                if (element.name().equalsIgnoreCase(EXTENSION)) {
                    Optional<Agreement> agreement = accept(element, preferNoContextTakeover);
                    if (agreement.isPresent()) {
                        return agreement;
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Agreement> accept(ExtensionHeader.Element offer, boolean preferNoContextTakeover) {
        boolean serverNoContext = preferNoContextTakeover;
        boolean clientNoContext = preferNoContextTakeover;
        boolean echoServerBits = false;
        Set<String> seen = new HashSet<>();
        for (ExtensionHeader.Param p : offer.params()) {
            String name = p.name().toLowerCase(Locale.ROOT);
            if (!seen.add(name)) {
                return Optional.empty();
            }
            switch (name) {
                case SERVER_NO_CONTEXT_TAKEOVER -> {
                    if (p.value() != null) {
                        return Optional.empty();
                    }
                    serverNoContext = true;
                }
                case CLIENT_NO_CONTEXT_TAKEOVER -> {
                    if (p.value() != null) {
                        return Optional.empty();
                    }
                    clientNoContext = true;
                }
                case SERVER_MAX_WINDOW_BITS -> {
                    if (windowBits(p.value()) != OUR_WINDOW_BITS) {
                        return Optional.empty();
                    }
                    echoServerBits = true;
                }
                case CLIENT_MAX_WINDOW_BITS -> {
                    if (p.value() != null && windowBits(p.value()) < 0) {
                        return Optional.empty();
                    }
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
        StringBuilder response = new StringBuilder(EXTENSION);
        if (serverNoContext) {
            response.append("; ").append(SERVER_NO_CONTEXT_TAKEOVER);
        }
        if (clientNoContext) {
            response.append("; ").append(CLIENT_NO_CONTEXT_TAKEOVER);
        }
        if (echoServerBits) {
            response.append("; ").append(SERVER_MAX_WINDOW_BITS).append('=').append(OUR_WINDOW_BITS);
        }
        return Optional.of(new Agreement(new Params(serverNoContext, clientNoContext, 15, 15), response.toString()));
    }

    /** 8..15 written as 1*DIGIT without leading zeros (RFC 7692 §7.1.2.1), else -1. */
    private static int windowBits(String value) {
        if (value == null || value.isEmpty() || value.length() > 2 || value.charAt(0) == '0') {
            return -1;
        }
        for (int k = 0; k < value.length(); k++) {
            if (value.charAt(k) < '0' || value.charAt(k) > '9') {
                return -1;
            }
        }
        int bits = Integer.parseInt(value);
        return bits >= 8 && bits <= 15 ? bits : -1;
    }

    private static void requireNoValue(ExtensionHeader.Param p, String header) throws WebSocketException {
        if (p.value() != null) {
            throw negotiationError(p.name() + " takes no value, got " + p.value() + " in " + header);
        }
    }

    private static WebSocketException negotiationError(String message) {
        return new WebSocketException(CloseCodes.PROTOCOL_ERROR, message);
    }

    // ---- the transform ----

    /**
     * Compresses one whole message payload, consuming it; returns the bytes to send (trailing 00
     * 00 ff ff removed, RFC 7692 §7.2.1); resets the compressor when our side has no context
     * takeover. The returned buffer may be reused by the next call.
     */
    public ByteBuffer compress(ByteBuffer message) {
        ensureOpen();
        ByteBuffer out = compressed;
        out.clear();
        if (!message.hasRemaining()) {
            // zlib emits nothing for a sync flush with no new input right after another flush
            // (deflate.c: "avoid duplicate consecutive flushes"), so an empty message is the one
            // byte RFC 7692 §7.2.3.6 gives: an empty stored block's header, whose LEN and NLEN
            // (00 00 ff ff) the receiver appends. The compressor's state is untouched.
            return out.put((byte) 0).flip();
        }
        deflater.setInput(message);
        while (true) {
            deflater.deflate(out, Deflater.SYNC_FLUSH);
            // Deflater.deflate: a flush that fills the output must be called again with more room.
            if (out.hasRemaining() && deflater.needsInput()) {
                break;
            }
            ByteBuffer bigger = ByteBuffer.allocate(out.capacity() * 2);
            out.flip();
            bigger.put(out);
            out = bigger;
        }
        compressed = out;
        deflater.setInput(NO_INPUT);
        int end = out.position(); // the input was not empty: the sync flush ends with its tail
        assert end >= TAIL.length && out.get(end - 4) == 0 && out.get(end - 3) == 0 && out.get(end - 2) == -1
                && out.get(end - 1) == -1 : "a sync flush ends with 00 00 ff ff";
        out.position(0).limit(end - TAIL.length);
        if (ourNoContextTakeover) {
            deflater.reset();
        }
        return out;
    }

    /**
     * Inflates the next compressed piece of the current message, consuming it and writing plain
     * bytes via sink (called with chunks valid only during the call); throws 1009 when the
     * message's inflated size would pass maxMessageSize, 1007 when the data is not valid deflate.
     * After such a failure the connection is failed (RFC 6455 §7.1.7) and inflating is over:
     * {@code inflate} and {@code endMessage} throw {@link IllegalStateException}.
     */
    public void inflate(ByteBuffer compressed, Consumer<ByteBuffer> sink, long maxMessageSize)
            throws WebSocketException {
        ensureReceiving();
        if (!streamEnded) {
            inflater.setInput(compressed);
            drainOrFail(sink, maxMessageSize);
            inflater.setInput(NO_INPUT);
        }
        compressed.position(compressed.limit());
    }

    /**
     * The compressed message is complete: appends 00 00 ff ff (RFC 7692 §7.2.2), flushes the rest
     * through sink, resets when the peer has no context takeover.
     */
    public void endMessage(Consumer<ByteBuffer> sink, long maxMessageSize) throws WebSocketException {
        ensureReceiving();
        if (!streamEnded) {
            inflater.setInput(TAIL);
            drainOrFail(sink, maxMessageSize);
            inflater.setInput(NO_INPUT);
        }
        messageSize = 0;
        if (peerNoContextTakeover || streamEnded) {
            inflater.reset();
            streamEnded = false;
        }
    }

    /**
     * A failure leaves the message half inflated (messageSize past the limit, or zlib's stream in
     * error), which no later call could continue: a 1009 left messageSize one past the limit, so
     * the next drain had no room at all and looped for ever.
     */
    private void drainOrFail(Consumer<ByteBuffer> sink, long maxMessageSize) throws WebSocketException {
        try {
            drain(sink, maxMessageSize);
        } catch (WebSocketException e) {
            failure = e.getMessage();
            throw e;
        }
    }

    private void drain(Consumer<ByteBuffer> sink, long maxMessageSize) throws WebSocketException {
        if (maxMessageSize < 0) {
            throw new IllegalArgumentException("negative maxMessageSize " + maxMessageSize);
        }
        if (inflated == null) {
            inflated = ByteBuffer.allocate(INFLATE_CHUNK);
        }
        ByteBuffer out = inflated;
        while (true) {
            // Room for one byte past the limit: producing it proves the message too big without
            // inflating further.
            long allowed = maxMessageSize - messageSize;
            int room = allowed >= out.capacity() ? out.capacity() : (int) allowed + 1;
            out.clear().limit(room);
            int n;
            try {
                n = inflater.inflate(out);
            } catch (DataFormatException e) {
                throw new WebSocketException(CloseCodes.INVALID_PAYLOAD, "invalid deflate data: " + e.getMessage());
            }
            if (n > 0) {
                messageSize += n;
                if (messageSize > maxMessageSize) {
                    throw new WebSocketException(CloseCodes.MESSAGE_TOO_BIG,
                            "inflated message larger than " + maxMessageSize + " bytes");
                }
                out.flip();
                sink.accept(out);
            }
            if (inflater.finished()) {
                streamEnded = true;
                return;
            }
            if (inflater.needsDictionary()) {
                throw new WebSocketException(CloseCodes.INVALID_PAYLOAD, "invalid deflate data: asks for a dictionary");
            }
            // zlib's inflate returns with output room left only when it has used all the input.
            if (n < room) {
                return;
            }
        }
    }

    private void ensureReceiving() {
        ensureOpen();
        if (failure != null) {
            throw new IllegalStateException("PerMessageDeflate failed earlier: " + failure);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("PerMessageDeflate is closed");
        }
    }

    /** Releases the Deflater/Inflater (native memory). Idempotent. */
    public void close() {
        if (!closed) {
            closed = true;
            deflater.end();
            inflater.end();
            compressed = null;
            inflated = null;
        }
    }

    @Override
    public String toString() {
        return "PerMessageDeflate[" + role + ", " + params + (closed ? ", closed" : "") + "]";
    }
}
