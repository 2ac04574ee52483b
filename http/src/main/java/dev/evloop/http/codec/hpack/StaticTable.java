package dev.evloop.http.codec.hpack;

import java.util.HashMap;
import java.util.Map;

/** The static table of RFC 7541 Appendix A; indices 1 to 61. */
final class StaticTable {
    static final int LENGTH = 61;

    private static final String[][] ENTRIES = {
        {":authority", ""},
        {":method", "GET"},
        {":method", "POST"},
        {":path", "/"},
        {":path", "/index.html"},
        {":scheme", "http"},
        {":scheme", "https"},
        {":status", "200"},
        {":status", "204"},
        {":status", "206"},
        {":status", "304"},
        {":status", "400"},
        {":status", "404"},
        {":status", "500"},
        {"accept-charset", ""},
        {"accept-encoding", "gzip, deflate"},
        {"accept-language", ""},
        {"accept-ranges", ""},
        {"accept", ""},
        {"access-control-allow-origin", ""},
        {"age", ""},
        {"allow", ""},
        {"authorization", ""},
        {"cache-control", ""},
        {"content-disposition", ""},
        {"content-encoding", ""},
        {"content-language", ""},
        {"content-length", ""},
        {"content-location", ""},
        {"content-range", ""},
        {"content-type", ""},
        {"cookie", ""},
        {"date", ""},
        {"etag", ""},
        {"expect", ""},
        {"expires", ""},
        {"from", ""},
        {"host", ""},
        {"if-match", ""},
        {"if-modified-since", ""},
        {"if-none-match", ""},
        {"if-range", ""},
        {"if-unmodified-since", ""},
        {"last-modified", ""},
        {"link", ""},
        {"location", ""},
        {"max-forwards", ""},
        {"proxy-authenticate", ""},
        {"proxy-authorization", ""},
        {"range", ""},
        {"referer", ""},
        {"refresh", ""},
        {"retry-after", ""},
        {"server", ""},
        {"set-cookie", ""},
        {"strict-transport-security", ""},
        {"transfer-encoding", ""},
        {"user-agent", ""},
        {"vary", ""},
        {"via", ""},
        {"www-authenticate", ""},
    };

    /** Name to its lowest index; entries of one name are adjacent (Appendix A). */
    private static final Map<String, Integer> FIRST_INDEX = new HashMap<>();

    static {
        for (int i = LENGTH; i >= 1; i--) FIRST_INDEX.put(name(i), i);
    }

    private StaticTable() {}

    static String name(int index) {
        return ENTRIES[index - 1][0];
    }

    static String value(int index) {
        return ENTRIES[index - 1][1];
    }

    /** The lowest index with this name, or 0. */
    static int nameIndex(String name) {
        Integer i = FIRST_INDEX.get(name);
        return i == null ? 0 : i;
    }

    /** The index with this name and value, or 0. */
    static int fieldIndex(String name, int nameIndex, String value) {
        for (int i = nameIndex; i <= LENGTH && name(i).equals(name); i++) {
            if (value(i).equals(value)) return i;
        }
        return 0;
    }
}
