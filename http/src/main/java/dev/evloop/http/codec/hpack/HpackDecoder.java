package dev.evloop.http.codec.hpack;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.nio.ByteBuffer;

/**
 * Decodes HPACK header blocks (RFC 7541) for one HTTP/2 connection: the static table
 * (Appendix A), the dynamic table (§4), integers and strings (§5), Huffman (Appendix B) and
 * dynamic table size updates (§6.3).
 *
 * <p>Per block:
 * <ol>
 *   <li>The frame layer concatenates HEADERS / PUSH_PROMISE and its CONTINUATION frames and
 *       passes the whole block to {@link #decode}; the dynamic table is shared by all blocks of
 *       the connection, in the order they arrive.
 *   <li>Dynamic table size updates may only open the block (§4.2), and none may exceed the
 *       SETTINGS_HEADER_TABLE_SIZE we announced ({@link #setMaxTableSize}). After we lowered that
 *       setting below the table's current capacity, the next block must start with one.
 *   <li>Each field is handed to the {@link FieldSink} as soon as it is decoded. Before a literal
 *       value is copied, and after each field, the running header list size (name + value + 32
 *       per field, RFC 9113 §6.5.2) is checked against SETTINGS_MAX_HEADER_LIST_SIZE, so an
 *       oversized list fails without being decoded first.
 *   <li>Any error is an {@link HpackException} naming the offset; the decoder is then unusable
 *       (COMPRESSION_ERROR, RFC 9113 §4.3).
 * </ol>
 * One thread at a time.
 */
public final class HpackDecoder {

    /** Receives the decoded fields of a block, in order. */
    @FunctionalInterface
    public interface FieldSink {
        /**
         * @param neverIndexed the field came as "never indexed" (§6.2.3): an intermediary passing
         *     it on must encode it the same way (§7.1.3)
         */
        void field(String name, String value, boolean neverIndexed);
    }

    private final DynamicTable table;
    private final long maxHeaderListSize;
    private int maxTableSize;
    private boolean sizeUpdateRequired;
    private byte[] scratch = new byte[64];

    // Per block.
    private ByteBuffer in;
    private int base;

    /**
     * @param maxTableSize our SETTINGS_HEADER_TABLE_SIZE (4096 unless we announce otherwise)
     * @param maxHeaderListSize our SETTINGS_MAX_HEADER_LIST_SIZE
     */
    public HpackDecoder(int maxTableSize, long maxHeaderListSize) {
        if (maxTableSize < 0) throw new IllegalArgumentException("maxTableSize < 0: " + maxTableSize);
        if (maxHeaderListSize < 0) {
            throw new IllegalArgumentException("maxHeaderListSize < 0: " + maxHeaderListSize);
        }
        this.maxTableSize = maxTableSize;
        this.maxHeaderListSize = maxHeaderListSize;
        this.table = new DynamicTable(maxTableSize);
    }

    /**
     * Our SETTINGS_HEADER_TABLE_SIZE changed (call once the peer acknowledged it). If it is now
     * below the table's capacity, the peer's next block must open with a size update (§4.2).
     */
    public void setMaxTableSize(int maxTableSize) {
        if (maxTableSize < 0) throw new IllegalArgumentException("maxTableSize < 0: " + maxTableSize);
        this.maxTableSize = maxTableSize;
        if (maxTableSize < table.capacity()) sizeUpdateRequired = true;
    }

    public int maxTableSize() {
        return maxTableSize;
    }

    /** For tests: the dynamic table as it stands. */
    DynamicTable table() {
        return table;
    }

    public long maxHeaderListSize() {
        return maxHeaderListSize;
    }

    /** Decodes the whole of {@code block} (position to limit); the position ends at the limit. */
    public void decode(ByteBuffer block, FieldSink sink) throws HpackException {
        in = block;
        base = block.position();
        try {
            decodeBlock(sink);
        } finally {
            in = null;
        }
    }

    private void decodeBlock(FieldSink sink) throws HpackException {
        boolean fieldSeen = false;
        long listSize = 0;
        while (in.hasRemaining()) {
            int at = offset();
            int b = in.get(in.position()) & 0xff;
            if ((b & 0xe0) == 0x20) {
                // §6.3 dynamic table size update
                if (fieldSeen) {
                    throw new HpackException("dynamic table size update after the first field", at);
                }
                int size = readInt(5);
                if (size > maxTableSize) {
                    throw new HpackException("dynamic table size update to " + size
                            + " exceeds SETTINGS_HEADER_TABLE_SIZE " + maxTableSize, at);
                }
                table.setCapacity(size);
                sizeUpdateRequired = false;
                continue;
            }
            if (sizeUpdateRequired) {
                throw new HpackException("block must open with a dynamic table size update"
                        + " (SETTINGS_HEADER_TABLE_SIZE lowered to " + maxTableSize + ")", at);
            }
            fieldSeen = true;
            String name;
            String value;
            boolean neverIndexed = false;
            if ((b & 0x80) != 0) {
                // §6.1 indexed field
                int index = readInt(7);
                checkIndex(index, at);
                name = nameAt(index);
                value = valueAt(index);
                listSize = addToList(listSize, name, value, at);
            } else {
                // §6.2.1 (01), §6.2.2 (0000), §6.2.3 (0001)
                boolean incremental = (b & 0x40) != 0;
                neverIndexed = !incremental && (b & 0x10) != 0;
                int index = readInt(incremental ? 6 : 4);
                if (index == 0) {
                    name = readString(maxHeaderListSize - listSize - DynamicTable.ENTRY_OVERHEAD, at);
                } else {
                    checkIndex(index, at);
                    name = nameAt(index);
                }
                value = readString(
                        maxHeaderListSize - listSize - DynamicTable.ENTRY_OVERHEAD - name.length(), at);
                listSize = addToList(listSize, name, value, at);
                if (incremental) table.add(name, value);
            }
            sink.field(name, value, neverIndexed);
        }
        if (sizeUpdateRequired) {
            throw new HpackException("block must open with a dynamic table size update"
                    + " (SETTINGS_HEADER_TABLE_SIZE lowered to " + maxTableSize + ")", offset());
        }
    }

    private long addToList(long listSize, String name, String value, int at) throws HpackException {
        long size = listSize + DynamicTable.entrySize(name, value);
        if (size > maxHeaderListSize) throw listTooLarge(at);
        return size;
    }

    private HpackException listTooLarge(int at) {
        return new HpackException(
                "header list exceeds SETTINGS_MAX_HEADER_LIST_SIZE " + maxHeaderListSize, at);
    }

    private int offset() {
        return in.position() - base;
    }

    private void checkIndex(int index, int at) throws HpackException {
        if (index == 0) throw new HpackException("index 0", at);
        if (index > StaticTable.LENGTH + table.length()) {
            throw new HpackException("index " + index + " out of range (" + StaticTable.LENGTH
                    + " static + " + table.length() + " dynamic entries)", at);
        }
    }

    private String nameAt(int index) {
        return index <= StaticTable.LENGTH
                ? StaticTable.name(index)
                : table.name(index - StaticTable.LENGTH);
    }

    private String valueAt(int index) {
        return index <= StaticTable.LENGTH
                ? StaticTable.value(index)
                : table.value(index - StaticTable.LENGTH);
    }

    /** §5.1, with the value bounded by {@code Integer.MAX_VALUE}. */
    private int readInt(int prefixBits) throws HpackException {
        int at = offset();
        int max = (1 << prefixBits) - 1;
        int value = in.get() & max;
        if (value < max) return value;
        long result = max;
        for (int shift = 0; ; shift += 7) {
            if (!in.hasRemaining()) {
                throw new HpackException("truncated block: integer not finished", at);
            }
            int b = in.get() & 0xff;
            result += (long) (b & 0x7f) << shift;
            if (result > Integer.MAX_VALUE || (shift == 28 && (b & 0x80) != 0)) {
                throw new HpackException("integer overflow (exceeds " + Integer.MAX_VALUE + ")", at);
            }
            if ((b & 0x80) == 0) return (int) result;
        }
    }

    /**
     * §5.2. {@code budget} is what the header list may still take for this string; a string that
     * cannot fit fails before it is copied (a Huffman string decodes to at least 8/30 of its
     * length: the longest code has 30 bits).
     */
    private String readString(long budget, int at) throws HpackException {
        if (!in.hasRemaining()) throw new HpackException("truncated block: string expected", offset());
        boolean huffman = (in.get(in.position()) & 0x80) != 0;
        int lengthAt = offset();
        int length = readInt(7);
        if (length > in.remaining()) {
            throw new HpackException("truncated block: string of " + length + " octets, "
                    + in.remaining() + " remain", lengthAt);
        }
        long least = huffman ? (long) length * 8 / 30 : length;
        if (least > budget) throw listTooLarge(at);
        if (!huffman) return new String(copy(length), 0, length, ISO_8859_1);
        int max = (int) Math.min(Integer.MAX_VALUE - 8, (long) length * 8 / 5);
        if (scratch.length < max) scratch = new byte[Math.max(max, scratch.length * 2)];
        int n = Huffman.decode(in, length, scratch, offset());
        return new String(scratch, 0, n, ISO_8859_1);
    }

    private byte[] copy(int length) {
        if (scratch.length < length) scratch = new byte[Math.max(length, scratch.length * 2)];
        in.get(scratch, 0, length);
        return scratch;
    }

}
