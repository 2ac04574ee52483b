package dev.evloop.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the side-by-side harnesses (echo, HTTP, WebSocket) share: their arguments, JSON lines, figures and the wait for a quiet machine. */
public final class Harness {
    private static final Pattern JSON_NUMBER = Pattern.compile("\"(\\w+)\":(-?[0-9.]+(?:[eE][-+]?\\d+)?|NaN)");

    private Harness() {}

    /**
     * {@code --key value} pairs, plus repeated {@code --extra-jvm TARGET='OPTIONS'}.
     *
     * @param extraTarget what TARGET names in messages (SERVER, CLIENT)
     * @param usage called with what was wrong; must not return
     */
    public record Args(Map<String, String> options, Map<String, List<String>> extraJvm) {
        public static Args parse(String[] args, String extraTarget, Consumer<String> usage) {
            Map<String, String> o = new LinkedHashMap<>();
            Map<String, List<String>> extra = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String k = args[i];
                if (!k.startsWith("--") || i + 1 >= args.length) usage.accept("bad argument '" + k + "'");
                String v = args[++i];
                if (k.equals("--extra-jvm")) {
                    int eq = v.indexOf('=');
                    if (eq < 0) usage.accept("--extra-jvm wants " + extraTarget + "=OPTIONS, got '" + v + "'");
                    extra.put(v.substring(0, eq), jvmOptions(v.substring(eq + 1)));
                } else {
                    o.put(k.substring(2), v);
                }
            }
            return new Args(o, extra);
        }
    }

    /** JVM options given as one string, split on white space (no quoting). */
    public static List<String> jvmOptions(String options) {
        List<String> out = new ArrayList<>();
        for (String s : options.trim().split("\\s+")) {
            if (!s.isEmpty()) out.add(s);
        }
        return out;
    }

    /** The numbers of a one-line JSON object (NaN allowed), by key. */
    public static Map<String, Double> jsonNumbers(String line) {
        Map<String, Double> v = new LinkedHashMap<>();
        Matcher m = JSON_NUMBER.matcher(line);
        while (m.find()) v.put(m.group(1), m.group(2).equals("NaN") ? Double.NaN : Double.parseDouble(m.group(2)));
        return v;
    }

    public static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        int m = c.length / 2;
        return c.length % 2 == 1 ? c[m] : (c[m - 1] + c[m]) / 2;
    }

    /** {@code 5} for 5.0, {@code 0.5} for 0.5: durations as a command line wants them. */
    public static String num(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /**
     * Waits, up to {@code maxSeconds}, until other processes used under 0.2 CPU s in one second
     * (on a shared machine someone's build would otherwise share the CPUs with the run). Runs
     * anyway after that; the run's "other CPU s" then shows it. {@code name} prefixes the messages.
     */
    public static void awaitQuiet(String name, double maxSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
        boolean said = false;
        while (true) {
            double busy;
            try (dev.evloop.bench.echo.OtherCpu others = new dev.evloop.bench.echo.OtherCpu(
                    java.util.Set.of(ProcessHandle.current().pid()))) {
                Thread.sleep(1000);
                busy = others.seconds();
            }
            if (busy < 0.2) return;
            if (System.nanoTime() > deadline) {
                System.err.printf(java.util.Locale.ROOT, "%s: the machine is still busy (%.2f CPU s/s); running anyway%n",
                        name, busy);
                return;
            }
            if (!said) {
                System.err.printf(java.util.Locale.ROOT, "%s: other processes use %.2f CPU s/s; waiting up to %.0f s%n",
                        name, busy, maxSeconds);
                said = true;
            }
        }
    }
}
