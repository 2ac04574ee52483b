package dev.evloop.bench.http;

import dev.evloop.bench.Harness;
import dev.evloop.bench.echo.OtherCpu;
import dev.evloop.bench.echo.Proc;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One load client run in a JVM of its own, as the HTTP/1.1 and HTTP/2 harnesses start it: its
 * stdout kept in {@code <tag>.out} and stderr in {@code <tag>.err}, its last JSON line, and the
 * CPU the server and everything else used between the client's {@code window-start} and
 * {@code window-end} lines (the measured window).
 *
 * @param json the client's JSON line, or null if it printed none
 * @param serverCpuS server CPU seconds in the window
 * @param otherCpuS CPU seconds of other processes in the window
 */
public record LoadRun(String json, int exitCode, double serverCpuS, double otherCpuS) {
    private static final Pattern FIRST_ERROR = Pattern.compile("\"first_error\":\"(.*)\"\\}$");

    public static LoadRun run(List<String> cmd, Path out, String tag, long serverPid) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(out.resolve(tag + ".err").toFile()).start();
        double srvA = Double.NaN, srvB = Double.NaN, other = Double.NaN;
        OtherCpu oc = null;
        String json = null;
        StringBuilder log = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                log.append(line).append('\n');
                if (line.equals("window-start")) {
                    oc = new OtherCpu(Set.of(ProcessHandle.current().pid(), serverPid, p.pid()));
                    srvA = Proc.cpuSeconds(serverPid);
                } else if (line.equals("window-end")) {
                    srvB = Proc.cpuSeconds(serverPid);
                    if (oc != null) other = oc.seconds();
                } else if (line.startsWith("{")) {
                    json = line;
                }
            }
        } finally {
            if (oc != null) oc.close();
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
        Files.writeString(out.resolve(tag + ".out"), log);
        return new LoadRun(json, p.isAlive() ? -1 : p.exitValue(), srvB - srvA, other);
    }

    /** The numbers of the JSON line. */
    public Map<String, Double> numbers() {
        return Harness.jsonNumbers(json);
    }

    /** The client's first error message, or null. */
    public String firstError() {
        Matcher m = FIRST_ERROR.matcher(json);
        return m.find() ? m.group(1) : null;
    }

    /** Why there is no result, for the tables. */
    public String missing(String tag) {
        return "no result; exit " + exitCode + ", see " + tag + ".err";
    }
}
