package dev.evloop.cli;

import dev.evloop.http.HttpRequest;
import dev.evloop.http.HttpVersionPolicy;
import dev.evloop.http.Transfer;
import dev.evloop.http.TransferListener;
import dev.evloop.http.TransferResult;
import dev.evloop.poll.Backend;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code evloop bench}: an HTTP load generator in the spirit of wrk. N transfers in flight on
 * keep-alive connections of one engine on one loop; each completion starts the next request.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "HTTP load generator (like wrk): N requests in flight on keep-alive connections, each completion",
            "starts the next. Prints requests/s, latency p50/p99/max, errors and status counts. Exit 1 on errors."
        })
final class BenchCommand implements Callable<Integer> {
    static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);
    static final double DEFAULT_DURATION = 10;
    private static final long MAX_REQUESTS = 1_000_000_000_000L;
    private static final int ERRORS_SHOWN = 5;

    @Parameters(paramLabel = "URL", description = "The http:// or https:// URL to request (GET).")
    String url;

    @Option(names = {"-c", "--connections"}, paramLabel = "N", defaultValue = "16",
            description = "Connections (default: ${DEFAULT-VALUE}); requests in flight are connections x streams.")
    int connections;

    @Option(names = {"-m", "--streams"}, paramLabel = "N", defaultValue = "1",
            description = "HTTP/2 streams in flight per connection (like h2load -m; default: ${DEFAULT-VALUE}). "
                    + "Over HTTP/1.1 the extra requests wait for a connection.")
    int streams;

    @CommandLine.Mixin
    VersionOptions versions = new VersionOptions();

    /** Null when not given: {@link #DEFAULT_DURATION} unless {@link #requests} is given instead. */
    @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS",
            description = "Measured time in seconds (default: 10, unless -n).")
    Double duration;

    @Option(names = {"-n", "--requests"}, paramLabel = "N",
            description = "Measure until N requests have completed (answered or failed), after the warm-up; "
                    + "the ones then in flight are cancelled, uncounted, so exactly N are counted (instead of -d).")
    Long requests;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "0",
            description = "Unmeasured time before, in seconds (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--json",
            description = "End with one JSON line: requests (answered), requests_per_s, p50_us, p99_us, max_us, "
                    + "errors, protocol.")
    boolean json;

    @CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @Spec
    CommandSpec spec;

    private EngineLoop el;
    private HttpRequest request;
    private PrintWriter err;
    private final Histogram histogram = new Histogram(HIGHEST_MICROS, 3);
    private final Map<Integer, Long> statuses = new TreeMap<>();
    private boolean measuring;
    private boolean stopped;
    private long responses;
    private long errors;
    private long bodyBytes;
    private long errorsShown;
    private long measureStart;
    private double elapsed;
    /** Completed requests that end the run, or 0 for a timed run. */
    private long limit;
    /** The version of the first response ("HTTP/2", "HTTP/1.1"); null before one. */
    private String protocol;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        if (connections < 1 || connections > 100_000) throw usage("--connections must be 1..100000, got " + connections);
        if (streams < 1 || streams > 10_000) throw usage("--streams must be 1..10000, got " + streams);
        if ((long) connections * streams > 1_000_000) {
            throw usage("--connections x --streams must be at most 1000000, got " + (long) connections * streams);
        }
        HttpVersionPolicy policy = versions.policy(cl);
        if (duration != null && requests != null) {
            throw usage("--duration and --requests are mutually exclusive: give one of them");
        }
        if (duration != null && !(duration > 0 && duration <= 86_400)) {
            throw usage("--duration must be over 0 and at most 86400 s, got " + duration);
        }
        if (requests != null && (requests < 1 || requests > MAX_REQUESTS)) {
            throw usage("--requests must be 1.." + MAX_REQUESTS + ", got " + requests);
        }
        double seconds = requests != null ? 0 : duration != null ? duration : DEFAULT_DURATION;
        long count = requests == null ? 0 : requests;
        if (!(warmup >= 0 && warmup <= 3600)) throw usage("--warmup must be 0..3600 s, got " + warmup);
        URI uri;
        try {
            uri = URI.create(url);
            request = HttpRequest.get(url);
        } catch (IllegalArgumentException e) {
            throw usage("bad URL " + url + ": " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw usage("not an http:// or https:// URL: " + url);
        }
        Backend b = backend.orDefault(cl);
        PrintWriter out = cl.getOut();
        err = cl.getErr();
        out.printf(Locale.ROOT, "bench: %s, %d connection(s)%s, %s (+%s s warm-up), %s backend%n",
                url, connections, streams > 1 ? " x " + streams + " streams" : "", count > 0 ? count + " request(s)" : seconds(seconds) + " s", seconds(warmup),
                b.name().toLowerCase(Locale.ROOT));
        out.flush();

        try (EngineLoop loop = EngineLoop.open(b, "evloop-bench", e -> e.maxConnectionsPerHost(connections)
                .maxStreamsPerConnection(streams).versionPolicy(policy))) {
            el = loop;
            long warmupNanos = (long) (warmup * 1e9);
            long durationNanos = (long) (seconds * 1e9);
            limit = count;
            el.loop.execute(() -> {
                if (warmupNanos == 0) startMeasuring();
                else el.loop.schedule(warmupNanos, TimeUnit.NANOSECONDS, this::startMeasuring);
                if (durationNanos > 0) el.loop.schedule(warmupNanos + durationNanos, TimeUnit.NANOSECONDS, this::stop);
                for (int i = 0; i < connections * streams; i++) next();
            });
            el.run();
        }

        long p50 = histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(50);
        long p99 = histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(99);
        long max = histogram.getTotalCount() == 0 ? 0 : histogram.getMaxValue();
        double rps = elapsed > 0 ? responses / elapsed : 0;
        out.printf(Locale.ROOT, "requests: %d in %.2f s, %.1f requests/s, %s/s of body%n",
                responses, elapsed, rps, GetCommand.size((long) (elapsed > 0 ? bodyBytes / elapsed : 0)));
        out.printf(Locale.ROOT, "latency:  p50 %d us, p99 %d us, max %d us%n", p50, p99, max);
        out.printf(Locale.ROOT, "errors:   %d%n", errors);
        out.printf(Locale.ROOT, "protocol: %s%n", protocol == null ? "none" : protocol);
        if (count > 0) out.printf(Locale.ROOT, "completed: %d of %d%n", responses + errors, count);
        StringBuilder s = new StringBuilder();
        statuses.forEach((code, n) -> s.append(s.isEmpty() ? "" : ", ").append(code).append(": ").append(n));
        out.printf(Locale.ROOT, "status:   %s%n", s.isEmpty() ? "none" : s);
        if (json) {
            out.printf(Locale.ROOT, "{\"requests\":%d,\"requests_per_s\":%.1f,\"p50_us\":%d,\"p99_us\":%d,"
                    + "\"max_us\":%d,\"errors\":%d,\"protocol\":%s}%n", responses, rps, p50, p99, max, errors,
                    protocol == null ? "null" : "\"" + protocol + "\"");
        }
        out.flush();
        err.flush();
        return errors == 0 ? 0 : 1;
    }

    private void startMeasuring() {
        measuring = true;
        measureStart = System.nanoTime();
    }

    private void stop() {
        if (!stopped) stopCounting();
        el.stop(); // in-flight transfers end cancelled, uncounted
    }

    private void stopCounting() {
        elapsed = (System.nanoTime() - measureStart) / 1e9;
        measuring = false;
        stopped = true;
    }

    /** After a counted completion: at the limit, nothing more is counted and the loop stops. */
    private void checkLimit() {
        if (limit > 0 && responses + errors == limit) {
            stopCounting();
            // From a task: the engine is inside its driving call here, which closing it must not interrupt.
            el.loop.execute(this::stop);
        }
    }

    private void next() {
        if (stopped) return;
        el.engine.add(Transfer.streaming(request, listener));
    }

    private final TransferListener listener = new TransferListener() {
        @Override
        public void onBody(Transfer t, ByteBuffer bytes) {
            if (measuring) bodyBytes += bytes.remaining();
        }

        @Override
        public void onComplete(TransferResult r) {
            el.drainResults();
            if (stopped) return;
            if (r.isSuccess()) {
                if (protocol == null) protocol = r.response().version();
                if (measuring) {
                    responses++;
                    histogram.recordValue(Math.min(HIGHEST_MICROS, EngineLoop.micros(r.durationNanos())));
                    statuses.merge(r.response().status(), 1L, Long::sum);
                    checkLimit();
                }
                next();
            } else {
                if (measuring) {
                    errors++;
                    if (errorsShown++ < ERRORS_SHOWN) {
                        err.println("bench: " + url + ": " + r.error().getMessage());
                        err.flush();
                    }
                    checkLimit();
                }
                // From a task, not from here: a failure found inside add() must not recurse.
                el.loop.execute(BenchCommand.this::next);
            }
        }
    };

    /** {@code 3} or {@code 0.5}: seconds as given, without a trailing {@code .0}. */
    static String seconds(double s) {
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
