package dev.evloop.cli;

import dev.evloop.loop.EventLoop;
import dev.evloop.net.TcpListener;
import dev.evloop.net.TcpSocket;
import dev.evloop.net.Transport;
import dev.evloop.poll.Backend;
import dev.evloop.poll.Events;
import dev.evloop.poll.Registration;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * The self-contained demo: a server and {@code connections} clients on one event loop, over
 * loopback, exchanging length-prefixed messages (a 4-byte little-endian length, then the payload).
 * Each client sends one message, waits for its echo, checks every byte, and sends the next. Once a
 * second it prints the messages per second; at the end, the totals.
 */
final class EchoDemo {
    private final EventLoop loop;
    private final Transport transport;
    private final int size;
    private final PrintWriter out;
    private long messages;
    private long mismatches;
    private long lastMessages;
    private long lastNanos;

    EchoDemo(EventLoop loop, int size, PrintWriter out) {
        this.loop = loop;
        this.transport = Transport.forBackend(loop.backend());
        this.size = size;
        this.out = out;
    }

    /** Runs on the calling thread for {@code seconds}; returns the number of mismatched echoes. */
    static long run(Backend backend, int connections, int size, int seconds, PrintWriter out) throws IOException {
        try (EventLoop loop = EventLoop.open(backend)) {
            EchoDemo demo = new EchoDemo(loop, size, out);
            demo.start(connections, seconds);
            loop.run();
            return demo.mismatches;
        }
    }

    private void start(int connections, int seconds) throws IOException {
        TcpListener listener = transport.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024, false);
        loop.register(listener, Events.READ, (r, ready) -> {
            TcpSocket s;
            while ((s = listener.accept()) != null) { // accept until EAGAIN
                new ServerSide(s).register();
            }
        });
        for (int i = 0; i < connections; i++) {
            new ClientSide(transport.connect(listener.localAddress()), i).register();
        }
        out.printf("evloop demo: %d connection(s), %d-byte messages, %s backend, %d s on %s%n",
                connections, size, loop.backend().name().toLowerCase(), seconds, listener.localAddress());
        out.flush();
        long start = System.nanoTime();
        lastNanos = start;
        for (int s = 1; s <= seconds; s++) {
            loop.schedule(s, TimeUnit.SECONDS, this::report);
        }
        loop.schedule(seconds, TimeUnit.SECONDS, () -> {
            double elapsed = (System.nanoTime() - start) / 1e9;
            out.printf("total: %d messages in %.2f s, %.0f msg/s, %d mismatches%n",
                    messages, elapsed, messages / elapsed, mismatches);
            out.flush();
            loop.close();
        });
    }

    private void report() {
        long now = System.nanoTime();
        double rate = (messages - lastMessages) / ((now - lastNanos) / 1e9);
        out.printf("%,12.0f msg/s%n", rate);
        out.flush();
        lastMessages = messages;
        lastNanos = now;
    }

    /** Echoes every complete frame; stops reading while its output cannot be written (backpressure). */
    private final class ServerSide {
        private final TcpSocket socket;
        private final ByteBuffer in = ByteBuffer.allocate(Math.max(64 * 1024, size + 4)).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteBuffer pending = ByteBuffer.allocate(Math.max(64 * 1024, size + 4));
        private Registration reg;

        ServerSide(TcpSocket socket) {
            this.socket = socket;
            pending.flip();
        }

        void register() throws IOException {
            reg = loop.register(socket, Events.READ, (r, ready) -> onReady(ready));
        }

        private void onReady(int ready) throws IOException {
            if (Events.isWritable(ready) && !flush()) return;
            if (Events.isReadable(ready) && socket.read(in) < 0) {
                socket.close();
                return;
            }
            // Parse even when only WRITE fired: frames left behind while output was full are due now.
            in.flip();
            pending.compact();
            while (in.remaining() >= 4) {
                int len = in.getInt(in.position());
                if (len < 0 || len > in.capacity() - 4) {
                    socket.close(); // a frame that cannot be valid: drop the peer
                    return;
                }
                if (in.remaining() < 4 + len || pending.remaining() < 4 + len) break;
                pending.put(in.slice(in.position(), 4 + len));
                in.position(in.position() + 4 + len);
            }
            pending.flip();
            in.compact();
            flush();
        }

        /** Writes what is pending; true if all of it went out. */
        private boolean flush() throws IOException {
            if (pending.hasRemaining()) socket.write(pending);
            boolean done = !pending.hasRemaining();
            reg.interest(done ? Events.READ : Events.WRITE); // read mode or write mode
            return done;
        }
    }

    /** Sends one message, waits for all of its echo, checks it, sends the next. */
    private final class ClientSide {
        private final TcpSocket socket;
        private final ByteBuffer message;
        private final ByteBuffer echo;
        private boolean connected;
        private Registration reg;

        ClientSide(TcpSocket socket, int id) {
            this.socket = socket;
            message = ByteBuffer.allocate(4 + size).order(ByteOrder.LITTLE_ENDIAN);
            message.putInt(size);
            for (int i = 0; i < size; i++) message.put((byte) (i * 31 + id));
            message.flip();
            echo = ByteBuffer.allocate(4 + size);
        }

        void register() throws IOException {
            reg = loop.register(socket, Events.WRITE, (r, ready) -> onReady(ready));
        }

        private void onReady(int ready) throws IOException {
            if (!connected) {
                if (!socket.finishConnect()) return;
                connected = true;
            }
            if (message.hasRemaining()) {
                socket.write(message);
                reg.interest(message.hasRemaining() ? Events.WRITE : Events.READ);
                return;
            }
            int n = socket.read(echo);
            if (n < 0) {
                throw new IOException("server closed the connection");
            }
            if (echo.hasRemaining()) return;
            echo.flip();
            message.rewind();
            if (!echo.equals(message)) mismatches++;
            messages++;
            echo.clear();
            socket.write(message);
            reg.interest(message.hasRemaining() ? Events.WRITE : Events.READ);
        }
    }
}
