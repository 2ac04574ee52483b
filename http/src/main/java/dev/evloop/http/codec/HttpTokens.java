package dev.evloop.http.codec;

/**
 * Character classes of RFC 9110 §5.6.2 (token) and §5.5 (field values), shared by the parsers and
 * the encoders, and the checks the encoders apply to what they are asked to send.
 */
final class HttpTokens {
    /** tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) TCHAR[c] = true;
        for (int c = 'a'; c <= 'z'; c++) TCHAR[c] = true;
        for (int c = 'A'; c <= 'Z'; c++) TCHAR[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TCHAR[c] = true;
    }

    private HttpTokens() {}

    static boolean isTchar(int b) {
        return TCHAR[b & 0xFF];
    }

    static boolean isHexDigit(int b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    static int hexValue(int b) {
        return b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
    }

    static boolean isWhitespace(int b) {
        return b == ' ' || b == '\t';
    }

    /** RFC 5234 CTL other than HTAB: what a sender never puts in a field value or reason phrase. */
    static boolean isForbiddenCtl(int c) {
        return (c < 0x20 && c != '\t') || c == 0x7F;
    }

    static String hex(int b) {
        return String.format("0x%02X", b & 0xFF);
    }

    /** @throws IllegalArgumentException naming {@code what} unless {@code s} is a non-empty token */
    static void checkToken(String s, String what) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xFF || !TCHAR[c]) {
                throw new IllegalArgumentException(what + " \"" + printable(s)
                        + "\" has a character that is not allowed in a token (RFC 9110 §5.6.2) at index " + i);
            }
        }
    }

    /**
     * Checks a field for sending: the name must be a token (RFC 9110 §5.1); the value must not
     * contain CR, LF or NUL (header injection, RFC 9110 §5.5), nor other controls or characters
     * beyond ISO-8859-1 (field-vchar, obs-text).
     *
     * @throws IllegalArgumentException naming the header
     */
    static void checkField(String name, String value) {
        checkToken(name, "header name");
        if (value == null) {
            throw new IllegalArgumentException("header \"" + name + "\" has a null value");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new IllegalArgumentException("header \"" + name + "\" value contains " + describe(c)
                        + " at index " + i + " (header injection, RFC 9110 §5.5)");
            }
            if (isForbiddenCtl(c)) {
                throw new IllegalArgumentException("header \"" + name + "\" value contains control character "
                        + hex(c) + " at index " + i + " (RFC 9110 §5.5)");
            }
            if (c > 0xFF) {
                throw new IllegalArgumentException("header \"" + name + "\" value contains non-ISO-8859-1 character U+"
                        + String.format("%04X", (int) c) + " at index " + i + " (encode it first, RFC 9110 §5.5)");
            }
        }
    }

    /** Reason phrase: *( HTAB / SP / VCHAR / obs-text ), RFC 9112 §4. */
    static void checkReason(String reason) {
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            if (isForbiddenCtl(c) || c > 0xFF) {
                throw new IllegalArgumentException(
                        "reason phrase contains " + describe(c) + " at index " + i + " (RFC 9112 §4)");
            }
        }
    }

    private static String describe(char c) {
        return switch (c) {
            case '\r' -> "CR";
            case '\n' -> "LF";
            case 0 -> "NUL";
            default -> c > 0xFF ? String.format("U+%04X", (int) c) : hex(c);
        };
    }

    /** For error messages: the string with controls escaped, cut at 64 characters. */
    static String printable(CharSequence s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                b.append(String.format("\\x%02X", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > 64) b.append("...");
        return b.toString();
    }
}
