package dev.evloop.bench.echo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * The length-prefixed echo service on a plain JDK {@link Selector}, one thread: the baseline in
 * {@link EchoCompare}. Written the straightforward way, neither tuned nor deliberately slow.
 *
 * <ol>
 *   <li>Each connection gets a heap input buffer of {@value #INITIAL_INPUT} bytes at accept, grown
 *       to fit the frame at its head when that is longer (up to 1 MiB + 4); TCP_NODELAY on.
 *   <li>On OP_READ: one {@code read} into that buffer, then every complete frame in it is written
 *       back with one {@code write} of the whole run of frames, straight from the input buffer.
 *   <li>What the kernel does not take is copied to an output buffer and the key switches to
 *       OP_WRITE (reading stops), back to OP_READ once the output is out; a partial frame stays in
 *       the input buffer for the next read.
 *   <li>End of stream or an error closes the connection; a negative or too-long length too.
 * </ol>
 *
 * <p>Usage: {@code NioEchoServer PORT} (0 picks a free one). Prints {@code listening PORT} once
 * bound, then serves until the process is killed.
 */
public final class NioEchoServer {
    static final int INITIAL_INPUT = 4096;
    static final int HEADER = 4;
    static final int MAX_FRAME = NettyEchoServer.MAX_MESSAGE + HEADER;
    static final int BACKLOG = 1024; // as evloop's ServerConfig default

    private NioEchoServer() {}

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7000;
        try (Selector selector = Selector.open(); ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", port), BACKLOG);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            System.out.println("listening " + ((InetSocketAddress) server.getLocalAddress()).getPort());
            System.out.flush();
            while (true) {
                selector.select();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) continue;
                    if (key.isAcceptable()) {
                        acceptAll(server, selector);
                    } else {
                        Conn c = (Conn) key.attachment();
                        try {
                            if (key.isWritable()) c.flush();
                            else if (key.isReadable()) c.read();
                        } catch (IOException e) {
                            c.close();
                        }
                    }
                }
            }
        }
    }

    private static void acceptAll(ServerSocketChannel server, Selector selector) throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Conn c = new Conn(ch);
            c.key = ch.register(selector, SelectionKey.OP_READ, c);
        }
    }

    static final class Conn {
        final SocketChannel ch;
        SelectionKey key;
        /** Fill mode: bytes read and not yet echoed (at most one partial frame between reads). */
        ByteBuffer in = ByteBuffer.allocate(INITIAL_INPUT).order(ByteOrder.LITTLE_ENDIAN);
        /** Read mode: echoes the kernel did not take yet; null when nothing waits. */
        ByteBuffer out;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }

        void read() throws IOException {
            if (!in.hasRemaining()) grow();
            int n = ch.read(in);
            if (n < 0) {
                close();
                return;
            }
            if (n > 0) echoFrames();
        }

        /** Writes back every complete frame in {@code in}, keeps the partial one. */
        private void echoFrames() throws IOException {
            int end = 0;
            int filled = in.position();
            while (filled - end >= HEADER) {
                int length = in.getInt(end);
                if (length < 0 || length > MAX_FRAME - HEADER) {
                    close();
                    return;
                }
                if (filled - end - HEADER < length) break;
                end += HEADER + length;
            }
            if (end > 0) {
                ByteBuffer frames = in.duplicate().position(0).limit(end);
                ch.write(frames);
                if (frames.hasRemaining()) {
                    out = ByteBuffer.allocate(frames.remaining()).put(frames).flip();
                    key.interestOps(SelectionKey.OP_WRITE);
                }
                in.limit(filled).position(end);
                in.compact();
            }
            if (!in.hasRemaining()) grow();
        }

        /** Makes room for the frame at the head of {@code in}: its whole length, or double. */
        private void grow() {
            int filled = in.position();
            int need = filled >= HEADER ? HEADER + in.getInt(0) : in.capacity() * 2;
            if (need <= in.capacity()) return;
            ByteBuffer bigger = ByteBuffer.allocate(Math.min(MAX_FRAME, Math.max(need, in.capacity() * 2)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            in = bigger.put(in.flip());
        }

        void flush() throws IOException {
            ch.write(out);
            if (out.hasRemaining()) return;
            out = null;
            key.interestOps(SelectionKey.OP_READ);
        }

        void close() {
            key.cancel();
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
