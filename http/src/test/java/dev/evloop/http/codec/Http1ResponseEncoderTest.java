package dev.evloop.http.codec;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Http1ResponseEncoderTest {

    private static String text(ByteBuffer b) {
        return new String(b.array(), 0, b.position(), ISO_8859_1);
    }

    @Test
    void headsWithEachFraming() {
        assertThat(text(Http1ResponseEncoder.encodeHead(null, 200, null, List.of(Map.entry("Content-Type", "text/plain")), 5)))
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n");
        assertThat(text(Http1ResponseEncoder.encodeHead(null, 200, "Fine", List.of(), Http1ResponseEncoder.CHUNKED)))
                .isEqualTo("HTTP/1.1 200 Fine\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertThat(text(Http1ResponseEncoder.encodeHead(null, 204, null, List.of(), Http1ResponseEncoder.NO_BODY)))
                .isEqualTo("HTTP/1.1 204 No Content\r\n\r\n");
        assertThat(text(Http1ResponseEncoder.encodeHead(null, 304, null, List.of(), 120)))
                .isEqualTo("HTTP/1.1 304 Not Modified\r\nContent-Length: 120\r\n\r\n");
        assertThat(text(Http1ResponseEncoder.encodeHead(null, 299, null, List.of(), 0))).isEqualTo("HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n");
        assertThat(text(Http1ResponseEncoder.encodeContinue(null))).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
    }

    @Test
    void misuseIsRejected() {
        assertThatThrownBy(() -> Http1ResponseEncoder.encodeHead(null, 204, null, List.of(), 0))
                .hasMessage("a 204 response has no body; pass NO_BODY (RFC 9110 §8.6, RFC 9112 §6.1)");
        assertThatThrownBy(() -> Http1ResponseEncoder.encodeHead(null, 101, null, List.of(), Http1ResponseEncoder.CHUNKED))
                .hasMessageStartingWith("a 101 response has no body");
        assertThatThrownBy(() -> Http1ResponseEncoder.encodeHead(null, 99, null, List.of(), -1)).hasMessageContaining("three-digit");
        assertThatThrownBy(() -> Http1ResponseEncoder.encodeHead(null, 200, "OK\r\nX: y", List.of(), 0))
                .hasMessage("reason phrase contains CR at index 2 (RFC 9112 §4)");
        assertThatThrownBy(() -> Http1ResponseEncoder.encodeHead(null, 200, null, List.of(Map.entry("Set-Cookie", "a=b\r\n\r\n<html>")), 0))
                .hasMessageStartingWith("header \"Set-Cookie\" value contains CR");
        assertThatThrownBy(() -> Http1ResponseEncoder.encodeHead(null, 200, null, List.of(Map.entry("Content-Length", "1")), 0))
                .hasMessageStartingWith("header \"Content-Length\" is written by the encoder");
    }

    @Test
    void roundTripThroughTheResponseParser() {
        ByteBuffer b = Http1ResponseEncoder.encodeContinue(ByteBuffer.allocate(4));
        b = Http1ResponseEncoder.encodeHead(b, 200, null, List.of(Map.entry("Server", "evloop")), 3);
        b = ByteBuffer.allocate(1024).put(b.flip()); // the body goes into a buffer of the caller's
        b.put("abc".getBytes(ISO_8859_1));
        ChunkedEncoder chunks = new ChunkedEncoder();
        b = Http1ResponseEncoder.encodeHead(b, 404, null, List.of(), Http1ResponseEncoder.CHUNKED);
        b = chunks.writeChunk(b, ByteBuffer.wrap("not ".getBytes(ISO_8859_1)));
        b = chunks.writeChunkHeader(b, 5);
        b.put("found".getBytes(ISO_8859_1));
        b = chunks.writeChunkEnd(b);
        b = chunks.finish(b);
        byte[] wire = new byte[b.flip().remaining()];
        b.get(wire);
        assertThat(Feed.everySplit(Feed.responses(ParserLimits.DEFAULT, false, "POST", "GET"), wire)).containsExactly(
                "status HTTP/1.1 100 [Continue]",
                "interim 100",
                "status HTTP/1.1 200 [OK]",
                "header Server: evloop",
                "header Content-Length: 3",
                "headers-complete CONTENT_LENGTH 3",
                "body abc",
                "complete",
                "keep-alive true",
                "status HTTP/1.1 404 [Not Found]",
                "header Transfer-Encoding: chunked",
                "headers-complete CHUNKED -1",
                "body not found",
                "complete",
                "keep-alive true");
    }
}
