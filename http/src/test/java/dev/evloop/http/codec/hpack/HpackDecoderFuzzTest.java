package dev.evloop.http.codec.hpack;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link HpackDecoder} with a sequence of header blocks sharing one dynamic table, as a
 * connection's blocks do. Without {@code JAZZER_FUZZ} this runs the seeds under
 * {@code src/test/resources/dev/evloop/http/codec/hpack/HpackDecoderFuzzTestInputs/}; with it
 * ({@code scripts/fuzz hpack SECONDS}) it fuzzes.
 *
 * <p>Input: a byte for the table size (96 to 4096 in steps of 16), a byte for the header list
 * limit (odd: 256 to 510 bytes; even: 64 KiB), a byte for the number of blocks (1 to 4), then for
 * each block but the last a length byte and that many bytes; the last block takes the rest.
 *
 * <p>Checked: only {@link HpackException}, with a message and an offset inside its block; each
 * block's fields within the header list limit (RFC 9113 §6.5.2 sizes: name + value + 32); the
 * dynamic table never above the size we announced; the position at the block's end after a
 * success; the same fields whatever the input buffer (heap or direct); and the fields of every
 * block that decoded, re-encoded by {@link HpackEncoder} through a table of the same size and
 * decoded again, come back the same, never-indexed ones still never-indexed (RFC 7541 §7.1.3).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HpackDecoderFuzzTest {

    record Field(String name, String value, boolean neverIndexed) {}

    @FuzzTest(maxDuration = "10s")
    void headerBlocks(byte[] data) {
        if (data.length < 3) return;
        int tableSize = Math.min(4096, (data[0] & 0xff) * 16 + 96);
        long listLimit = (data[1] & 1) != 0 ? 256 + (data[1] & 0xfe) : 64 * 1024;
        int blocks = 1 + (data[2] & 0x03);
        List<byte[]> input = new ArrayList<>();
        int at = 3;
        for (int i = 0; i < blocks && at <= data.length; i++) {
            int len = i == blocks - 1 || at == data.length ? data.length - at : Math.min(data[at++] & 0xff, data.length - at);
            input.add(java.util.Arrays.copyOfRange(data, at, at + len));
            at += len;
        }

        List<List<Field>> heap = decodeAll(input, tableSize, listLimit, false);
        List<List<Field>> direct = decodeAll(input, tableSize, listLimit, true);
        assertThat(direct).as("direct buffers decode the same").isEqualTo(heap);

        // What decoded goes round again through our encoder and a fresh decoder.
        HpackEncoder encoder = new HpackEncoder(tableSize);
        HpackDecoder decoder = new HpackDecoder(tableSize, Long.MAX_VALUE);
        for (List<Field> fields : heap) {
            if (fields == null) break;
            encoder.beginBlock();
            for (Field f : fields) encoder.field(f.name(), f.value(), f.neverIndexed());
            ByteBuffer block = encoder.endBlock();
            List<Field> again = new ArrayList<>();
            try {
                decoder.decode(block, (n, v, never) -> again.add(new Field(n, v, never)));
            } catch (HpackException e) {
                throw new AssertionError("our own encoding failed to decode: " + e.getMessage(), e);
            }
            assertThat(again).as("fields after a round trip through HpackEncoder").hasSameSizeAs(fields);
            for (int i = 0; i < fields.size(); i++) {
                Field was = fields.get(i);
                Field now = again.get(i);
                assertThat(now.name() + ": " + now.value()).as("field %d after a round trip", i)
                        .isEqualTo(was.name() + ": " + was.value());
                // The encoder may keep more fields out of tables (authorization, cookies), never fewer.
                if (was.neverIndexed()) assertThat(now.neverIndexed()).as("never-indexed field %d stays so", i).isTrue();
            }
        }
    }

    /** Each block's fields, or a null entry where decoding failed (and nothing after it: the connection is over). */
    private static List<List<Field>> decodeAll(List<byte[]> input, int tableSize, long listLimit, boolean direct) {
        HpackDecoder decoder = new HpackDecoder(tableSize, listLimit);
        List<List<Field>> out = new ArrayList<>();
        for (byte[] bytes : input) {
            ByteBuffer block = direct ? ByteBuffer.allocateDirect(bytes.length).put(bytes).flip() : ByteBuffer.wrap(bytes);
            List<Field> fields = new ArrayList<>();
            try {
                decoder.decode(block, (n, v, never) -> fields.add(new Field(n, v, never)));
            } catch (HpackException e) {
                assertThat(e.getMessage()).as("error message").isNotBlank();
                assertThat(e.offset()).as("error offset in " + e.getMessage()).isBetween(0, bytes.length);
                out.add(null);
                return out;
            }
            assertThat(block.hasRemaining()).as("whole block consumed").isFalse();
            long size = 0;
            for (Field f : fields) size += f.name().length() + f.value().length() + 32L;
            assertThat(size).as("header list size (RFC 9113 §6.5.2)").isLessThanOrEqualTo(listLimit);
            assertThat(decoder.table().capacity()).as("table capacity").isLessThanOrEqualTo(tableSize);
            assertThat(decoder.table().size()).as("table size").isLessThanOrEqualTo(decoder.table().capacity());
            out.add(fields);
        }
        return out;
    }
}
