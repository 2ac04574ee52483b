package dev.evloop.http.codec.hpack;

import static dev.evloop.http.codec.hpack.Blocks.decode;
import static dev.evloop.http.codec.hpack.Blocks.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.http.codec.hpack.Blocks.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each decoding error, with its message and offset. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HpackErrorTest {

    private static HpackDecoder decoder() {
        return new HpackDecoder(4096, 65536);
    }

    private static void fails(HpackDecoder d, String block, String message, int offset) {
        assertThatThrownBy(() -> decode(d, hex(block)))
                .isInstanceOf(HpackException.class)
                .hasMessage(message + " at offset " + offset)
                .satisfies(e -> assertThat(((HpackException) e).offset()).isEqualTo(offset));
    }

    @Test
    void integerOverflow() {
        // 127 + 127 + (127 << 7) + (127 << 14) + (127 << 21) + (15 << 28) > 2^31 - 1
        fails(decoder(), "82 ff ff ff ff ff 0f", "integer overflow (exceeds 2147483647)", 1);
        // Zero-valued continuation bytes past 32 bits of payload.
        fails(decoder(), "ff 80 80 80 80 80 00", "integer overflow (exceeds 2147483647)", 0);
    }

    @Test
    void largestIntegerIsAcceptedAsAnIndexAndRejectedAsOutOfRange() {
        // 127 + 0x7fffff80 = 2^31 - 1
        fails(decoder(), "ff 80 ff ff ff 07",
                "index 2147483647 out of range (61 static + 0 dynamic entries)", 0);
    }

    @Test
    void badIndex() throws HpackException {
        fails(decoder(), "80", "index 0", 0);
        fails(decoder(), "82 be", "index 62 out of range (61 static + 0 dynamic entries)", 1);
        // A literal whose name index is out of range: 15 + 47 = 62.
        fails(decoder(), "0f 2f 01 61", "index 62 out of range (61 static + 0 dynamic entries)", 0);
        HpackDecoder d = decoder();
        decode(d, hex("40 01 61 01 62"));
        assertThat(decode(d, hex("be"))).containsExactly(new Field("a", "b"));
        fails(d, "bf", "index 63 out of range (61 static + 1 dynamic entries)", 0);
    }

    @Test
    void badHuffmanPadding() throws HpackException {
        // "0" is 00000; padded with 111 it is 0x07.
        assertThat(decode(decoder(), hex("00 81 07 01 61"))).containsExactly(new Field("0", "a"));
        fails(decoder(), "00 81 06 01 61", "Huffman padding is not all ones (not a prefix of EOS)", 2);
        fails(decoder(), "00 82 07 ff 01 61", "Huffman padding of 11 bits, longer than 7", 3);
    }

    @Test
    void eosInString() {
        fails(decoder(), "00 84 ff ff ff fc 01 61", "EOS symbol inside a Huffman-coded string", 5);
    }

    @Test
    void sizeUpdateOverTheLimit() {
        // 31 + 0x62 + (0x1f << 7) = 4097
        fails(decoder(), "3f e2 1f 82",
                "dynamic table size update to 4097 exceeds SETTINGS_HEADER_TABLE_SIZE 4096", 0);
    }

    @Test
    void sizeUpdateAfterTheFirstField() {
        fails(decoder(), "82 20", "dynamic table size update after the first field", 1);
    }

    @Test
    void sizeUpdatesAtTheStartAreApplied() throws HpackException {
        HpackDecoder d = decoder();
        decode(d, hex("40 01 61 01 62"));
        assertThat(decode(d, hex("20 3f 45 82"))).containsExactly(new Field(":method", "GET"));
        assertThat(d.table().length()).isZero();
        assertThat(d.table().capacity()).isEqualTo(100);
    }

    @Test
    void loweredSettingRequiresASizeUpdate() throws HpackException {
        HpackDecoder d = decoder();
        d.setMaxTableSize(100);
        fails(d, "82", "block must open with a dynamic table size update"
                + " (SETTINGS_HEADER_TABLE_SIZE lowered to 100)", 0);
        HpackDecoder e = decoder();
        e.setMaxTableSize(100);
        assertThat(decode(e, hex("3f 45 82"))).containsExactly(new Field(":method", "GET"));
        fails(e, "3f 46", "dynamic table size update to 101 exceeds SETTINGS_HEADER_TABLE_SIZE 100", 0);
    }

    @Test
    void headerListOverTheLimit() {
        // :method GET is 42, :scheme http 43: the second field crosses 60.
        fails(new HpackDecoder(4096, 60), "8286", "header list exceeds SETTINGS_MAX_HEADER_LIST_SIZE 60", 1);
    }

    @Test
    void headerListLimitFailsBeforeALargeValueIsDecoded() {
        // One literal with a 10000-octet value, then an indexed field: nothing reaches the sink.
        byte[] block = new byte[1 + 2 + 3 + 10000 + 1];
        block[0] = 0x00;
        block[1] = 0x01;
        block[2] = 'x';
        block[3] = 0x7f; // 127 + 0x11 + (0x4d << 7) = 10000
        block[4] = (byte) 0x91;
        block[5] = 0x4d;
        block[block.length - 1] = (byte) 0x82;
        List<String> seen = new ArrayList<>();
        HpackDecoder d = new HpackDecoder(4096, 1000);
        assertThatThrownBy(() -> d.decode(ByteBuffer.wrap(block), (n, v, never) -> seen.add(n)))
                .isInstanceOf(HpackException.class)
                .hasMessage("header list exceeds SETTINGS_MAX_HEADER_LIST_SIZE 1000 at offset 0");
        assertThat(seen).isEmpty();
        // The same block fits a larger limit, so the failure above is the limit's.
        List<String> names = new ArrayList<>();
        HpackDecoder big = new HpackDecoder(4096, 20000);
        try {
            big.decode(ByteBuffer.wrap(block), (n, v, never) -> names.add(n + "=" + v.length()));
        } catch (HpackException e) {
            throw new AssertionError(e);
        }
        assertThat(names).containsExactly("x=10000", ":method=3");
    }

    @Test
    void truncatedInput() {
        fails(decoder(), "ff", "truncated block: integer not finished", 0);
        fails(decoder(), "82 ff 80", "truncated block: integer not finished", 1);
        fails(decoder(), "82 41", "truncated block: string expected", 2);
        fails(decoder(), "41 0f 77 77", "truncated block: string of 15 octets, 2 remain", 1);
        fails(decoder(), "00 01 61", "truncated block: string expected", 3);
        fails(decoder(), "3f", "truncated block: integer not finished", 0);
    }
}
