package dev.evloop.bench.http2;

import dev.evloop.bench.Harness;
import dev.evloop.bench.http.LoadRun;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP/2 clients side by side; run it through {@code scripts/h2-compare}.
 *
 * <p>One server for all: Jetty 12 with h2c ({@link H2Server}, its own JVM), started once. Then,
 * for each run, each client ({@link H2Load}: evloop, jdk, jetty) runs in its own JVM, one after
 * another, with the same JVM options, IN_FLIGHT streams on one connection; the order rotates from
 * run to run. Before each client the harness waits (up to {@code --quiet-wait} s) for the machine
 * to be quiet ({@link Harness#awaitQuiet}). Around each client it asks the server how many
 * connections it accepted and how many requests it served per HTTP version; during the client's
 * window it reads the server's CPU time from /proc and what every other process used.
 *
 * <p>Prints a table per run and a summary (medians; "evloop / this" is taken per run, then the
 * median), writes every run to {@code OUT/results.jsonl} and the tables to {@code OUT/report.md}.
 */
public final class H2Compare {
    static final List<String> ALL = List.of("evloop", "jdk", "jetty");
    static final double TARGET = 1.5;
    private static final Pattern STATS = Pattern.compile("stats connections=(\\d+) h1=(\\d+) h2=(\\d+)");

    record Run(int run, String client, double requestsPerS, long requests, long errors, double cpuS, double cpuPer100k,
            double allocLive, double allocTotal, double serverCpuS, double otherCpuS, long connections, long h1, long h2,
            String error) {
        /** Clean: no error, requests done, all of them HTTP/2 on exactly one connection. */
        boolean ok() {
            return error == null && errors == 0 && requests > 0 && connections == 1 && h1 == 0;
        }

        String protocol() {
            return h1 == 0 ? "h2" : h2 == 0 ? "HTTP/1.1" : "h2 " + h2 + ", HTTP/1.1 " + h1;
        }

        String json() {
            return String.format(Locale.ROOT, "{\"run\":%d,\"client\":\"%s\",\"requests_per_s\":%.1f,\"requests\":%d,"
                            + "\"errors\":%d,\"cpu_s\":%.3f,\"cpu_s_per_100k\":%.4f,\"alloc_live_bytes_per_req\":%.1f,"
                            + "\"alloc_total_bytes_per_req\":%.1f,\"server_cpu_s\":%.2f,\"other_cpu_s\":%.2f,"
                            + "\"server_connections\":%d,\"server_h1_requests\":%d,\"server_h2_requests\":%d,"
                            + "\"protocol\":\"%s\",\"error\":%s}",
                    run, client, requestsPerS, requests, errors, cpuS, cpuPer100k, allocLive, allocTotal, serverCpuS,
                    otherCpuS, connections, h1, h2, protocol(),
                    error == null ? "null" : "\"" + error.replace("\\", "\\\\").replace("\"", "'") + "\"");
        }
    }

    record Settings(int runs, double duration, double warmup, int inFlight, String path, List<String> clients,
            List<String> serverJvm, List<String> clientJvm, Map<String, List<String>> extraJvm, String java,
            String benchCp, Path out, double quietWait) {}

    /** The server's standard input and output: {@code stats} and its answer. */
    record Server(Process process, BufferedReader out, PrintStream in) {
        long[] stats() throws IOException {
            in.println("stats");
            in.flush();
            String line = out.readLine();
            Matcher m = line == null ? null : STATS.matcher(line);
            if (m == null || !m.matches()) throw new IOException("server answered '" + line + "' to stats; see server.err");
            return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
        }
    }

    private H2Compare() {}

    public static void main(String[] args) throws Exception {
        Settings s = parse(args);
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy), "kill-children"));
        Files.createDirectories(s.out());
        Path results = s.out().resolve("results.jsonl");
        Path report = s.out().resolve("report.md");
        StringBuilder md = new StringBuilder(header(s));
        System.out.print(md);

        List<String> cmd = new ArrayList<>();
        cmd.add(s.java());
        cmd.addAll(s.serverJvm());
        cmd.addAll(List.of("-cp", s.benchCp(), H2Server.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(s.out().resolve("server.err").toFile()).start();
        Server srv = new Server(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)),
                new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8));
        String first = srv.out().readLine();
        if (first == null || !first.startsWith("port ")) throw new IOException("server said " + first + "; see server.err");
        int port = Integer.parseInt(first.substring(5).trim());
        System.err.println("h2-compare: Jetty h2c server pid " + p.pid() + " on 127.0.0.1:" + port);

        List<Run> all = new ArrayList<>();
        try {
            for (int run = 1; run <= s.runs(); run++) {
                List<String> order = new ArrayList<>(s.clients());
                Collections.rotate(order, -(run - 1));
                List<Run> runs = new ArrayList<>();
                for (String client : order) {
                    Harness.awaitQuiet("h2-compare", s.quietWait());
                    Run r = runOne(s, run, port, client, srv);
                    runs.add(r);
                    all.add(r);
                    Files.writeString(results, r.json() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    System.err.printf(Locale.ROOT, "h2-compare: run %d, %-6s %10.0f req/s, %.2f CPU s/100k, %.0f B/req, "
                                    + "%d connection(s), %s%s%n", run, client, r.requestsPerS(), r.cpuPer100k(), r.allocLive(),
                            r.connections(), r.protocol(), r.ok() ? "" : "  NOT CLEAN: errors " + r.errors() + ", " + r.error());
                }
                String t = runTable(s, run, runs);
                System.out.print(t);
                System.out.flush();
                md.append(t);
                Files.writeString(report, md);
            }
        } finally {
            srv.in().close();
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroy();
        }
        String sum = summary(s, all);
        System.out.print(sum);
        md.append(sum);
        Files.writeString(report, md);
        System.out.println("\nraw results: " + results + "; report: " + report + "; logs: " + s.out());
        if (all.stream().anyMatch(r -> !r.ok())) System.exit(1);
    }

    static long expectedBytes(String path) {
        if (path.equals("/hello")) return H2Server.HELLO.length;
        if (path.startsWith("/bytes/")) {
            long n = Long.parseLong(path.substring(7));
            if (n >= 0 && n <= H2Server.MAX_BODY) return n;
        }
        throw new IllegalArgumentException("--path: /hello or /bytes/N (N up to " + H2Server.MAX_BODY + "), got " + path);
    }

    static Run runOne(Settings s, int run, int port, String client, Server srv) throws Exception {
        String tag = String.format(Locale.ROOT, "r%d-%s", run, client);
        List<String> cmd = new ArrayList<>();
        cmd.add(s.java());
        cmd.addAll(s.clientJvm());
        cmd.addAll(s.extraJvm().getOrDefault(client, List.of()).stream()
                .map(o -> o.replace("{tag}", tag).replace("{out}", s.out().toString())).toList());
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", s.benchCp(), H2Load.class.getName(), client,
                "http://127.0.0.1:" + port + s.path(), Integer.toString(s.inFlight()), Double.toString(s.warmup()),
                Double.toString(s.duration()), Long.toString(expectedBytes(s.path()))));
        long[] before = srv.stats();
        LoadRun r = LoadRun.run(cmd, s.out(), tag, srv.process().pid());
        long[] after = srv.stats();
        long conns = after[0] - before[0], h1 = after[1] - before[1], h2 = after[2] - before[2];
        if (r.json() == null) {
            return new Run(run, client, Double.NaN, 0, -1, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    r.otherCpuS(), conns, h1, h2, r.missing(tag));
        }
        Map<String, Double> v = r.numbers();
        return new Run(run, client, v.get("requests_per_s"), v.get("requests").longValue(), v.get("errors").longValue(),
                v.get("cpu_s"), v.get("cpu_s_per_100k"), v.get("alloc_live_bytes_per_req"), v.get("alloc_total_bytes_per_req"),
                r.serverCpuS(), r.otherCpuS(), conns, h1, h2, r.firstError());
    }

    // ------------------------------------------------------------------ tables

    static String header(Settings s) {
        return String.format(Locale.ROOT, "# HTTP/2 clients side by side%n%n"
                        + "%d CPUs, %s %s, JDK %s; %d run(s) of %s s measured after %s s warm-up; %d streams in flight "
                        + "on one connection; GET %s; clients %s%n"
                        + "server: Jetty 12 h2c (prior knowledge and HTTP/1.1 Upgrade), own JVM: %s%n"
                        + "client JVM options: %s%s%n%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.version"),
                Runtime.version(), s.runs(), Harness.num(s.duration()), Harness.num(s.warmup()), s.inFlight(), s.path(),
                s.clients(), String.join(" ", s.serverJvm()), String.join(" ", s.clientJvm()),
                s.extraJvm().isEmpty() ? "" : "; EXTRA (not a fair comparison): " + s.extraJvm());
    }

    static String runTable(Settings s, int run, List<Run> runs) {
        StringBuilder b = new StringBuilder();
        b.append("## Run ").append(run).append("\n\n");
        b.append("| client | req/s | evloop / this | errors | connections | protocol | client CPU s | CPU s / 100k req "
                + "| B alloc/req (live threads) | B/req (all threads) | server CPU s | other CPU s |\n");
        b.append("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
        Run evloop = find(runs, run, "evloop");
        for (String client : s.clients()) {
            Run r = find(runs, run, client);
            if (r == null) continue;
            b.append(String.format(Locale.ROOT, "| %s | %,.0f | %s | %d | %d | %s | %.2f | %.2f | %,.0f | %,.0f | %.2f | %.2f |%s%n",
                    client, r.requestsPerS(), evloop == null || !evloop.ok() || !r.ok() ? "-"
                            : String.format(Locale.ROOT, "%.2f", evloop.requestsPerS() / r.requestsPerS()),
                    r.errors(), r.connections(), r.protocol(), r.cpuS(), r.cpuPer100k(), r.allocLive(), r.allocTotal(),
                    r.serverCpuS(), r.otherCpuS(), r.error() == null ? "" : " " + r.error()));
        }
        return b.append('\n').toString();
    }

    static String summary(Settings s, List<Run> all) {
        StringBuilder b = new StringBuilder();
        b.append("## Summary over ").append(s.runs()).append(" run(s)\n\n");
        b.append("Medians over the clean runs (no errors, one connection, HTTP/2 only); \"evloop / this\" is the median "
                + "of the per-run ratios. Target: evloop >= " + TARGET + "x the better of the JDK and Jetty clients.\n\n");
        b.append("| client | runs | req/s (median) | req/s range | evloop / this | CPU s / 100k req | B alloc/req (live) "
                + "| B/req (all threads) | server CPU s |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        double best = 0;
        double evloopRate = Double.NaN;
        for (String client : s.clients()) {
            List<Run> rs = all.stream().filter(r -> r.client().equals(client) && r.ok()).toList();
            if (rs.isEmpty()) {
                b.append(String.format(Locale.ROOT, "| %s | 0 | no clean run |%n", client));
                continue;
            }
            double[] rates = rs.stream().mapToDouble(Run::requestsPerS).toArray();
            double median = Harness.median(rates);
            if (client.equals("evloop")) evloopRate = median;
            else best = Math.max(best, median);
            List<Double> ratios = new ArrayList<>();
            for (Run r : rs) {
                Run e = find(all, r.run(), "evloop");
                if (e != null && e.ok()) ratios.add(e.requestsPerS() / r.requestsPerS());
            }
            b.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %,.0f-%,.0f | %s | %.2f | %,.0f | %,.0f | %.2f |%n",
                    client, rs.size(), median, Arrays.stream(rates).min().orElseThrow(), Arrays.stream(rates).max().orElseThrow(),
                    ratios.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f",
                            Harness.median(ratios.stream().mapToDouble(Double::doubleValue).toArray())),
                    Harness.median(rs.stream().mapToDouble(Run::cpuPer100k).toArray()),
                    Harness.median(rs.stream().mapToDouble(Run::allocLive).toArray()),
                    Harness.median(rs.stream().mapToDouble(Run::allocTotal).toArray()),
                    Harness.median(rs.stream().mapToDouble(Run::serverCpuS).toArray())));
        }
        if (best > 0 && !Double.isNaN(evloopRate)) {
            double ratio = evloopRate / best;
            b.append(String.format(Locale.ROOT, "%nevloop / the better peer (medians): %.2f; target >= %.1f: %s%n",
                    ratio, TARGET, ratio >= TARGET ? "met" : "missed"));
        }
        return b.append('\n').toString();
    }

    static Run find(List<Run> runs, int run, String client) {
        for (Run r : runs) {
            if (r.run() == run && r.client().equals(client)) return r;
        }
        return null;
    }

    // ------------------------------------------------------------------ arguments

    static final String USAGE = """
            usage: H2Compare --bench-cp CLASS_PATH --out DIR [--runs 3] [--duration 10] [--warmup 3]
                             [--in-flight 64] [--path /hello] [--clients evloop,jdk,jetty]
                             [--server-jvm 'OPTIONS'] [--client-jvm 'OPTIONS'] [--extra-jvm CLIENT='OPTIONS']...
                             [--quiet-wait 60]
            --path: /hello (13 bytes) or /bytes/N. In --extra-jvm, {tag} and {out} become the run's tag
            and the output directory.
            """;

    static Settings parse(String[] args) {
        Harness.Args a = Harness.Args.parse(args, "CLIENT", H2Compare::usage);
        Map<String, String> o = a.options();
        for (String required : List.of("bench-cp", "out")) {
            if (!o.containsKey(required)) usage("--" + required + " is required");
        }
        List<String> clients = List.of(o.getOrDefault("clients", String.join(",", ALL)).split(","));
        for (String c : clients) if (!ALL.contains(c)) usage("unknown client '" + c + "'; known: " + ALL);
        String path = o.getOrDefault("path", "/hello");
        try {
            expectedBytes(path);
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
        }
        int runs = Integer.parseInt(o.getOrDefault("runs", "3"));
        int inFlight = Integer.parseInt(o.getOrDefault("in-flight", "64"));
        if (runs < 1 || inFlight < 1) usage("--runs and --in-flight must be positive, got " + runs + " and " + inFlight);
        return new Settings(runs,
                Double.parseDouble(o.getOrDefault("duration", "10")),
                Double.parseDouble(o.getOrDefault("warmup", "3")),
                inFlight, path, clients,
                Harness.jvmOptions(o.getOrDefault("server-jvm", "")),
                Harness.jvmOptions(o.getOrDefault("client-jvm", "")),
                a.extraJvm(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                o.get("bench-cp"),
                Path.of(o.get("out")),
                Double.parseDouble(o.getOrDefault("quiet-wait", "60")));
    }

    private static void usage(String why) {
        System.err.println("H2Compare: " + why);
        System.err.print(USAGE);
        System.exit(2);
    }
}
