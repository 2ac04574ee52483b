package dev.evloop.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Utf8ValidatorTest {
    private static final HexFormat HEX = HexFormat.of();

    private static final String TEXT = "κόσμε, ASCII run of more than eight bytes, ✓ €, 日本語, emoji 😀🎉, U+10FFFF \uDBFF\uDFFF end";

    @Test
    void validMultiByteTextSplitAtEveryByte() {
        byte[] utf8 = TEXT.getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= utf8.length; cut++) {
            Utf8Validator v = new Utf8Validator();
            assertThat(v.feed(ByteBuffer.wrap(utf8, 0, cut))).as("first %d bytes", cut).isTrue();
            assertThat(v.feed(ByteBuffer.wrap(utf8, cut, utf8.length - cut))).isTrue();
            assertThat(v.isComplete()).isTrue();
        }
        Utf8Validator bytewise = new Utf8Validator();
        for (int i = 0; i < utf8.length; i++) {
            assertThat(bytewise.feed(ByteBuffer.wrap(utf8, i, 1))).isTrue();
        }
        assertThat(bytewise.isComplete()).isTrue();
    }

    @Test
    void feedDoesNotMoveThePosition() {
        ByteBuffer b = ByteBuffer.wrap("héllo".getBytes(StandardCharsets.UTF_8));
        b.position(1);
        assertThat(new Utf8Validator().feed(b)).isTrue();
        assertThat(b.position()).isEqualTo(1);
    }

    @Test
    void boundariesOfEachSequenceLength() {
        String[] valid = {"00", "7f", "c280", "dfbf", "e0a080", "efbfbf", "ed9fbf", "ee8080", "f0908080", "f48fbfbf",
                "f3bfbfbf", "efbbbf"};
        for (String hex : valid) {
            assertThat(validates(hex)).as(hex).isTrue();
        }
    }

    @Test
    void classicInvalidCases() {
        String[] invalid = {
            "c080", // overlong NUL
            "c1bf", // overlong
            "e08080", // overlong 3-byte
            "e09fbf", // overlong 3-byte, highest
            "f08f8080", // overlong 4-byte
            "eda080", // high surrogate U+D800
            "edbfbf", // low surrogate U+DFFF
            "f4908080", // U+110000
            "f5808080", // lead byte above F4
            "ff", "fe", // never in UTF-8
            "80", "bf", // continuation without a lead
            "c2", "e0a0", "f09080", // truncated at the end
            "c241", "e0a041", "f0908041", // truncated by an ASCII byte
        };
        for (String hex : invalid) {
            assertThat(validates(hex)).as(hex).isFalse();
        }
    }

    private static boolean validates(String hex) {
        Utf8Validator v = new Utf8Validator();
        return v.feed(ByteBuffer.wrap(HEX.parseHex(hex))) && v.isComplete();
    }

    @Test
    void failsFastAtTheFirstImpossibleByte() {
        // The ED A0 of a surrogate is already impossible: no need to see the third byte.
        Utf8Validator v = new Utf8Validator();
        assertThat(v.feed(ByteBuffer.wrap(HEX.parseHex("41ed")))).isTrue();
        assertThat(v.isComplete()).isFalse();
        assertThat(v.feed(ByteBuffer.wrap(HEX.parseHex("a0")))).isFalse();
        // And it stays failed, even for valid input, until reset.
        assertThat(v.feed(ByteBuffer.wrap(HEX.parseHex("41")))).isFalse();
        assertThat(v.isComplete()).isFalse();
        v.reset();
        assertThat(v.feed(ByteBuffer.wrap(HEX.parseHex("41")))).isTrue();
        assertThat(v.isComplete()).isTrue();

        Utf8Validator w = new Utf8Validator();
        assertThat(w.feed(ByteBuffer.wrap(HEX.parseHex("f4")))).isTrue();
        assertThat(w.feed(ByteBuffer.wrap(HEX.parseHex("90")))).as("F4 90 is above U+10FFFF").isFalse();
        Utf8Validator x = new Utf8Validator();
        assertThat(x.feed(ByteBuffer.wrap(HEX.parseHex("c0")))).as("C0 can only start an overlong").isFalse();
    }

    @Test
    void agreesWithTheJdkDecoderOnRandomBytes() {
        SplittableRandom random = new SplittableRandom(3);
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        byte[] alphabet = HEX.parseHex("41 7f 80 9f a0 bf c2 df e0 ed ef f0 f4 f5 ff".replace(" ", ""));
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] b = new byte[random.nextInt(1, 12)];
            for (int i = 0; i < b.length; i++) {
                b[i] = alphabet[random.nextInt(alphabet.length)];
            }
            boolean jdk;
            try {
                decoder.reset().decode(ByteBuffer.wrap(b));
                jdk = true;
            } catch (CharacterCodingException e) {
                jdk = false;
            }
            Utf8Validator v = new Utf8Validator();
            assertThat(v.feed(ByteBuffer.wrap(b)) && v.isComplete()).as(HEX.formatHex(b)).isEqualTo(jdk);
        }
    }

    @Test
    void longAsciiRunsThenAnInvalidByteAtEveryPosition() {
        for (int at = 0; at < 40; at++) {
            byte[] b = new byte[40];
            Arrays.fill(b, (byte) 'a');
            b[at] = (byte) 0xFF;
            ByteBuffer direct = ByteBuffer.allocateDirect(40).put(b).flip();
            assertThat(new Utf8Validator().feed(direct)).as("0xFF at %d", at).isFalse();
        }
    }
}
