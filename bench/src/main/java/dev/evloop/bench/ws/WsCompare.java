package dev.evloop.bench.ws;

import dev.evloop.bench.Harness;
import dev.evloop.bench.echo.OtherCpu;
import dev.evloop.bench.echo.Proc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * WebSocket echo servers side by side: evloop's {@code ws-echo-server} (one loop, epoll), Jetty
 * 12's ({@link JettyWsEchoServer}) and Netty 4.1's ({@link NettyWsEchoServer}), under the same
 * load from evloop's WebSocket client ({@link WsLoad}). Run it through {@code scripts/ws-compare},
 * which builds the programs and passes their paths.
 *
 * <p>One run, in order (one server JVM at a time, each with the same JVM options):
 * <ol>
 *   <li>wait (up to {@code --quiet-wait} s, default 120) until the machine is quiet: under 0.2 CPU
 *       seconds used by other processes in one second;
 *   <li>start the server ({@link WsServers}) on a port it picks, and wait for it to print it;
 *   <li>start {@link WsLoad} in its own JVM: it opens N sessions, sends for W s unmeasured, then
 *       prints {@code window-start}, measures D s and prints {@code window-end};
 *   <li>at those two lines, read the CPU time (/proc/PID/stat utime + stime) of the server and of
 *       the client, and what every other process used in between ({@link OtherCpu});
 *   <li>read the client's JSON line and the server's peak RSS (VmHWM), stop the server (SIGTERM).
 * </ol>
 * For each round, for each N, for each size, every server runs once; the order of the servers
 * rotates from round to round. A run in whose window other processes used more than
 * {@value #OTHER_CPU_LIMIT_S} CPU s is repeated (at most {@value #ATTEMPTS} attempts; the last
 * stands).
 *
 * <p>Prints a table per round and a summary (medians over the clean runs; the ratio to Jetty is
 * computed per round, then the median taken); writes every run as one JSON line to {@code
 * OUT/results.jsonl} and the tables to {@code OUT/report.md}.
 */
public final class WsCompare {
    static final double OTHER_CPU_LIMIT_S = 0.25;
    static final int ATTEMPTS = 3;

    /** One server under one load. Failed runs have {@code error} set and NaN figures. */
    record Run(int round, int connections, int size, String server, double messagesPerS, long p50Us, long p99Us,
            long maxUs, long errors, long mismatches, double serverCpuS, double serverUserS, double clientCpuS,
            double otherCpuS, double windowS, long peakRssBytes, String error) {
        /** Server CPU seconds per 100,000 messages echoed. */
        double serverCpuPer100k() {
            return serverCpuS / (messagesPerS * windowS) * 1e5;
        }

        double serverUserPer100k() {
            return serverUserS / (messagesPerS * windowS) * 1e5;
        }

        boolean ok() {
            return error == null && errors == 0 && mismatches == 0;
        }

        String json() {
            return String.format(Locale.ROOT, "{\"round\":%d,\"connections\":%d,\"size\":%d,\"server\":\"%s\","
                            + "\"messages_per_s\":%.1f,\"p50_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"errors\":%d,"
                            + "\"mismatches\":%d,\"server_cpu_s\":%.2f,\"server_user_s\":%.2f,\"client_cpu_s\":%.2f,"
                            + "\"other_cpu_s\":%.2f,\"window_s\":%.3f,\"server_cpu_s_per_100k\":%.4f,"
                            + "\"server_peak_rss_bytes\":%d,\"error\":%s}",
                    round, connections, size, server, messagesPerS, p50Us, p99Us, maxUs, errors, mismatches,
                    serverCpuS, serverUserS, clientCpuS, otherCpuS, windowS, serverCpuPer100k(), peakRssBytes,
                    error == null ? "null" : "\"" + error.replace("\\", "\\\\").replace("\"", "'") + "\"");
        }
    }

    record Settings(int rounds, double duration, double warmup, int inFlight, int clientLoops,
            List<Integer> connections, List<Integer> sizes, List<String> servers, List<String> serverJvm,
            List<String> clientJvm, Map<String, List<String>> extraJvm, WsServers.Layout layout, Path out,
            double quietWait) {}

    private WsCompare() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--from")) {
            report(Path.of(args[1]));
            return;
        }
        Settings s = parse(args);
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy), "kill-children"));
        Files.createDirectories(s.out().resolve("logs"));
        Path report = s.out().resolve("report.md");
        Path results = s.out().resolve("results.jsonl");
        StringBuilder md = new StringBuilder(header(s));
        System.out.print(md);

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
                        System.err.printf(Locale.ROOT, "ws-compare: round %d, %4d conn, %5d B, %-6s %10.0f msg/s, "
                                        + "server CPU %.2f s, p99 %d us%s%n", round, n, size, server, r.messagesPerS(),
                                r.serverCpuS(), r.p99Us(), r.ok() ? "" : "  FAILED: " + failure(r));
                    }
                }
            }
            String t = roundTable(s, round, roundRuns);
            System.out.print(t);
            System.out.flush();
            md.append(t);
            Files.writeString(report, md);
        }
        String sum = summary(s, all);
        System.out.print(sum);
        md.append(sum);
        Files.writeString(report, md);
        System.out.println("\nraw results: " + results + "; report: " + report + "; logs: " + s.out().resolve("logs"));
        if (all.stream().anyMatch(r -> !r.ok())) {
            System.err.println("ws-compare: some runs failed or saw errors/mismatches; see the tables and logs");
            System.exit(1);
        }
    }

    private static String failure(Run r) {
        return r.error() != null ? r.error() : "errors " + r.errors() + ", mismatches " + r.mismatches();
    }

    // ------------------------------------------------------------------ one run

    static Run runOne(Settings s, int round, int n, int size, String server) throws InterruptedException {
        Run r = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            r = attempt(s, round, n, size, server, attempt);
            if (r.error() != null || !(r.otherCpuS() > OTHER_CPU_LIMIT_S)) return r;
            if (attempt < ATTEMPTS) {
                System.err.printf(Locale.ROOT, "ws-compare: round %d, %d conn, %d B, %s: other processes used %.2f CPU s "
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
        jvm.addAll(s.extraJvm().getOrDefault(server, List.of()).stream()
                .map(o -> o.replace("{tag}", tag).replace("{out}", s.out().toString())).toList());
        Harness.awaitQuiet("ws-compare", s.quietWait());
        WsServers.Running srv;
        try {
            srv = WsServers.start(s.layout(), server, jvm, serverLog);
        } catch (IOException e) {
            return failed(round, n, size, server, "start: " + e.getMessage());
        }
        Process client = null;
        OtherCpu others = null;
        try {
            Thread.sleep(300); // let the JVM finish starting (its own compile threads) before the load
            List<String> cmd = s.layout().load(s.clientJvm(), List.of(
                    "--uri", "ws://127.0.0.1:" + srv.port() + "/", "--connections", Integer.toString(n),
                    "--loops", Integer.toString(s.clientLoops()), "--in-flight", Integer.toString(s.inFlight()),
                    "--size", Integer.toString(size), "--warmup", Harness.num(s.warmup()),
                    "--duration", Harness.num(s.duration())));
            Files.writeString(clientLog, "$ " + String.join(" ", cmd) + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            client = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            Process started = client;
            // A client that hangs (a server that stops answering) would block the reading below for ever.
            CompletableFuture.delayedExecutor((long) (s.warmup() + s.duration()) + 180, TimeUnit.SECONDS)
                    .execute(started::destroyForcibly);
            long a = 0, b = 0;
            double srvA = Double.NaN, srvB = Double.NaN, cliA = Double.NaN, cliB = Double.NaN, other = Double.NaN;
            long userA = 0, userB = 0;
            String json = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter log = new PrintWriter(Files.newBufferedWriter(clientLog, StandardOpenOption.APPEND))) {
                String line;
                while ((line = in.readLine()) != null) {
                    log.println(line);
                    log.flush();
                    if (line.equals("window-start")) {
                        a = System.nanoTime();
                        srvA = Proc.cpuSeconds(srv.pid());
                        userA = Proc.userTicks(srv.pid());
                        cliA = Proc.cpuSeconds(client.pid());
                        others = new OtherCpu(Set.of(ProcessHandle.current().pid(), srv.pid(), client.pid()));
                    } else if (line.equals("window-end")) {
                        b = System.nanoTime();
                        srvB = Proc.cpuSeconds(srv.pid());
                        userB = Proc.userTicks(srv.pid());
                        cliB = Proc.cpuSeconds(client.pid());
                        if (others != null) other = others.seconds();
                    } else if (line.startsWith("{")) {
                        json = line;
                    }
                }
            }
            if (!client.waitFor(30, TimeUnit.SECONDS)) client.destroyForcibly();
            long peak = srv.process().isAlive() ? Proc.peakRss(srv.pid()) : -1;
            if (json == null || b == 0) {
                return failed(round, n, size, server, "no result from the client (exit "
                        + (client.isAlive() ? "?" : client.exitValue()) + "); see " + clientLog);
            }
            Map<String, Double> v = Harness.jsonNumbers(json);
            for (String k : List.of("messages_per_s", "p50_us", "p99_us", "max_us", "errors", "mismatches")) {
                if (!v.containsKey(k)) return failed(round, n, size, server, "the client's JSON has no " + k);
            }
            Matcher em = Pattern.compile("\"first_error\":\"(.*)\"\\}$").matcher(json);
            String error = null;
            if (!srv.process().isAlive()) error = "the server died; see " + serverLog;
            else if (v.get("errors") > 0 && em.find()) error = "first error: " + em.group(1);
            return new Run(round, n, size, server, v.get("messages_per_s"), v.get("p50_us").longValue(),
                    v.get("p99_us").longValue(), v.get("max_us").longValue(), v.get("errors").longValue(),
                    v.get("mismatches").longValue(), srvB - srvA, (userB - userA) / (double) Proc.USER_HZ, cliB - cliA,
                    other, (b - a) / 1e9, peak, error);
        } catch (IOException e) {
            return failed(round, n, size, server, e.toString());
        } finally {
            if (others != null) others.close();
            if (client != null && client.isAlive()) client.destroyForcibly();
            srv.close();
            Thread.sleep(500); // let the kernel finish closing the last connections
        }
    }

    private static Run failed(int round, int n, int size, String server, String why) {
        return new Run(round, n, size, server, Double.NaN, -1, -1, -1, -1, -1, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, -1, why);
    }

    // ------------------------------------------------------------------ tables

    private static String header(Settings s) {
        StringBuilder b = new StringBuilder();
        b.append("# ws-compare ").append(LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)).append("\n\n");
        b.append(String.format(Locale.ROOT, "rounds %d, duration %s s, warm-up %s s, %d in flight per connection, "
                        + "client loops %d, connections %s, sizes %s, servers %s%n",
                s.rounds(), Harness.num(s.duration()), Harness.num(s.warmup()), s.inFlight(), s.clientLoops(),
                s.connections(), s.sizes(), s.servers()));
        b.append("server JVM options: ").append(String.join(" ", s.serverJvm())).append('\n');
        s.extraJvm().forEach((k, v) -> b.append("EXTRA for ").append(k).append(" (not a fair comparison): ")
                .append(String.join(" ", v)).append('\n'));
        b.append("client JVM options: ").append(String.join(" ", s.clientJvm())).append('\n');
        b.append("java: ").append(s.layout() == null ? "?" : s.layout().java()).append(" (")
                .append(System.getProperty("java.vm.version")).append("), ")
                .append(Runtime.getRuntime().availableProcessors()).append(" CPUs\n\n");
        return b.toString();
    }

    private static String roundTable(Settings s, int round, List<Run> runs) {
        StringBuilder b = new StringBuilder();
        b.append("## Round ").append(round).append("\n\n");
        b.append("| conns | size | server | msg/s | vs Jetty | server CPU s | of which user | server CPU s / 100k msg "
                + "| client CPU s | other CPU s | peak RSS MB | p50 µs | p99 µs | max µs | errors |\n");
        b.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int n : s.connections()) {
            for (int size : s.sizes()) {
                Run jetty = find(runs, round, n, size, "jetty");
                for (String server : s.servers()) {
                    Run r = find(runs, round, n, size, server);
                    if (r == null) continue;
                    if (r.error() != null && Double.isNaN(r.messagesPerS())) {
                        b.append(String.format(Locale.ROOT, "| %d | %d | %s | failed: %s |%n", n, size, server, r.error()));
                        continue;
                    }
                    b.append(String.format(Locale.ROOT, "| %d | %d | %s | %,.0f | %s | %.2f | %.2f | %.3f | %.2f | %.2f | %.1f "
                                    + "| %d | %d | %d | %d |%n",
                            n, size, server, r.messagesPerS(),
                            jetty == null || !jetty.ok() || !r.ok() ? "-"
                                    : String.format(Locale.ROOT, "%.2f", r.messagesPerS() / jetty.messagesPerS()),
                            r.serverCpuS(), r.serverUserS(), r.serverCpuPer100k(), r.clientCpuS(), r.otherCpuS(),
                            r.peakRssBytes() / (1024.0 * 1024.0), r.p50Us(), r.p99Us(), r.maxUs(),
                            r.errors() + r.mismatches()));
                }
            }
        }
        return b.append('\n').toString();
    }

    /** A run the summary counts: no errors, and nothing else took more than the limit of CPU in its window. */
    static boolean clean(Run r) {
        return r != null && r.ok() && !(r.otherCpuS() > OTHER_CPU_LIMIT_S);
    }

    private static String summary(Settings s, List<Run> all) {
        StringBuilder b = new StringBuilder();
        b.append("## Summary over ").append(s.rounds()).append(" round(s)\n\n");
        b.append("Medians over the clean runs (no errors, other processes under " + OTHER_CPU_LIMIT_S
                + " CPU s in the window; \"used\" counts them), min-max of msg/s beside; \"vs Jetty\" is the median of "
                + "the per-round ratios, from rounds where both runs are clean; peak RSS is the largest. "
                + "Target for evloop: >= 1.5x Jetty's msg/s.\n\n");
        b.append("| conns | size | server | used | msg/s (median) | msg/s range | vs Jetty | server CPU s / 100k msg "
                + "| of which user | client CPU s | peak RSS MB | p50 µs | p99 µs |\n");
        b.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
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
                        Run jetty = find(all, r.round(), n, size, "jetty");
                        if (clean(jetty)) ratios.add(r.messagesPerS() / jetty.messagesPerS());
                    }
                    b.append(String.format(Locale.ROOT, "| %d | %d | %s | %d | %,.0f | %,.0f-%,.0f | %s | %.3f | %.3f | %.2f "
                                    + "| %.1f | %.0f | %.0f |%n",
                            n, size, server, rs.size(), Harness.median(rates), Arrays.stream(rates).min().orElseThrow(),
                            Arrays.stream(rates).max().orElseThrow(),
                            ratios.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f",
                                    Harness.median(ratios.stream().mapToDouble(Double::doubleValue).toArray())),
                            Harness.median(rs.stream().mapToDouble(Run::serverCpuPer100k).toArray()),
                            Harness.median(rs.stream().mapToDouble(Run::serverUserPer100k).toArray()),
                            Harness.median(rs.stream().mapToDouble(Run::clientCpuS).toArray()),
                            rs.stream().mapToLong(Run::peakRssBytes).max().orElseThrow() / (1024.0 * 1024.0),
                            Harness.median(rs.stream().mapToDouble(Run::p50Us).toArray()),
                            Harness.median(rs.stream().mapToDouble(Run::p99Us).toArray())));
                }
            }
        }
        return b.append('\n').toString();
    }

    private static Run find(List<Run> runs, int round, int n, int size, String server) {
        for (Run r : runs) {
            if (r.round() == round && r.connections() == n && r.size() == size && r.server().equals(server)) return r;
        }
        return null;
    }

    /** The tables again, from the results.jsonl of an earlier run: {@code WsCompare --from FILE}. */
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
            all.add(new Run(v.get("round").intValue(), v.get("connections").intValue(), v.get("size").intValue(),
                    sm.group(1), v.getOrDefault("messages_per_s", Double.NaN), v.getOrDefault("p50_us", -1.0).longValue(),
                    v.getOrDefault("p99_us", -1.0).longValue(), v.getOrDefault("max_us", -1.0).longValue(),
                    v.getOrDefault("errors", -1.0).longValue(), v.getOrDefault("mismatches", -1.0).longValue(),
                    v.getOrDefault("server_cpu_s", Double.NaN), v.getOrDefault("server_user_s", Double.NaN),
                    v.getOrDefault("client_cpu_s", Double.NaN), v.getOrDefault("other_cpu_s", Double.NaN),
                    v.getOrDefault("window_s", Double.NaN), v.getOrDefault("server_peak_rss_bytes", -1.0).longValue(),
                    em.find() && em.group(2) != null ? em.group(2) : null));
        }
        int rounds = all.stream().mapToInt(Run::round).max().orElse(0);
        Settings s = new Settings(rounds, Double.NaN, Double.NaN, 1, 1,
                all.stream().map(Run::connections).distinct().toList(), all.stream().map(Run::size).distinct().toList(),
                all.stream().map(Run::server).distinct().toList(), List.of(), List.of(), Map.of(), null,
                results.getParent(), 0);
        for (int round = 1; round <= rounds; round++) System.out.print(roundTable(s, round, all));
        System.out.print(summary(s, all));
    }

    // ------------------------------------------------------------------ arguments

    static final String USAGE = """
            usage: WsCompare --from OUT/results.jsonl     (the tables of an earlier run again)
                   WsCompare --evloop-modules MODULE_PATH --bench-cp CLASS_PATH --out DIR
                             [--rounds 3] [--duration 5] [--warmup 2] [--in-flight 1] [--client-loops 1]
                             [--connections 64,1000] [--sizes 64,16384] [--servers evloop,jetty,netty]
                             [--server-jvm 'OPTIONS'] [--client-jvm 'OPTIONS'] [--extra-jvm SERVER='OPTIONS']...
                             [--quiet-wait 120] (seconds to wait for a quiet machine before each run)
            In --extra-jvm, {tag} and {out} become the run's tag and the output directory.
            """;

    static Settings parse(String[] args) {
        Harness.Args a = Harness.Args.parse(args, "SERVER", WsCompare::usage);
        Map<String, String> o = a.options();
        for (String required : List.of("evloop-modules", "bench-cp", "out")) {
            if (!o.containsKey(required)) usage("--" + required + " is required");
        }
        List<String> servers = List.of(o.getOrDefault("servers", String.join(",", WsServers.ALL)).split(","));
        for (String sv : servers) {
            if (!WsServers.ALL.contains(sv)) usage("unknown server '" + sv + "'; known: " + WsServers.ALL);
        }
        for (String k : a.extraJvm().keySet()) {
            if (!WsServers.ALL.contains(k)) usage("--extra-jvm for unknown server '" + k + "'; known: " + WsServers.ALL);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new Settings(
                Integer.parseInt(o.getOrDefault("rounds", "3")),
                Double.parseDouble(o.getOrDefault("duration", "5")),
                Double.parseDouble(o.getOrDefault("warmup", "2")),
                Integer.parseInt(o.getOrDefault("in-flight", "1")),
                Integer.parseInt(o.getOrDefault("client-loops", "1")),
                ints(o.getOrDefault("connections", "64,1000")),
                ints(o.getOrDefault("sizes", "64,16384")),
                servers,
                Harness.jvmOptions(o.getOrDefault("server-jvm", "")),
                Harness.jvmOptions(o.getOrDefault("client-jvm", "")),
                a.extraJvm(),
                new WsServers.Layout(java, o.get("evloop-modules"), o.get("bench-cp")),
                Path.of(o.get("out")),
                Double.parseDouble(o.getOrDefault("quiet-wait", "120")));
    }

    private static List<Integer> ints(String csv) {
        try {
            return Arrays.stream(csv.split(",")).map(String::trim).map(Integer::parseInt).toList();
        } catch (NumberFormatException e) {
            usage("not a list of numbers: '" + csv + "'");
            return List.of();
        }
    }

    private static void usage(String why) {
        System.err.println("WsCompare: " + why);
        System.err.print(USAGE);
        System.exit(2);
    }
}
