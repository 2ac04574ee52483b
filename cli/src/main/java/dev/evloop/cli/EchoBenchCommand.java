package dev.evloop.cli;

import dev.evloop.poll.Backend;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code evloop echo-bench}: a load client for the echo service, on evloop itself. */
@Command(
        name = "echo-bench",
        mixinStandardHelpOptions = true,
        description = {
            "Load for an echo server: N connections, each keeping K messages in flight, every echoed byte checked.",
            "Prints messages per second, round-trip latency (p50, p99, max) and failures; exits 1 on any error or mismatch."
        })
final class EchoBenchCommand implements Callable<Integer> {
    private static final int MAX_SIZE = 16 << 20;
    private static final long MAX_MESSAGES = 1_000_000_000_000L;

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "H", defaultValue = "127.0.0.1",
            description = "The server's address (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "P", required = true, description = "The server's port.")
    int port;

    @Option(names = "--connections", paramLabel = "N", required = true, description = "Connections to open.")
    int connections;

    @Option(names = "--size", paramLabel = "BYTES", required = true,
            description = "Payload bytes per message (plus the 4-byte length).")
    int size;

    /** Null when not given; exactly one of {@link #durationSeconds} and {@link #messages} is required. */
    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "How long to measure, after the warm-up (or --messages).")
    Double durationSeconds;

    @Option(names = "--messages", paramLabel = "N",
            description = "Measure until N messages have been echoed in total, over all connections, after the "
                    + "warm-up; in-flight ones are then dropped, so exactly N are counted (or --duration).")
    Long messages;

    @Option(names = "--pipeline", paramLabel = "K", defaultValue = "1",
            description = "Messages in flight per connection (default: ${DEFAULT-VALUE}).")
    int pipeline;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "1",
            description = "Load before measuring, not recorded (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--json", description = "End with one line of JSON: messages, messages_per_s, p50_us, p99_us, "
            + "max_us, errors, mismatches, connections, size.")
    boolean json;

    @CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @Option(names = "--loops", paramLabel = "L", defaultValue = "1",
            description = "Event loops (threads) to spread the connections over (default: ${DEFAULT-VALUE}).")
    int loops;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        if (port < 1 || port > 65535) throw usage("--port must be 1..65535, got " + port);
        if (connections < 1 || connections > 1_000_000) throw usage("--connections must be 1..1000000, got " + connections);
        if (size < 0 || size > MAX_SIZE) throw usage("--size must be 0.." + MAX_SIZE + " bytes, got " + size);
        if (pipeline < 1 || pipeline > 1024) throw usage("--pipeline must be 1..1024, got " + pipeline);
        if ((durationSeconds == null) == (messages == null)) {
            throw usage(durationSeconds == null ? "Missing how much to run: give --duration SECONDS or --messages N"
                    : "--duration and --messages are mutually exclusive: give one of them");
        }
        if (durationSeconds != null && !(durationSeconds > 0 && durationSeconds <= 86_400)) {
            throw usage("--duration must be more than 0 and at most 86400 seconds, got " + durationSeconds);
        }
        if (messages != null && (messages < 1 || messages > MAX_MESSAGES)) {
            throw usage("--messages must be 1.." + MAX_MESSAGES + ", got " + messages);
        }
        double measureSeconds = durationSeconds == null ? 0 : durationSeconds;
        long count = messages == null ? 0 : messages;
        if (!(warmupSeconds >= 0 && warmupSeconds <= 3600)) {
            throw usage("--warmup must be 0..3600 seconds, got " + warmupSeconds);
        }
        if (loops < 1 || loops > 1024) throw usage("--loops must be 1..1024, got " + loops);
        Backend b = backend.orDefault(cl);
        InetSocketAddress remote = new InetSocketAddress(EchoServerCommand.resolve(cl, "--host", host), port);
        int usedLoops = Math.min(loops, connections);

        PrintWriter out = cl.getOut();
        out.printf(Locale.ROOT, "echo-bench: %d connection(s) to %s, %d-byte messages, pipeline %d, %s backend, "
                        + "%d loop(s), %s s warm-up, %s measured%n",
                connections, EchoServerCommand.hostAndPort(remote), size, pipeline, b.name().toLowerCase(),
                usedLoops, seconds(warmupSeconds),
                count > 0 ? count + " message(s)" : seconds(measureSeconds) + " s");
        out.flush();

        EchoBench.Result r = EchoBench.run(new EchoBench.Settings(remote, connections, size, pipeline,
                (long) (warmupSeconds * 1e9), (long) (measureSeconds * 1e9), count, b, usedLoops));

        Histogram h = r.roundTripMicros();
        long p50 = h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50);
        long p99 = h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99);
        long max = h.getTotalCount() == 0 ? 0 : h.getMaxValue();
        out.printf(Locale.ROOT, "connected:  %d of %d%n", r.connected(), connections);
        out.printf(Locale.ROOT, "messages:   %d in %.2f s, %.0f msg/s%n", r.messages(), r.seconds(), r.messagesPerSecond());
        out.printf(Locale.ROOT, "round trip: p50 %d us, p99 %d us, max %d us%n", p50, p99, max);
        out.printf(Locale.ROOT, "errors:     %d%s%n", r.errors(), r.firstError() == null ? "" : " (first: " + r.firstError() + ")");
        out.printf(Locale.ROOT, "mismatches: %d%n", r.mismatches());
        if (json) {
            out.printf(Locale.ROOT, "{\"messages\":%d,\"messages_per_s\":%.1f,\"p50_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"errors\":%d,"
                            + "\"mismatches\":%d,\"connections\":%d,\"size\":%d}%n",
                    r.messages(), r.messagesPerSecond(), p50, p99, max, r.errors(), r.mismatches(), connections, size);
        }
        out.flush();
        return r.errors() == 0 && r.mismatches() == 0 ? 0 : 1;
    }

    /** {@code 3} or {@code 0.5}: seconds as given, without a trailing {@code .0}. */
    private static String seconds(double s) {
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
