package dev.evloop.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.evloop.http.HttpRequest;
import dev.evloop.http.HttpResponse;
import dev.evloop.http.SocketAction;
import dev.evloop.http.Transfer;
import dev.evloop.http.TransferListener;
import dev.evloop.http.TransferResult;
import dev.evloop.poll.Backend;
import dev.evloop.server.ServerConfig;
import dev.evloop.server.http.DemoRoutes;
import dev.evloop.server.http.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The HTTP demo: the demo HTTP server ({@link HttpServer} with {@link DemoRoutes}) on its own loop,
 * and the HTTP engine on another loop in the same process (the calling thread), sending a mix of
 * requests over loopback, checking every body, and counting the engine's socket callbacks.
 */
final class HttpDemo implements TransferListener {
    private static final int ERRORS_SHOWN = 5;

    /** A request of the mix and the body it must bring back (after redirects and decoding). */
    private record Kind(String path, byte[] body) {}

    private static final Kind[] MIX = {
        new Kind("/hello", DemoRoutes.HELLO.getBytes(UTF_8)),
        new Kind("/bytes/4096", DemoRoutes.pattern(4096)),
        new Kind("/chunked/10000", DemoRoutes.pattern(10_000)),
        new Kind("/gzip", DemoRoutes.GZIP_TEXT.getBytes(UTF_8)),
        new Kind("/redirect/2", DemoRoutes.HELLO.getBytes(UTF_8)),
    };

    private final EngineLoop el;
    private final HttpRequest[] requests;
    private final long maxRequests;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean terminal;
    private final Histogram histogram = new Histogram(BenchCommand.HIGHEST_MICROS, 3);
    private long started;
    private long completed;
    private long errors;
    private int peakConnections;
    private long lastCompleted;
    private long startNanos;
    private long lastNanos;
    private double elapsed;
    private boolean stopped;
    private boolean progressShown;
    private int next;

    private HttpDemo(EngineLoop el, InetSocketAddress server, long maxRequests, PrintWriter out, PrintWriter err) {
        this.el = el;
        this.maxRequests = maxRequests;
        this.out = out;
        this.err = err;
        java.io.Console c = System.console();
        this.terminal = c != null && c.isTerminal();
        String base = "http://" + server.getAddress().getHostAddress() + ":" + server.getPort();
        requests = Arrays.stream(MIX).map(k -> HttpRequest.get(base + k.path())).toArray(HttpRequest[]::new);
    }

    /**
     * Runs for {@code seconds}, or until {@code maxRequests} completed when that is positive, with
     * {@code parallel} requests in flight; true if every response came back as expected.
     */
    static boolean run(Backend backend, int parallel, int seconds, long maxRequests, PrintWriter out, PrintWriter err)
            throws IOException {
        try (HttpServer server = HttpServer.start(ServerConfig.builder().backend(backend).build(), DemoRoutes.routes());
                EngineLoop el = EngineLoop.open(backend, "evloop-demo-engine",
                        b -> b.maxConnectionsPerHost(parallel).followRedirects(GetCommand.MAX_REDIRECTS))) {
            HttpDemo demo = new HttpDemo(el, server.localAddress(), maxRequests, out, err);
            out.printf(Locale.ROOT, "evloop demo: HTTP server on %s (its own loop), engine on another loop, %s backend, "
                            + "%d in flight, %s%n",
                    EchoServerCommand.hostAndPort(server.localAddress()), backend.name().toLowerCase(Locale.ROOT), parallel,
                    maxRequests > 0 ? maxRequests + " requests" : seconds + " s");
            out.printf("mix: %s%n", String.join(" ", Arrays.stream(MIX).map(Kind::path).toList()));
            out.flush();
            el.loop.execute(() -> demo.start(parallel, seconds));
            el.run();
            demo.report();
            return demo.errors == 0 && demo.completed > 0;
        }
    }

    private void start(int parallel, int seconds) {
        startNanos = System.nanoTime();
        lastNanos = startNanos;
        if (maxRequests <= 0) el.loop.schedule(seconds, TimeUnit.SECONDS, this::stop);
        el.loop.schedule(terminal ? 100 : 1000, TimeUnit.MILLISECONDS, this::progress);
        for (int i = 0; i < parallel; i++) send();
    }

    private void send() {
        if (stopped || (maxRequests > 0 && started >= maxRequests)) return;
        int k = next;
        next = (next + 1) % MIX.length;
        started++;
        Transfer t = Transfer.collecting(requests[k], this);
        t.attach(MIX[k]);
        el.engine.add(t);
    }

    @Override
    public void onComplete(TransferResult r) {
        el.drainResults();
        if (stopped) return;
        completed++;
        peakConnections = Math.max(peakConnections, el.engine.connections());
        Kind kind = (Kind) r.transfer().attachment();
        String problem = null;
        if (!r.isSuccess()) {
            problem = String.valueOf(r.error().getMessage());
        } else {
            HttpResponse resp = r.response();
            if (resp.status() != 200) problem = "status " + resp.status();
            else if (!Arrays.equals(resp.body(), kind.body())) problem = "body differs (" + resp.body().length + " bytes)";
            histogram.recordValue(Math.min(BenchCommand.HIGHEST_MICROS, EngineLoop.micros(r.durationNanos())));
        }
        if (problem != null) {
            errors++;
            if (errors <= ERRORS_SHOWN) {
                clearProgress();
                err.println("evloop demo: " + kind.path() + ": " + problem);
                err.flush();
            }
        }
        if (maxRequests > 0 && completed >= maxRequests) {
            stop();
        } else if (r.isSuccess()) {
            send();
        } else {
            el.loop.execute(this::send); // not from inside a failing add()
        }
    }

    private void progress() {
        if (stopped) return;
        long now = System.nanoTime();
        double rate = (completed - lastCompleted) / ((now - lastNanos) / 1e9);
        if (terminal) {
            out.printf(Locale.ROOT, "\r\u001b[K%,12.0f req/s  %,d requests, %d errors, %.1f s",
                    rate, completed, errors, (now - startNanos) / 1e9);
            progressShown = true;
        } else {
            out.printf(Locale.ROOT, "%,12.0f req/s  (%,d requests, %d errors)%n", rate, completed, errors);
        }
        out.flush();
        lastCompleted = completed;
        lastNanos = now;
        el.loop.schedule(terminal ? 100 : 1000, TimeUnit.MILLISECONDS, this::progress);
    }

    private void clearProgress() {
        if (progressShown) {
            out.print("\r\u001b[K");
            out.flush();
            progressShown = false;
        }
    }

    private void stop() {
        if (stopped) return;
        elapsed = (System.nanoTime() - startNanos) / 1e9;
        stopped = true;
        el.stop(); // closes the engine's connections: their REMOVEs are in the counts below
    }

    private void report() {
        clearProgress();
        long p50 = histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(50);
        long p99 = histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(99);
        long max = histogram.getTotalCount() == 0 ? 0 : histogram.getMaxValue();
        out.printf(Locale.ROOT, "total: %d requests in %.2f s, %.0f req/s, %d errors%n",
                completed, elapsed, elapsed > 0 ? completed / elapsed : 0, errors);
        out.printf(Locale.ROOT, "latency: p50 %d us, p99 %d us, max %d us%n", p50, p99, max);
        out.printf(Locale.ROOT, "socket callbacks: IN %d, OUT %d, INOUT %d, REMOVE %d (%d connections at most)%n",
                el.engine.announcements(SocketAction.IN), el.engine.announcements(SocketAction.OUT),
                el.engine.announcements(SocketAction.INOUT), el.engine.announcements(SocketAction.REMOVE),
                peakConnections);
        out.flush();
    }
}
