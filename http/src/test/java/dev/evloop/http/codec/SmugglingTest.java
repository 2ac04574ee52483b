package dev.evloop.http.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ambiguous framing and header shapes, rejected by both parsers with the same message, under
 * every split of the input. Each case is a head's field lines (plus body) wrapped in a status
 * line for the response parser and a request line for the request parser.
 */
class SmugglingTest {
    private static final ParserLimits L = ParserLimits.DEFAULT;

    static Stream<Arguments> cases() {
        return Stream.of(
                // Framing fields.
                Arguments.of("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                        "both Transfer-Encoding and Content-Length (request smuggling shape, RFC 9112 §6.3)"),
                Arguments.of("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
                        "both Transfer-Encoding and Content-Length (request smuggling shape, RFC 9112 §6.3)"),
                Arguments.of("Content-Length: 5\r\nContent-Length: 6\r\n\r\n", "conflicting Content-Length values 5 and 6 (RFC 9110 §8.6)"),
                Arguments.of("Content-Length: 5, 6\r\n\r\n", "conflicting Content-Length values 5 and 6 (RFC 9110 §8.6)"),
                Arguments.of("Content-Length: -5\r\n\r\n", "malformed Content-Length \"-5\" (RFC 9110 §8.6)"),
                Arguments.of("Content-Length: +5\r\n\r\n", "malformed Content-Length \"+5\" (RFC 9110 §8.6)"),
                Arguments.of("Content-Length: 5a\r\n\r\n", "malformed Content-Length \"5a\" (RFC 9110 §8.6)"),
                Arguments.of("Content-Length: 0x10\r\n\r\n", "malformed Content-Length \"0x10\" (RFC 9110 §8.6)"),
                Arguments.of("Content-Length: 5 5\r\n\r\n", "malformed Content-Length \"5 5\" (RFC 9110 §8.6)"),
                Arguments.of("Content-Length: 5,\r\n\r\n", "malformed Content-Length \"5,\" (RFC 9110 §8.6)"),
                Arguments.of("Content-Length:\r\n\r\n", "malformed Content-Length \"\" (RFC 9110 §8.6)"),
                Arguments.of("Content-Length: 9223372036854775808\r\n\r\n",
                        "Content-Length overflows: \"9223372036854775808\""),
                Arguments.of("Content-Length: 99999999999999999999999\r\n\r\n",
                        "Content-Length overflows: \"99999999999999999999999\""),
                Arguments.of("Transfer-Encoding: gzip\r\n\r\n", "unsupported transfer coding \"gzip\" (only chunked is supported)"),
                Arguments.of("Transfer-Encoding: gzip, chunked\r\n\r\n", "unsupported transfer coding \"gzip\" (only chunked is supported)"),
                Arguments.of("Transfer-Encoding: chunked, gzip\r\n\r\n",
                        "chunked is not the final transfer coding in \"chunked, gzip\" (RFC 9112 §6.3)"),
                Arguments.of("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
                        "chunked is not the final transfer coding in \"identity\" (RFC 9112 §6.3)"),
                Arguments.of("Transfer-Encoding: chunked, chunked\r\n\r\n", "chunked applied more than once (RFC 9112 §7)"),
                Arguments.of("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "chunked applied more than once (RFC 9112 §7)"),
                Arguments.of("Transfer-Encoding: xchunked\r\n\r\n", "unsupported transfer coding \"xchunked\" (only chunked is supported)"),
                Arguments.of("Transfer-Encoding: chunked;q=1\r\n\r\n", "unsupported transfer coding \"chunked;q=1\" (only chunked is supported)"),
                Arguments.of("Transfer-Encoding: \"chunked\"\r\n\r\n", "unsupported transfer coding \"\"chunked\"\" (only chunked is supported)"),
                Arguments.of("Transfer-Encoding: ,\r\n\r\n", "Transfer-Encoding without a transfer coding"),
                // Field syntax.
                Arguments.of("Transfer-Encoding : chunked\r\n\r\n", "whitespace between header field name \"Transfer-Encoding\" and colon (RFC 9112 §5.1)"),
                Arguments.of("Content-Length\t: 3\r\n\r\n", "whitespace between header field name \"Content-Length\" and colon (RFC 9112 §5.1)"),
                Arguments.of("X: a\r\n b\r\n\r\n", "obsolete line folding (obs-fold) in header section (RFC 9112 §5.2)"),
                Arguments.of("X: a\r\n\tTransfer-Encoding: chunked\r\n\r\n", "obsolete line folding (obs-fold) in header section (RFC 9112 §5.2)"),
                Arguments.of(" Transfer-Encoding: chunked\r\n\r\n", "header field line starts with whitespace (RFC 9112 §2.2)"),
                Arguments.of("X: a\rTransfer-Encoding: chunked\r\n\r\n", "CR in value of header field \"X\" (RFC 9110 §5.5)"),
                Arguments.of("X: a\u0000b\r\n\r\n", "NUL in value of header field \"X\" (RFC 9110 §5.5)"),
                Arguments.of("X: a\r\r\n\r\n", "CR in value of header field \"X\" (RFC 9110 §5.5)"),
                Arguments.of("Transfer-Encoding\r\n\r\n", "header field line without a colon: \"Transfer-Encoding\""),
                Arguments.of(": x\r\n\r\n", "empty header field name"),
                Arguments.of("X@Y: 1\r\n\r\n", "invalid character 0x40 in header field name \"X\""),
                Arguments.of("X\u0000: 1\r\n\r\n", "invalid character 0x00 in header field name \"X\""),
                Arguments.of("X: 1\r\n\n", "bare LF in header section (CRLF required, RFC 9112 §2.2)"),
                // Chunk framing.
                Arguments.of(chunked("g\r\n"), "invalid chunk size (not hexadecimal): \"g\""),
                Arguments.of(chunked("-1\r\n"), "invalid chunk size (not hexadecimal): \"-1\""),
                Arguments.of(chunked("0x5\r\nhello\r\n0\r\n\r\n"), "invalid chunk size (not hexadecimal): \"0x5\""),
                Arguments.of(chunked(" 5\r\nhello\r\n0\r\n\r\n"), "invalid chunk size (not hexadecimal): \" 5\""),
                Arguments.of(chunked("5 \r\nhello\r\n0\r\n\r\n"), "invalid chunk size (not hexadecimal): \"5 \""),
                Arguments.of(chunked("5\r\r\nhello\r\n0\r\n\r\n"), "invalid chunk size (not hexadecimal): \"5\\x0D\""),
                Arguments.of(chunked("\r\n"), "invalid chunk size (not hexadecimal): \"\""),
                Arguments.of(chunked("10000000000000000\r\n"), "chunk size overflows: \"10000000000000000\""),
                Arguments.of(chunked("8000000000000000\r\n"), "chunk size overflows: \"8000000000000000\""),
                Arguments.of(chunked("5\nhello\r\n0\r\n\r\n"), "bare LF in chunk-size line (CRLF required, RFC 9112 §7.1)"),
                Arguments.of(chunked("5\r\nhelloX\r\n0\r\n\r\n"), "expected CRLF after chunk data, got 0x58 (RFC 9112 §7.1)"),
                Arguments.of(chunked("5\r\nhello\rX0\r\n\r\n"), "expected CRLF after chunk data, got 0x58 (RFC 9112 §7.1)"),
                Arguments.of(chunked("5\r\nhello\n0\r\n\r\n"), "expected CRLF after chunk data, got 0x0A (RFC 9112 §7.1)"),
                Arguments.of(chunked("5;\r\nhello\r\n0\r\n\r\n"), "invalid chunk extension (RFC 9112 §7.1.1): \"5;\""),
                Arguments.of(chunked("5;=x\r\nhello\r\n0\r\n\r\n"), "invalid chunk extension (RFC 9112 §7.1.1): \"5;=x\""),
                Arguments.of(chunked("5;a=\r\nhello\r\n0\r\n\r\n"), "invalid chunk extension (RFC 9112 §7.1.1): \"5;a=\""),
                Arguments.of(chunked("5;a=\"x\r\nhello\r\n0\r\n\r\n"), "invalid chunk extension (RFC 9112 §7.1.1): \"5;a=\"x\""),
                Arguments.of(chunked("5;a=\"\u0001\"\r\nhello\r\n0\r\n\r\n"), "invalid chunk extension (RFC 9112 §7.1.1): \"5;a=\"\\x01\"\""),
                Arguments.of(chunked("5;a b\r\nhello\r\n0\r\n\r\n"), "invalid chunk extension (RFC 9112 §7.1.1): \"5;a b\""),
                Arguments.of(chunked("0\r\nX : y\r\n\r\n"), "whitespace between trailer field name \"X\" and colon (RFC 9112 §5.1)"),
                Arguments.of(chunked("0\r\nX: y\r\n z\r\n\r\n"), "obsolete line folding (obs-fold) in trailer section (RFC 9112 §5.2)"),
                Arguments.of(chunked("0\r\nX: \u0000\r\n\r\n"), "NUL in value of trailer field \"X\" (RFC 9110 §5.5)"));
    }

    private static String chunked(String body) {
        return "Transfer-Encoding: chunked\r\n\r\n" + body;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void responseParserRejects(String fields, String message) {
        Feed.failsEverySplit(Feed.responses(L, false, "GET"), "HTTP/1.1 200 OK\r\n" + fields, message);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void requestParserRejects(String fields, String message) {
        // Host goes after the first field line, so a first line starting with whitespace stays first.
        String withHost = fields.replaceFirst("\r\n", "\r\nHost: example.com\r\n");
        Feed.failsEverySplit(Feed.requests(L, false), "POST /upload HTTP/1.1\r\n" + withHost, message);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void headResponsesStillCheckFramingFields(String fields, String message) {
        // Framing fields are validated even where they do not frame anything (HEAD, 204, 304):
        // only the chunk-framing cases get through, since no body is read.
        String wire = "HTTP/1.1 200 OK\r\n" + fields;
        String last = Feed.responses(L, false, "HEAD").run(Feed.bytes(wire), new int[0], false).stream()
                .filter(e -> e.startsWith("error ")).findFirst().orElse("ok");
        boolean chunkFraming = fields.startsWith("Transfer-Encoding: chunked\r\n\r\n");
        assertThat(last).isEqualTo(chunkFraming ? "ok" : "error " + message);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void suggestedStatusIs400Or501(String fields, String message) {
        Http1RequestParser p = new Http1RequestParser(new Recorder());
        String withHost = fields.replaceFirst("\r\n", "\r\nHost: h\r\n");
        assertThatThrownBy(() -> p.parse(ByteBuffer.wrap(Feed.bytes("POST / HTTP/1.1\r\n" + withHost))))
                .isInstanceOfSatisfying(HttpParseException.class, e -> assertThat(e.suggestedStatus())
                        .isEqualTo(message.startsWith("unsupported transfer coding") ? 501 : 400));
    }

    @ParameterizedTest
    @MethodSource("http10")
    void transferEncodingInHttp10IsRejected(String start) {
        String wire = start + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        String message = "Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1)";
        if (start.startsWith("HTTP")) {
            Feed.failsEverySplit(Feed.responses(L, false, "GET"), wire, message);
        } else {
            Feed.failsEverySplit(Feed.requests(L, false), wire, message);
        }
    }

    static Stream<String> http10() {
        return Stream.of("HTTP/1.0 200 OK\r\n", "POST / HTTP/1.0\r\n");
    }
}
