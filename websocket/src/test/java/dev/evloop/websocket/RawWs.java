package dev.evloop.websocket;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket peer written with plain blocking sockets, frame by frame, for tests that must send
 * what a correct implementation never would (unmasked client frames, reserved bits, bad UTF-8
 * across fragments...). Either side: {@link #connect} does a client's handshake, {@link #accept}
 * a server's.
 */
final class RawWs implements AutoCloseable {
    record Frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length >= 2 ? (payload[0] & 0xFF) << 8 | payload[1] & 0xFF : 1005;
        }
    }

    final Socket socket;
    final InputStream in;
    final OutputStream out;
    /** The handshake answer's head. */
    String head;

    private RawWs(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** A client: sends the handshake (plus {@code extraHeaders}, CRLF-terminated lines) and reads the answer head. */
    static RawWs connect(InetSocketAddress server, String path, String extraHeaders) throws IOException {
        RawWs ws = new RawWs(new Socket(server.getAddress(), server.getPort()));
        String key = Base64.getEncoder().encodeToString(new byte[16]);
        ws.out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        ws.head = ws.readHead();
        return ws;
    }

    /** A server: accepts one connection on {@code listener}, reads the handshake, answers 101 (plus {@code extraHeaders}). */
    static RawWs accept(ServerSocket listener, String extraHeaders) throws IOException {
        RawWs ws = new RawWs(listener.accept());
        ws.head = ws.readHead();
        String key = null;
        for (String line : ws.head.split("\r\n")) {
            if (line.toLowerCase().startsWith("sec-websocket-key:")) key = line.substring(18).trim();
        }
        ws.out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept(key) + "\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
        return ws;
    }

    /** The server's expected answer: the codec's own, which HandshakeAndCodesTest checks against RFC 6455 §1.3. */
    static String accept(String key) {
        return dev.evloop.websocket.codec.Handshake.accept(key);
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) throw new EOFException("end of stream in the handshake head after: " + b);
            b.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    /** One frame; {@code first} is the first header byte (FIN, RSV1-3, opcode), masked with a random key when asked. */
    void send(int first, byte[] payload, boolean masked) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(first);
        int m = masked ? 0x80 : 0;
        if (payload.length < 126) {
            f.write(m | payload.length);
        } else if (payload.length < 65536) {
            f.write(m | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length);
        } else {
            f.write(m | 127);
            for (int i = 7; i >= 0; i--) f.write((int) ((long) payload.length >>> (8 * i)));
        }
        byte[] body = payload.clone();
        if (masked) {
            byte[] key = new byte[4];
            ThreadLocalRandom.current().nextBytes(key);
            f.write(key);
            for (int i = 0; i < body.length; i++) body[i] ^= key[i & 3];
        }
        f.write(body);
        out.write(f.toByteArray());
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
    }

    Frame read() throws IOException {
        int b0 = readByte();
        int b1 = readByte();
        long len = b1 & 0x7F;
        if (len == 126) len = (long) readByte() << 8 | readByte();
        else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) len = len << 8 | readByte();
        }
        byte[] key = null;
        if ((b1 & 0x80) != 0) {
            key = in.readNBytes(4);
        }
        byte[] payload = in.readNBytes((int) len);
        if (payload.length != len) throw new EOFException("end of stream inside a frame");
        if (key != null) for (int i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
        return new Frame((b0 & 0x80) != 0, (b0 >>> 4) & 7, b0 & 0xF, key != null, payload);
    }

    /** Reads frames until a CLOSE; the data frames before it are skipped. */
    Frame readUntilClose() throws IOException {
        while (true) {
            Frame f = read();
            if (f.opcode() == 8) return f;
        }
    }

    /** True if the peer closed the TCP connection (end of stream, or a reset) within the socket timeout. */
    boolean closedByPeer() throws IOException {
        try {
            while (true) {
                if (in.read() < 0) return true;
            }
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    private int readByte() throws IOException {
        int c = in.read();
        if (c < 0) throw new EOFException("end of stream");
        return c;
    }

    static byte[] closePayload(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return p;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
