package dev.evloop.bench.ws;

import dev.evloop.bench.Harness;
import dev.evloop.http.HttpEngine;
import dev.evloop.http.HttpHeaders;
import dev.evloop.http.driver.LoopDriver;
import dev.evloop.loop.EventLoop;
import dev.evloop.net.Transport;
import dev.evloop.poll.Backend;
import dev.evloop.websocket.WebSocket;
import dev.evloop.websocket.WebSocketClient;
import dev.evloop.websocket.WebSocketConfig;
import dev.evloop.websocket.WebSocketListener;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The load of {@link WsCompare}, in its own JVM: evloop's WebSocket client driving binary echo
 * round trips against one server.
 *
 * <ol>
 *   <li>Opens {@code --connections N} sessions to {@code --uri}, spread round-robin over
 *       {@code --loops L} event loops (epoll), each loop carrying its sessions on one
 *       {@link HttpEngine} ({@link WebSocketClient#connect(HttpEngine, URI, HttpHeaders,
 *       WebSocketConfig, WebSocketListener, java.util.concurrent.Executor)}); at most
 *       {@value #HANDSHAKES_PER_LOOP} opening handshakes per loop at a time, so a server's short
 *       accept queue sees no SYN flood. permessage-deflate is not offered: nothing is compressed.
 *   <li>Once every session is open, each keeps {@code --in-flight K} binary messages of
 *       {@code --size S} bytes in flight: when an echo arrives it is checked byte for byte against
 *       what was sent (the first 8 bytes carry the session's message number, the rest are random
 *       bytes fixed per session; a difference counts as a mismatch), its round trip is recorded
 *       and the next message is sent, all on the loop thread.
 *   <li>Runs {@code --warmup W} s unmeasured, prints {@code window-start}, measures
 *       {@code --duration D} s, prints {@code window-end} and one JSON line: messages_per_s,
 *       p50_us, p99_us, max_us (HdrHistogram, round trips of the window), errors, mismatches,
 *       connections, size, and this process's CPU seconds in the window.
 * </ol>
 * A session that fails or closes before the end counts as an error (and stops its traffic); so
 * does one that does not open.
 */
public final class WsLoad {
    static final int HANDSHAKES_PER_LOOP = 32;
    private static final int SEQ_BYTES = 8;

    private static final LongAdder MESSAGES = new LongAdder();
    private static final LongAdder ERRORS = new LongAdder();
    private static final LongAdder MISMATCHES = new LongAdder();
    /** Round trips in microseconds; written by every loop thread, read (and reset) by main. */
    private static final Recorder ROUND_TRIPS = new Recorder(3);
    private static volatile boolean stopping;
    private static volatile String firstError;

    private WsLoad() {}

    static void error(String why) {
        if (stopping) return;
        ERRORS.increment();
        if (firstError == null) firstError = why;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = Harness.Args.parse(args, "-", WsLoad::usage).options();
        for (String k : o.keySet()) {
            if (!List.of("uri", "connections", "loops", "in-flight", "size", "warmup", "duration").contains(k)) {
                usage("unknown option --" + k);
            }
        }
        if (!o.containsKey("uri")) usage("--uri is required");
        URI uri = URI.create(o.get("uri"));
        int connections = positive(o, "connections", "64");
        int loops = Math.min(positive(o, "loops", "1"), connections);
        int inFlight = positive(o, "in-flight", "1");
        int size = positive(o, "size", "64");
        double warmup = Double.parseDouble(o.getOrDefault("warmup", "2"));
        double duration = Double.parseDouble(o.getOrDefault("duration", "5"));
        if (!(warmup >= 0) || !(duration > 0)) usage("--warmup must be >= 0 and --duration > 0 seconds");

        // A message larger than the default send frame (64 KiB) would go out in fragments; one frame per message.
        WebSocketConfig config = WebSocketConfig.builder().permessageDeflate(false)
                .maxMessageSize(Math.max(16 << 20, size)).maxFrameSize(Math.max(16 << 20, size))
                .sendFrameSize(Math.max(64 << 10, size)).build();
        System.out.printf(Locale.ROOT, "ws-load %s: %d connections over %d loop(s), %d in flight each, %d B%n",
                uri, connections, loops, inFlight, size);
        System.out.flush();

        CountDownLatch settled = new CountDownLatch(connections);
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < loops; i++) workers.add(new Worker(i, uri, config, settled));
        SplittableRandom random = new SplittableRandom(42);
        for (int c = 0; c < connections; c++) {
            workers.get(c % loops).sessions.add(new Session(random.split(), size, inFlight));
        }
        long t0 = System.nanoTime();
        for (Worker w : workers) w.start();
        if (!settled.await(120, TimeUnit.SECONDS)) error("sessions still opening after 120 s");
        int open = workers.stream().mapToInt(Worker::opened).sum();
        System.out.printf(Locale.ROOT, "connected %d of %d in %.2f s%n", open, connections, (System.nanoTime() - t0) / 1e9);
        System.out.flush();
        for (Worker w : workers) w.loop.execute(w::startTraffic);

        Thread.sleep((long) (warmup * 1000));
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ROUND_TRIPS.getIntervalHistogram(); // drops the warm-up's round trips
        long aNanos = System.nanoTime();
        long aMessages = MESSAGES.sum();
        long aErrors = ERRORS.sum();
        long aMismatches = MISMATCHES.sum();
        long aCpu = os.getProcessCpuTime();
        System.out.println("window-start");
        System.out.flush();
        Thread.sleep((long) (duration * 1000));
        long bNanos = System.nanoTime();
        long bMessages = MESSAGES.sum();
        long bErrors = ERRORS.sum();
        long bMismatches = MISMATCHES.sum();
        long bCpu = os.getProcessCpuTime();
        Histogram h = ROUND_TRIPS.getIntervalHistogram();
        System.out.println("window-end");
        System.out.flush();
        stopping = true;

        double window = (bNanos - aNanos) / 1e9;
        long messages = bMessages - aMessages;
        // Errors before the window (a session that never opened) count too: the load was not what was asked.
        long errors = bErrors;
        String err = firstError == null ? "null" : "\"" + firstError.replace("\\", "\\\\").replace("\"", "'") + "\"";
        System.out.printf(Locale.ROOT, "{\"messages_per_s\":%.1f,\"messages\":%d,\"window_s\":%.3f,\"p50_us\":%d,"
                        + "\"p99_us\":%d,\"max_us\":%d,\"errors\":%d,\"errors_in_window\":%d,\"mismatches\":%d,"
                        + "\"connections\":%d,\"open\":%d,\"size\":%d,\"in_flight\":%d,\"loops\":%d,\"cpu_s\":%.3f,"
                        + "\"first_error\":%s}%n",
                messages / window, messages, window, h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                h.getMaxValue(), errors, bErrors - aErrors, bMismatches, connections, open, size, inFlight, loops,
                (bCpu - aCpu) / 1e9, err);
        System.out.flush();
        System.exit(0); // the servers are stopped after each run: no closing handshakes to wait for
    }

    private static int positive(Map<String, String> o, String key, String dflt) {
        int v = Integer.parseInt(o.getOrDefault(key, dflt));
        if (v < 1) usage("--" + key + " must be at least 1, got " + v);
        return v;
    }

    // ------------------------------------------------------------------ one loop

    /** One event loop thread with its engine and its share of the sessions. */
    static final class Worker {
        final EventLoop loop;
        final HttpEngine engine;
        final List<Session> sessions = new ArrayList<>();
        private final URI uri;
        private final WebSocketConfig config;
        private final CountDownLatch settled;
        /** Loop thread only. */
        private int nextToOpen;
        private int opening;
        private volatile int opened;

        Worker(int index, URI uri, WebSocketConfig config, CountDownLatch settled) throws IOException {
            this.uri = uri;
            this.config = config;
            this.settled = settled;
            loop = EventLoop.builder().backend(Backend.EPOLL).name("ws-load-" + index).build();
            LoopDriver driver = new LoopDriver(loop);
            engine = HttpEngine.builder()
                    .socketCallback(driver.socketCallback())
                    .timerCallback(driver.timerCallback())
                    .transport(Transport.forBackend(loop.backend()))
                    .connectTimeout(Duration.ofSeconds(30))
                    .maxConnectionsPerHost(Integer.MAX_VALUE)
                    .maxConnections(Integer.MAX_VALUE)
                    .queueResults(false) // the sessions hear their handshakes' results
                    .build();
            driver.bind(engine);
        }

        int opened() {
            return opened;
        }

        void start() {
            loop.execute(this::openMore);
            loop.start();
        }

        private void openMore() {
            while (opening < HANDSHAKES_PER_LOOP && nextToOpen < sessions.size()) {
                Session s = sessions.get(nextToOpen++);
                opening++;
                WebSocketClient.connect(engine, uri, HttpHeaders.empty(), config, s, loop::execute)
                        .whenComplete((ws, e) -> {
                            opening--;
                            if (e != null) error("connect: " + e);
                            else opened++;
                            settled.countDown();
                            openMore();
                        });
            }
        }

        void startTraffic() {
            for (Session s : sessions) s.start();
        }
    }

    // ------------------------------------------------------------------ one session

    /** One connection's traffic; every call on its loop's thread. */
    static final class Session implements WebSocketListener {
        private final ByteBuffer payload;
        private final int inFlight;
        /** Send times and message numbers of the messages in flight, oldest first (a ring). */
        private final long[] sentAt;
        private final long[] seqs;
        private int head;
        private int count;
        private long nextSeq;
        private WebSocket ws;
        private boolean failed;

        Session(SplittableRandom random, int size, int inFlight) {
            byte[] b = new byte[size];
            random.nextBytes(b);
            payload = ByteBuffer.wrap(b);
            this.inFlight = inFlight;
            sentAt = new long[inFlight];
            seqs = new long[inFlight];
        }

        @Override
        public void onOpen(WebSocket ws) {
            this.ws = ws;
        }

        void start() {
            if (ws == null || failed) return;
            for (int i = 0; i < inFlight; i++) send();
        }

        private void send() {
            long seq = nextSeq++;
            if (payload.capacity() >= SEQ_BYTES) payload.putLong(0, seq);
            int tail = (head + count) % inFlight;
            seqs[tail] = seq;
            sentAt[tail] = System.nanoTime();
            count++;
            // On the loop thread the session frames (and masks) the bytes at once: the buffer is free again after.
            if (!ws.sendBinary(payload)) lost("sendBinary refused: the session is closing");
        }

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            long now = System.nanoTime();
            if (count == 0) {
                lost("an echo arrived with nothing in flight");
                return;
            }
            long seq = seqs[head];
            long t = sentAt[head];
            head = (head + 1) % inFlight;
            count--;
            if (!matches(data, seq)) MISMATCHES.increment();
            ROUND_TRIPS.recordValue(Math.max(1, (now - t) / 1000));
            MESSAGES.increment();
            if (!stopping && !failed) send();
        }

        private boolean matches(ByteBuffer data, long seq) {
            int size = payload.capacity();
            if (data.remaining() != size) return false;
            int p = data.position();
            if (size >= SEQ_BYTES && data.getLong(p) != seq) return false;
            int from = Math.min(SEQ_BYTES, size);
            if (data.hasArray()) {
                return Arrays.equals(data.array(), data.arrayOffset() + p + from, data.arrayOffset() + p + size,
                        payload.array(), from, size);
            }
            return data.slice(p + from, size - from).equals(payload.slice(from, size - from));
        }

        @Override
        public void onText(WebSocket ws, String text) {
            lost("a text message arrived; only binary was sent");
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            lost("session error: " + error);
        }

        @Override
        public void onClose(WebSocket ws, int code, String reason) {
            lost("session closed: " + code + " " + reason);
        }

        private void lost(String why) {
            if (failed) return;
            failed = true;
            error(why);
        }
    }

    private static void usage(String why) {
        System.err.println("WsLoad: " + why);
        System.err.println("usage: WsLoad --uri ws://127.0.0.1:PORT/ [--connections 64] [--loops 1] [--in-flight 1] "
                + "[--size 64] [--warmup 2] [--duration 5]");
        System.exit(2);
    }
}
