package dev.evloop.http.codec.hpack;

import static dev.evloop.http.codec.hpack.Blocks.hex;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HuffmanTest {

    @Test
    void codeIsACompletePrefixCode() {
        // Kraft equality: a canonical code with no unused leaf (Appendix B has none).
        long sum = 0;
        for (int sym = 0; sym <= Huffman.EOS; sym++) sum += 1L << (30 - Huffman.codeLength(sym));
        assertThat(sum).isEqualTo(1L << 30);
        assertThat(Huffman.code(Huffman.EOS)).isEqualTo(0x3fffffff);
        assertThat(Huffman.codeLength('a')).isEqualTo(5);
        assertThat(Huffman.code('a')).isEqualTo(0x3);
        assertThat(Huffman.code(0)).isEqualTo(0x1ff8);
        assertThat(Huffman.codeLength(0)).isEqualTo(13);
    }

    @Test
    void everyByteValueRoundTrips() throws HpackException {
        StringBuilder all = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            String one = String.valueOf((char) b);
            assertThat(roundTrip(one)).as("byte %d", b).isEqualTo(one);
            all.append((char) b);
        }
        assertThat(roundTrip(all.toString())).isEqualTo(all.toString());
        assertThat(roundTrip(all.reverse().toString())).isEqualTo(all.toString());
        Random random = new Random(7541);
        for (int i = 0; i < 2000; i++) {
            char[] s = new char[random.nextInt(64)];
            for (int j = 0; j < s.length; j++) s[j] = (char) random.nextInt(256);
            assertThat(roundTrip(new String(s))).isEqualTo(new String(s));
        }
    }

    @Test
    void rfcStringsDecode() throws HpackException {
        assertThat(decode("f1e3 c2e5 f23a 6ba0 ab90 f4ff")).isEqualTo("www.example.com");
        assertThat(decode("a8eb 1064 9cbf")).isEqualTo("no-cache");
        assertThat(decode("6402")).isEqualTo("302");
        assertThat(decode("9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3")).isEqualTo("https://www.example.com");
        assertThat(decode("")).isEmpty();
    }

    private static String roundTrip(String s) throws HpackException {
        Output out = new Output();
        Huffman.encode(s, out);
        assertThat(out.length()).isEqualTo(Huffman.encodedLength(s));
        ByteBuffer encoded = out.view();
        byte[] dst = new byte[encoded.remaining() * 8 / 5];
        int n = Huffman.decode(encoded, encoded.remaining(), dst, 0);
        assertThat(encoded.hasRemaining()).isFalse();
        return new String(dst, 0, n, ISO_8859_1);
    }

    private static String decode(String rfcHex) throws HpackException {
        byte[] in = hex(rfcHex);
        byte[] dst = new byte[in.length * 8 / 5];
        int n = Huffman.decode(ByteBuffer.wrap(in), in.length, dst, 0);
        return new String(dst, 0, n, ISO_8859_1);
    }
}
