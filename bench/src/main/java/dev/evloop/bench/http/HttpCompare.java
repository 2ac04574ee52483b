package dev.evloop.bench.http;

import dev.evloop.bench.Harness;
import dev.evloop.bench.echo.OtherCpu;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * HTTP clients side by side; run it through {@code scripts/http-compare}.
 *
 * <p>One server for all: evloop's {@code HttpServer} with {@code DemoRoutes} ({@link DemoServer}:
 * one loop, epoll, its own JVM), started once. Then, for each round, for each path, each client
 * ({@link HttpLoad}: evloop, jdk, jetty, netty) runs in its own JVM, one after another, with the
 * same JVM options; the order of the clients rotates from round to round. Before each client the
 * harness waits (up to {@code --quiet-wait} s) for the machine to be quiet. While the client
 * measures (it prints {@code window-start} and {@code window-end}), the harness reads the server's
 * CPU time from /proc and what every other process used ({@link OtherCpu}).
 *
 * <p>Prints a table per round and a summary (medians; the ratio to Netty is taken per round, then
 * the median), writes every run to {@code OUT/results.jsonl} and the tables to {@code OUT/report.md}.
 */
public final class HttpCompare {
    static final List<String> ALL = List.of("evloop", "jdk", "jetty", "netty");

    record Run(int round, String path, String client, double requestsPerS, long requests, long errors,
            double cpuS, double cpuPer100k, double allocLive, double allocTotal, double serverCpuS,
            double otherCpuS, double windowS, String error) {
        boolean ok() {
            return error == null && errors == 0 && requests > 0;
        }

        String json() {
            return String.format(Locale.ROOT, "{\"round\":%d,\"path\":\"%s\",\"client\":\"%s\",\"requests_per_s\":%.1f,"
                            + "\"requests\":%d,\"errors\":%d,\"cpu_s\":%.3f,\"cpu_s_per_100k\":%.4f,"
                            + "\"alloc_live_bytes_per_req\":%.1f,\"alloc_total_bytes_per_req\":%.1f,\"server_cpu_s\":%.2f,"
                            + "\"other_cpu_s\":%.2f,\"window_s\":%.3f,\"error\":%s}",
                    round, path, client, requestsPerS, requests, errors, cpuS, cpuPer100k, allocLive, allocTotal,
                    serverCpuS, otherCpuS, windowS,
                    error == null ? "null" : "\"" + error.replace("\\", "\\\\").replace("\"", "'") + "\"");
        }
    }

    record Settings(int rounds, double duration, double warmup, int inFlight, List<String> paths, List<String> clients,
            List<String> serverJvm, List<String> clientJvm, Map<String, List<String>> extraJvm, String java,
            String benchCp, Path out, double quietWait) {}

    private HttpCompare() {}

    public static void main(String[] args) throws Exception {
        Settings s = parse(args);
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy), "kill-children"));
        Files.createDirectories(s.out());
        Path results = s.out().resolve("results.jsonl");
        Path report = s.out().resolve("report.md");
        StringBuilder md = new StringBuilder(header(s));
        System.out.print(md);

        List<String> server = new ArrayList<>();
        server.add(s.java());
        server.addAll(s.serverJvm());
        server.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", s.benchCp(), DemoServer.class.getName()));
        Process srv = new ProcessBuilder(server)
                .redirectError(s.out().resolve("server.err").toFile())
                .start();
        BufferedReader srvOut = new BufferedReader(new InputStreamReader(srv.getInputStream(), StandardCharsets.UTF_8));
        String first = srvOut.readLine();
        if (first == null || !first.startsWith("port ")) throw new IOException("server said " + first + "; see server.err");
        int port = Integer.parseInt(first.substring(5).trim());
        System.err.println("http-compare: server pid " + srv.pid() + " on 127.0.0.1:" + port);

        List<Run> all = new ArrayList<>();
        try {
            for (int round = 1; round <= s.rounds(); round++) {
                List<String> order = new ArrayList<>(s.clients());
                Collections.rotate(order, -(round - 1));
                List<Run> roundRuns = new ArrayList<>();
                for (String path : s.paths()) {
                    for (String client : order) {
                        quiet(s, srv.pid());
                        Run r = runOne(s, round, port, path, client, srv.pid());
                        roundRuns.add(r);
                        all.add(r);
                        Files.writeString(results, r.json() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                        System.err.printf(Locale.ROOT, "http-compare: round %d, %-13s %-6s %10.0f req/s, %.2f CPU s/100k, "
                                        + "%.0f B/req%s%n", round, path, client, r.requestsPerS(), r.cpuPer100k(), r.allocLive(),
                                r.ok() ? "" : "  FAILED: errors " + r.errors() + ", " + r.error());
                    }
                }
                String t = roundTable(s, round, roundRuns);
                System.out.print(t);
                System.out.flush();
                md.append(t);
                Files.writeString(report, md);
            }
        } finally {
            srv.getOutputStream().close();
            if (!srv.waitFor(5, TimeUnit.SECONDS)) srv.destroy();
        }
        String sum = summary(s, all);
        System.out.print(sum);
        md.append(sum);
        Files.writeString(report, md);
        System.out.println("\nraw results: " + results + "; report: " + report + "; logs: " + s.out());
        if (all.stream().anyMatch(r -> !r.ok())) System.exit(1);
    }

    static long expectedBytes(String path) {
        if (path.equals("/hello")) return 13;
        if (path.startsWith("/bytes/")) return Long.parseLong(path.substring(7));
        throw new IllegalArgumentException("only /hello and /bytes/N are known, got " + path);
    }

    /** Waits up to quietWait s for a second in which other processes use under 0.2 CPU s. */
    static void quiet(Settings s, long serverPid) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (s.quietWait() * 1e9);
        do {
            try (OtherCpu other = new OtherCpu(Set.of(ProcessHandle.current().pid(), serverPid))) {
                Thread.sleep(1000);
                if (other.seconds() < 0.2) return;
            }
        } while (System.nanoTime() < deadline);
        System.err.println("http-compare: the machine is not quiet; running anyway");
    }

    static Run runOne(Settings s, int round, int port, String path, String client, long serverPid) throws Exception {
        String tag = String.format(Locale.ROOT, "r%d-%s-%s", round, path.replace('/', '_'), client);
        List<String> cmd = new ArrayList<>();
        cmd.add(s.java());
        cmd.addAll(s.clientJvm());
        cmd.addAll(s.extraJvm().getOrDefault(client, List.of()).stream()
                .map(o -> o.replace("{tag}", tag).replace("{out}", s.out().toString())).toList());
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", s.benchCp(), HttpLoad.class.getName(), client,
                "http://127.0.0.1:" + port + path, Integer.toString(s.inFlight()), Double.toString(s.warmup()),
                Double.toString(s.duration()), Long.toString(expectedBytes(path))));
        LoadRun r = LoadRun.run(cmd, s.out(), tag, serverPid);
        if (r.json() == null) {
            return new Run(round, path, client, Double.NaN, 0, -1, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, r.otherCpuS(), Double.NaN, r.missing(tag));
        }
        Map<String, Double> v = r.numbers();
        return new Run(round, path, client, v.get("requests_per_s"), v.get("requests").longValue(),
                v.get("errors").longValue(), v.get("cpu_s"), v.get("cpu_s_per_100k"), v.get("alloc_live_bytes_per_req"),
                v.get("alloc_total_bytes_per_req"), r.serverCpuS(), r.otherCpuS(), v.get("window_s"), r.firstError());
    }

    // ------------------------------------------------------------------ tables

    static String header(Settings s) {
        return String.format(Locale.ROOT, "# HTTP clients side by side%n%n"
                        + "%d CPUs, %s %s, JDK %s; %d round(s) of %s s measured after %s s warm-up; %d requests in flight; "
                        + "paths %s; clients %s%n"
                        + "server: evloop HttpServer + DemoRoutes, 1 loop, epoll, own JVM: %s%n"
                        + "client JVM options: %s%s%n%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.version"),
                Runtime.version(), s.rounds(), Harness.num(s.duration()), Harness.num(s.warmup()), s.inFlight(), s.paths(), s.clients(),
                String.join(" ", s.serverJvm()), String.join(" ", s.clientJvm()),
                s.extraJvm().isEmpty() ? "" : "; EXTRA (not a fair comparison): " + s.extraJvm());
    }

    static String roundTable(Settings s, int round, List<Run> runs) {
        StringBuilder b = new StringBuilder();
        b.append("## Round ").append(round).append("\n\n");
        b.append("| path | client | req/s | vs Netty | errors | client CPU s | CPU s / 100k req | B alloc/req (live threads) "
                + "| B/req (all threads) | server CPU s | other CPU s |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String path : s.paths()) {
            for (String client : s.clients()) {
                Run r = find(runs, round, path, client);
                if (r == null) continue;
                Run netty = find(runs, round, path, "netty");
                b.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %s | %d | %.2f | %.2f | %,.0f | %,.0f | %.2f | %.2f |%s%n",
                        path, client, r.requestsPerS(), netty == null || !netty.ok() ? "-"
                                : String.format(Locale.ROOT, "%.2f", r.requestsPerS() / netty.requestsPerS()),
                        r.errors(), r.cpuS(), r.cpuPer100k(), r.allocLive(), r.allocTotal(), r.serverCpuS(), r.otherCpuS(),
                        r.error() == null ? "" : " " + r.error()));
            }
        }
        return b.append('\n').toString();
    }

    static String summary(Settings s, List<Run> all) {
        StringBuilder b = new StringBuilder();
        b.append("## Summary over ").append(s.rounds()).append(" round(s)\n\n");
        b.append("Medians over the clean runs (no errors); \"vs Netty\" is the median of the per-round ratios. "
                + "Targets for evloop: >= 1.30x Netty's req/s, < 100 B allocated per request.\n\n");
        b.append("| path | client | runs | req/s (median) | req/s range | vs Netty | CPU s / 100k req | B alloc/req (live) "
                + "| B/req (all threads) | server CPU s |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String path : s.paths()) {
            for (String client : s.clients()) {
                List<Run> rs = all.stream().filter(r -> r.path().equals(path) && r.client().equals(client) && r.ok()).toList();
                if (rs.isEmpty()) {
                    b.append(String.format(Locale.ROOT, "| %s | %s | 0 | no clean run |%n", path, client));
                    continue;
                }
                double[] rates = rs.stream().mapToDouble(Run::requestsPerS).toArray();
                List<Double> ratios = new ArrayList<>();
                for (Run r : rs) {
                    Run n = find(all, r.round(), path, "netty");
                    if (n != null && n.ok()) ratios.add(r.requestsPerS() / n.requestsPerS());
                }
                b.append(String.format(Locale.ROOT, "| %s | %s | %d | %,.0f | %,.0f-%,.0f | %s | %.2f | %,.0f | %,.0f | %.2f |%n",
                        path, client, rs.size(), Harness.median(rates), Arrays.stream(rates).min().orElseThrow(),
                        Arrays.stream(rates).max().orElseThrow(),
                        ratios.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f",
                                Harness.median(ratios.stream().mapToDouble(Double::doubleValue).toArray())),
                        Harness.median(rs.stream().mapToDouble(Run::cpuPer100k).toArray()),
                        Harness.median(rs.stream().mapToDouble(Run::allocLive).toArray()),
                        Harness.median(rs.stream().mapToDouble(Run::allocTotal).toArray()),
                        Harness.median(rs.stream().mapToDouble(Run::serverCpuS).toArray())));
            }
        }
        return b.append('\n').toString();
    }

    static Run find(List<Run> runs, int round, String path, String client) {
        for (Run r : runs) {
            if (r.round() == round && r.path().equals(path) && r.client().equals(client)) return r;
        }
        return null;
    }

    // ------------------------------------------------------------------ arguments

    static final String USAGE = """
            usage: HttpCompare --bench-cp CLASS_PATH --out DIR [--rounds 2] [--duration 5] [--warmup 2]
                              [--in-flight 64] [--paths /hello,/bytes/65536] [--clients evloop,jdk,jetty,netty]
                              [--server-jvm 'OPTIONS'] [--client-jvm 'OPTIONS'] [--extra-jvm CLIENT='OPTIONS']...
                              [--quiet-wait 60]
            In --extra-jvm, {tag} and {out} become the run's tag and the output directory.
            """;

    static Settings parse(String[] args) {
        Harness.Args a = Harness.Args.parse(args, "CLIENT", HttpCompare::usage);
        Map<String, String> o = a.options();
        Map<String, List<String>> extra = a.extraJvm();
        for (String required : List.of("bench-cp", "out")) {
            if (!o.containsKey(required)) usage("--" + required + " is required");
        }
        List<String> clients = List.of(o.getOrDefault("clients", String.join(",", ALL)).split(","));
        for (String c : clients) if (!ALL.contains(c)) usage("unknown client '" + c + "'; known: " + ALL);
        List<String> paths = List.of(o.getOrDefault("paths", "/hello,/bytes/65536").split(","));
        for (String p : paths) expectedBytes(p);
        return new Settings(
                Integer.parseInt(o.getOrDefault("rounds", "2")),
                Double.parseDouble(o.getOrDefault("duration", "5")),
                Double.parseDouble(o.getOrDefault("warmup", "2")),
                Integer.parseInt(o.getOrDefault("in-flight", "64")),
                paths, clients,
                Harness.jvmOptions(o.getOrDefault("server-jvm", "")),
                Harness.jvmOptions(o.getOrDefault("client-jvm", "")),
                extra,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                o.get("bench-cp"),
                Path.of(o.get("out")),
                Double.parseDouble(o.getOrDefault("quiet-wait", "60")));
    }

    private static void usage(String why) {
        System.err.println("HttpCompare: " + why);
        System.err.print(USAGE);
        System.exit(2);
    }
}
