package dev.evloop.http;

import dev.evloop.testing.TestTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * A loopback server that answers {@code 101 Switching Protocols} and then speaks a byte protocol
 * chosen by the path (plain TCP, or TLS with a context from {@link TestTls}):
 * <ul>
 *   <li>{@code /echo} — echo every byte; at end of stream, end its side too and close;
 *   <li>{@code /with-head} — {@code hello} in the same write as the 101 head, then echo;
 *   <li>{@code /send/N} — N bytes ({@link #pattern}), then close;
 *   <li>{@code /sink} — read to end of stream, counting ({@link #sunk}), then close;
 *   <li>{@code /rst} — wait for one byte, then close with SO_LINGER 0 (a reset);
 *   <li>{@code /plain} — {@code 200 OK} keep-alive, and wait for the next request.
 * </ul>
 * Every request head is recorded ({@link #heads}).
 */
final class UpgradeServer implements AutoCloseable {
    static final String SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test-echo\r\n\r\n";

    final ServerSocket server;
    final List<String> heads = new CopyOnWriteArrayList<>();
    /** Bytes /sink read; -1 until its end of stream. */
    final AtomicLong sunk = new AtomicLong(-1);
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final boolean secure;
    private final Thread acceptor;

    UpgradeServer(SSLContext tls) throws IOException {
        secure = tls != null;
        server = secure
                ? tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress())
                : new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().name("upgrade-accept").daemon().start(this::acceptLoop);
    }

    String uri(String path) {
        return (secure ? "https://localhost:" : "http://127.0.0.1:") + server.getLocalPort() + path;
    }

    static byte pattern(long i) {
        return (byte) (i * 31 + 7);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread.ofPlatform().name("upgrade-conn").daemon().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = ScriptedServer.readHead(in);
                if (head == null) return;
                heads.add(head);
                String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                if (path.equals("/plain")) {
                    write(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain");
                    continue;
                }
                if (path.equals("/with-head")) {
                    write(out, SWITCHING + "hello");
                } else {
                    write(out, SWITCHING);
                }
                switch (path) {
                    case "/echo", "/with-head" -> {
                        byte[] buf = new byte[64 * 1024];
                        int n;
                        while ((n = in.read(buf)) >= 0) {
                            out.write(buf, 0, n);
                            out.flush();
                        }
                        if (!secure) s.shutdownOutput(); // FIN; SSLSocket cannot half-close
                    }
                    case "/sink" -> {
                        byte[] buf = new byte[64 * 1024];
                        long total = 0;
                        int n;
                        while ((n = in.read(buf)) >= 0) total += n;
                        sunk.set(total);
                    }
                    case "/rst" -> {
                        in.read();
                        s.setSoLinger(true, 0);
                    }
                    default -> {
                        int n = Integer.parseInt(path.substring("/send/".length()));
                        byte[] b = new byte[n];
                        for (int i = 0; i < n; i++) b[i] = pattern(i);
                        out.write(b);
                        out.flush();
                    }
                }
                return;
            }
        } catch (IOException e) {
            errors.add(e);
        } finally {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            sockets.remove(s);
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** The server threads finished (all connections closed). */
    boolean idle() {
        return sockets.isEmpty();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) s.close();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
