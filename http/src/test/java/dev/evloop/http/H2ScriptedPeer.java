package dev.evloop.http;

import dev.evloop.http.codec.h2.ErrorCode;
import dev.evloop.http.codec.h2.Http2;
import dev.evloop.http.codec.h2.Http2Exception;
import dev.evloop.http.codec.h2.Http2FrameListener;
import dev.evloop.http.codec.h2.Http2FrameReader;
import dev.evloop.http.codec.h2.Http2FrameWriter;
import dev.evloop.http.codec.h2.Http2Settings;
import dev.evloop.http.codec.hpack.HpackDecoder;
import dev.evloop.http.codec.hpack.HpackEncoder;
import dev.evloop.http.codec.hpack.HpackException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A blocking h2c server that does on purpose what real servers will not: protocol errors and
 * the flood shapes. Each accepted connection runs the test's script for it (the first script for
 * the first connection, and so on; connections beyond the scripts are closed at once) on a
 * platform thread of its own, while a second thread reads the client's frames with the engine's
 * own {@link Http2FrameReader} and records them ({@link Conn#frames}, {@link Conn#await}).
 * Writes go through {@link Http2FrameWriter} and an {@link HpackEncoder}, or as raw bytes.
 */
final class H2ScriptedPeer implements AutoCloseable {
    /** One script per connection; it may throw, failing the test at {@link #close()}. */
    @FunctionalInterface
    interface Script {
        void run(Conn c) throws Exception;
    }

    /**
     * A frame the client sent. {@code code}: the error code of RST_STREAM / GOAWAY; {@code payload}:
     * a PING's; {@code fields}: a HEADERS block decoded (names in order of arrival).
     */
    record Frame(int type, int stream, int flags, long code, long payload, Map<String, String> fields) {
        @Override
        public String toString() {
            String extra = type == Http2.RST_STREAM || type == Http2.GOAWAY ? " " + ErrorCode.describe(code)
                    : type == Http2.PING ? " " + Long.toHexString(payload) : type == Http2.HEADERS ? " " + fields : "";
            return Http2.frameName(type) + "[stream " + stream + ", flags 0x" + Integer.toHexString(flags) + extra + "]";
        }
    }

    private final ServerSocket server;
    private final List<Script> scripts;
    private final Thread acceptor;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Conn> conns = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    H2ScriptedPeer(Script... scripts) throws IOException {
        this(0, scripts);
    }

    /** receiveBuffer: SO_RCVBUF of accepted sockets (0: the default), set before bind so it holds from the SYN. */
    H2ScriptedPeer(int receiveBuffer, Script... scripts) throws IOException {
        this.scripts = List.of(scripts);
        server = new ServerSocket();
        if (receiveBuffer > 0) server.setReceiveBufferSize(receiveBuffer);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = Thread.ofPlatform().name("h2peer-accept").daemon().start(this::acceptLoop);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    int accepted() {
        return accepted.get();
    }

    /** The n-th accepted connection (0-based), waiting for it up to 5 s. */
    Conn conn(int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (conns.size() <= n) {
            if (System.nanoTime() - end > 0) throw new AssertionError("no connection #" + n + " (accepted " + accepted() + ")");
            Thread.sleep(5);
        }
        return conns.get(n);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            int n = accepted.getAndIncrement();
            Conn c;
            try {
                c = new Conn(s, n);
            } catch (IOException e) {
                failures.add(e);
                closeQuietly(s);
                continue;
            }
            conns.add(c);
            if (n >= scripts.size()) {
                c.close();
                continue;
            }
            c.scriptThread = Thread.ofPlatform().name("h2peer-script-" + n).daemon().start(() -> c.runScript(scripts.get(n)));
        }
    }

    /** Closes everything, waits for the threads, and rethrows the first script failure. */
    @Override
    public void close() throws Exception {
        server.close();
        acceptor.join(5000);
        for (Conn c : conns) c.close();
        for (Conn c : conns) c.join();
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("script failed: " + failures.get(0), failures.get(0));
            for (int i = 1; i < failures.size(); i++) e.addSuppressed(failures.get(i));
            throw e;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }

    /** One accepted connection: what the client sent, and the means to answer. */
    final class Conn {
        final int index;
        final Socket socket;
        /** Every frame received, in order (the client preface is checked, not recorded). */
        final List<Frame> frames = new CopyOnWriteArrayList<>();
        private final BlockingQueue<Frame> queue = new LinkedBlockingQueue<>();
        private final OutputStream out;
        private final InputStream in;
        private final HpackEncoder encoder = new HpackEncoder(Http2.DEFAULT_HEADER_TABLE_SIZE);
        private final HpackDecoder decoder = new HpackDecoder(Http2.DEFAULT_HEADER_TABLE_SIZE, Long.MAX_VALUE);
        private final Thread readerThread;
        private Thread scriptThread;
        private volatile boolean reading = true;
        /** The client closed its side (or the connection broke). */
        volatile boolean ended;
        private volatile String readError;
        private ByteBuffer buf = ByteBuffer.allocate(32 * 1024);

        Conn(Socket socket, int index) throws IOException {
            this.socket = socket;
            this.index = index;
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = socket.getInputStream();
            readerThread = Thread.ofPlatform().name("h2peer-read-" + index).daemon().start(this::readLoop);
        }

        private void runScript(Script script) {
            try {
                script.run(this);
            } catch (Throwable e) {
                failures.add(e);
                close();
            }
        }

        private void readLoop() {
            try {
                byte[] preface = in.readNBytes(Http2.PREFACE.length);
                if (!Arrays.equals(preface, Http2.PREFACE)) {
                    readError = "not the client preface: " + Arrays.toString(preface);
                    return;
                }
                Http2FrameReader reader = new Http2FrameReader(Http2.MAX_FRAME_SIZE_LIMIT, 1 << 20, 1 << 20);
                Recorder recorder = new Recorder();
                byte[] chunk = new byte[16 * 1024];
                while (reading) {
                    int n = in.read(chunk);
                    if (n < 0) return;
                    reader.read(ByteBuffer.wrap(chunk, 0, n), recorder);
                }
                synchronized (this) {
                    while (!ended) wait(); // stopped reading on purpose: the socket stays open, unread
                }
            } catch (IOException | InterruptedException e) {
                if (!ended) readError = e.toString();
            } finally {
                ended = true;
            }
        }

        private void record(Frame f) {
            frames.add(f);
            queue.add(f);
        }

        /** The next frame (since the last await) that matches, waiting up to {@code max}; null if none came. */
        Frame poll(Predicate<Frame> match, Duration max) throws InterruptedException {
            long end = System.nanoTime() + max.toNanos();
            while (true) {
                Frame f = queue.poll(Math.max(end - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
                if (f == null || match.test(f)) return f;
            }
        }

        /** As {@link #poll}, failing the script if none came. */
        Frame await(Predicate<Frame> match, Duration max) throws InterruptedException {
            Frame f = poll(match, max);
            if (f == null) {
                throw new AssertionError("connection #" + index + ": no matching frame within " + max.toMillis()
                        + " ms; received " + frames + (readError != null ? ", read error " + readError : ""));
            }
            return f;
        }

        /**
         * For the test thread, which must not take frames from the script's queue: the first
         * recorded frame that matches, waiting up to {@code max}; null if none came.
         */
        Frame seen(Predicate<Frame> match, Duration max) throws InterruptedException {
            long end = System.nanoTime() + max.toNanos();
            while (true) {
                for (Frame f : frames) if (match.test(f)) return f;
                if (System.nanoTime() - end > 0) return null;
                Thread.sleep(5);
            }
        }

        Frame await(int type) throws InterruptedException {
            return await(f -> f.type == type, Duration.ofSeconds(10));
        }

        /** The client's SETTINGS, then ours ({@code settings}) and the acknowledgement of theirs. */
        Conn handshake(Http2Settings settings) throws IOException, InterruptedException {
            return handshake(settings, true);
        }

        Conn handshake() throws IOException, InterruptedException {
            return handshake(new Http2Settings(), true);
        }

        /** ack false: the client's SETTINGS are never acknowledged. */
        Conn handshake(Http2Settings settings, boolean ack) throws IOException, InterruptedException {
            await(f -> f.type == Http2.SETTINGS && (f.flags & Http2.FLAG_ACK) == 0, Duration.ofSeconds(10));
            write(b -> {
                b = Http2FrameWriter.settings(b, settings);
                return ack ? Http2FrameWriter.settingsAck(b) : b;
            });
            return this;
        }

        /** The client's next HEADERS. */
        Frame awaitHeaders() throws InterruptedException {
            return await(Http2.HEADERS);
        }

        /** 200 with {@code body} and its content-length. */
        void ok(int stream, String body) throws IOException {
            byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            headers(stream, b.length == 0, ":status", "200", "content-length", Integer.toString(b.length));
            if (b.length > 0) data(stream, b, true);
        }

        /** Stops reading: what the client sends piles up in the kernel buffers. */
        void stopReading() {
            reading = false;
        }

        /** Response HEADERS from name/value pairs, in that order and case, split at 16,384 bytes. */
        void headers(int stream, boolean endStream, String... nameValues) throws IOException {
            ByteBuffer block = block(nameValues);
            write(b -> Http2FrameWriter.headers(b, stream, block, endStream, Http2.DEFAULT_MAX_FRAME_SIZE));
        }

        /** An HPACK block of the pairs, as a copy (the encoder reuses its buffer). */
        ByteBuffer block(String... nameValues) {
            encoder.beginBlock();
            for (int i = 0; i < nameValues.length; i += 2) encoder.field(nameValues[i], nameValues[i + 1]);
            ByteBuffer view = encoder.endBlock();
            ByteBuffer copy = ByteBuffer.allocate(view.remaining()).put(view).flip();
            return copy;
        }

        /** DATA frames of at most 16,384 bytes; END_STREAM on the last if asked. */
        void data(int stream, byte[] bytes, boolean endStream) throws IOException {
            ByteBuffer src = ByteBuffer.wrap(bytes);
            write(b -> {
                do {
                    int n = Math.min(src.remaining(), Http2.DEFAULT_MAX_FRAME_SIZE);
                    b = Http2FrameWriter.data(b, stream, src, n, endStream && n == src.remaining());
                } while (src.hasRemaining());
                return b;
            });
        }

        void rst(int stream, ErrorCode code) throws IOException {
            write(b -> Http2FrameWriter.rstStream(b, stream, code));
        }

        void goAway(int lastStream, ErrorCode code) throws IOException {
            write(b -> Http2FrameWriter.goAway(b, lastStream, code, null));
        }

        void ping(boolean ack, long payload) throws IOException {
            write(b -> Http2FrameWriter.ping(b, ack, payload));
        }

        /** Any frame, as given (no checks): the malformed shapes. */
        void frame(int type, int flags, int stream, byte[] payload) throws IOException {
            write(b -> Http2FrameWriter.frameHeader(b, payload.length, type, flags, stream).put(payload));
        }

        void raw(byte[] bytes) throws IOException {
            synchronized (out) {
                out.write(bytes);
                out.flush();
            }
        }

        private interface Encoding {
            ByteBuffer into(ByteBuffer b);
        }

        private void write(Encoding e) throws IOException {
            synchronized (out) {
                buf.clear();
                buf = e.into(buf);
                out.write(buf.array(), 0, buf.position());
                out.flush();
            }
        }

        void close() {
            ended = true;
            synchronized (this) {
                notifyAll();
            }
            closeQuietly(socket);
        }

        private void join() throws InterruptedException {
            readerThread.join(5000);
            if (scriptThread != null) scriptThread.join(5000);
        }

        /** Records each frame; HEADERS are HPACK-decoded so a script can see {@code :path}. */
        private final class Recorder implements Http2FrameListener {
            @Override
            public void onData(int streamId, ByteBuffer data, boolean endStream, int flowControlled) {
                record(new Frame(Http2.DATA, streamId, endStream ? Http2.FLAG_END_STREAM : 0, 0, 0, Map.of()));
            }

            @Override
            public void onHeaders(int streamId, ByteBuffer block, boolean endStream) throws Http2Exception {
                Map<String, String> fields = new LinkedHashMap<>();
                try {
                    decoder.decode(block, (name, value, neverIndexed) -> fields.put(name, value));
                } catch (HpackException e) {
                    throw Http2Exception.connection(ErrorCode.COMPRESSION_ERROR, "client header block: " + e.getMessage());
                }
                record(new Frame(Http2.HEADERS, streamId, endStream ? Http2.FLAG_END_STREAM : 0, 0, 0, fields));
            }

            @Override
            public void onRstStream(int streamId, long errorCode) {
                record(new Frame(Http2.RST_STREAM, streamId, 0, errorCode, 0, Map.of()));
            }

            @Override
            public void onSettings(Http2Settings settings) {
                record(new Frame(Http2.SETTINGS, 0, 0, 0, 0, Map.of()));
            }

            @Override
            public void onSettingsAck() {
                record(new Frame(Http2.SETTINGS, 0, Http2.FLAG_ACK, 0, 0, Map.of()));
            }

            @Override
            public void onPushPromise(int streamId, int promisedStreamId, ByteBuffer block) throws Http2Exception {
                throw Http2Exception.connection(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE from a client");
            }

            @Override
            public void onPing(boolean ack, long payload) {
                record(new Frame(Http2.PING, 0, ack ? Http2.FLAG_ACK : 0, 0, payload, Map.of()));
            }

            @Override
            public void onGoAway(int lastStreamId, long errorCode, ByteBuffer debugData) {
                record(new Frame(Http2.GOAWAY, 0, 0, errorCode, lastStreamId, Map.of()));
            }

            @Override
            public void onWindowUpdate(int streamId, int increment) {
                record(new Frame(Http2.WINDOW_UPDATE, streamId, 0, 0, increment, Map.of()));
            }
        }
    }

    /** The frames of {@code type} among {@code frames}. */
    static List<Frame> ofType(List<Frame> frames, int type) {
        List<Frame> r = new ArrayList<>();
        for (Frame f : frames) if (f.type == type) r.add(f);
        return r;
    }
}
