package dev.evloop.server.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date} field value (RFC 9110 §6.6.1: an origin server with a clock sends it), in
 * IMF-fixdate form ({@code Sun, 06 Nov 1994 08:49:37 GMT}, RFC 9110 §5.6.7), formatted at most
 * once per second. {@link DateTimeFormatter#RFC_1123_DATE_TIME} is not used: it drops the leading
 * zero of the day, which IMF-fixdate requires.
 */
final class HttpDate {
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private record Cached(long second, String text) {}

    /** Shared by every loop; a stale read only costs a second formatting. */
    private static volatile Cached cached = new Cached(Long.MIN_VALUE, "");

    private HttpDate() {}

    static String now() {
        long second = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c.second != second) {
            c = new Cached(second, IMF_FIXDATE.format(Instant.ofEpochSecond(second)));
            cached = c;
        }
        return c.text;
    }
}
