package dev.evloop.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A blocking HTTP/1.1 client on a plain socket, written for the tests: sends whatever bytes it is
 * given (malformed ones included) and reads responses strictly, one at a time, so pipelining,
 * interim responses and the connection's end can be observed.
 */
final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** One response as read off the wire. {@code chunks} counts the chunks of a chunked body. */
    record Reply(int status, String reason, List<Map.Entry<String, String>> headers, byte[] body,
            Map<String, String> trailers, int chunks) {
        String header(String name) {
            for (Map.Entry<String, String> h : headers) {
                if (h.getKey().equalsIgnoreCase(name)) return h.getValue();
            }
            return null;
        }

        String text() {
            return new String(body, ISO_8859_1);
        }
    }

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawHttp connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket(address.getAddress(), address.getPort());
        s.setSoTimeout(5_000);
        s.setTcpNoDelay(true);
        return new RawHttp(s);
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }

    RawHttp send(String text) throws IOException {
        return send(text.getBytes(ISO_8859_1));
    }

    RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads a whole response to a request other than HEAD. */
    Reply read() throws IOException {
        return read(false);
    }

    /** Reads a whole response; {@code head}: it answers a HEAD request, so it has no body. */
    Reply read(boolean head) throws IOException {
        Reply h = readHead();
        int s = h.status();
        if (head || s / 100 == 1 || s == 204 || s == 304) return h;
        String te = h.header("Transfer-Encoding");
        String cl = h.header("Content-Length");
        if (te != null) {
            if (!te.equalsIgnoreCase("chunked")) throw new IOException("unexpected Transfer-Encoding " + te);
            return readChunked(h);
        }
        byte[] body = cl != null ? readN(Integer.parseInt(cl)) : in.readAllBytes();
        return new Reply(s, h.reason(), h.headers(), body, Map.of(), 0);
    }

    /** Reads a status line and header section only (a 100 Continue, say). */
    Reply readHead() throws IOException {
        String status = line();
        if (status == null) throw new EOFException("connection closed before a response");
        if (!status.startsWith("HTTP/1.1 ")) throw new IOException("bad status line: " + status);
        int code = Integer.parseInt(status.substring(9, 12));
        String reason = status.length() > 13 ? status.substring(13) : "";
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String l; !(l = require(line())).isEmpty(); ) {
            int colon = l.indexOf(':');
            headers.add(Map.entry(l.substring(0, colon), l.substring(colon + 1).strip()));
        }
        return new Reply(code, reason, headers, new byte[0], Map.of(), 0);
    }

    private Reply readChunked(Reply h) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int chunks = 0;
        while (true) {
            String size = require(line());
            int n = Integer.parseInt(size, 16);
            if (n == 0) break;
            chunks++;
            body.writeBytes(readN(n));
            if (!require(line()).isEmpty()) throw new IOException("chunk data not followed by CRLF");
        }
        Map<String, String> trailers = new LinkedHashMap<>();
        for (String l; !(l = require(line())).isEmpty(); ) {
            int colon = l.indexOf(':');
            trailers.put(l.substring(0, colon), l.substring(colon + 1).strip());
        }
        return new Reply(h.status(), h.reason(), h.headers(), body.toByteArray(), trailers, chunks);
    }

    /**
     * True if the server closed the connection: end of stream (or a reset, which is how a close
     * with unread input may look) before any further byte, within the socket timeout.
     */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;
        }
    }

    /** True if nothing has arrived yet (does not wait). */
    boolean nothingAvailable() throws IOException {
        return in.available() == 0;
    }

    private byte[] readN(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) throw new EOFException("body cut short: " + b.length + " of " + n + " bytes");
        return b;
    }

    private static String require(String line) throws EOFException {
        if (line == null) throw new EOFException("connection closed inside a response");
        return line;
    }

    /** A CRLF-terminated line without its terminator; null at end of stream before any byte. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (sb.isEmpty()) return null;
                throw new EOFException("connection closed inside a line: " + sb);
            }
            if (b == '\n') {
                if (sb.isEmpty() || sb.charAt(sb.length() - 1) != '\r') throw new IOException("bare LF after " + sb);
                sb.setLength(sb.length() - 1);
                return sb.toString();
            }
            sb.append((char) b);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
