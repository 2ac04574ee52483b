package dev.evloop.websocket.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * Parser for a {@code Sec-WebSocket-Extensions} value (RFC 6455 §9.1):
 *
 * <pre>
 * extension-list = 1#extension
 * extension      = extension-token *( ";" extension-param )
 * extension-param = token [ "=" (token | quoted-string) ]
 * </pre>
 *
 * with optional whitespace around the separators and empty list elements tolerated (RFC 9110
 * §5.6.1). A quoted value, once unescaped, must itself be a token (§9.1).
 */
final class ExtensionHeader {
    record Param(String name, String value) {}

    record Element(String name, List<Param> params) {}

    private final String s;
    private int i;

    private ExtensionHeader(String s) {
        this.s = s;
    }

    /** The elements of one header value, in order; IllegalArgumentException naming the fault. */
    static List<Element> parse(String value) {
        return new ExtensionHeader(value).elements();
    }

    private List<Element> elements() {
        List<Element> out = new ArrayList<>();
        while (true) {
            skipSpace();
            if (i == s.length()) {
                return out;
            }
            if (s.charAt(i) == ',') {
                i++;
                continue;
            }
            String name = token("extension name");
            List<Param> params = new ArrayList<>();
            skipSpace();
            while (i < s.length() && s.charAt(i) == ';') {
                i++;
                skipSpace();
                String param = token("parameter name");
                skipSpace();
                String value = null;
                if (i < s.length() && s.charAt(i) == '=') {
                    i++;
                    skipSpace();
                    value = i < s.length() && s.charAt(i) == '"' ? quoted(param) : token("value of " + param);
                    skipSpace();
                }
                params.add(new Param(param, value));
            }
            if (i < s.length() && s.charAt(i) != ',') {
                throw fault("unexpected '" + s.charAt(i) + "'");
            }
            out.add(new Element(name, List.copyOf(params)));
        }
    }

    private String token(String what) {
        int start = i;
        while (i < s.length() && isTokenChar(s.charAt(i))) {
            i++;
        }
        if (i == start) {
            throw fault(i == s.length() ? "missing " + what : "expected " + what + ", found '" + s.charAt(i) + "'");
        }
        return s.substring(start, i);
    }

    private String quoted(String param) {
        int start = i++;
        StringBuilder value = new StringBuilder();
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c == '"') {
                String v = value.toString();
                if (v.isEmpty() || !v.chars().allMatch(ExtensionHeader::isTokenChar)) {
                    i = start;
                    throw fault("quoted value of " + param + " is not a token: " + s.substring(start, start + v.length() + 2));
                }
                return v;
            }
            if (c == '\\') {
                if (i == s.length()) {
                    break;
                }
                c = s.charAt(i++);
            }
            value.append(c);
        }
        i = start;
        throw fault("unterminated quoted value of " + param);
    }

    private void skipSpace() {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
    }

    private IllegalArgumentException fault(String what) {
        return new IllegalArgumentException(what + " at index " + i + " of \"" + s + "\"");
    }

    /** tchar of RFC 9110 §5.6.2. */
    static boolean isTokenChar(int c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
