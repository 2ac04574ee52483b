package dev.evloop.http.codec.hpack;

import static dev.evloop.http.codec.hpack.Blocks.decode;
import static dev.evloop.http.codec.hpack.Blocks.encode;
import static dev.evloop.http.codec.hpack.Blocks.entries;
import static dev.evloop.http.codec.hpack.Blocks.fields;
import static dev.evloop.http.codec.hpack.Blocks.hex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.http.codec.hpack.Blocks.Field;
import dev.evloop.http.codec.hpack.HpackEncoder.HuffmanMode;
import dev.evloop.http.codec.hpack.HpackEncoder.IndexingPolicy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every example of RFC 7541 Appendix C: the decoder yields the RFC's header lists and dynamic
 * tables (entries and size), and the encoder, indexing every field as the examples do, yields the
 * RFC's bytes.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AppendixCTest {

    private record Step(String section, String block, List<Field> headers, List<Field> table, long size) {}

    private static final List<Field> REQUEST_1 =
            fields(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com");
    private static final List<Field> REQUEST_2 = fields(":method", "GET", ":scheme", "http", ":path", "/",
            ":authority", "www.example.com", "cache-control", "no-cache");
    private static final List<Field> REQUEST_3 = fields(":method", "GET", ":scheme", "https",
            ":path", "/index.html", ":authority", "www.example.com", "custom-key", "custom-value");
    private static final List<Field> REQUEST_TABLE_1 = fields(":authority", "www.example.com");
    private static final List<Field> REQUEST_TABLE_2 =
            fields("cache-control", "no-cache", ":authority", "www.example.com");
    private static final List<Field> REQUEST_TABLE_3 = fields("custom-key", "custom-value",
            "cache-control", "no-cache", ":authority", "www.example.com");

    private static final String DATE_1 = "Mon, 21 Oct 2013 20:13:21 GMT";
    private static final String DATE_2 = "Mon, 21 Oct 2013 20:13:22 GMT";
    private static final String COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
    private static final List<Field> RESPONSE_1 = fields(":status", "302", "cache-control", "private",
            "date", DATE_1, "location", "https://www.example.com");
    private static final List<Field> RESPONSE_2 = fields(":status", "307", "cache-control", "private",
            "date", DATE_1, "location", "https://www.example.com");
    private static final List<Field> RESPONSE_3 = fields(":status", "200", "cache-control", "private",
            "date", DATE_2, "location", "https://www.example.com", "content-encoding", "gzip",
            "set-cookie", COOKIE);
    private static final List<Field> RESPONSE_TABLE_1 = fields("location", "https://www.example.com",
            "date", DATE_1, "cache-control", "private", ":status", "302");
    private static final List<Field> RESPONSE_TABLE_2 = fields(":status", "307",
            "location", "https://www.example.com", "date", DATE_1, "cache-control", "private");
    private static final List<Field> RESPONSE_TABLE_3 =
            fields("set-cookie", COOKIE, "content-encoding", "gzip", "date", DATE_2);

    private static final List<Step> C3 = List.of(
            new Step("C.3.1", "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
                    REQUEST_1, REQUEST_TABLE_1, 57),
            new Step("C.3.2", "8286 84be 5808 6e6f 2d63 6163 6865", REQUEST_2, REQUEST_TABLE_2, 110),
            new Step("C.3.3", "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
                    REQUEST_3, REQUEST_TABLE_3, 164));

    private static final List<Step> C4 = List.of(
            new Step("C.4.1", "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff", REQUEST_1, REQUEST_TABLE_1, 57),
            new Step("C.4.2", "8286 84be 5886 a8eb 1064 9cbf", REQUEST_2, REQUEST_TABLE_2, 110),
            new Step("C.4.3", "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
                    REQUEST_3, REQUEST_TABLE_3, 164));

    private static final List<Step> C5 = List.of(
            new Step("C.5.1", """
                    4803 3330 3258 0770 7269 7661 7465 611d
                    4d6f 6e2c 2032 3120 4f63 7420 3230 3133
                    2032 303a 3133 3a32 3120 474d 546e 1768
                    7474 7073 3a2f 2f77 7777 2e65 7861 6d70
                    6c65 2e63 6f6d""", RESPONSE_1, RESPONSE_TABLE_1, 222),
            new Step("C.5.2", "4803 3330 37c1 c0bf", RESPONSE_2, RESPONSE_TABLE_2, 222),
            new Step("C.5.3", """
                    88c1 611d 4d6f 6e2c 2032 3120 4f63 7420
                    3230 3133 2032 303a 3133 3a32 3220 474d
                    54c0 5a04 677a 6970 7738 666f 6f3d 4153
                    444a 4b48 514b 425a 584f 5157 454f 5049
                    5541 5851 5745 4f49 553b 206d 6178 2d61
                    6765 3d33 3630 303b 2076 6572 7369 6f6e
                    3d31""", RESPONSE_3, RESPONSE_TABLE_3, 215));

    private static final List<Step> C6 = List.of(
            new Step("C.6.1", """
                    4882 6402 5885 aec3 771a 4b61 96d0 7abe
                    9410 54d4 44a8 2005 9504 0b81 66e0 82a6
                    2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8
                    e9ae 82ae 43d3""", RESPONSE_1, RESPONSE_TABLE_1, 222),
            new Step("C.6.2", "4883 640e ffc1 c0bf", RESPONSE_2, RESPONSE_TABLE_2, 222),
            new Step("C.6.3", """
                    88c1 6196 d07a be94 1054 d444 a820 0595
                    040b 8166 e084 a62d 1bff c05a 839b d9ab
                    77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b
                    3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
                    9587 3160 65c0 03ed 4ee5 b106 3d50 07""", RESPONSE_3, RESPONSE_TABLE_3, 215));

    @Test
    void c2_1_literalWithIndexing() throws HpackException {
        HpackDecoder d = new HpackDecoder(4096, 65536);
        assertThat(decode(d, hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")))
                .containsExactly(new Field("custom-key", "custom-header"));
        assertThat(entries(d.table())).containsExactly(new Field("custom-key", "custom-header"));
        assertThat(d.table().size()).isEqualTo(55);
    }

    @Test
    void c2_2_literalWithoutIndexing() throws HpackException {
        HpackDecoder d = new HpackDecoder(4096, 65536);
        assertThat(decode(d, hex("040c 2f73 616d 706c 652f 7061 7468")))
                .containsExactly(new Field(":path", "/sample/path"));
        assertThat(d.table().length()).isZero();
    }

    @Test
    void c2_3_literalNeverIndexed() throws HpackException {
        HpackDecoder d = new HpackDecoder(4096, 65536);
        assertThat(decode(d, hex("1008 7061 7373 776f 7264 0673 6563 7265 74")))
                .containsExactly(new Field("password", "secret", true));
        assertThat(d.table().length()).isZero();
    }

    @Test
    void c2_4_indexed() throws HpackException {
        HpackDecoder d = new HpackDecoder(4096, 65536);
        assertThat(decode(d, hex("82"))).containsExactly(new Field(":method", "GET"));
        assertThat(d.table().length()).isZero();
    }

    @Test
    void c3_requestsWithoutHuffman() throws HpackException {
        decodeSequence(C3, 4096);
        encodeSequence(C3, 4096, HuffmanMode.NEVER);
    }

    @Test
    void c4_requestsWithHuffman() throws HpackException {
        decodeSequence(C4, 4096);
        encodeSequence(C4, 4096, HuffmanMode.WHEN_SHORTER);
    }

    @Test
    void c5_responsesWithoutHuffmanEvictingAt256() throws HpackException {
        decodeSequence(C5, 256);
        encodeSequence(C5, 256, HuffmanMode.NEVER);
    }

    @Test
    void c6_responsesWithHuffmanEvictingAt256() throws HpackException {
        decodeSequence(C6, 256);
        encodeSequence(C6, 256, HuffmanMode.WHEN_SHORTER);
    }

    @Test
    void directBufferAtAnOffsetDecodesTheSame() throws HpackException {
        HpackDecoder d = new HpackDecoder(256, 65536);
        for (Step step : C6) {
            byte[] block = hex(step.block());
            ByteBuffer direct = ByteBuffer.allocateDirect(block.length + 5);
            direct.position(3).put(block).flip().position(3);
            List<Field> got = new ArrayList<>();
            d.decode(direct, (n, v, never) -> got.add(new Field(n, v, never)));
            assertThat(got).as(step.section()).isEqualTo(step.headers());
            assertThat(direct.position()).isEqualTo(3 + block.length);
        }
        assertThat(entries(d.table())).isEqualTo(RESPONSE_TABLE_3);
    }

    private static void decodeSequence(List<Step> steps, int tableSize) throws HpackException {
        HpackDecoder d = new HpackDecoder(tableSize, 65536);
        for (Step step : steps) {
            assertThat(decode(d, hex(step.block()))).as(step.section()).isEqualTo(step.headers());
            assertThat(entries(d.table())).as(step.section() + " table").isEqualTo(step.table());
            assertThat(d.table().size()).as(step.section() + " table size").isEqualTo(step.size());
        }
    }

    private static void encodeSequence(List<Step> steps, int tableSize, HuffmanMode huffman) {
        HpackEncoder e = new HpackEncoder(tableSize, tableSize, IndexingPolicy.INCREMENTAL, huffman);
        for (Step step : steps) {
            assertThat(hex(encode(e, step.headers())))
                    .as(step.section() + " encoded")
                    .isEqualTo(step.block().replaceAll("\\s", ""));
            assertThat(entries(e.table())).as(step.section() + " encoder table").isEqualTo(step.table());
            assertThat(e.table().size()).isEqualTo(step.size());
        }
    }
}
