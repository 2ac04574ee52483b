package dev.evloop.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Many echo connections at once on a plain JDK Selector: an implementation independent of the
 * server under test. Each connection sends {@code messages} messages one after another and checks
 * every echoed byte. Bounded by a deadline.
 */
final class SelectorEchoClient {
    record Result(long messages, long mismatches, long errors) {}

    private static final class Conn {
        final SocketChannel ch;
        final byte[] expected;
        final ByteBuffer out;
        final ByteBuffer in;
        int remaining;

        Conn(SocketChannel ch, int size, int seed, int messages) {
            this.ch = ch;
            byte[] frame = Frames.frame(Frames.payload(size, seed));
            this.expected = frame;
            this.out = ByteBuffer.wrap(frame);
            this.in = ByteBuffer.allocate(frame.length);
            this.remaining = messages;
        }
    }

    static Result run(InetSocketAddress server, int connections, int size, int messages, long timeoutMillis)
            throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        long done = 0;
        long mismatches = 0;
        long errors = 0;
        List<Conn> conns = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < connections; i++) {
                SocketChannel ch = SocketChannel.open();
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.connect(server); // blocking connect: the backlog completes it
                ch.configureBlocking(false);
                Conn c = new Conn(ch, size, i, messages);
                conns.add(c);
                ch.register(selector, SelectionKey.OP_WRITE, c);
            }
            int active = connections;
            while (active > 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) throw new AssertionError("echo did not finish in time: " + done + " messages done");
                selector.select(Math.max(1, left));
                for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey k = it.next();
                    it.remove();
                    Conn c = (Conn) k.attachment();
                    try {
                        if (k.isWritable()) {
                            c.ch.write(c.out);
                            if (!c.out.hasRemaining()) k.interestOps(SelectionKey.OP_READ);
                        } else if (k.isReadable()) {
                            int n = c.ch.read(c.in);
                            if (n < 0) throw new IOException("server closed the connection");
                            if (c.in.hasRemaining()) continue;
                            if (!java.util.Arrays.equals(c.in.array(), c.expected)) mismatches++;
                            done++;
                            c.in.clear();
                            if (--c.remaining == 0) {
                                k.cancel();
                                active--;
                            } else {
                                c.out.rewind();
                                k.interestOps(SelectionKey.OP_WRITE);
                            }
                        }
                    } catch (IOException e) {
                        errors++;
                        k.cancel();
                        active--;
                    }
                }
            }
        } finally {
            for (Conn c : conns) c.ch.close();
        }
        return new Result(done, mismatches, errors);
    }
}
