package dev.evloop.http.codec;

import static dev.evloop.http.codec.Feed.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each limit exactly at the limit (accepted) and one over (a clear error naming it). */
class ParserLimitsTest {

    /** A response head of exactly {@code size} bytes: status line, one padded field, CL 0, CRLF. */
    private static String responseHead(int size) {
        String start = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: ";
        return start + "p".repeat(size - start.length() - 4) + "\r\n\r\n";
    }

    private static String requestHead(int size) {
        String start = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ";
        return start + "p".repeat(size - start.length() - 4) + "\r\n\r\n";
    }

    @Test
    void headerSectionAtAndOverTheLimit() {
        ParserLimits limits = ParserLimits.DEFAULT.withMaxHeaderSectionBytes(200);
        assertThat(responseHead(200)).hasSize(200);
        assertThat(Feed.everySplit(Feed.responses(limits, false, "GET"), responseHead(200))).contains("complete");
        Feed.failsEverySplit(Feed.responses(limits, false, "GET"), responseHead(201), "header section exceeds 200 bytes");
        assertThat(Feed.everySplit(Feed.requests(limits, false), requestHead(200))).contains("complete");
        Feed.failsEverySplit(Feed.requests(limits, false), requestHead(201), "header section exceeds 200 bytes");
    }

    @Test
    void headerSectionDefaultIs64KiB() {
        ParserLimits limits = ParserLimits.DEFAULT;
        assertThat(Feed.wholeAndBytewise(Feed.responses(limits, false, "GET"), bytes(responseHead(65536)))).contains("complete");
        assertThat(Feed.wholeAndBytewise(Feed.responses(limits, false, "GET"), bytes(responseHead(65537))))
                .contains("error header section exceeds 65536 bytes");
    }

    @Test
    void emptyLinesBeforeTheStartLineCountTowardsTheHead() {
        ParserLimits limits = ParserLimits.DEFAULT.withMaxHeaderSectionBytes(200);
        String head = "\r\n" + responseHead(198);
        assertThat(Feed.everySplit(Feed.responses(limits, false, "GET"), head)).contains("complete");
        Feed.failsEverySplit(Feed.responses(limits, false, "GET"), "\r\n" + responseHead(199), "header section exceeds 200 bytes");
    }

    @Test
    void startLineAloneOverTheLimitNamesIt() throws Exception {
        ParserLimits limits = ParserLimits.DEFAULT.withMaxHeaderSectionBytes(64);
        String longTarget = "GET /" + "a".repeat(100) + " HTTP/1.1\r\n";
        Feed.failsEverySplit(Feed.requests(limits, false), longTarget, "request line exceeds the header section limit of 64 bytes");
        HttpParseException e = parseRequest(limits, longTarget);
        assertThat(e.suggestedStatus()).isEqualTo(414);
        assertThat(parseRequest(limits, requestHead(65)).suggestedStatus()).isEqualTo(431);
        Feed.failsEverySplit(Feed.responses(limits, false, "GET"), "HTTP/1.1 200 " + "x".repeat(60) + "\r\n",
                "status line exceeds the header section limit of 64 bytes");
    }

    private static String fields(int count) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) b.append("F").append(i).append(": v\r\n");
        return b.toString();
    }

    @Test
    void headerCountAtAndOverTheLimit() throws Exception {
        ParserLimits limits = ParserLimits.DEFAULT.withMaxHeaderCount(5);
        assertThat(Feed.everySplit(Feed.responses(limits, false, "GET"), "HTTP/1.1 204 No Content\r\n" + fields(5) + "\r\n"))
                .contains("complete");
        Feed.failsEverySplit(Feed.responses(limits, false, "GET"), "HTTP/1.1 204 No Content\r\n" + fields(6) + "\r\n",
                "more than 5 header fields");
        String def = "HTTP/1.1 204 No Content\r\n" + fields(100) + "\r\n";
        assertThat(Feed.wholeAndBytewise(Feed.responses(ParserLimits.DEFAULT, false, "GET"), bytes(def))).contains("complete");
        assertThat(Feed.wholeAndBytewise(Feed.responses(ParserLimits.DEFAULT, false, "GET"),
                bytes("HTTP/1.1 204 No Content\r\n" + fields(101) + "\r\n"))).contains("error more than 100 header fields");
        assertThat(parseRequest(ParserLimits.DEFAULT, "GET / HTTP/1.1\r\n" + fields(101)).suggestedStatus()).isEqualTo(431);
    }

    @Test
    void trailerCountAndSectionAtAndOverTheLimits() {
        ParserLimits limits = ParserLimits.DEFAULT.withMaxHeaderCount(5).withMaxHeaderSectionBytes(100);
        String head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n";
        assertThat(Feed.everySplit(Feed.responses(limits, false, "GET"), head + fields(5) + "\r\n")).contains("complete");
        Feed.failsEverySplit(Feed.responses(limits, false, "GET"), head + fields(6) + "\r\n", "more than 5 trailer fields");
        // Trailer section: fields plus final CRLF; "T: " + pad + CRLF + CRLF.
        String exact = "T: " + "t".repeat(100 - 3 - 4) + "\r\n\r\n";
        assertThat(exact).hasSize(100);
        assertThat(Feed.everySplit(Feed.responses(limits, false, "GET"), head + exact)).contains("trailer T: " + "t".repeat(93));
        Feed.failsEverySplit(Feed.responses(limits, false, "GET"), head + "T: " + "t".repeat(94) + "\r\n\r\n",
                "trailer section exceeds 100 bytes");
    }

    /** A chunk-size line of exactly {@code size} bytes, CRLF included, for a 1-byte chunk. */
    private static String chunkLine(int size) {
        return "1;e=" + "x".repeat(size - 6) + "\r\n";
    }

    @Test
    void chunkLineAtAndOverTheLimit() {
        ParserLimits limits = ParserLimits.DEFAULT.withMaxChunkLineBytes(40);
        String head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        assertThat(chunkLine(40)).hasSize(40);
        assertThat(Feed.everySplit(Feed.responses(limits, false, "GET"), head + chunkLine(40) + "a\r\n0\r\n\r\n"))
                .contains("body a", "complete");
        Feed.failsEverySplit(Feed.responses(limits, false, "GET"), head + chunkLine(41) + "a\r\n0\r\n\r\n",
                "chunk-size line exceeds 40 bytes");
        // The default, 1 KiB, and leading zeros count too.
        String zeros = "0".repeat(1021) + "1\r\n";
        assertThat(zeros).hasSize(1024);
        assertThat(Feed.wholeAndBytewise(Feed.responses(ParserLimits.DEFAULT, false, "GET"), bytes(head + zeros + "a\r\n0\r\n\r\n")))
                .contains("body a", "complete");
        assertThat(Feed.wholeAndBytewise(Feed.responses(ParserLimits.DEFAULT, false, "GET"), bytes(head + "0" + zeros + "a\r\n0\r\n\r\n")))
                .contains("error chunk-size line exceeds 1024 bytes");
    }

    @Test
    void bodyLimitWithContentLength() throws Exception {
        ParserLimits limits = ParserLimits.DEFAULT.withMaxBodyBytes(10);
        assertThat(Feed.everySplit(Feed.responses(limits, false, "GET"),
                "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")).contains("body 0123456789", "complete");
        Feed.failsEverySplit(Feed.responses(limits, false, "GET"), "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n",
                "Content-Length 11 exceeds the body limit of 10 bytes");
        assertThat(parseRequest(limits, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n").suggestedStatus()).isEqualTo(413);
        // HEAD: the Content-Length frames nothing, so it is not held against the limit.
        assertThat(Feed.everySplit(Feed.responses(limits, false, "HEAD"), "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"))
                .contains("complete");
    }

    @Test
    void bodyLimitWithChunkedAndCloseDelimitedBodies() {
        ParserLimits limits = ParserLimits.DEFAULT.withMaxBodyBytes(10);
        String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        assertThat(Feed.everySplit(Feed.responses(limits, false, "GET"), chunked + "4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n"))
                .contains("body 0123456789", "complete");
        Feed.failsEverySplit(Feed.responses(limits, false, "GET"), chunked + "4\r\n0123\r\n7\r\n456789A\r\n0\r\n\r\n",
                "body exceeds 10 bytes");
        Feed.failsEverySplit(Feed.requests(limits, false), "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nB\r\n0123456789A\r\n0\r\n\r\n",
                "body exceeds 10 bytes");
        String close = "HTTP/1.1 200 OK\r\n\r\n";
        assertThat(Feed.everySplit(Feed.responses(limits, true, "GET"), close + "0123456789")).contains("body 0123456789", "complete");
        Feed.failsEverySplit(Feed.responses(limits, true, "GET"), close + "0123456789A", "body exceeds 10 bytes");
    }

    @Test
    void limitsAreValidated() {
        assertThatThrownBy(() -> ParserLimits.DEFAULT.withMaxHeaderSectionBytes(15)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxHeaderSectionBytes");
        assertThatThrownBy(() -> ParserLimits.DEFAULT.withMaxChunkLineBytes(2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ParserLimits.DEFAULT.withMaxBodyBytes(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ParserLimits.DEFAULT.withMaxHeaderCount(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ParserLimits.DEFAULT).isEqualTo(new ParserLimits(65536, 100, 1024, Long.MAX_VALUE, false));
    }

    private static HttpParseException parseRequest(ParserLimits limits, String wire) {
        Http1RequestParser p = new Http1RequestParser(new Recorder(), limits);
        try {
            p.parse(ByteBuffer.wrap(bytes(wire)));
        } catch (HttpParseException e) {
            return e;
        }
        throw new AssertionError("no error for " + List.of(wire));
    }
}
