package dev.evloop.http.codec;

import static dev.evloop.http.codec.Feed.bytes;
import static dev.evloop.http.codec.Feed.everySplit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Http1RequestParserTest {
    private static final ParserLimits L = ParserLimits.DEFAULT;

    @Test
    void getWithoutBody() {
        assertThat(everySplit(Feed.requests(L, true), "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"))
                .containsExactly(
                        "request GET /index.html?q=1 HTTP/1.1",
                        "header Host: example.com",
                        "header Accept: */*",
                        "headers-complete NONE 0",
                        "complete",
                        "keep-alive true expect-continue false");
    }

    @Test
    void postWithContentLength() {
        assertThat(everySplit(Feed.requests(L, false),
                "POST /form HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2"))
                .containsExactly(
                        "request POST /form HTTP/1.1",
                        "header Host: h",
                        "header Content-Type: application/x-www-form-urlencoded",
                        "header Content-Length: 7",
                        "headers-complete CONTENT_LENGTH 7",
                        "body a=1&b=2",
                        "complete",
                        "keep-alive true expect-continue false");
    }

    @Test
    void chunkedUploadWithExtensionsAndTrailers() {
        assertThat(everySplit(Feed.requests(L, false),
                "PUT /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nTrailer: Digest\r\n\r\n"
                        + "4;n=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nDigest: sha-256=abc\r\n\r\n"))
                .containsExactly(
                        "request PUT /upload HTTP/1.1",
                        "header Host: h",
                        "header Transfer-Encoding: chunked",
                        "header Expect: 100-continue",
                        "header Trailer: Digest",
                        "headers-complete CHUNKED -1",
                        "body Wikipedia in\r\n\r\nchunks.",
                        "trailer Digest: sha-256=abc",
                        "complete",
                        "keep-alive true expect-continue true");
    }

    @Test
    void pipelinedRequestsStartAutomatically() {
        assertThat(everySplit(Feed.requests(L, true),
                "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                        + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
                        + "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
                        + "GET /d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
                        + "GET /ignored HTTP/1.1\r\n"))
                .containsExactly(
                        "request GET /a HTTP/1.1", "header Host: h", "headers-complete NONE 0", "complete",
                        "keep-alive true expect-continue false",
                        "request POST /b HTTP/1.1", "header Host: h", "header Content-Length: 3",
                        "headers-complete CONTENT_LENGTH 3", "body xyz", "complete", "keep-alive true expect-continue false",
                        "request POST /c HTTP/1.1", "header Host: h", "header Transfer-Encoding: chunked",
                        "headers-complete CHUNKED -1", "body ok", "complete", "keep-alive true expect-continue false",
                        "request GET /d HTTP/1.1", "header Host: h", "header Connection: close", "headers-complete NONE 0",
                        "complete", "keep-alive false expect-continue false",
                        "rest GET /ignored HTTP/1.1\r\n");
    }

    @Test
    void http10RequestsNeedNoHostAndCloseByDefault() {
        assertThat(everySplit(Feed.requests(L, true), "GET / HTTP/1.0\r\n\r\n"))
                .containsExactly("request GET / HTTP/1.0", "headers-complete NONE 0", "complete", "keep-alive false expect-continue false");
        assertThat(everySplit(Feed.requests(L, true), "GET / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\n"))
                .endsWith("keep-alive true expect-continue false");
    }

    @Test
    void emptyLinesBeforeTheRequestLineAreIgnored() {
        // RFC 9112 §2.2; old clients sent a CRLF after a POST body.
        assertThat(everySplit(Feed.requests(L, true),
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n\r\n"))
                .containsExactly(
                        "request POST / HTTP/1.1", "header Host: h", "header Content-Length: 1", "headers-complete CONTENT_LENGTH 1",
                        "body x", "complete", "keep-alive true expect-continue false",
                        "request GET / HTTP/1.1", "header Host: h", "headers-complete NONE 0", "complete",
                        "keep-alive true expect-continue false");
    }

    @Test
    void requestTargetForms() {
        assertThat(everySplit(Feed.requests(L, false), "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")).startsWith("request OPTIONS * HTTP/1.1");
        assertThat(everySplit(Feed.requests(L, false), "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"))
                .startsWith("request CONNECT example.com:443 HTTP/1.1");
        assertThat(everySplit(Feed.requests(L, false), "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n"))
                .startsWith("request CONNECT [::1]:443 HTTP/1.1");
        assertThat(everySplit(Feed.requests(L, false), "GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n"))
                .startsWith("request GET http://example.com/x?y HTTP/1.1");
        assertThat(everySplit(Feed.requests(L, false), "get /lower-case-is-another-method HTTP/1.1\r\nHost: h\r\n\r\n"))
                .startsWith("request get /lower-case-is-another-method HTTP/1.1");
    }

    @Test
    void malformedRequestLines() throws Exception {
        String[][] cases = {
                {"GET  / HTTP/1.1\r\n", "malformed request line \"GET  / HTTP/1.1\" (RFC 9112 §3)"},
                {"GET / HTTP/1.1 \r\n", "malformed HTTP version \"HTTP/1.1 \""},
                {"GET /\r\n", "malformed request line \"GET /\" (RFC 9112 §3)"},
                {"GET / http/1.1\r\n", "malformed HTTP version \"http/1.1\""},
                {"GET / HTTP/1.10\r\n", "malformed HTTP version \"HTTP/1.10\""},
                {"GE(T / HTTP/1.1\r\n", "malformed request line \"GE(T / HTTP/1.1\" (RFC 9112 §3)"},
                {" GET / HTTP/1.1\r\n", "malformed request line \" GET / HTTP/1.1\" (RFC 9112 §3)"},
                {"GET /a\u0001b HTTP/1.1\r\n", "invalid character 0x01 in request-target (RFC 9112 §3.2)"},
                {"GET /caf\u00e9 HTTP/1.1\r\n", "invalid character 0xE9 in request-target (RFC 9112 §3.2)"},
                {"GET /a\tb HTTP/1.1\r\n", "invalid character 0x09 in request-target (RFC 9112 §3.2)"},
                {"GET * HTTP/1.1\r\n", "request-target \"*\" is not a valid form for GET (RFC 9112 §3.2)"},
                {"GET foo HTTP/1.1\r\n", "request-target \"foo\" is not a valid form for GET (RFC 9112 §3.2)"},
                {"CONNECT /x HTTP/1.1\r\n", "request-target \"/x\" is not a valid form for CONNECT (RFC 9112 §3.2)"},
                {"CONNECT host HTTP/1.1\r\n", "request-target \"host\" is not a valid form for CONNECT (RFC 9112 §3.2)"},
                {"GET / HTTP/2.0\r\n", "unsupported HTTP version HTTP/2.0"},
                {"GET / HTTP/1.1\r\nX: y\r\n\r\n", "HTTP/1.1 request without a Host header field (RFC 9112 §3.2)"},
                {"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "multiple Host header fields (RFC 9112 §3.2)"},
                {"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", "multiple Host header fields (RFC 9112 §3.2)"},
        };
        for (String[] c : cases) {
            Feed.failsEverySplit(Feed.requests(L, false), c[0], c[1]);
        }
        Http1RequestParser p = new Http1RequestParser(new Recorder());
        assertThatThrownBy(() -> p.parse(ByteBuffer.wrap(bytes("GET / HTTP/3.0\r\n"))))
                .isInstanceOfSatisfying(HttpParseException.class, e -> assertThat(e.suggestedStatus()).isEqualTo(505));
    }

    @Test
    void endOfInputBetweenRequestsIsCleanInsideOneIsAnError() throws Exception {
        new Http1RequestParser(new Recorder()).endOfInput();
        assertThat(Feed.requests(L, true).run(bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n\r\n"), new int[0], false))
                .endsWith("keep-alive true expect-continue false");
        assertThat(Feed.requests(L, true).run(bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab"), new int[0], false))
                .endsWith("error connection closed before the end of the message: after 2 of 4 body bytes");
        assertThat(Feed.requests(L, true).run(bytes("GET / HT"), new int[0], false))
                .endsWith("error connection closed before the end of the message: in the request line");
    }

    @Test
    void queriesAndLifecycle() throws Exception {
        Http1RequestParser p = new Http1RequestParser(new Recorder());
        ByteBuffer in = ByteBuffer.wrap(bytes("POST /x HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nokGET"));
        p.parse(in);
        assertThat(p.isComplete()).isTrue();
        assertThat(p.method()).isEqualTo("POST");
        assertThat(p.target()).isEqualTo("/x");
        assertThat(p.version()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(p.framing()).isEqualTo(BodyFraming.CONTENT_LENGTH);
        assertThat(p.expectContinue()).isTrue();
        assertThat(p.keepAlive()).isTrue();
        assertThat(in.remaining()).isEqualTo(3);
        p.parse(in);
        assertThat(p.isComplete()).isFalse();
        assertThat(p.messageStarted()).isTrue();
        assertThat(p.method()).isNull();

        Http1RequestParser closing = new Http1RequestParser(new Recorder());
        closing.parse(ByteBuffer.wrap(bytes("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")));
        assertThatThrownBy(() -> closing.parse(ByteBuffer.wrap(bytes("GET")))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("RFC 9112 §9.6");
        closing.reset();
        closing.parse(ByteBuffer.wrap(bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n")));
        assertThat(closing.isComplete()).isTrue();
    }
}
