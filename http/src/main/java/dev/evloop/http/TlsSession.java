package dev.evloop.http;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS on a non-blocking socket through {@link SSLEngine}, which works on buffers: the same code
 * serves readiness I/O now and completion I/O later (seed 003).
 *
 * <p>Client side: SNI with the host name (not for IP literals, RFC 6066 §3), host-name
 * verification on ({@code HTTPS} endpoint identification, RFC 9110 §4.3.4), ALPN offering
 * {@code http/1.1}.
 *
 * <p>Buffers: {@code netIn} holds ciphertext read from the socket and not yet decrypted (fill
 * mode); {@code appIn} decrypted bytes not yet handed out (read mode); {@code netOut} ciphertext
 * waiting for the socket (read mode). Bytes in {@code netIn} or {@code appIn} will not make the
 * socket readable again, so the caller must keep reading while {@link #hasBufferedInput()} is
 * true instead of waiting for an event (the bug of curl #17636).
 */
final class TlsSession {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SSLEngine engine;
    private final Conduit socket;
    private final String peer;
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    private final ByteBuffer netOut;
    /** What the handshake waits for: true if the socket must become writable, else readable. */
    private boolean wantWrite;

    /** {@code protocols}: the ALPN offer (RFC 7301), most preferred first. */
    TlsSession(SSLContext context, String host, int port, Conduit socket, String[] protocols) {
        this.socket = socket;
        this.peer = host + ":" + port;
        engine = context.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setApplicationProtocols(protocols);
        if (!isIpLiteral(host)) p.setServerNames(List.of(new SNIHostName(host)));
        engine.setSSLParameters(p);
        int packet = engine.getSession().getPacketBufferSize();
        netIn = ByteBuffer.allocate(packet);
        netOut = ByteBuffer.allocate(packet).flip();
        appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    /** The interest the handshake waits for (after {@link #handshake} returned false). */
    int wantedInterest() {
        return wantWrite ? dev.evloop.poll.Events.WRITE : dev.evloop.poll.Events.READ;
    }

    /** The protocol ALPN selected, or "" if none. */
    String applicationProtocol() {
        String p = engine.getApplicationProtocol();
        return p == null ? "" : p;
    }

    /**
     * Advances the handshake as far as the socket allows.
     *
     * @return true once it is done and its last bytes are written
     */
    boolean handshake() throws IOException {
        try {
            if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                    && !engine.getSession().isValid()) {
                engine.beginHandshake();
            }
            while (true) {
                if (!flushNet()) {
                    wantWrite = true;
                    return false;
                }
                switch (engine.getHandshakeStatus()) {
                    case NEED_WRAP -> wrap(EMPTY);
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        if (!unwrap()) {
                            wantWrite = false;
                            return false;
                        }
                    }
                    case NEED_TASK -> {
                        Runnable task;
                        while ((task = engine.getDelegatedTask()) != null) task.run(); // certificate checks
                    }
                    case FINISHED, NOT_HANDSHAKING -> {
                        return true;
                    }
                }
            }
        } catch (SSLException e) {
            throw new SSLException("TLS handshake with " + peer + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Decrypted bytes into {@code dst}: the count, 0 if the socket has nothing more now, -1 once
     * the peer closed (close_notify or end of stream).
     */
    int read(ByteBuffer dst) throws IOException {
        while (!appIn.hasRemaining()) {
            if (engine.isInboundDone()) return -1;
            if (!unwrap()) return eof ? -1 : 0;
            postHandshake();
        }
        int n = Math.min(dst.remaining(), appIn.remaining());
        dst.put(dst.position(), appIn, appIn.position(), n).position(dst.position() + n);
        appIn.position(appIn.position() + n);
        return n;
    }

    private boolean eof;

    /** The peer closed with close_notify, not just end of stream (RFC 8446 §6.1). */
    boolean closeNotifyReceived() {
        return engine.isInboundDone();
    }

    /** TLS 1.3 post-handshake messages (a KeyUpdate may need an answer, RFC 8446 §4.6.3). */
    private void postHandshake() throws IOException {
        SSLEngineResult.HandshakeStatus hs;
        while ((hs = engine.getHandshakeStatus()) == SSLEngineResult.HandshakeStatus.NEED_TASK
                || hs == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            if (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) task.run();
            } else {
                if (!flushNet()) return;
                wrap(EMPTY);
                flushNet();
            }
        }
    }

    /** Encrypts all of {@code src} it can into the outgoing buffer and writes what the socket takes. */
    int write(ByteBuffer src) throws IOException {
        int start = src.position();
        while (src.hasRemaining() && flushNet()) {
            wrap(src);
        }
        flushNet();
        return src.position() - start;
    }

    /** Ciphertext still waiting for the socket. */
    boolean hasPendingOutput() {
        return netOut.hasRemaining();
    }

    /** Bytes already read from the socket and not yet handed out: keep reading, no event will come. */
    boolean hasBufferedInput() {
        return appIn.hasRemaining() || netIn.position() > 0 && !eof;
    }

    /** Ciphertext read from the socket and not yet decrypted (a partial record included); for tests. */
    int heldCiphertext() {
        return netIn.position();
    }

    /** Decrypted bytes not yet handed out; for tests. */
    int heldPlaintext() {
        return appIn.remaining();
    }

    /**
     * Starts the close: close_notify (RFC 8446 §6.1) after whatever ciphertext still waits.
     *
     * @return true if everything went out; false if the socket must become writable first
     *     ({@link #flushClose} then goes on)
     */
    boolean closeOutbound() {
        engine.closeOutbound();
        return flushClose();
    }

    /** Writes what the close still owes; true once close_notify is out (or cannot be sent). */
    boolean flushClose() {
        try {
            if (!flushNet()) return false;
            if (!engine.isOutboundDone()) {
                wrap(EMPTY);
                if (!flushNet()) return false;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return true; // the connection is broken: nothing more can be sent, close it
        }
    }

    private void wrap(ByteBuffer src) throws IOException {
        netOut.compact();
        try {
            SSLEngineResult r = engine.wrap(src, netOut);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW && netOut.position() == 0) {
                throw new SSLException("TLS record larger than the packet buffer");
            }
        } finally {
            netOut.flip();
        }
    }

    /** One unwrap step, reading from the socket when a whole record is not buffered. False if it must wait. */
    private boolean unwrap() throws IOException {
        while (true) {
            netIn.flip();
            SSLEngineResult r;
            try {
                appIn.compact();
                try {
                    r = engine.unwrap(netIn, appIn);
                } finally {
                    appIn.flip();
                }
            } finally {
                netIn.compact();
            }
            switch (r.getStatus()) {
                case OK -> {
                    return true;
                }
                case CLOSED -> {
                    eof = true;
                    return false;
                }
                case BUFFER_OVERFLOW -> appIn = grow(appIn, engine.getSession().getApplicationBufferSize(), true);
                case BUFFER_UNDERFLOW -> {
                    if (!netIn.hasRemaining()) netIn = grow(netIn, engine.getSession().getPacketBufferSize(), false);
                    int n = socket.read(netIn);
                    if (n == 0) return false;
                    if (n < 0) {
                        eof = true;
                        if (engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING) {
                            throw new EOFException("connection closed by " + peer + " during the TLS handshake");
                        }
                        return false;
                    }
                }
            }
        }
    }

    /** A bigger copy: {@code readMode} buffers keep their unread bytes readable. */
    private static ByteBuffer grow(ByteBuffer b, int hint, boolean readMode) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, hint));
        if (readMode) {
            bigger.put(b).flip();
        } else {
            bigger.put(b.flip());
        }
        return bigger;
    }

    private boolean flushNet() throws IOException {
        if (netOut.hasRemaining()) socket.write(netOut);
        return !netOut.hasRemaining();
    }
}
