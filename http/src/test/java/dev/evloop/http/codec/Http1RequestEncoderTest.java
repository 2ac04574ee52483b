package dev.evloop.http.codec;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Http1RequestEncoderTest {

    private static String head(String method, String uri, List<Map.Entry<String, String>> headers, long length) {
        ByteBuffer b = Http1RequestEncoder.encodeHead(null, method, URI.create(uri), headers, length);
        return new String(b.array(), 0, b.position(), ISO_8859_1);
    }

    @Test
    void getWithoutBody() {
        assertThat(head("GET", "http://example.com/a/b?x=1&y=%20#frag", List.of(Map.entry("Accept", "*/*")), Http1RequestEncoder.NO_BODY))
                .isEqualTo("GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n");
    }

    @Test
    void bodyFraming() {
        assertThat(head("POST", "http://h/", List.of(), 5)).isEqualTo("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
        assertThat(head("POST", "http://h/", List.of(), 0)).isEqualTo("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
        assertThat(head("PUT", "http://h/up", List.of(Map.entry("Expect", "100-continue")), Http1RequestEncoder.CHUNKED))
                .isEqualTo("PUT /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertThat(head("POST", "http://h/", List.of(), Long.MAX_VALUE)).contains("Content-Length: 9223372036854775807\r\n");
        assertThatThrownBy(() -> head("POST", "http://h/", List.of(), -3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hostHeaderFromTheAuthority() {
        assertThat(Http1RequestEncoder.hostHeader(URI.create("http://example.com:80/"))).isEqualTo("example.com");
        assertThat(Http1RequestEncoder.hostHeader(URI.create("http://example.com:8080/"))).isEqualTo("example.com:8080");
        assertThat(Http1RequestEncoder.hostHeader(URI.create("https://example.com:443/"))).isEqualTo("example.com");
        assertThat(Http1RequestEncoder.hostHeader(URI.create("HTTPS://example.com:80/"))).isEqualTo("example.com:80");
        assertThat(Http1RequestEncoder.hostHeader(URI.create("http://[::1]:8080/"))).isEqualTo("[::1]:8080");
        assertThat(Http1RequestEncoder.hostHeader(URI.create("http://[2001:db8::1]/"))).isEqualTo("[2001:db8::1]");
        assertThat(Http1RequestEncoder.hostHeader(URI.create("https://user:pw@example.com/"))).isEqualTo("example.com");
        assertThat(Http1RequestEncoder.hostHeader(URI.create("http://my_host:81/x"))).isEqualTo("my_host:81");
        assertThat(Http1RequestEncoder.hostHeader(URI.create("http://u@my_host:80/x"))).isEqualTo("my_host");
        assertThat(Http1RequestEncoder.hostHeader(URI.create("http://b\u00fccher.example/"))).isEqualTo("xn--bcher-kva.example");
        assertThat(Http1RequestEncoder.hostHeader(URI.create("ws://h:80/"))).isEqualTo("h");
        assertThat(Http1RequestEncoder.hostHeader("::1", 443, true)).isEqualTo("[::1]");
        assertThat(Http1RequestEncoder.hostHeader("::1", 8443, true)).isEqualTo("[::1]:8443");
        assertThat(Http1RequestEncoder.hostHeader("h", -1, false)).isEqualTo("h");
        assertThatThrownBy(() -> Http1RequestEncoder.hostHeader(URI.create("ftp://h/"))).hasMessageContaining("unsupported URI scheme");
        assertThatThrownBy(() -> Http1RequestEncoder.hostHeader(URI.create("/relative"))).hasMessageContaining("not absolute");
        assertThatThrownBy(() -> Http1RequestEncoder.hostHeader(URI.create("http:///path"))).hasMessageContaining("no host");
    }

    @Test
    void requestTargetInOriginForm() {
        assertThat(Http1RequestEncoder.requestTarget(URI.create("http://h"))).isEqualTo("/");
        assertThat(Http1RequestEncoder.requestTarget(URI.create("http://h?q"))).isEqualTo("/?q");
        assertThat(Http1RequestEncoder.requestTarget(URI.create("http://h/a%2Fb#x"))).isEqualTo("/a%2Fb");
        assertThat(Http1RequestEncoder.requestTarget(URI.create("http://h/caf\u00e9?q=\u00e9"))).isEqualTo("/caf%C3%A9?q=%C3%A9");
        assertThatThrownBy(() -> Http1RequestEncoder.requestTarget(URI.create("mailto:x@y"))).hasMessageContaining("opaque");
    }

    @Test
    void explicitTargetAndHost() {
        ByteBuffer b = Http1RequestEncoder.encodeHead(null, "CONNECT", "example.com:443", "example.com:443", List.of(),
                Http1RequestEncoder.NO_BODY);
        assertThat(new String(b.array(), 0, b.position(), ISO_8859_1))
                .isEqualTo("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
        assertThatThrownBy(() -> Http1RequestEncoder.encodeHead(null, "GET", "/a b", "h", List.of(), -1))
                .hasMessage("request-target \"/a b\" has a space at index 2 (RFC 9112 §3.2)");
        assertThatThrownBy(() -> Http1RequestEncoder.encodeHead(null, "GET", "/a\r\nX: y", "h", List.of(), -1))
                .hasMessageContaining("character 0x0D");
        assertThatThrownBy(() -> Http1RequestEncoder.encodeHead(null, "GET", "/", null, List.of(), -1))
                .hasMessage("no Host: pass a host or a Host header (RFC 9112 §3.2)");
        assertThatThrownBy(() -> Http1RequestEncoder.encodeHead(null, "GET", "/", "h\r\nX: y", List.of(), -1))
                .hasMessageContaining("header \"Host\" value contains CR");
    }

    @Test
    void callerHostReplacesTheDerivedOneAndComesFirst() {
        assertThat(head("GET", "http://10.0.0.1/", List.of(Map.entry("Accept", "*/*"), Map.entry("host", "virtual.example")), -1))
                .isEqualTo("GET / HTTP/1.1\r\nHost: virtual.example\r\nAccept: */*\r\n\r\n");
        assertThatThrownBy(() -> head("GET", "http://h/", List.of(Map.entry("Host", "a"), Map.entry("HOST", "b")), -1))
                .hasMessage("header \"Host\" given twice (RFC 9112 §3.2)");
    }

    @Test
    void framingFieldsFromCallersAreRefused() {
        assertThatThrownBy(() -> head("POST", "http://h/", List.of(Map.entry("Content-Length", "5")), 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("header \"Content-Length\" is written by the encoder");
        assertThatThrownBy(() -> head("POST", "http://h/", List.of(Map.entry("transfer-encoding", "chunked")), -2))
                .hasMessageStartingWith("header \"transfer-encoding\" is written by the encoder");
    }

    @Test
    void headerInjectionIsRejectedNamingTheHeader() {
        String[][] bad = {
                {"X-Evil", "a\r\nTransfer-Encoding: chunked", "header \"X-Evil\" value contains CR at index 1 (header injection, RFC 9110 §5.5)"},
                {"X-Evil", "a\nb", "header \"X-Evil\" value contains LF at index 1 (header injection, RFC 9110 §5.5)"},
                {"X-Evil", "a\u0000b", "header \"X-Evil\" value contains NUL at index 1 (header injection, RFC 9110 §5.5)"},
                {"X-Evil", "a\u0007", "header \"X-Evil\" value contains control character 0x07 at index 1 (RFC 9110 §5.5)"},
                {"X-Evil", "\u20ac", "header \"X-Evil\" value contains non-ISO-8859-1 character U+20AC at index 0 (encode it first, RFC 9110 §5.5)"},
                {"X Evil", "v", "header name \"X Evil\" has a character that is not allowed in a token (RFC 9110 §5.6.2) at index 1"},
                {"X-Evil:", "v", "header name \"X-Evil:\" has a character that is not allowed in a token (RFC 9110 §5.6.2) at index 6"},
                {"X\r\nY", "v", "header name \"X\\x0D\\x0AY\" has a character that is not allowed in a token (RFC 9110 §5.6.2) at index 1"},
                {"", "v", "header name is empty"},
        };
        for (String[] c : bad) {
            assertThatThrownBy(() -> head("GET", "http://h/", List.of(Map.entry(c[0], c[1])), -1))
                    .as(c[2]).isInstanceOf(IllegalArgumentException.class).hasMessage(c[2]);
            assertThatThrownBy(() -> Http1RequestEncoder.checkHeader(c[0], c[1])).hasMessage(c[2]);
        }
        // HTAB and obs-text are fine.
        assertThat(head("GET", "http://h/", List.of(Map.entry("X", "a\tb \u00e9")), -1)).contains("X: a\tb \u00e9\r\n");
        assertThatThrownBy(() -> head("G ET", "http://h/", List.of(), -1)).hasMessageStartingWith("method \"G ET\"");
    }

    @Test
    void growsTheCallersBufferKeepingWhatItHeld() {
        ByteBuffer small = ByteBuffer.allocate(8).put("PREFIX".getBytes(ISO_8859_1));
        ByteBuffer out = Http1RequestEncoder.encodeHead(small, "GET", URI.create("http://h/"), List.of(), -1);
        assertThat(out).isNotSameAs(small);
        assertThat(new String(out.array(), 0, out.position(), ISO_8859_1)).isEqualTo("PREFIXGET / HTTP/1.1\r\nHost: h\r\n\r\n");

        ByteBuffer roomy = ByteBuffer.allocate(1024);
        assertThat(Http1RequestEncoder.encodeHead(roomy, "GET", URI.create("http://h/"), List.of(), -1)).isSameAs(roomy);

        ByteBuffer direct = Http1RequestEncoder.encodeHead(ByteBuffer.allocateDirect(4), "GET", URI.create("http://h/"), List.of(), -1);
        assertThat(direct.isDirect()).isTrue();
        byte[] bytes = new byte[direct.flip().remaining()];
        direct.get(bytes);
        assertThat(new String(bytes, ISO_8859_1)).isEqualTo("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    }

    @Test
    void roundTripThroughTheRequestParser() {
        List<Map.Entry<String, String>> fields = List.of(Map.entry("Accept", "text/html"), Map.entry("X-Two", "a, b"));
        ChunkedEncoder chunks = new ChunkedEncoder();
        ByteBuffer b = Http1RequestEncoder.encodeHead(null, "POST", URI.create("http://[::1]:8080/submit?id=7"), fields,
                Http1RequestEncoder.CHUNKED);
        b = chunks.writeChunk(b, ByteBuffer.wrap("hello ".getBytes(ISO_8859_1)));
        b = chunks.writeChunk(b, ByteBuffer.wrap("world".getBytes(ISO_8859_1)));
        b = chunks.finish(b, List.of(Map.entry("X-Sum", "42")));
        byte[] wire = new byte[b.flip().remaining()];
        b.get(wire);
        assertThat(Feed.everySplit(Feed.requests(ParserLimits.DEFAULT, true), wire)).containsExactly(
                "request POST /submit?id=7 HTTP/1.1",
                "header Host: [::1]:8080",
                "header Accept: text/html",
                "header X-Two: a, b",
                "header Transfer-Encoding: chunked",
                "headers-complete CHUNKED -1",
                "body hello world",
                "trailer X-Sum: 42",
                "complete",
                "keep-alive true expect-continue false");
    }
}
