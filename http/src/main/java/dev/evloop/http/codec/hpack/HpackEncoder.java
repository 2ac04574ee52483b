package dev.evloop.http.codec.hpack;

import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Encodes HPACK header blocks (RFC 7541) for one HTTP/2 connection.
 *
 * <p>Per block:
 * <ol>
 *   <li>{@link #beginBlock()} emits the dynamic table size updates owed since the last block
 *       (§4.2): when the peer's SETTINGS_HEADER_TABLE_SIZE shrank and then grew, the smallest size
 *       first, then the final one.
 *   <li>Each {@link #field} picks, in order: an indexed field (§6.1) if the static or dynamic
 *       table holds the name and value (the lowest index); else a literal (§6.2) naming the name
 *       by index if a table holds it (the static table first), with a new name otherwise.
 *       Strings are Huffman-coded unless that is longer ({@link HuffmanMode#WHEN_SHORTER}).
 *   <li>{@link #endBlock()} returns the block, a view valid until the next {@code beginBlock}.
 * </ol>
 *
 * <p>Indexing ({@link IndexingPolicy}): a field marked sensitive by the caller is always a
 * "never indexed" literal (§7.1.3). {@link IndexingPolicy#DEFAULT} also never indexes
 * {@code authorization}, {@code proxy-authorization}, {@code cookie} and {@code set-cookie}, does
 * not index fields whose value changes from message to message ({@code content-length},
 * {@code date}, {@code etag}...) nor a field larger than half the table, and indexes the rest
 * incrementally. {@link IndexingPolicy#INCREMENTAL} indexes every field that is not marked
 * sensitive, as the examples of Appendix C do.
 *
 * <p>Once warm (the output array grown), encoding allocates nothing except the entries added to
 * the dynamic table. One thread at a time.
 */
public final class HpackEncoder {

    public enum IndexingPolicy { DEFAULT, INCREMENTAL }

    public enum HuffmanMode { NEVER, WHEN_SHORTER }

    private static final Set<String> NEVER_INDEXED =
            Set.of("authorization", "proxy-authorization", "cookie", "set-cookie");

    private static final Set<String> NOT_INDEXED = Set.of(
            "content-length", "date", "etag", "last-modified", "expires", "age", "content-range",
            "if-modified-since", "if-unmodified-since", "if-none-match", "if-match", "if-range");

    private final DynamicTable table;
    private final IndexingPolicy policy;
    private final HuffmanMode huffman;
    private final int tableSizeLimit;
    private final Output out = new Output();

    // Size updates owed to the peer (§4.2); -1 when none.
    private int smallestSizeUpdate = -1;
    private boolean inBlock;

    /** Encoder for a peer that announced {@code peerTableSize}, with the default policies. */
    public HpackEncoder(int peerTableSize) {
        this(peerTableSize, 4096, IndexingPolicy.DEFAULT, HuffmanMode.WHEN_SHORTER);
    }

    /**
     * @param peerTableSize the peer's SETTINGS_HEADER_TABLE_SIZE (4096 until it says otherwise)
     * @param tableSizeLimit the most this encoder will use whatever the peer allows (§4.2 lets an
     *     encoder use less), bounding its memory
     */
    public HpackEncoder(int peerTableSize, int tableSizeLimit, IndexingPolicy policy, HuffmanMode huffman) {
        if (peerTableSize < 0) throw new IllegalArgumentException("peerTableSize < 0: " + peerTableSize);
        if (tableSizeLimit < 0) throw new IllegalArgumentException("tableSizeLimit < 0: " + tableSizeLimit);
        this.tableSizeLimit = tableSizeLimit;
        this.policy = policy;
        this.huffman = huffman;
        int size = Math.min(peerTableSize, tableSizeLimit);
        this.table = new DynamicTable(size);
        // The peer's decoder starts at its announced size; a smaller table must be announced.
        if (size < peerTableSize) smallestSizeUpdate = size;
    }

    /**
     * The peer's SETTINGS_HEADER_TABLE_SIZE changed: evicts at once and announces the change at the
     * start of the next block.
     */
    public void setPeerTableSize(int peerTableSize) {
        if (peerTableSize < 0) throw new IllegalArgumentException("peerTableSize < 0: " + peerTableSize);
        if (inBlock) throw new IllegalStateException("table size change inside a block");
        int size = Math.min(peerTableSize, tableSizeLimit);
        smallestSizeUpdate = smallestSizeUpdate < 0 ? size : Math.min(smallestSizeUpdate, size);
        table.setCapacity(size);
    }

    /** For tests: the dynamic table as it stands. */
    DynamicTable table() {
        return table;
    }

    public int tableCapacity() {
        return table.capacity();
    }

    public void beginBlock() {
        if (inBlock) throw new IllegalStateException("beginBlock: the previous block was not ended");
        inBlock = true;
        out.reset();
        if (smallestSizeUpdate >= 0) {
            if (smallestSizeUpdate < table.capacity()) out.putInt(0x20, 5, smallestSizeUpdate);
            out.putInt(0x20, 5, table.capacity());
            smallestSizeUpdate = -1;
        }
    }

    public void field(String name, String value) {
        field(name, value, false);
    }

    /** @param sensitive encode as "never indexed" (§6.2.3), e.g. a credential */
    public void field(String name, String value, boolean sensitive) {
        if (!inBlock) throw new IllegalStateException("field outside a block: call beginBlock first");
        checkOctets("name", name);
        checkOctets("value", value);
        boolean neverIndex = sensitive || (policy == IndexingPolicy.DEFAULT && NEVER_INDEXED.contains(name));
        int staticName = StaticTable.nameIndex(name);
        if (!neverIndex) {
            int index = staticName == 0 ? 0 : StaticTable.fieldIndex(name, staticName, value);
            if (index == 0) index = dynamicIndex(name, value, true);
            if (index != 0) {
                out.putInt(0x80, 7, index);
                return;
            }
        }
        int nameIndex = staticName != 0 ? staticName : dynamicIndex(name, value, false);
        boolean incremental = !neverIndex && indexes(name, value);
        if (neverIndex) {
            out.putInt(0x10, 4, nameIndex);
        } else if (incremental) {
            out.putInt(0x40, 6, nameIndex);
        } else {
            out.putInt(0x00, 4, nameIndex);
        }
        if (nameIndex == 0) string(name);
        string(value);
        if (incremental) table.add(name, value);
    }

    /** The block, read-only; the same buffer object is reused by later blocks. */
    public ByteBuffer endBlock() {
        if (!inBlock) throw new IllegalStateException("endBlock outside a block");
        inBlock = false;
        return out.view();
    }

    private boolean indexes(String name, String value) {
        if (policy == IndexingPolicy.INCREMENTAL) return true;
        return !NOT_INDEXED.contains(name) && DynamicTable.entrySize(name, value) <= table.capacity() / 2;
    }

    /** Index (62 up) of the newest dynamic entry with this name (and value if asked), or 0. */
    private int dynamicIndex(String name, String value, boolean withValue) {
        for (int i = 1; i <= table.length(); i++) {
            if (table.name(i).equals(name) && (!withValue || table.value(i).equals(value))) {
                return StaticTable.LENGTH + i;
            }
        }
        return 0;
    }

    private void string(String s) {
        if (huffman == HuffmanMode.WHEN_SHORTER) {
            int coded = Huffman.encodedLength(s);
            // A tie goes to Huffman, as in Appendix C.6.2 ("307").
            if (coded <= s.length()) {
                out.putInt(0x80, 7, coded);
                Huffman.encode(s, out);
                return;
            }
        }
        out.putInt(0x00, 7, s.length());
        for (int i = 0; i < s.length(); i++) out.put(s.charAt(i));
    }

    private static void checkOctets(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xff) {
                throw new IllegalArgumentException("field " + what + " has a character above U+00FF at "
                        + i + ": " + s);
            }
        }
    }
}
