package dev.evloop.http.codec;

import static dev.evloop.http.codec.Feed.bytes;
import static dev.evloop.http.codec.Feed.everySplit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Http1ResponseParserTest {
    private static final ParserLimits L = ParserLimits.DEFAULT;

    @Test
    void contentLengthBody() {
        assertThat(everySplit(Feed.responses(L, false, "GET"),
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"))
                .containsExactly(
                        "status HTTP/1.1 200 [OK]",
                        "header Content-Type: text/plain",
                        "header Content-Length: 5",
                        "headers-complete CONTENT_LENGTH 5",
                        "body hello",
                        "complete",
                        "keep-alive true");
    }

    @Test
    void statusLineWithoutReasonOrWithEmptyReason() {
        assertThat(everySplit(Feed.responses(L, false, "GET"), "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"))
                .startsWith("status HTTP/1.1 200 []");
        assertThat(everySplit(Feed.responses(L, false, "GET"), "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"))
                .startsWith("status HTTP/1.1 404 []");
        assertThat(everySplit(Feed.responses(L, false, "GET"), "HTTP/1.1 999 Request denied\t(x)\r\nContent-Length: 0\r\n\r\n"))
                .startsWith("status HTTP/1.1 999 [Request denied\t(x)]");
    }

    @Test
    void reasonPhraseKeepsObsText() {
        byte[] wire = bytes("HTTP/1.1 200 \u00e9t\u00e9\r\nContent-Length: 0\r\n\r\n");
        assertThat(everySplit(Feed.responses(L, false, "GET"), wire)).startsWith("status HTTP/1.1 200 [\u00e9t\u00e9]");
    }

    @Test
    void fieldNamesAreCaseInsensitiveAndValuesTrimmed() {
        assertThat(everySplit(Feed.responses(L, false, "GET"),
                "HTTP/1.1 200 OK\r\ncontent-LENGTH: 3\r\nX-Spaces: \t a  b \t\r\nX-Empty:\r\nX-Obs: caf\u00e9\r\n\r\nabc"))
                .containsExactly(
                        "status HTTP/1.1 200 [OK]",
                        "header content-LENGTH: 3",
                        "header X-Spaces: a  b",
                        "header X-Empty: ",
                        "header X-Obs: caf\u00e9",
                        "headers-complete CONTENT_LENGTH 3",
                        "body abc",
                        "complete",
                        "keep-alive true");
    }

    @Test
    void chunkedWithExtensionsAndTrailers() {
        assertThat(everySplit(Feed.responses(L, false, "GET"),
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5;foo=bar\r\nhello\r\n"
                        + "6 ; a=\"q;\\\"x\" ;b\r\n world\r\n"
                        + "00A\r\n0123456789\r\n"
                        + "0;last\r\nX-Checksum: abc\r\nx-other:  1 \r\n\r\n"))
                .containsExactly(
                        "status HTTP/1.1 200 [OK]",
                        "header Transfer-Encoding: chunked",
                        "headers-complete CHUNKED -1",
                        "body hello world0123456789",
                        "trailer X-Checksum: abc",
                        "trailer x-other: 1",
                        "complete",
                        "keep-alive true");
    }

    @Test
    void chunkedCodingNameIsCaseInsensitiveAndEmptyListElementsIgnored() {
        assertThat(everySplit(Feed.responses(L, false, "GET"),
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: , CHUNKED ,\r\n\r\n1\r\nx\r\nA\r\n0123456789\r\n0\r\n\r\n"))
                .contains("headers-complete CHUNKED -1", "body x0123456789", "complete");
    }

    @Test
    void closeDelimitedBodyEndsAtEndOfInput() {
        assertThat(everySplit(Feed.responses(L, true, "GET"), "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nall of this until close"))
                .containsExactly(
                        "status HTTP/1.1 200 [OK]",
                        "header Server: x",
                        "headers-complete UNTIL_CLOSE -1",
                        "body all of this until close",
                        "complete",
                        "keep-alive false");
    }

    @Test
    void closeDelimitedEmptyBody() {
        assertThat(everySplit(Feed.responses(L, true, "GET"), "HTTP/1.0 200 OK\r\n\r\n"))
                .containsExactly("status HTTP/1.0 200 [OK]", "headers-complete UNTIL_CLOSE -1", "complete", "keep-alive false");
    }

    @Test
    void headResponseHasNoBodyWhateverItsFramingFields() {
        assertThat(everySplit(Feed.responses(L, false, "HEAD", "HEAD"),
                "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
                .containsExactly(
                        "status HTTP/1.1 200 [OK]",
                        "header Content-Length: 1234",
                        "headers-complete NONE 0",
                        "complete",
                        "keep-alive true",
                        "status HTTP/1.1 200 [OK]",
                        "header Transfer-Encoding: chunked",
                        "headers-complete NONE 0",
                        "complete",
                        "keep-alive true");
    }

    @Test
    void noContentAndNotModifiedHaveNoBody() {
        assertThat(everySplit(Feed.responses(L, false, "GET", "GET"),
                "HTTP/1.1 204 No Content\r\n\r\n"
                        + "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: \"x\"\r\n\r\n"))
                .containsExactly(
                        "status HTTP/1.1 204 [No Content]",
                        "headers-complete NONE 0",
                        "complete",
                        "keep-alive true",
                        "status HTTP/1.1 304 [Not Modified]",
                        "header Content-Length: 99",
                        "header ETag: \"x\"",
                        "headers-complete NONE 0",
                        "complete",
                        "keep-alive true");
    }

    @Test
    void interimResponsesAreReportedAndParsingContinues() {
        assertThat(everySplit(Feed.responses(L, false, "POST"),
                "HTTP/1.1 100 Continue\r\n\r\n"
                        + "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                        + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"))
                .containsExactly(
                        "status HTTP/1.1 100 [Continue]",
                        "interim 100",
                        "status HTTP/1.1 103 [Early Hints]",
                        "header Link: </style.css>; rel=preload",
                        "interim 103",
                        "status HTTP/1.1 201 [Created]",
                        "header Content-Length: 2",
                        "headers-complete CONTENT_LENGTH 2",
                        "body ok",
                        "complete",
                        "keep-alive true");
    }

    @Test
    void switchingProtocolsStopsAndLeavesTheRest() {
        assertThat(everySplit(Feed.responses(L, false, "GET"),
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u0081\u0002hi"))
                .containsExactly(
                        "status HTTP/1.1 101 [Switching Protocols]",
                        "header Upgrade: websocket",
                        "header Connection: Upgrade",
                        "headers-complete TUNNEL -1",
                        "complete",
                        "keep-alive false",
                        "rest \u0081\u0002hi");
    }

    @Test
    void connectSuccessOpensATunnelButAFailureHasABody() {
        assertThat(everySplit(Feed.responses(L, false, "CONNECT"),
                "HTTP/1.1 200 Connection established\r\n\r\n\u0016\u0003\u0001"))
                .containsExactly(
                        "status HTTP/1.1 200 [Connection established]",
                        "headers-complete TUNNEL -1",
                        "complete",
                        "keep-alive false",
                        "rest \u0016\u0003\u0001");
        assertThat(everySplit(Feed.responses(L, false, "CONNECT"),
                "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\nnope"))
                .contains("headers-complete CONTENT_LENGTH 4", "body nope", "complete");
    }

    @Test
    void pipelinedResponsesInOneBuffer() {
        assertThat(everySplit(Feed.responses(L, false, "GET", "HEAD", "GET", "GET"),
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n"
                        + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
                .containsExactly(
                        "status HTTP/1.1 200 [OK]", "header Content-Length: 3", "headers-complete CONTENT_LENGTH 3",
                        "body one", "complete", "keep-alive true",
                        "status HTTP/1.1 200 [OK]", "header Content-Length: 3", "headers-complete NONE 0",
                        "complete", "keep-alive true",
                        "status HTTP/1.1 200 [OK]", "header Transfer-Encoding: chunked", "headers-complete CHUNKED -1",
                        "body two", "complete", "keep-alive true",
                        "status HTTP/1.1 404 [Not Found]", "header Content-Length: 0", "headers-complete CONTENT_LENGTH 0",
                        "complete", "keep-alive true");
    }

    @Test
    void bytesAfterTheResponseAreNotConsumed() throws Exception {
        Recorder r = new Recorder();
        Http1ResponseParser p = new Http1ResponseParser(r);
        p.begin("GET");
        ByteBuffer in = ByteBuffer.wrap(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 2"));
        assertThat(p.parse(in)).isEqualTo(40);
        assertThat(p.isComplete()).isTrue();
        assertThat(in.remaining()).isEqualTo(10);
        assertThatThrownBy(() -> p.parse(in)).isInstanceOf(IllegalStateException.class).hasMessageContaining("begin(");
        p.begin("GET");
        assertThat(p.parse(in)).isEqualTo(10);
        assertThat(p.messageStarted()).isTrue();
    }

    @Test
    void keepAliveRules() {
        assertThat(keepAlive("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")).isTrue();
        assertThat(keepAlive("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")).isFalse();
        assertThat(keepAlive("HTTP/1.1 200 OK\r\nConnection: foo, CLOSE\r\nContent-Length: 0\r\n\r\n")).isFalse();
        assertThat(keepAlive("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")).isFalse();
        assertThat(keepAlive("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")).isTrue();
        assertThat(keepAlive("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n")).isFalse();
        assertThat(keepAlive("HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n")).isTrue();
    }

    private static boolean keepAlive(String wire) {
        List<String> events = everySplit(Feed.responses(L, false, "GET"), wire);
        assertThat(events).contains("complete");
        return events.getLast().equals("keep-alive true");
    }

    @Test
    void minorVersionAboveOneReadsAsOneOne() {
        assertThat(everySplit(Feed.responses(L, false, "GET"), "HTTP/1.7 200 OK\r\nContent-Length: 0\r\n\r\n"))
                .startsWith("status HTTP/1.1 200 [OK]");
    }

    @Test
    void emptyLinesBeforeTheStatusLineAreIgnored() {
        assertThat(everySplit(Feed.responses(L, false, "GET"), "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
                .startsWith("status HTTP/1.1 200 [OK]");
    }

    @Test
    void identicalContentLengthsAreAccepted() {
        assertThat(everySplit(Feed.responses(L, false, "GET"),
                "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc"))
                .contains("headers-complete CONTENT_LENGTH 3", "body abc");
        assertThat(everySplit(Feed.responses(L, false, "GET"), "HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\nabcdefg"))
                .contains("headers-complete CONTENT_LENGTH 7", "body abcdefg");
    }

    @Test
    void bareLfInTheHeadIsAcceptedOnlyWhenAllowed() {
        String wire = "HTTP/1.1 200 OK\nContent-Length: 2\r\nX: y\n\nok";
        assertThat(everySplit(Feed.responses(L.withAllowBareLf(true), false, "GET"), wire))
                .containsExactly("status HTTP/1.1 200 [OK]", "header Content-Length: 2", "header X: y",
                        "headers-complete CONTENT_LENGTH 2", "body ok", "complete", "keep-alive true");
        Feed.failsEverySplit(Feed.responses(L, false, "GET"), wire, "bare LF in status line (CRLF required, RFC 9112 §2.2)");
        Feed.failsEverySplit(Feed.responses(L, false, "GET"), "HTTP/1.1 200 OK\r\nX: y\n\r\n",
                "bare LF in header section (CRLF required, RFC 9112 §2.2)");
    }

    @Test
    void bareLfIsNeverAcceptedInChunkFramingOrTrailers() {
        ParserLimits lenient = L.withAllowBareLf(true);
        String head = "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n";
        Feed.failsEverySplit(Feed.responses(lenient, false, "GET"), head + "3\nabc\r\n0\r\n\r\n",
                "bare LF in chunk-size line (CRLF required, RFC 9112 §7.1)");
        Feed.failsEverySplit(Feed.responses(lenient, false, "GET"), head + "3\r\nabc\n0\r\n\r\n",
                "expected CRLF after chunk data, got 0x0A (RFC 9112 §7.1)");
        Feed.failsEverySplit(Feed.responses(lenient, false, "GET"), head + "3\r\nabc\r\n0\r\nX: y\n\r\n",
                "bare LF in trailer section (CRLF required, RFC 9112 §2.2)");
        Feed.failsEverySplit(Feed.responses(lenient, false, "GET"), head + "3\r\nabc\r\n0\r\n\n",
                "bare LF in trailer section (CRLF required, RFC 9112 §2.2)");
    }

    @Test
    void bodyIsHandedOverWithoutCopyAndTheBufferIsRestored() throws Exception {
        ByteBuffer in = ByteBuffer.wrap(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT"));
        List<ByteBuffer> seen = new ArrayList<>();
        Http1ResponseParser p = new Http1ResponseParser(new Recorder() {
            @Override
            public void onBody(ByteBuffer b) {
                seen.add(b);
                assertThat(b.position()).isEqualTo(38);
                assertThat(b.limit()).isEqualTo(43);
                b.position(40).limit(41); // a careless listener
            }
        });
        p.begin("GET");
        p.parse(in);
        assertThat(seen).hasSize(1).allSatisfy(b -> assertThat(b).isSameAs(in));
        assertThat(in.position()).isEqualTo(43);
        assertThat(in.limit()).isEqualTo(47);
    }

    @Test
    void bodyBytesCostNoAllocation() throws Exception {
        long[] seen = new long[1];
        Http1ResponseParser p = new Http1ResponseParser(new Http1ResponseParser.Listener() {
            @Override
            public void onStatus(HttpVersion version, int code, String reason) {}

            @Override
            public void onBody(ByteBuffer body) {
                seen[0] += body.remaining();
            }
        });
        byte[] chunk = bytes("1000\r\n" + "x".repeat(4096) + "\r\n");
        ByteBuffer in = ByteBuffer.allocateDirect(chunk.length);
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 4; round++) { // round 0 warms up; the JIT may still settle later
            p.reset();
            p.begin("GET");
            p.parse(ByteBuffer.wrap(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")));
            long before = allocatedBytes();
            for (int i = 0; i < 64; i++) {
                for (byte b : chunk) { // one byte at a time: the worst case for per-byte costs
                    in.clear().put(b).flip();
                    p.parse(in);
                }
            }
            long allocated = allocatedBytes() - before;
            if (round > 0) least = Math.min(least, allocated);
        }
        // 266,000 parse calls: a single object per call would be megabytes. What remains is JIT
        // noise (deoptimization rematerializing objects), measured at 0 to ~11 KB.
        assertThat(least).as("bytes allocated while parsing 256 KiB of chunked body byte by byte").isLessThan(64 * 1024);
        assertThat(seen[0]).isEqualTo(4 * 64 * 4096);
    }

    /**
     * This thread's allocation counter, reached reflectively: the tests compile inside the
     * http module, which does not read java.management, but run on the class path.
     */
    private static long allocatedBytes() throws ReflectiveOperationException {
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes").invoke(bean);
    }

    @Test
    void endOfInputCases() throws Exception {
        // Idle: nothing expected, nothing wrong.
        new Http1ResponseParser(new Recorder()).endOfInput();

        Http1ResponseParser p = new Http1ResponseParser(new Recorder());
        p.begin("GET");
        assertThat(p.messageStarted()).isFalse();
        assertThatThrownBy(p::endOfInput).isInstanceOf(HttpParseException.class)
                .hasMessage("connection closed before the response to GET started");

        assertThat(eofAfter("HTTP/1.1 200 OK\r\nContent-Le"))
                .isEqualTo("error connection closed before the end of the message: in the header section");
        assertThat(eofAfter("HTTP/1.1 20"))
                .isEqualTo("error connection closed before the end of the message: in the status line");
        assertThat(eofAfter("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"))
                .isEqualTo("error connection closed before the end of the message: after 2 of 5 body bytes");
        assertThat(eofAfter("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"))
                .isEqualTo("error connection closed before the end of the message: in chunk data (3 bytes missing) of a chunked body");
        assertThat(eofAfter("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n"))
                .isEqualTo("error connection closed before the end of the message: in the trailer section of a chunked body");
        assertThat(eofAfter("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab")).isEqualTo("keep-alive true");
        // After an interim response the exchange has started, stray empty lines or not.
        assertThat(eofAfter("HTTP/1.1 100 Continue\r\n\r\n\r\n"))
                .isEqualTo("error connection closed before the end of the message: in the status line");
        Http1ResponseParser q = new Http1ResponseParser(new Recorder());
        q.begin("POST");
        q.parse(ByteBuffer.wrap(bytes("HTTP/1.1 100 Continue\r\n\r\n\r")));
        assertThat(q.messageStarted()).isTrue();
        q.parse(ByteBuffer.wrap(bytes("\n")));
        assertThat(q.messageStarted()).isTrue();
        Http1ResponseParser idle = new Http1ResponseParser(new Recorder());
        idle.begin("GET");
        idle.parse(ByteBuffer.wrap(bytes("\r\n\r")));
        assertThat(idle.messageStarted()).isFalse();
        assertThatThrownBy(idle::endOfInput).hasMessage("connection closed before the response to GET started");

    }

    private static String eofAfter(String wire) {
        List<String> events = Feed.responses(L, true, "GET").run(bytes(wire), new int[0], false);
        return events.getLast();
    }

    @Test
    void misuseIsAnIllegalStateNamingTheFix() throws Exception {
        Http1ResponseParser p = new Http1ResponseParser(new Recorder());
        assertThatThrownBy(() -> p.parse(ByteBuffer.allocate(1))).isInstanceOf(IllegalStateException.class)
                .hasMessage("call begin(requestMethod) before parsing a response");
        assertThatThrownBy(() -> p.begin("G T")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("request method");

        p.begin("GET");
        p.parse(ByteBuffer.wrap(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")));
        assertThatThrownBy(() -> p.begin("GET")).isInstanceOf(IllegalStateException.class)
                .hasMessage("response to GET still in progress; call reset() to abandon it");

        p.reset();
        p.begin("GET");
        assertThatThrownBy(() -> p.parse(ByteBuffer.wrap(bytes("HTTP/1.1 200 OK\r\nX : y\r\n"))))
                .isInstanceOf(HttpParseException.class);
        assertThatThrownBy(() -> p.parse(ByteBuffer.wrap(bytes("\r\n")))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("parser failed earlier (whitespace between header field name \"X\" and colon");
        assertThatThrownBy(() -> p.begin("GET")).isInstanceOf(IllegalStateException.class).hasMessageContaining("reset()");

        p.reset();
        p.begin("GET");
        p.parse(ByteBuffer.wrap(bytes("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")));
        assertThat(p.keepAlive()).isFalse();
        assertThatThrownBy(() -> p.begin("GET")).isInstanceOf(IllegalStateException.class)
                .hasMessage("the previous response ended the connection (keepAlive() is false)");

        p.reset();
        p.begin("GET");
        p.parse(ByteBuffer.wrap(bytes("HTTP/1.1 101 Switching Protocols\r\n\r\n")));
        assertThat(p.isTunnel()).isTrue();
        assertThatThrownBy(() -> p.begin("GET")).isInstanceOf(IllegalStateException.class).hasMessageContaining("left HTTP/1.1");
    }

    @Test
    void listenerExceptionFailsTheParser() throws Exception {
        Http1ResponseParser p = new Http1ResponseParser(new Recorder() {
            @Override
            public void onHeader(String name, String value) {
                throw new IllegalArgumentException("boom");
            }
        });
        p.begin("GET");
        assertThatThrownBy(() -> p.parse(ByteBuffer.wrap(bytes("HTTP/1.1 200 OK\r\nX: y\r\n")))).hasMessage("boom");
        assertThatThrownBy(() -> p.parse(ByteBuffer.allocate(0))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void queriesReflectTheHead() throws Exception {
        Http1ResponseParser p = new Http1ResponseParser(new Recorder());
        p.begin("GET");
        p.parse(ByteBuffer.wrap(bytes("HTTP/1.0 302 Found\r\nConnection: keep-alive, Upgrade\r\nContent-Length: 1\r\n\r\n")));
        assertThat(p.statusCode()).isEqualTo(302);
        assertThat(p.version()).isEqualTo(HttpVersion.HTTP_1_0);
        assertThat(p.framing()).isEqualTo(BodyFraming.CONTENT_LENGTH);
        assertThat(p.keepAlive()).isTrue();
        assertThat(p.connectionUpgrade()).isTrue();
        assertThat(p.isComplete()).isFalse();
    }

    @Test
    void malformedStatusLines() {
        for (String[] c : new String[][] {
                {"HTTP/1.1 20 OK\r\n", "malformed status code in \"HTTP/1.1 20 OK\" (RFC 9112 §4)"},
                {"HTTP/1.1 2000 OK\r\n", "malformed status code in \"HTTP/1.1 2000 OK\" (RFC 9112 §4)"},
                {"HTTP/1.1 099 OK\r\n", "status code 99 out of range (RFC 9110 §15)"},
                {"http/1.1 200 OK\r\n", "malformed HTTP version \"http/1.1\""},
                {"HTTP/1.1  200 OK\r\n", "malformed status code in \"HTTP/1.1  200 OK\" (RFC 9112 §4)"},
                {"HTTP/2.0 200 OK\r\n", "unsupported HTTP version HTTP/2.0"},
                {"HTTP/1.1 200 O\u0000K\r\n", "control character 0x00 in reason phrase (RFC 9112 §4)"},
                {"HTTP/1.1 200 O\rK\r\n", "control character 0x0D in reason phrase (RFC 9112 §4)"},
                {"ICY 200 OK\r\n", "malformed status line \"ICY 200 OK\""},
        }) {
            Feed.failsEverySplit(Feed.responses(L, false, "GET"), c[0], c[1]);
        }
    }
}
