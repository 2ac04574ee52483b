package dev.evloop.bench.echo;

import dev.evloop.net.Descriptors;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory per idle connection of each echo server ({@link EchoServers}: evloop, netty, nio), each in
 * its own JVM with the same JVM options. Run it through {@code scripts/echo-compare --idle}.
 *
 * <p>Per server, in order:
 * <ol>
 *   <li>start it; warm it up: {@value #WARMUP_CONNECTIONS} connections each send one 64-byte
 *       message and read the echo, then close; wait until the server's descriptor count is back
 *       (so the accept and data paths are loaded and compiled before the baseline);
 *   <li>baseline: {@code jcmd PID GC.run}, then {@code jcmd PID GC.class_histogram} (a full GC
 *       too; its total, less G1's filler arrays, is the live heap), {@code GC.heap_info} (G1's
 *       "used") and VmRSS;
 *   <li>open N connections from this JVM (blocking {@link SocketChannel}s, N/500 batches, each
 *       waiting until the server has accepted most of the previous ones: the server's
 *       /proc/PID/fd count), wait until the server holds all N, let it settle 2 s, measure again
 *       ("idle"): the difference over N is the cost of one idle connection;
 *   <li>send one 64-byte message on each connection and read its echo, measure again ("after one
 *       echo each": what a connection keeps once it has been used);
 *   <li>close them, stop the server.
 * </ol>
 * The live-heap difference is exact (full GCs, histogram totals). The RSS difference also holds
 * heap pages the allocation touched and the collector has not returned, malloc'd memory and
 * thread stacks; it is what the machine pays, approximately.
 */
public final class IdleConnections {
    static final int WARMUP_CONNECTIONS = 1000;
    static final int BATCH = 500;
    private static final Pattern HISTO_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    private static final Pattern HISTO_TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)");
    private static final Pattern G1_USED = Pattern.compile("heap.*?used (\\d+)K");

    /** One measurement of a server. */
    record Snapshot(long liveHeap, long g1Used, long rss, int fds, Map<String, long[]> classes) {}

    record Result(String server, int connections, Snapshot before, Snapshot idle, Snapshot used) {}

    private IdleConnections() {}

    public static void main(String[] args) throws Exception {
        EchoCompare.killChildrenOnExit();
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        for (String required : List.of("evloop-modules", "bench-cp", "out")) {
            if (!o.containsKey(required)) {
                System.err.println("usage: IdleConnections --evloop-modules MP --bench-cp CP --out DIR "
                        + "[--connections 10000] [--servers evloop,netty,nio] [--server-jvm 'OPTIONS']");
                System.exit(2);
            }
        }
        int n = Integer.parseInt(o.getOrDefault("connections", "10000"));
        List<String> servers = List.of(o.getOrDefault("servers", "evloop,netty,nio").split(","));
        List<String> jvm = dev.evloop.bench.Harness.jvmOptions(o.getOrDefault("server-jvm", ""));
        Path out = Path.of(o.get("out"));
        Files.createDirectories(out.resolve("logs"));
        EchoServers.Layout layout = new EchoServers.Layout(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                o.get("evloop-modules"), o.get("bench-cp"));

        long need = n + 200L;
        if (Descriptors.softLimit() < need && Descriptors.hardLimit() >= need) Descriptors.setSoftLimit(Descriptors.hardLimit());
        if (Descriptors.softLimit() < need) {
            throw new IllegalStateException("this JVM may open " + Descriptors.softLimit() + " descriptors; "
                    + need + " needed (hard limit " + Descriptors.hardLimit() + ")");
        }
        System.out.println("# idle connections: " + n + " per server; server JVM options: " + EchoServers.describe(jvm)
                + "; descriptor limit (soft/hard) " + Descriptors.softLimit() + "/" + Descriptors.hardLimit());

        List<Result> results = new ArrayList<>();
        for (String server : servers) {
            results.add(measure(layout, server, jvm, n, out.resolve("logs").resolve("idle-" + server + "-server.log")));
        }
        String report = report(results);
        System.out.print(report);
        Files.writeString(out.resolve("idle-report.md"), report);
    }

    static Result measure(EchoServers.Layout layout, String server, List<String> jvm, int n, Path log) throws Exception {
        System.err.println("idle: " + server + ": starting");
        try (EchoServers.Running srv = EchoServers.start(layout, server, jvm, log)) {
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", srv.port());
            Thread.sleep(500);
            int startFds = Proc.fdCount(srv.pid());
            List<SocketChannel> warm = open(addr, WARMUP_CONNECTIONS, srv.pid(), startFds);
            echoOnce(warm);
            closeAll(warm);
            awaitFds(srv.pid(), startFds + 5, false, 30);
            Thread.sleep(1000);

            Snapshot before = snapshot(srv.pid());
            System.err.printf("idle: %s: before: live heap %s MB, RSS %s MB, %d fds%n", server,
                    EchoServers.mb(before.liveHeap()), EchoServers.mb(before.rss()), before.fds());
            List<SocketChannel> conns = open(addr, n, srv.pid(), before.fds());
            awaitFds(srv.pid(), before.fds() + n, true, 60);
            Thread.sleep(2000);
            Snapshot idle = snapshot(srv.pid());
            System.err.printf("idle: %s: %d idle: live heap %s MB, RSS %s MB, %d fds%n", server, n,
                    EchoServers.mb(idle.liveHeap()), EchoServers.mb(idle.rss()), idle.fds());
            echoOnce(conns);
            Thread.sleep(1000);
            Snapshot used = snapshot(srv.pid());
            System.err.printf("idle: %s: after one echo each: live heap %s MB, RSS %s MB%n", server,
                    EchoServers.mb(used.liveHeap()), EchoServers.mb(used.rss()));
            closeAll(conns);
            return new Result(server, n, before, idle, used);
        }
    }

    /** Opens {@code count} connections, pacing so the server's accept queue never holds more than a batch. */
    static List<SocketChannel> open(InetSocketAddress addr, int count, long serverPid, int serverFds)
            throws IOException, InterruptedException {
        List<SocketChannel> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SocketChannel ch = SocketChannel.open(addr);
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            list.add(ch);
            if ((i + 1) % BATCH == 0) awaitFds(serverPid, serverFds + i + 1 - BATCH, true, 30);
        }
        return list;
    }

    /** Waits until the server holds at least (or, with {@code atLeast} false, at most) {@code target} descriptors. */
    static void awaitFds(long pid, int target, boolean atLeast, int seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            int fds = Proc.fdCount(pid);
            if (atLeast ? fds >= target : fds <= target) return;
            if (System.nanoTime() > deadline) {
                throw new IOException("server " + pid + " holds " + fds + " descriptors after " + seconds + " s; waited for "
                        + (atLeast ? "at least " : "at most ") + target);
            }
            Thread.sleep(20);
        }
    }

    /** One 64-byte message and its echo on each connection, in turn. */
    static void echoOnce(List<SocketChannel> conns) throws IOException {
        ByteBuffer msg = ByteBuffer.allocate(68).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer back = ByteBuffer.allocate(68);
        for (SocketChannel ch : conns) {
            msg.clear();
            msg.putInt(64);
            while (msg.hasRemaining()) msg.put((byte) 'x');
            msg.flip();
            while (msg.hasRemaining()) ch.write(msg);
            back.clear();
            while (back.hasRemaining()) {
                if (ch.read(back) < 0) throw new IOException("the server closed " + ch);
            }
            if (!back.flip().equals(msg.rewind())) throw new IOException("echo mismatch on " + ch);
        }
    }

    static void closeAll(List<SocketChannel> conns) {
        for (SocketChannel ch : conns) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        conns.clear();
    }

    static Snapshot snapshot(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        String histo = jcmd(pid, "GC.class_histogram"); // another full GC: live objects only
        String heapInfo = jcmd(pid, "GC.heap_info");
        Thread.sleep(200);
        long rss = Proc.rss(pid);
        int fds = Proc.fdCount(pid);
        long total = -1;
        long fillers = 0;
        Map<String, long[]> classes = new HashMap<>();
        for (String line : histo.split("\n")) {
            Matcher m = HISTO_LINE.matcher(line);
            if (m.find()) {
                // G1 fills unusable space with dummy arrays, which the histogram lists: not live data.
                if (m.group(3).contains("FillerElement")) fillers += Long.parseLong(m.group(2));
                classes.merge(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))},
                        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
                continue;
            }
            Matcher t = HISTO_TOTAL.matcher(line);
            if (t.find()) total = Long.parseLong(t.group(2));
        }
        if (total < 0) throw new IOException("no total in the class histogram of " + pid + ":\n" + histo);
        Matcher g = G1_USED.matcher(heapInfo);
        long g1Used = g.find() ? Long.parseLong(g.group(1)) * 1024 : -1;
        return new Snapshot(total - fillers, g1Used, rss, fds, classes);
    }

    static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + pid + " " + command + " failed: " + text);
        }
        return text;
    }

    // ------------------------------------------------------------------ report

    static String report(List<Result> results) {
        StringBuilder b = new StringBuilder();
        b.append("\n| server | connections | live heap before MB | live heap idle MB | heap B/conn | RSS before MB "
                + "| RSS idle MB | RSS B/conn | heap B/conn after one echo | RSS B/conn after one echo |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            double n = r.connections();
            b.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %.0f | %s | %s | %.0f | %.0f | %.0f |%n",
                    r.server(), r.connections(), EchoServers.mb(r.before().liveHeap()), EchoServers.mb(r.idle().liveHeap()),
                    (r.idle().liveHeap() - r.before().liveHeap()) / n, EchoServers.mb(r.before().rss()),
                    EchoServers.mb(r.idle().rss()), (r.idle().rss() - r.before().rss()) / n,
                    (r.used().liveHeap() - r.before().liveHeap()) / n, (r.used().rss() - r.before().rss()) / n));
        }
        b.append("\nLive heap: the class histogram's total after a full GC. G1's \"used\" (GC.heap_info) per "
                + "connection, idle: ");
        for (Result r : results) {
            b.append(String.format(Locale.ROOT, "%s %.0f B; ", r.server(),
                    (r.idle().g1Used() - r.before().g1Used()) / (double) r.connections()));
        }
        b.append("\n\nWhat grew per idle connection (class histogram, idle minus before, the largest by bytes):\n");
        for (Result r : results) {
            b.append("\n").append(r.server()).append(":\n\n| class | instances/conn | bytes/conn |\n|---|---:|---:|\n");
            Map<String, long[]> diff = new HashMap<>();
            r.idle().classes().forEach((k, v) -> {
                long[] was = r.before().classes().getOrDefault(k, new long[2]);
                diff.put(k, new long[] {v[0] - was[0], v[1] - was[1]});
            });
            diff.entrySet().stream()
                    .filter(e -> !e.getKey().contains("FillerElement"))
                    .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[1]))
                    .limit(10)
                    .forEach(e -> b.append(String.format(Locale.ROOT, "| `%s` | %.2f | %.1f |%n", e.getKey(),
                            e.getValue()[0] / (double) r.connections(), e.getValue()[1] / (double) r.connections())));
        }
        return b.toString();
    }
}
