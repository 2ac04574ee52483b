package dev.evloop.http.codec.hpack;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Test helpers: hex as the RFC prints it, decoding into a list, the dynamic table as a list. */
final class Blocks {
    record Field(String name, String value, boolean neverIndexed) {
        Field(String name, String value) {
            this(name, value, false);
        }
    }

    private Blocks() {}

    static byte[] hex(String rfcHex) {
        return HexFormat.of().parseHex(rfcHex.replaceAll("\\s", ""));
    }

    static String hex(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static List<Field> decode(HpackDecoder decoder, byte[] block) throws HpackException {
        List<Field> fields = new ArrayList<>();
        decoder.decode(ByteBuffer.wrap(block), (n, v, never) -> fields.add(new Field(n, v, never)));
        return fields;
    }

    /** Newest entry first, as Appendix C prints the tables. */
    static List<Field> entries(DynamicTable table) {
        List<Field> entries = new ArrayList<>();
        for (int i = 1; i <= table.length(); i++) entries.add(new Field(table.name(i), table.value(i)));
        return entries;
    }

    static List<Field> fields(String... nameValues) {
        List<Field> fields = new ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) fields.add(new Field(nameValues[i], nameValues[i + 1]));
        return fields;
    }

    static ByteBuffer encode(HpackEncoder encoder, List<Field> fields) {
        encoder.beginBlock();
        for (Field f : fields) encoder.field(f.name(), f.value(), f.neverIndexed());
        return encoder.endBlock();
    }
}
