package dev.evloop.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw HTTP/1.1 server on loopback for what Jetty will not do on request. The path says what to do:
 * <ul>
 *   <li>{@code /close} — answer, with {@code Connection: close}, then close;
 *   <li>{@code /keep-then-close} — answer keep-alive, then close the connection anyway (the client
 *       finds a dead connection in its pool);
 *   <li>{@code /once} — answer keep-alive, then read the next request on that connection and close
 *       without answering it (a connection that looks alive in the pool but dies when reused);
 *   <li>{@code /drop} — read the request and close without answering;
 *   <li>anything else — answer keep-alive and wait for the next request.
 * </ul>
 */
final class ScriptedServer implements AutoCloseable {
    final ServerSocket server;
    final AtomicInteger accepted = new AtomicInteger();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    ScriptedServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().name("scripted-accept").daemon().start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    String uri(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                sockets.add(s);
                Thread.ofPlatform().name("scripted-conn").daemon().start(() -> serve(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) return;
                String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                switch (path) {
                    case "/close" -> {
                        write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nclose");
                        return;
                    }
                    case "/keep-then-close" -> {
                        write(s, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nkept");
                        return;
                    }
                    case "/once" -> {
                        write(s, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nonce");
                        readHead(in);
                        return;
                    }
                    case "/drop" -> {
                        return;
                    }
                    default -> write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
                }
            }
        } catch (IOException e) {
            // the client went away: nothing to do
        } finally {
            sockets.remove(s);
        }
    }

    /** The request head, or null at end of stream. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) return null;
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
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
