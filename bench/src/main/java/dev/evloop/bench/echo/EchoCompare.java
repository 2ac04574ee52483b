package dev.evloop.bench.echo;

import dev.evloop.bench.Harness;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Side by side: evloop's echo server, Netty's (native epoll) and a plain NIO one under the same
 * load from {@code evloop echo-bench}. Run it through {@code scripts/echo-compare}, which builds
 * the programs and passes their paths.
 *
 * <p>One run, in order (one server JVM at a time, each with the same JVM options):
 * <ol>
 *   <li>wait (up to {@code --quiet-wait} s, default 120) until the machine is quiet: under 0.2 CPU
 *       seconds busy in one second;
 *   <li>start the server ({@link EchoServers}) on a port it picks, and wait for it to print it;
 *   <li>start {@code echo-bench --port P --connections N --size S --duration D --warmup W
 *       --pipeline K --json} in its own JVM;
 *   <li>when the client prints its first line (it has not connected yet), wait W seconds, then
 *       read the server's and the client's CPU time (/proc/PID/stat utime + stime), and again D
 *       seconds later: the server's CPU over a D-second window inside the loaded period (it runs
 *       from the end of the client's connect phase, which takes well under W, to W + D after);
 *   <li>read the client's JSON line, the server's peak RSS (VmHWM), stop the server (SIGTERM).
 * </ol>
 * For each round R, for each N, for each size, every server runs once; the order of the servers
 * rotates from round to round (round 1: evloop, netty, nio; round 2: netty, nio, evloop; ...) so
 * none is always first after a quiet machine.
 *
 * <p>"other CPU s" is what every other process used in the same window ({@link OtherCpu}): on a
 * quiet machine a few hundredths of a second. A run where it exceeds
 * {@value #OTHER_CPU_LIMIT_S} s is repeated (at most {@value #ATTEMPTS} attempts in all); the
 * last attempt stands, with its figure in the table.
 *
 * <p>Prints a table per round and a summary (medians over the clean runs, and the ratio to Netty
 * computed per round, then the median taken); writes every run as one JSON line to
 * {@code OUT/results.jsonl} and the tables to {@code OUT/report.md}.
 */
public final class EchoCompare {

    /** One server under one load. Failed runs have {@code error} set and NaN figures. */
    record Run(int round, int connections, int size, String server, double messagesPerS, long p50Us,
            long p99Us, long maxUs, long errors, long mismatches, double serverCpuS, double serverUserS,
            double clientCpuS, double otherCpuS, double windowS, long peakRssBytes, String error) {
        double cpuMicrosPerMessage() {
            return serverCpuS / (messagesPerS * windowS) * 1e6;
        }

        /** The user-space part of {@link #cpuMicrosPerMessage}: the server's own code, the JVM and libc. */
        double userMicrosPerMessage() {
            return serverUserS / (messagesPerS * windowS) * 1e6;
        }

        boolean ok() {
            return error == null;
        }

        String json() {
            return String.format(Locale.ROOT, "{\"round\":%d,\"connections\":%d,\"size\":%d,\"server\":\"%s\","
                            + "\"messages_per_s\":%.1f,\"p50_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"errors\":%d,"
                            + "\"mismatches\":%d,\"server_cpu_s\":%.2f,\"server_user_s\":%.2f,\"client_cpu_s\":%.2f,\"other_cpu_s\":%.2f,\"window_s\":%.3f,"
                            + "\"server_cpu_us_per_msg\":%.3f,\"server_peak_rss_bytes\":%d,\"error\":%s}",
                    round, connections, size, server, messagesPerS, p50Us, p99Us, maxUs, errors, mismatches,
                    serverCpuS, serverUserS, clientCpuS, otherCpuS, windowS, cpuMicrosPerMessage(), peakRssBytes,
                    error == null ? "null" : "\"" + error.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        }
    }

    record Settings(int rounds, double duration, double warmup, int pipeline, List<Integer> connections,
            List<Integer> sizes, List<String> servers, List<String> serverJvm, List<String> clientJvm,
            Map<String, List<String>> extraJvm, EchoServers.Layout layout, Path out, double quietWait) {}

    private EchoCompare() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--from")) {
            report(Path.of(args[1]));
            return;
        }
        Settings s = parse(args);
        killChildrenOnExit();
        Files.createDirectories(s.out());
        PrintStream out = System.out;
        Path report = s.out().resolve("report.md");
        Path results = s.out().resolve("results.jsonl");
        StringBuilder md = new StringBuilder();
        md.append(header(s));
        out.print(header(s));

        List<Run> all = new ArrayList<>();
        for (int round = 1; round <= s.rounds(); round++) {
            List<String> order = new ArrayList<>(s.servers());
            Collections.rotate(order, -(round - 1));
            List<Run> roundRuns = new ArrayList<>();
            for (int n : s.connections()) {
                for (int size : s.sizes()) {
                    for (String server : order) {
                        Run r = runOne(s, round, n, size, server);
                        roundRuns.add(r);
                        all.add(r);
                        Files.writeString(results, r.json() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                        System.err.printf(Locale.ROOT, "echo-compare: round %d, %4d conn, %5d B, %-6s %10.0f msg/s, "
                                        + "server CPU %.2f s, p99 %d us%s%n",
                                round, n, size, server, r.messagesPerS(), r.serverCpuS(), r.p99Us(),
                                r.ok() ? "" : "  FAILED: " + r.error());
                    }
                }
            }
            String t = roundTable(s, round, roundRuns);
            out.print(t);
            out.flush();
            md.append(t);
            Files.writeString(report, md.toString());
        }
        String summary = summary(s, all);
        out.print(summary);
        md.append(summary);
        Files.writeString(report, md.toString());
        out.println();
        out.println("raw results: " + results + "; report: " + report + "; logs: " + s.out());
        boolean failed = all.stream().anyMatch(r -> !r.ok() || r.errors() > 0 || r.mismatches() > 0);
        if (failed) {
            System.err.println("echo-compare: some runs failed or saw errors/mismatches; see the tables and logs");
            System.exit(1);
        }
    }

    /** Stopped by a signal, the harness takes its servers and clients with it. */
    static void killChildrenOnExit() {
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy), "kill-children"));
    }

    // ------------------------------------------------------------------ one run

    /** Other processes may use this much CPU in the measured window before the run is repeated. */
    static final double OTHER_CPU_LIMIT_S = 0.25;
    static final int ATTEMPTS = 3;

    /**
     * One run; repeated (up to {@value #ATTEMPTS} times in all) when other processes used more than
     * {@value #OTHER_CPU_LIMIT_S} CPU seconds in its measured window. The last attempt stands.
     */
    static Run runOne(Settings s, int round, int n, int size, String server) throws InterruptedException {
        Run r = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            r = attempt(s, round, n, size, server, attempt);
            if (!r.ok() || !(r.otherCpuS() > OTHER_CPU_LIMIT_S)) return r;
            if (attempt < ATTEMPTS) {
                System.err.printf(Locale.ROOT, "echo-compare: round %d, %d conn, %d B, %s: other processes used %.2f CPU s "
                        + "in the window; again%n", round, n, size, server, r.otherCpuS());
            }
        }
        return r;
    }

    static Run attempt(Settings s, int round, int n, int size, String server, int attempt) throws InterruptedException {
        String tag = String.format(Locale.ROOT, "r%d-n%d-s%d-%s-a%d", round, n, size, server, attempt);
        Path serverLog = s.out().resolve("logs").resolve(tag + "-server.log");
        Path clientLog = s.out().resolve("logs").resolve(tag + "-client.log");
        List<String> jvm = new ArrayList<>(s.serverJvm());
        jvm.addAll(s.extraJvm().getOrDefault(server, List.of()));
        Harness.awaitQuiet("echo-compare", s.quietWait());
        EchoServers.Running srv;
        try {
            srv = EchoServers.start(s.layout(), server, jvm, serverLog);
        } catch (IOException e) {
            return failed(round, n, size, server, "start: " + e.getMessage());
        }
        try {
            Thread.sleep(300); // let the JVM finish starting (its own compile threads) before load
            List<String> cmd = s.layout().command("evloop-cli", s.clientJvm(), List.of(
                    "echo-bench", "--host", "127.0.0.1", "--port", Integer.toString(srv.port()),
                    "--connections", Integer.toString(n), "--size", Integer.toString(size),
                    "--duration", Harness.num(s.duration()), "--warmup", Harness.num(s.warmup()),
                    "--pipeline", Integer.toString(s.pipeline()), "--json"));
            Files.writeString(clientLog, "$ " + String.join(" ", cmd) + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            Process client = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            CompletableFuture<Long> started = new CompletableFuture<>();
            CompletableFuture<String> json = new CompletableFuture<>();
            Thread reader = new Thread(() -> readClient(client, clientLog, started, json), tag + "-client");
            reader.setDaemon(true);
            reader.start();

            long t0;
            try {
                t0 = started.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                client.destroyForcibly();
                return failed(round, n, size, server, "the client printed nothing within 60 s; see " + clientLog);
            }
            long windowStart = t0 + (long) (s.warmup() * 1e9);
            sleepUntil(windowStart);
            long a = System.nanoTime();
            double serverCpuA = Proc.cpuSeconds(srv.pid());
            long serverUserA = Proc.userTicks(srv.pid());
            double clientCpuA = client.isAlive() ? Proc.cpuSeconds(client.pid()) : Double.NaN;
            OtherCpu others = new OtherCpu(Set.of(srv.pid(), client.pid()));
            sleepUntil(a + (long) (s.duration() * 1e9));
            long b = System.nanoTime();
            double serverCpuB = Proc.cpuSeconds(srv.pid());
            long serverUserB = Proc.userTicks(srv.pid());
            double clientCpuB = client.isAlive() ? Proc.cpuSeconds(client.pid()) : Double.NaN;
            double otherCpu = others.seconds();
            others.close();

            if (!client.waitFor((long) (s.warmup() + s.duration()) + 90, TimeUnit.SECONDS)) {
                client.destroyForcibly();
                return failed(round, n, size, server, "the client did not end; see " + clientLog);
            }
            reader.join(5_000);
            long peak = srv.process().isAlive() ? Proc.peakRss(srv.pid()) : -1;
            String line = json.getNow(null);
            if (line == null) {
                return failed(round, n, size, server, "no JSON from the client (exit " + client.exitValue() + "); see "
                        + clientLog);
            }
            Map<String, Double> v = parseJson(line);
            double window = (b - a) / 1e9;
            return new Run(round, n, size, server, v.get("messages_per_s"), v.get("p50_us").longValue(),
                    v.get("p99_us").longValue(), v.get("max_us").longValue(), v.get("errors").longValue(),
                    v.get("mismatches").longValue(), serverCpuB - serverCpuA,
                    (serverUserB - serverUserA) / (double) Proc.USER_HZ, clientCpuB - clientCpuA,
                    otherCpu, window,
                    peak, srv.process().isAlive() ? null : "the server died; see " + serverLog);
        } catch (IOException e) {
            return failed(round, n, size, server, e.toString());
        } finally {
            srv.close();
            Thread.sleep(500); // let the kernel finish closing the last connections
        }
    }

    private static void readClient(Process client, Path log, CompletableFuture<Long> started,
            CompletableFuture<String> json) {
        String last = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter w = new PrintWriter(Files.newBufferedWriter(log, StandardOpenOption.APPEND))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!started.isDone()) started.complete(System.nanoTime());
                w.println(line);
                w.flush();
                if (line.startsWith("{")) last = line;
            }
        } catch (IOException e) {
            // the run is reported as failed below, for want of a JSON line
        }
        started.completeExceptionally(new IOException("no output"));
        if (last != null) json.complete(last);
        else json.completeExceptionally(new IOException("no JSON line"));
    }

    private static Run failed(int round, int n, int size, String server, String why) {
        return new Run(round, n, size, server, Double.NaN, -1, -1, -1, -1, -1, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, -1, why);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    static Map<String, Double> parseJson(String line) {
        Map<String, Double> v = Harness.jsonNumbers(line);
        for (String k : List.of("messages_per_s", "p50_us", "p99_us", "max_us", "errors", "mismatches")) {
            if (!v.containsKey(k)) throw new IllegalArgumentException("the client's JSON has no " + k + ": " + line);
        }
        return v;
    }

    // ------------------------------------------------------------------ tables

    private static String header(Settings s) {
        StringBuilder b = new StringBuilder();
        b.append("# echo-compare ").append(LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)).append('\n');
        b.append(String.format(Locale.ROOT, "rounds %d, duration %s s, warm-up %s s, pipeline %d, connections %s, "
                        + "sizes %s, servers %s%n",
                s.rounds(), Harness.num(s.duration()), Harness.num(s.warmup()), s.pipeline(), s.connections(), s.sizes(), s.servers()));
        b.append("server JVM options: ").append(EchoServers.describe(s.serverJvm())).append('\n');
        s.extraJvm().forEach((k, v) -> b.append("  extra for ").append(k).append(": ").append(EchoServers.describe(v))
                .append('\n'));
        b.append("client JVM options: ").append(EchoServers.describe(s.clientJvm())).append('\n');
        b.append("java: ").append(s.layout().java()).append(" (").append(System.getProperty("java.vm.version"))
                .append("), ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs\n\n");
        return b.toString();
    }

    private static String roundTable(Settings s, int round, List<Run> runs) {
        StringBuilder b = new StringBuilder();
        b.append("## Round ").append(round).append("\n\n");
        b.append("| conns | size | server | msg/s | vs Netty | server CPU s | of which user | CPU µs/msg | client CPU s "
                + "| other CPU s | peak RSS MB | p50 µs | p99 µs | max µs | errors |\n");
        b.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int n : s.connections()) {
            for (int size : s.sizes()) {
                Run netty = find(runs, round, n, size, "netty");
                for (String server : s.servers()) {
                    Run r = find(runs, round, n, size, server);
                    if (r == null) continue;
                    if (!r.ok()) {
                        b.append(String.format(Locale.ROOT, "| %d | %d | %s | failed: %s |%n", n, size, server, r.error()));
                        continue;
                    }
                    b.append(String.format(Locale.ROOT, "| %d | %d | %s | %,.0f | %s | %.2f | %s | %.2f | %.2f | %.2f | %s | %d | %d | %d | %d |%n",
                            n, size, server, r.messagesPerS(), ratio(r, netty), r.serverCpuS(),
                            Double.isNaN(r.serverUserS()) ? "-" : String.format(Locale.ROOT, "%.2f", r.serverUserS()),
                            r.cpuMicrosPerMessage(),
                            r.clientCpuS(), r.otherCpuS(), EchoServers.mb(r.peakRssBytes()), r.p50Us(), r.p99Us(), r.maxUs(),
                            r.errors() + r.mismatches()));
                }
            }
        }
        b.append('\n');
        return b.toString();
    }

    /** A run the summary counts: it worked, and nothing else took more than the limit of CPU in its window. */
    static boolean clean(Run r) {
        return r != null && r.ok() && !(r.otherCpuS() > OTHER_CPU_LIMIT_S);
    }

    private static String summary(Settings s, List<Run> all) {
        StringBuilder b = new StringBuilder();
        b.append("## Summary over ").append(s.rounds()).append(" round(s)\n\n");
        b.append("Medians over the clean runs (other processes under " + OTHER_CPU_LIMIT_S + " CPU s in the window; "
                + "\"used\" counts them), min-max of msg/s beside; \"vs Netty\" is the median of the per-round ratios, "
                + "from rounds where both runs are clean; peak RSS is the largest.\n\n");
        b.append("| conns | size | server | used | msg/s (median) | msg/s range | vs Netty | server CPU s | CPU µs/msg "
                + "| user µs/msg | peak RSS MB | p99 µs |\n");
        b.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int n : s.connections()) {
            for (int size : s.sizes()) {
                for (String server : s.servers()) {
                    List<Run> rs = all.stream()
                            .filter(r -> r.connections() == n && r.size() == size && r.server().equals(server) && clean(r))
                            .toList();
                    if (rs.isEmpty()) {
                        b.append(String.format(Locale.ROOT, "| %d | %d | %s | 0 | no clean run |%n", n, size, server));
                        continue;
                    }
                    double[] rates = rs.stream().mapToDouble(Run::messagesPerS).toArray();
                    List<Double> ratios = new ArrayList<>();
                    for (Run r : rs) {
                        Run netty = find(all, r.round(), n, size, "netty");
                        if (clean(netty)) ratios.add(r.messagesPerS() / netty.messagesPerS());
                    }
                    double[] user = rs.stream().mapToDouble(Run::userMicrosPerMessage).filter(d -> !Double.isNaN(d)).toArray();
                    b.append(String.format(Locale.ROOT, "| %d | %d | %s | %d | %,.0f | %,.0f-%,.0f | %s | %.2f | %.2f | %s | %s | %.0f |%n",
                            n, size, server, rs.size(), Harness.median(rates), Arrays.stream(rates).min().orElseThrow(),
                            Arrays.stream(rates).max().orElseThrow(),
                            ratios.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f",
                                    Harness.median(ratios.stream().mapToDouble(Double::doubleValue).toArray())),
                            Harness.median(rs.stream().mapToDouble(Run::serverCpuS).toArray()),
                            Harness.median(rs.stream().mapToDouble(Run::cpuMicrosPerMessage).toArray()),
                            user.length == 0 ? "-" : String.format(Locale.ROOT, "%.2f", Harness.median(user)),
                            EchoServers.mb(rs.stream().mapToLong(Run::peakRssBytes).max().orElseThrow()),
                            Harness.median(rs.stream().mapToDouble(Run::p99Us).toArray())));
                }
            }
        }
        b.append('\n');
        return b.toString();
    }

    /** The tables again, from the results.jsonl of an earlier run: {@code EchoCompare --from FILE}. */
    static void report(Path results) throws IOException {
        List<Run> all = new ArrayList<>();
        Pattern server = Pattern.compile("\"server\":\"(\\w+)\"");
        Pattern error = Pattern.compile("\"error\":(null|\"(.*)\")\\}$");
        for (String line : Files.readAllLines(results)) {
            if (line.isBlank()) continue;
            Map<String, Double> v = Harness.jsonNumbers(line);
            Matcher sm = server.matcher(line);
            Matcher em = error.matcher(line);
            if (!sm.find()) throw new IOException("no server in " + line);
            String err = em.find() && em.group(2) != null ? em.group(2) : null;
            all.add(new Run(v.get("round").intValue(), v.get("connections").intValue(), v.get("size").intValue(),
                    sm.group(1), v.getOrDefault("messages_per_s", Double.NaN), v.getOrDefault("p50_us", -1.0).longValue(),
                    v.getOrDefault("p99_us", -1.0).longValue(), v.getOrDefault("max_us", -1.0).longValue(),
                    v.getOrDefault("errors", -1.0).longValue(), v.getOrDefault("mismatches", -1.0).longValue(),
                    v.getOrDefault("server_cpu_s", Double.NaN), v.getOrDefault("server_user_s", Double.NaN),
                    v.getOrDefault("client_cpu_s", Double.NaN),
                    v.getOrDefault("other_cpu_s", Double.NaN), v.getOrDefault("window_s", Double.NaN),
                    v.getOrDefault("server_peak_rss_bytes", -1.0).longValue(), err));
        }
        List<Integer> conns = all.stream().map(Run::connections).distinct().toList();
        List<Integer> sizes = all.stream().map(Run::size).distinct().toList();
        List<String> servers = all.stream().map(Run::server).distinct().toList();
        int rounds = all.stream().mapToInt(Run::round).max().orElse(0);
        Settings s = new Settings(rounds, Double.NaN, Double.NaN, 1, conns, sizes, servers, List.of(), List.of(),
                Map.of(), null, results.getParent(), 0);
        for (int round = 1; round <= rounds; round++) System.out.print(roundTable(s, round, all));
        System.out.print(summary(s, all));
    }

    private static String ratio(Run r, Run netty) {
        if (netty == null || !netty.ok()) return "-";
        return String.format(Locale.ROOT, "%.2f", r.messagesPerS() / netty.messagesPerS());
    }

    private static Run find(List<Run> runs, int round, int n, int size, String server) {
        for (Run r : runs) {
            if (r.round() == round && r.connections() == n && r.size() == size && r.server().equals(server)) return r;
        }
        return null;
    }

    // ------------------------------------------------------------------ arguments

    static final String USAGE = """
            usage: EchoCompare --from OUT/results.jsonl     (the tables of an earlier run again)
                   EchoCompare --evloop-modules MODULE_PATH --bench-cp CLASS_PATH --out DIR
                              [--rounds 3] [--duration 5] [--warmup 2] [--pipeline 1]
                              [--connections 1,64,1000] [--sizes 64,16384] [--servers evloop,netty,nio] (also evloop-uring)
                              [--server-jvm 'OPTIONS'] [--client-jvm 'OPTIONS'] [--extra-jvm SERVER='OPTIONS']...
                              [--quiet-wait 120] (seconds to wait for a quiet machine before each run)
            """;

    static Settings parse(String[] args) {
        Harness.Args a = Harness.Args.parse(args, "SERVER", EchoCompare::usage);
        Map<String, String> o = a.options();
        Map<String, List<String>> extra = a.extraJvm();
        for (String required : List.of("evloop-modules", "bench-cp", "out")) {
            if (!o.containsKey(required)) usage("--" + required + " is required");
        }
        List<String> servers = List.of(o.getOrDefault("servers", "evloop,netty,nio").split(","));
        for (String sv : servers) {
            if (!EchoServers.ALL.contains(sv)) usage("unknown server '" + sv + "'; known: " + EchoServers.ALL);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new Settings(
                Integer.parseInt(o.getOrDefault("rounds", "3")),
                Double.parseDouble(o.getOrDefault("duration", "5")),
                Double.parseDouble(o.getOrDefault("warmup", "2")),
                Integer.parseInt(o.getOrDefault("pipeline", "1")),
                ints(o.getOrDefault("connections", "1,64,1000")),
                ints(o.getOrDefault("sizes", "64,16384")),
                servers,
                Harness.jvmOptions(o.getOrDefault("server-jvm", "")),
                Harness.jvmOptions(o.getOrDefault("client-jvm", "")),
                extra,
                new EchoServers.Layout(java, o.get("evloop-modules"), o.get("bench-cp")),
                Path.of(o.get("out")),
                Double.parseDouble(o.getOrDefault("quiet-wait", "120")));
    }

    private static List<Integer> ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    private static void usage(String why) {
        System.err.println("EchoCompare: " + why);
        System.err.print(USAGE);
        System.exit(2);
    }
}
