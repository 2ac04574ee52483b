package dev.evloop.cli;

import dev.evloop.loop.EventLoop;
import dev.evloop.poll.Backend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * The echo load client behind {@code evloop echo-bench}: {@link EchoClient}s spread over one or
 * more event loops, each loop on its own thread with its own histogram and counters, merged at
 * the end.
 *
 * <p>A run, in order:
 * <ol>
 *   <li>Connect: each loop opens its share of the connections, at most {@value #MAX_CONNECTING}
 *       connects in progress at a time (a burst of SYNs would overflow a server's backlog). A
 *       connection that fails is an error. Connections still not established after
 *       {@value #CONNECT_TIMEOUT_SECONDS} s are closed and counted as errors; the run goes on with
 *       the others.
 *   <li>Warm-up: every connection starts sending; echoes are checked, nothing is recorded.
 *   <li>Measure: for {@code duration}, or until the loop has counted its share of
 *       {@code messages} (each loop takes a share in proportion to its connections, so the shares
 *       add up to exactly {@code messages}), each echo's round trip goes into the loop's
 *       histogram.
 *   <li>Stop (a loop timer, or the echo that completes the share): every connection is closed,
 *       in-flight messages are dropped, the loop closes. A loop whose connections all failed stops
 *       early.
 * </ol>
 * Errors and mismatches are counted over the whole run, warm-up included.
 */
final class EchoBench {
    static final int MAX_CONNECTING = 64;
    static final int CONNECT_TIMEOUT_SECONDS = 10;
    /** Round trips above this are recorded as this: one hour, in microseconds. */
    static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
    private static final System.Logger LOG = System.getLogger("dev.evloop.cli");

    /**
     * What to run. Durations in nanoseconds; {@code backend} null for the default. Exactly one of
     * {@code durationNanos} and {@code messages} is positive, the other 0: the measured part ends
     * after that time, or after that many echoes.
     */
    record Settings(InetSocketAddress remote, int connections, int size, int pipeline, long warmupNanos,
            long durationNanos, long messages, Backend backend, int loops, long connectTimeoutNanos) {
        Settings {
            if (connections < 1 || size < 0 || pipeline < 1 || warmupNanos < 0 || durationNanos < 0 || messages < 0
                    || (durationNanos > 0) == (messages > 0) || loops < 1 || connectTimeoutNanos <= 0) {
                throw new IllegalArgumentException("invalid echo-bench settings: " + this);
            }
        }

        Settings(InetSocketAddress remote, int connections, int size, int pipeline, long warmupNanos,
                long durationNanos, long messages, Backend backend, int loops) {
            this(remote, connections, size, pipeline, warmupNanos, durationNanos, messages, backend, loops,
                    TimeUnit.SECONDS.toNanos(CONNECT_TIMEOUT_SECONDS));
        }
    }

    /**
     * What a run measured: {@code messages} echoes completed in the measured windows (which last
     * {@code seconds}, at most), their round trips in microseconds, and what went wrong.
     */
    record Result(long messages, double seconds, double messagesPerSecond, Histogram roundTripMicros, long errors,
            long mismatches, String firstError, int connected) {}

    private EchoBench() {}

    /** Runs the bench on new loops and threads; returns when all have stopped. */
    static Result run(Settings s) throws IOException, InterruptedException {
        EchoPattern pattern = new EchoPattern(s.size());
        int loops = Math.min(s.loops(), s.connections());
        List<Worker> workers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            long quotaGiven = 0;
            int connectionsGiven = 0;
            for (int i = 0; i < loops; i++) {
                int share = (s.connections() - i + loops - 1) / loops; // ids i, i + loops, i + 2 loops, ...
                connectionsGiven += share;
                // Cumulative rounding, so the quotas add up to exactly s.messages().
                long quota = s.messages() == 0 ? 0
                        : s.messages() * connectionsGiven / s.connections() - quotaGiven;
                quotaGiven += quota;
                workers.add(new Worker(s, pattern, i, loops, share, quota));
            }
            for (Worker w : workers) {
                w.loop.execute(w::connectAll);
                threads.add(w.loop.start());
            }
            CompletableFuture<?> connects = CompletableFuture.allOf(
                    workers.stream().map(w -> w.connectPhase).toArray(CompletableFuture[]::new));
            try {
                // Each loop ends its own connect phase by a timer; this bound only guards against a stuck loop.
                connects.get(s.connectTimeoutNanos() + TimeUnit.SECONDS.toNanos(10), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("echo-bench: the connect phase did not end", e);
            }
            for (Worker w : workers) {
                try {
                    w.loop.execute(w::measure);
                } catch (RejectedExecutionException e) {
                    // that loop has stopped already: all of its connections failed
                }
            }
            // A counted run has no time bound: each loop ends at its quota, or when all its
            // connections have failed.
            long bound = s.messages() > 0 ? 0
                    : TimeUnit.NANOSECONDS.toMillis(s.warmupNanos() + s.durationNanos()) + 30_000;
            for (Thread t : threads) t.join(bound);
        } finally {
            for (Worker w : workers) w.loop.close(); // at once if stopped already; else stops and waits
            for (Thread t : threads) t.join();
        }
        return merge(workers);
    }

    /** {@code 10} or {@code 0.5}. */
    static String seconds(long nanos) {
        return nanos % 1_000_000_000L == 0 ? Long.toString(nanos / 1_000_000_000L) : Double.toString(nanos / 1e9);
    }

    private static Result merge(List<Worker> workers) {
        Histogram all = new Histogram(HIGHEST_MICROS, 3);
        long messages = 0;
        long errors = 0;
        long mismatches = 0;
        int connected = 0;
        double seconds = 0;
        double rate = 0;
        String firstError = null;
        for (Worker w : workers) {
            all.add(w.histogram);
            messages += w.messages;
            errors += w.errors;
            mismatches += w.mismatches;
            connected += w.connected;
            double window = (w.windowEnd - w.windowStart) / 1e9;
            seconds = Math.max(seconds, window);
            if (window > 0) rate += w.messages / window;
            if (firstError == null) firstError = w.firstError;
        }
        return new Result(messages, seconds, rate, all, errors, mismatches, firstError, connected);
    }

    /** One loop's share of the connections. Fields are the loop thread's until the thread has ended. */
    private static final class Worker implements EchoClient.Listener {
        final EventLoop loop;
        final Histogram histogram = new Histogram(HIGHEST_MICROS, 3);
        final CompletableFuture<Void> connectPhase = new CompletableFuture<>();
        private final Settings settings;
        private final EchoPattern pattern;
        private final int firstId;
        private final int idStep;
        private final long quota;
        private final EchoClient[] clients;
        private int opened;
        private int connecting;
        private int live;
        private int connected;
        private long connectTimer;
        private boolean recording;
        private boolean finished;
        long windowStart;
        long windowEnd;
        long messages;
        long errors;
        long mismatches;
        String firstError;

        Worker(Settings settings, EchoPattern pattern, int index, int loops, int share, long quota)
                throws IOException {
            this.settings = settings;
            this.quota = quota;
            this.pattern = pattern;
            this.firstId = index;
            this.idStep = loops;
            this.clients = new EchoClient[share];
            EventLoop.Builder b = EventLoop.builder().name("echo-bench-" + (index + 1)).errorHandler(this::unexpected);
            if (settings.backend() != null) b.backend(settings.backend());
            this.loop = b.build();
        }

        // ---------------------------------------------------------------- 1. connect

        void connectAll() {
            connectTimer = loop.schedule(settings.connectTimeoutNanos(), TimeUnit.NANOSECONDS, this::connectTimedOut);
            connectMore();
        }

        private void connectMore() {
            while (connecting < MAX_CONNECTING && opened < clients.length) {
                int i = opened++;
                try {
                    clients[i] = EchoClient.open(loop, settings.remote(), firstId + i * idStep, pattern,
                            settings.pipeline(), this);
                    connecting++;
                } catch (IOException e) {
                    error(e.getMessage());
                }
            }
            if (connecting == 0 && opened == clients.length && !connectPhase.isDone()) {
                loop.cancelTimer(connectTimer);
                connectPhase.complete(null);
            }
        }

        @Override
        public void connected(EchoClient client) {
            connecting--;
            connected++;
            live++;
            connectMore();
        }

        private void connectTimedOut() {
            int stuck = clients.length - opened;
            opened = clients.length;
            for (EchoClient c : clients) {
                if (c != null && c.isOpen() && !c.wasConnected()) {
                    c.close();
                    stuck++;
                }
            }
            connecting = 0;
            errors += stuck;
            if (firstError == null) {
                firstError = stuck + " connection(s) to " + EchoServerCommand.hostAndPort(settings.remote())
                        + " not established within " + seconds(settings.connectTimeoutNanos()) + " s";
            }
            connectPhase.complete(null);
        }

        // ---------------------------------------------------------------- 2, 3. warm up, measure

        void measure() {
            if (finished) return;
            if (settings.warmupNanos() == 0) {
                startWindow();
            } else {
                loop.schedule(settings.warmupNanos(), TimeUnit.NANOSECONDS, this::startWindow);
            }
            if (settings.durationNanos() > 0) {
                loop.schedule(settings.warmupNanos() + settings.durationNanos(), TimeUnit.NANOSECONDS, this::finish);
            } else if (quota == 0) {
                finish(); // more loops than messages: this one has none to count
                return;
            }
            for (EchoClient c : clients) {
                if (c != null && c.isOpen()) c.start(); // may fail, and so finish the run
            }
            if (live == 0) finish();
        }

        private void startWindow() {
            windowStart = System.nanoTime();
            recording = true;
        }

        @Override
        public void echoed(EchoClient client, long roundTripNanos, boolean intact) {
            if (!intact) mismatches++;
            if (recording) {
                messages++;
                histogram.recordValue(Math.min(roundTripNanos / 1000, HIGHEST_MICROS));
                if (messages == quota) finish(); // closes this client too, which then reads no further
            }
        }

        @Override
        public void failed(EchoClient client, String why) {
            error(why);
            if (!client.wasConnected()) {
                connecting--;
                if (!connectPhase.isDone()) connectMore();
                return;
            }
            live--;
            if (connectPhase.isDone() && live == 0) finish();
        }

        // ---------------------------------------------------------------- 4. stop

        private void finish() {
            if (finished) return;
            finished = true;
            if (recording) {
                windowEnd = System.nanoTime();
                recording = false;
            }
            for (EchoClient c : clients) {
                if (c != null) c.close();
            }
            loop.close(); // from the loop thread: returns at once; the loop ends after this iteration
        }

        private void error(String why) {
            errors++;
            if (firstError == null) firstError = why;
        }

        /** A bug, not a network failure: counted so the run fails, and logged with its stack. */
        private void unexpected(Throwable e) {
            LOG.log(System.Logger.Level.WARNING, "echo-bench: unexpected failure on loop " + loop.name(), e);
            error("unexpected " + e);
        }
    }
}
