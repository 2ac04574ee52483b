package dev.evloop.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PerMessageDeflateTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] HELLO = "Hello".getBytes(StandardCharsets.US_ASCII);
    private static final PerMessageDeflate.Params DEFAULTS = PerMessageDeflate.Params.defaults();
    private static final PerMessageDeflate.Params NO_CONTEXT = new PerMessageDeflate.Params(true, true, 15, 15);

    private final List<PerMessageDeflate> opened = new ArrayList<>();

    private PerMessageDeflate open(Role role, PerMessageDeflate.Params params) {
        PerMessageDeflate pmd = new PerMessageDeflate(role, params);
        opened.add(pmd);
        return pmd;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(PerMessageDeflate::close);
    }

    private static final class Sink implements Consumer<ByteBuffer> {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void accept(ByteBuffer chunk) {
            while (chunk.hasRemaining()) {
                bytes.write(chunk.get());
            }
        }

        byte[] take() {
            byte[] out = bytes.toByteArray();
            bytes.reset();
            return out;
        }
    }

    private static String compressHex(PerMessageDeflate pmd, byte[] message) {
        ByteBuffer out = pmd.compress(ByteBuffer.wrap(message));
        byte[] b = new byte[out.remaining()];
        out.get(b);
        return HEX.formatHex(b);
    }

    private static byte[] inflateMessage(PerMessageDeflate pmd, long max, String... pieces) throws WebSocketException {
        Sink sink = new Sink();
        for (String piece : pieces) {
            ByteBuffer in = ByteBuffer.wrap(HEX.parseHex(piece));
            pmd.inflate(in, sink, max);
            assertThat(in.hasRemaining()).isFalse();
        }
        pmd.endMessage(sink, max);
        return sink.take();
    }

    // ---- RFC 7692 §7.2.3 ----

    @Test
    void helloCompressesToTheRfcBytes() {
        PerMessageDeflate takeover = open(Role.SERVER, DEFAULTS);
        assertThat(compressHex(takeover, HELLO)).isEqualTo("f248cdc9c90700");
        // §7.2.3.2: the second "Hello" refers back to the first.
        assertThat(compressHex(takeover, HELLO)).isEqualTo("f200110000");

        PerMessageDeflate noContext = open(Role.SERVER, NO_CONTEXT);
        assertThat(compressHex(noContext, HELLO)).isEqualTo("f248cdc9c90700");
        assertThat(compressHex(noContext, HELLO)).isEqualTo("f248cdc9c90700");
        // The client follows client_no_context_takeover, not server_no_context_takeover.
        PerMessageDeflate client = open(Role.CLIENT, new PerMessageDeflate.Params(true, false, 15, 15));
        assertThat(compressHex(client, HELLO)).isEqualTo("f248cdc9c90700");
        assertThat(compressHex(client, HELLO)).isEqualTo("f200110000");
    }

    @Test
    void compressConsumesTheMessage() {
        ByteBuffer message = ByteBuffer.wrap(HELLO);
        open(Role.CLIENT, DEFAULTS).compress(message);
        assertThat(message.hasRemaining()).isFalse();
    }

    @Test
    void inflatesTheRfcExamples() throws WebSocketException {
        long max = 1000;
        // §7.2.3.1, whole and fragmented into two frames
        assertThat(inflateMessage(open(Role.CLIENT, DEFAULTS), max, "f248cdc9c90700")).isEqualTo(HELLO);
        assertThat(inflateMessage(open(Role.CLIENT, DEFAULTS), max, "f248cd", "c9c90700")).isEqualTo(HELLO);
        // §7.2.3.2, with context takeover
        PerMessageDeflate takeover = open(Role.CLIENT, DEFAULTS);
        assertThat(inflateMessage(takeover, max, "f248cdc9c90700")).isEqualTo(HELLO);
        assertThat(inflateMessage(takeover, max, "f200110000")).isEqualTo(HELLO);
        assertThat(inflateMessage(takeover, max, "f248cdc9c90700")).isEqualTo(HELLO);
        // §7.2.3.3, a block with no compression
        assertThat(inflateMessage(open(Role.CLIENT, DEFAULTS), max, "000500faff48656c6c6f00")).isEqualTo(HELLO);
        // §7.2.3.4, BFINAL set: the stream ends inside the message
        PerMessageDeflate bfinal = open(Role.CLIENT, DEFAULTS);
        assertThat(inflateMessage(bfinal, max, "f348cdc9c9070000")).isEqualTo(HELLO);
        assertThat(inflateMessage(bfinal, max, "f248cdc9c90700")).as("a fresh stream next").isEqualTo(HELLO);
        // §7.2.3.5, two DEFLATE blocks in one message
        assertThat(inflateMessage(open(Role.CLIENT, DEFAULTS), max, "f248050000" + "00ffffcac9c90700"))
                .isEqualTo(HELLO);
    }

    @Test
    void rfcExamplesInflateTheSameWhateverTheSplit() throws WebSocketException {
        String[] messages = {"f248cdc9c90700", "000500faff48656c6c6f00", "f348cdc9c9070000", "f24805000000ffffcac9c90700"};
        for (String message : messages) {
            for (int cut = 0; cut <= message.length(); cut += 2) {
                PerMessageDeflate pmd = open(Role.SERVER, DEFAULTS);
                assertThat(inflateMessage(pmd, 5, message.substring(0, cut), message.substring(cut)))
                        .as("%s cut at %d", message, cut / 2).isEqualTo(HELLO);
            }
        }
    }

    @Test
    void emptyMessage() throws WebSocketException {
        PerMessageDeflate pmd = open(Role.CLIENT, DEFAULTS);
        String compressed = compressHex(pmd, new byte[0]);
        assertThat(compressed).isEqualTo("00"); // RFC 7692 §7.2.3.6
        assertThat(inflateMessage(open(Role.SERVER, DEFAULTS), 0, compressed)).isEmpty();
        assertThat(inflateMessage(open(Role.SERVER, DEFAULTS), 0)).as("no payload at all").isEmpty();
    }

    // ---- round trips ----

    @Test
    void roundTripsWithAndWithoutContextTakeover() throws WebSocketException {
        SplittableRandom random = new SplittableRandom(11);
        for (PerMessageDeflate.Params params : List.of(DEFAULTS, NO_CONTEXT,
                new PerMessageDeflate.Params(true, false, 15, 15), new PerMessageDeflate.Params(false, true, 15, 15))) {
            PerMessageDeflate client = open(Role.CLIENT, params);
            PerMessageDeflate server = open(Role.SERVER, params);
            for (int m = 0; m < 40; m++) {
                byte[] message = m % 2 == 0 ? randomBytes(random, random.nextInt(0, 70_000))
                        : compressible(random, random.nextInt(0, 200_000));
                PerMessageDeflate from = m % 3 == 0 ? server : client;
                PerMessageDeflate to = from == server ? client : server;
                ByteBuffer wire = from.compress(ByteBuffer.wrap(message));
                if (m % 2 == 1 && message.length > 1000) {
                    assertThat(wire.remaining()).isLessThan(message.length / 2);
                }
                byte[] copy = new byte[wire.remaining()];
                wire.get(copy);
                assertThat(inflateInRandomPieces(to, copy, random, message.length)).as("%s message %d", params, m)
                        .isEqualTo(message);
            }
        }
    }

    @Test
    void contextTakeoverShrinksRepeatedMessagesAndItsAbsenceDoesNot() {
        byte[] message = compressible(new SplittableRandom(2), 2000);
        PerMessageDeflate takeover = open(Role.SERVER, DEFAULTS);
        int first = compressHex(takeover, message).length();
        int second = compressHex(takeover, message).length();
        assertThat(second).isLessThan(first / 4);
        PerMessageDeflate noContext = open(Role.SERVER, NO_CONTEXT);
        assertThat(compressHex(noContext, message).length()).isEqualTo(first);
        assertThat(compressHex(noContext, message).length()).isEqualTo(first);
    }

    @Test
    void inflatingWithoutContextTakeoverRejectsBackReferencesToTheLastMessage() {
        // The server said server_no_context_takeover, but compresses with context anyway.
        PerMessageDeflate server = open(Role.SERVER, DEFAULTS);
        String first = compressHex(server, HELLO);
        String second = compressHex(server, HELLO);
        PerMessageDeflate client = open(Role.CLIENT, new PerMessageDeflate.Params(true, false, 15, 15));
        assertThatThrownBy(() -> {
            assertThat(inflateMessage(client, 100, first)).isEqualTo(HELLO);
            inflateMessage(client, 100, second);
        }).isInstanceOfSatisfying(WebSocketException.class,
                e -> assertThat(e.closeCode()).isEqualTo(CloseCodes.INVALID_PAYLOAD));
    }

    private static byte[] inflateInRandomPieces(PerMessageDeflate to, byte[] wire, SplittableRandom random, long max)
            throws WebSocketException {
        Sink sink = new Sink();
        int at = 0;
        while (at < wire.length) {
            int n = Math.min(wire.length - at, random.nextInt(1, 5000));
            to.inflate(ByteBuffer.wrap(wire, at, n), sink, max);
            at += n;
        }
        to.endMessage(sink, max);
        return sink.take();
    }

    private static byte[] randomBytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] compressible(SplittableRandom random, int n) {
        String[] words = {"event ", "loop ", "frame ", "deflate ", "window ", "{\"id\":", "42, ", "\"ok\": true}\n"};
        StringBuilder s = new StringBuilder(n + 16);
        while (s.length() < n) {
            s.append(words[random.nextInt(words.length)]);
        }
        return s.substring(0, n).getBytes(StandardCharsets.US_ASCII);
    }

    // ---- limits and bad data ----

    @Test
    void aDeflateBombFailsWith1009AtTheLimit() {
        // 64 MiB of zeros deflate to about 64 KiB.
        Deflater deflater = new Deflater(9, true);
        byte[] zeros = new byte[1 << 20];
        ByteBuffer bomb = ByteBuffer.allocate(256 * 1024);
        for (int i = 0; i < 64; i++) {
            deflater.setInput(zeros);
            while (!deflater.needsInput()) {
                deflater.deflate(bomb, Deflater.NO_FLUSH);
            }
        }
        deflater.deflate(bomb, Deflater.SYNC_FLUSH);
        deflater.end();
        bomb.flip();
        assertThat(bomb.remaining()).isLessThan(100_000);

        long max = 1 << 20;
        PerMessageDeflate server = open(Role.SERVER, DEFAULTS);
        Sink sink = new Sink();
        assertThatThrownBy(() -> server.inflate(bomb, sink, max)).isInstanceOfSatisfying(WebSocketException.class, e -> {
            assertThat(e.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
            assertThat(e.getMessage()).contains(String.valueOf(max));
        });
        assertThat(sink.bytes.size()).as("delivered before failing").isLessThanOrEqualTo((int) max);
    }

    @Test
    void exactlyTheLimitIsAllowedAndTheLimitCountsTheWholeMessage() throws WebSocketException {
        PerMessageDeflate client = open(Role.CLIENT, DEFAULTS);
        PerMessageDeflate server = open(Role.SERVER, DEFAULTS);
        byte[] message = compressible(new SplittableRandom(4), 50_000);
        byte[] wire = bytes(client.compress(ByteBuffer.wrap(message)));
        assertThat(inflateInRandomPieces(server, wire, new SplittableRandom(5), 50_000)).isEqualTo(message);
        byte[] again = bytes(client.compress(ByteBuffer.wrap(message)));
        assertThatThrownBy(() -> inflateInRandomPieces(server, again, new SplittableRandom(6), 49_999))
                .isInstanceOfSatisfying(WebSocketException.class,
                        e -> assertThat(e.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void invalidDeflateFailsWith1007() {
        // BTYPE=11 is reserved (RFC 1951 §3.2.3).
        PerMessageDeflate pmd = open(Role.SERVER, DEFAULTS);
        assertThatThrownBy(() -> inflateMessage(pmd, 1000, "ffffffff")).isInstanceOfSatisfying(WebSocketException.class,
                e -> {
                    assertThat(e.closeCode()).isEqualTo(CloseCodes.INVALID_PAYLOAD);
                    assertThat(e.getMessage()).startsWith("invalid deflate data");
                });
        // A stored block whose NLEN is not the complement of LEN.
        assertThatThrownBy(() -> inflateMessage(open(Role.SERVER, DEFAULTS), 1000, "0005000000"))
                .isInstanceOfSatisfying(WebSocketException.class,
                        e -> assertThat(e.closeCode()).isEqualTo(CloseCodes.INVALID_PAYLOAD));
    }

    @Test
    void anEmptyMessageAfterAMessageWithContextTakeoverIsOneZeroByte() throws WebSocketException {
        // Found by fuzzing: zlib emits nothing for the second of two sync flushes with no input
        // in between, and compress then failed (an assertion, or a negative limit without -ea).
        PerMessageDeflate client = open(Role.CLIENT, DEFAULTS);
        PerMessageDeflate server = open(Role.SERVER, DEFAULTS);
        byte[] first = bytes(client.compress(ByteBuffer.wrap(HELLO)));
        byte[] empty = bytes(client.compress(ByteBuffer.allocate(0)));
        assertThat(empty).as("RFC 7692 §7.2.3.6").containsExactly(0x00);
        byte[] third = bytes(client.compress(ByteBuffer.wrap(HELLO)));
        assertThat(inflateInRandomPieces(server, first, new SplittableRandom(7), 1000)).isEqualTo(HELLO);
        assertThat(inflateInRandomPieces(server, empty, new SplittableRandom(8), 1000)).isEmpty();
        assertThat(inflateInRandomPieces(server, third, new SplittableRandom(9), 1000)).isEqualTo(HELLO);
    }

    @Test
    // A thread of its own, so that a regression fails here rather than spinning for ever.
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void afterA1009TheInstanceRefusesInputInsteadOfLooping() {
        // Found by fuzzing: the 1009 left the message size one past the limit, so the next call
        // had room for no output at all and looped for ever.
        PerMessageDeflate client = open(Role.CLIENT, DEFAULTS);
        PerMessageDeflate server = open(Role.SERVER, DEFAULTS);
        byte[] wire = bytes(client.compress(ByteBuffer.wrap(new byte[3000])));
        Sink sink = new Sink();
        assertThatThrownBy(() -> server.inflate(ByteBuffer.wrap(wire), sink, 1000)).isInstanceOfSatisfying(
                WebSocketException.class, e -> assertThat(e.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG));
        assertThatThrownBy(() -> server.inflate(ByteBuffer.wrap(wire), sink, 1000))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed earlier");
        assertThatThrownBy(() -> server.endMessage(sink, 1000))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed earlier");
        assertThat(sink.bytes.size()).isLessThanOrEqualTo(1000);
    }

    @Test
    void after1007TheInstanceRefusesInput() {
        PerMessageDeflate server = open(Role.SERVER, DEFAULTS);
        Sink sink = new Sink();
        assertThatThrownBy(() -> inflateMessage(server, 1000, "ffffffff")).isInstanceOf(WebSocketException.class);
        assertThatThrownBy(() -> inflateMessage(server, 1000, "f248cdc9c90700"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("invalid deflate data");
        assertThatThrownBy(() -> server.endMessage(sink, 1000)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeIsIdempotentAndFinal() {
        PerMessageDeflate pmd = new PerMessageDeflate(Role.CLIENT, DEFAULTS);
        pmd.close();
        pmd.close();
        assertThatThrownBy(() -> pmd.compress(ByteBuffer.wrap(HELLO))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void ourCompressorWindowCannotBeShrunk() {
        assertThatThrownBy(() -> new PerMessageDeflate(Role.SERVER, new PerMessageDeflate.Params(false, false, 10, 15)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("server_max_window_bits=10");
        assertThatThrownBy(() -> new PerMessageDeflate(Role.CLIENT, new PerMessageDeflate.Params(false, false, 15, 9)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("client_max_window_bits=9");
        // The peer's window may be smaller: our inflater reads any window up to 15 bits.
        open(Role.CLIENT, new PerMessageDeflate.Params(false, false, 9, 15)).close();
        assertThatThrownBy(() -> new PerMessageDeflate.Params(false, false, 7, 15))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 outside 8..15");
    }

    // ---- negotiation ----

    @Test
    void clientOffers() {
        assertThat(PerMessageDeflate.clientOffer(false)).isEqualTo("permessage-deflate");
        assertThat(PerMessageDeflate.clientOffer(true))
                .isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    }

    private static Optional<PerMessageDeflate.Agreement> negotiate(boolean prefer, String... offers) {
        return PerMessageDeflate.negotiate(List.of(offers), prefer);
    }

    @Test
    void serverAcceptsThePlainOfferAndEchoesWhatItHonours() {
        assertThat(negotiate(false, "permessage-deflate")).hasValue(
                new PerMessageDeflate.Agreement(DEFAULTS, "permessage-deflate"));
        assertThat(negotiate(false, "permessage-deflate; client_max_window_bits")).hasValue(
                new PerMessageDeflate.Agreement(DEFAULTS, "permessage-deflate"));
        assertThat(negotiate(false, "permessage-deflate;client_max_window_bits=10")).hasValue(
                new PerMessageDeflate.Agreement(DEFAULTS, "permessage-deflate"));
        assertThat(negotiate(false, "permessage-deflate; server_no_context_takeover")).hasValue(
                new PerMessageDeflate.Agreement(new PerMessageDeflate.Params(true, false, 15, 15),
                        "permessage-deflate; server_no_context_takeover"));
        assertThat(negotiate(false, "permessage-deflate; client_no_context_takeover")).hasValue(
                new PerMessageDeflate.Agreement(new PerMessageDeflate.Params(false, true, 15, 15),
                        "permessage-deflate; client_no_context_takeover"));
        assertThat(negotiate(false, "permessage-deflate; server_max_window_bits=15")).hasValue(
                new PerMessageDeflate.Agreement(DEFAULTS, "permessage-deflate; server_max_window_bits=15"));
        assertThat(negotiate(true, "permessage-deflate")).hasValue(new PerMessageDeflate.Agreement(NO_CONTEXT,
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover"));
        // What browsers send.
        assertThat(negotiate(false, "permessage-deflate; client_max_window_bits")).isPresent();
    }

    @Test
    void serverDeclinesWhatItCannotHonourAndTakesTheNextOffer() {
        assertThat(negotiate(false, "permessage-deflate; server_max_window_bits=10")).isEmpty();
        assertThat(negotiate(false, "permessage-deflate; server_max_window_bits")).as("value required").isEmpty();
        assertThat(negotiate(false, "permessage-deflate; client_max_window_bits=16")).isEmpty();
        assertThat(negotiate(false, "permessage-deflate; client_max_window_bits=08")).isEmpty();
        assertThat(negotiate(false, "permessage-deflate; mystery")).as("unknown parameter").isEmpty();
        assertThat(negotiate(false, "permessage-deflate; server_no_context_takeover; server_no_context_takeover"))
                .as("duplicate").isEmpty();
        assertThat(negotiate(false, "permessage-deflate; server_no_context_takeover=1")).as("value on a flag")
                .isEmpty();
        assertThat(negotiate(false, "x-webkit-deflate-frame")).isEmpty();
        assertThat(negotiate(false)).isEmpty();

        // Several offers in one value, in preference order (RFC 7692 §5): the first acceptable wins.
        assertThat(negotiate(false,
                "permessage-deflate; server_max_window_bits=10, permessage-deflate; server_no_context_takeover"))
                .hasValue(new PerMessageDeflate.Agreement(new PerMessageDeflate.Params(true, false, 15, 15),
                        "permessage-deflate; server_no_context_takeover"));
        // ... and across header lines, skipping other extensions and empty elements.
        assertThat(negotiate(false, "foo; bar=1, , permessage-deflate; server_max_window_bits=9",
                "permessage-deflate; client_max_window_bits=12")).hasValue(
                new PerMessageDeflate.Agreement(DEFAULTS, "permessage-deflate"));
        // A line that does not parse is ignored as a whole; the next one still counts.
        assertThat(negotiate(false, "permessage-deflate; server_max_window_bits=\"15", "permessage-deflate"))
                .hasValue(new PerMessageDeflate.Agreement(DEFAULTS, "permessage-deflate"));
    }

    @Test
    void quotedValuesAndWhitespace() {
        assertThat(negotiate(false, "permessage-deflate ;\tserver_max_window_bits = \"15\" ")).hasValue(
                new PerMessageDeflate.Agreement(DEFAULTS, "permessage-deflate; server_max_window_bits=15"));
        assertThat(negotiate(false, "permessage-deflate; server_max_window_bits=\"1\\5\"")).as("quoted-pair")
                .isPresent();
        assertThat(negotiate(false, "permessage-deflate; server_max_window_bits=\"1 5\"")).as("not a token")
                .isEmpty();
    }

    @Test
    void clientAcceptsValidResponses() throws WebSocketException {
        assertThat(PerMessageDeflate.acceptResponse(null)).isEmpty();
        assertThat(PerMessageDeflate.acceptResponse("")).isEmpty();
        assertThat(PerMessageDeflate.acceptResponse("permessage-deflate")).hasValue(DEFAULTS);
        assertThat(PerMessageDeflate.acceptResponse(
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover")).hasValue(NO_CONTEXT);
        assertThat(PerMessageDeflate.acceptResponse("permessage-deflate; server_max_window_bits=\"10\""))
                .hasValue(new PerMessageDeflate.Params(false, false, 10, 15));
        // Whatever negotiate answers, acceptResponse takes, with the same parameters.
        for (String offer : List.of(PerMessageDeflate.clientOffer(false), PerMessageDeflate.clientOffer(true))) {
            for (boolean prefer : new boolean[] {false, true}) {
                PerMessageDeflate.Agreement a = negotiate(prefer, offer).orElseThrow();
                assertThat(PerMessageDeflate.acceptResponse(a.responseHeaderValue())).hasValue(a.params());
            }
        }
    }

    @Test
    void clientFailsOnBadResponses() {
        assertResponseFails("permessage-deflate; client_max_window_bits=10", "client_max_window_bits");
        assertResponseFails("permessage-deflate; client_max_window_bits", "not offered");
        assertResponseFails("permessage-deflate; server_max_window_bits=7", "bad value 7");
        assertResponseFails("permessage-deflate; server_max_window_bits", "bad value null");
        assertResponseFails("permessage-deflate; server_no_context_takeover=yes", "takes no value");
        assertResponseFails("permessage-deflate; server_no_context_takeover; server_no_context_takeover",
                "duplicate parameter");
        assertResponseFails("permessage-deflate; foo", "unknown parameter foo");
        assertResponseFails("x-webkit-deflate-frame", "not offered");
        assertResponseFails("permessage-deflate, permessage-deflate", "twice");
        assertResponseFails("permessage-deflate; server_max_window_bits=\"10", "unterminated");
        assertResponseFails("permessage-deflate; =10", "malformed");
        assertResponseFails("permessage-deflate server_no_context_takeover", "unexpected 's'");
    }

    private static void assertResponseFails(String response, String message) {
        assertThatThrownBy(() -> PerMessageDeflate.acceptResponse(response)).as(response)
                .isInstanceOfSatisfying(WebSocketException.class, e -> {
                    assertThat(e.closeCode()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
                    assertThat(e.getMessage()).contains(message);
                });
    }
}
