package dev.evloop.http.codec.hpack;

import static dev.evloop.http.codec.hpack.Blocks.decode;
import static dev.evloop.http.codec.hpack.Blocks.encode;
import static dev.evloop.http.codec.hpack.Blocks.entries;
import static dev.evloop.http.codec.hpack.Blocks.fields;
import static dev.evloop.http.codec.hpack.Blocks.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.http.codec.hpack.Blocks.Field;
import dev.evloop.http.codec.hpack.HpackEncoder.HuffmanMode;
import dev.evloop.http.codec.hpack.HpackEncoder.IndexingPolicy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HpackEncoderTest {

    @Test
    void sensitiveFieldsAreNeverIndexed() throws HpackException {
        HpackEncoder e = new HpackEncoder(4096);
        HpackDecoder d = new HpackDecoder(4096, 65536);
        List<Field> in = List.of(new Field("authorization", "Bearer abc"), new Field("cookie", "a=b"),
                new Field("x-token", "secret", true), new Field("accept", "*/*"));
        ByteBuffer block = encode(e, in);
        // authorization is static 23: never indexed with a 4-bit prefix, 15 + 8.
        assertThat(hex(block)).startsWith("1f08");
        assertThat(decode(d, toArray(block))).containsExactly(new Field("authorization", "Bearer abc", true),
                new Field("cookie", "a=b", true), new Field("x-token", "secret", true),
                new Field("accept", "*/*", false));
        assertThat(entries(e.table())).containsExactly(new Field("accept", "*/*"));
        assertThat(entries(d.table())).containsExactly(new Field("accept", "*/*"));
        // The RFC's policy indexes cookies, but a field the caller marks sensitive stays out.
        HpackEncoder all = new HpackEncoder(4096, 4096, IndexingPolicy.INCREMENTAL, HuffmanMode.NEVER);
        encode(all, List.of(new Field("cookie", "a=b"), new Field("x-token", "secret", true)));
        assertThat(entries(all.table())).containsExactly(new Field("cookie", "a=b"));
    }

    @Test
    void perMessageFieldsAreNotIndexedByDefault() {
        HpackEncoder e = new HpackEncoder(4096);
        encode(e, fields("content-length", "123", "date", "Mon, 21 Oct 2013 20:13:21 GMT",
                "server", "evloop"));
        assertThat(entries(e.table())).containsExactly(new Field("server", "evloop"));
        ByteBuffer again = encode(e, fields("server", "evloop"));
        assertThat(hex(again)).isEqualTo("be");
    }

    @Test
    void shrinkThenGrowEmitsTheSmallestThenTheFinalSize() throws HpackException {
        HpackEncoder e = new HpackEncoder(4096);
        HpackDecoder d = new HpackDecoder(4096, 65536);
        decode(d, toArray(encode(e, fields("x-a", "1"))));
        e.setPeerTableSize(0);
        e.setPeerTableSize(100);
        d.setMaxTableSize(0);
        d.setMaxTableSize(100);
        ByteBuffer block = encode(e, fields(":method", "GET"));
        assertThat(hex(block)).isEqualTo("203f4582");
        decode(d, toArray(block));
        assertThat(d.table().capacity()).isEqualTo(100);
        assertThat(d.table().length()).isZero();
        assertThat(hex(encode(e, fields(":method", "GET")))).as("owed once").isEqualTo("82");
    }

    @Test
    void shrinkEmitsOneUpdate() {
        HpackEncoder e = new HpackEncoder(4096);
        e.setPeerTableSize(1000);
        assertThat(hex(encode(e, fields(":method", "GET")))).isEqualTo("3fc90782");
    }

    @Test
    void ownLimitBelowThePeersIsAnnouncedInTheFirstBlock() throws HpackException {
        HpackEncoder e = new HpackEncoder(65536, 4096, IndexingPolicy.DEFAULT, HuffmanMode.WHEN_SHORTER);
        HpackDecoder d = new HpackDecoder(65536, 65536);
        ByteBuffer block = encode(e, fields(":method", "GET"));
        assertThat(hex(block)).isEqualTo("3fe11f82");
        decode(d, toArray(block));
        assertThat(d.table().capacity()).isEqualTo(4096);
        e.setPeerTableSize(1 << 20);
        assertThat(e.tableCapacity()).isEqualTo(4096);
    }

    @Test
    void misuseIsRefused() {
        HpackEncoder e = new HpackEncoder(4096);
        assertThatThrownBy(() -> e.field("a", "b")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("beginBlock");
        e.beginBlock();
        assertThatThrownBy(() -> e.field("a", "\u20ac")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value has a character above U+00FF at 0");
        assertThatThrownBy(() -> e.setPeerTableSize(10)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(e::beginBlock).isInstanceOf(IllegalStateException.class);
        e.endBlock();
        assertThatThrownBy(() -> new HpackEncoder(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("peerTableSize < 0: -1");
    }

    @Test
    void randomHeaderListsRoundTripWithRandomTableSizes() throws HpackException {
        Random random = new Random(9113);
        String[] names = {":method", ":path", ":authority", ":status", "accept", "cookie", "set-cookie",
            "authorization", "content-length", "date", "user-agent", "x-custom", "x-trace-id", "via"};
        for (int connection = 0; connection < 200; connection++) {
            int size = random.nextInt(5) == 0 ? 0 : random.nextInt(4097);
            IndexingPolicy policy = IndexingPolicy.values()[random.nextInt(2)];
            HuffmanMode huffman = HuffmanMode.values()[random.nextInt(2)];
            HpackEncoder e = new HpackEncoder(size, 1 << 20, policy, huffman);
            HpackDecoder d = new HpackDecoder(size, 1 << 20);
            for (int blockNo = 0; blockNo < 20; blockNo++) {
                if (random.nextInt(4) == 0) {
                    // Our SETTINGS, acknowledged: one change or a shrink and a growth.
                    for (int k = 1 + random.nextInt(2); k > 0; k--) {
                        int s = random.nextInt(4097);
                        e.setPeerTableSize(s);
                        d.setMaxTableSize(s);
                    }
                }
                List<Field> in = new ArrayList<>();
                for (int f = random.nextInt(12); f > 0; f--) {
                    String name = random.nextInt(5) == 0 ? randomString(random, 1, 20)
                            : names[random.nextInt(names.length)];
                    String value = random.nextInt(3) == 0 ? "v" + random.nextInt(4)
                            : randomString(random, 0, random.nextInt(10) == 0 ? 3000 : 40);
                    in.add(new Field(name, value, random.nextInt(8) == 0));
                }
                List<Field> out = decode(d, toArray(encode(e, in)));
                assertThat(out).hasSize(in.size());
                for (int i = 0; i < in.size(); i++) {
                    Field sent = in.get(i);
                    boolean never = sent.neverIndexed() || policy == IndexingPolicy.DEFAULT
                            && List.of("authorization", "cookie", "set-cookie").contains(sent.name());
                    assertThat(out.get(i)).isEqualTo(new Field(sent.name(), sent.value(), never));
                }
                assertThat(entries(d.table())).isEqualTo(entries(e.table()));
                assertThat(d.table().size()).isLessThanOrEqualTo(d.table().capacity());
            }
        }
    }

    @Test
    void warmEncoderAllocatesNothingPerField() throws ReflectiveOperationException {
        HpackEncoder e = new HpackEncoder(4096);
        List<Field> request = fields(":method", "GET", ":scheme", "https", ":path", "/index.html",
                ":authority", "www.example.com", "user-agent", "evloop", "accept", "*/*",
                "x-request-id", "abcdef0123456789", "content-length", "0");
        for (int i = 0; i < 20_000; i++) encodeIndexed(e, request);
        long before = allocatedBytes();
        for (int i = 0; i < 10_000; i++) encodeIndexed(e, request);
        long perBlock = (allocatedBytes() - before) / 10_000;
        // Even one small object (16 bytes or more) per block would show.
        assertThat(perBlock).as("bytes allocated per block of 8 fields").isLessThan(16);
    }

    private static void encodeIndexed(HpackEncoder e, List<Field> fields) {
        e.beginBlock();
        for (int i = 0; i < fields.size(); i++) e.field(fields.get(i).name(), fields.get(i).value());
        e.endBlock();
    }

    /**
     * This thread's allocation counter, reached reflectively: the tests compile inside the http
     * module, which does not read java.management, but run on the class path.
     */
    private static long allocatedBytes() throws ReflectiveOperationException {
        Object bean = Class.forName("java.lang.management.ManagementFactory")
                .getMethod("getThreadMXBean").invoke(null);
        return (long) Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getCurrentThreadAllocatedBytes").invoke(bean);
    }

    private static String randomString(Random random, int min, int max) {
        char[] c = new char[min + random.nextInt(max - min + 1)];
        for (int i = 0; i < c.length; i++) {
            c[i] = random.nextInt(4) == 0 ? (char) random.nextInt(256) : (char) ('a' + random.nextInt(26));
        }
        return new String(c);
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }
}
