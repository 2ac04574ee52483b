package dev.evloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.server.ServerConfig;
import dev.evloop.server.http.DemoRoutes;
import dev.evloop.server.http.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BenchCommandTest {
    private static HttpServer server;
    private static String base;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startServer() throws Exception {
        server = HttpServer.start(ServerConfig.builder().build(), DemoRoutes.routes());
        base = "http://127.0.0.1:" + server.localAddress().getPort();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void benchesForASecondAndEndsWithJson() {
        int code = run("bench", base + "/hello", "--connections", "8", "--duration", "1", "--json");
        assertThat(code).as(out + "\n" + err).isZero();
        Map<String, Double> json = lastLineJson(out.toString());
        assertThat(json).containsOnlyKeys("requests", "requests_per_s", "p50_us", "p99_us", "max_us", "errors");
        assertThat(json.get("requests")).isPositive();
        assertThat(json.get("requests_per_s")).isPositive();
        assertThat(json.get("errors")).isZero();
        assertThat(json.get("p50_us")).isPositive().isLessThanOrEqualTo(json.get("p99_us"));
        assertThat(json.get("p99_us")).isLessThanOrEqualTo(json.get("max_us"));
        assertThat(out.toString()).contains("status:   200: ").contains("errors:   0");
        assertThat(lastLineProtocol(out.toString())).isEqualTo("HTTP/1.1");
    }

    @Test
    void aWarmupAndABodyEachRequest() {
        int code = run("bench", base + "/bytes/2000", "-c", "2", "-d", "0.5", "--warmup", "0.2", "--backend", "poll");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).containsPattern("requests: [1-9]\\d* in 0\\.\\d\\d s");
    }

    @Test
    void statusesOtherThan200AreCountedNotErrors() {
        int code = run("bench", base + "/status/503", "-c", "2", "-d", "0.3", "--json");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("status:   503: ");
    }

    @Test
    void refusedConnectionsAreErrors() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        int code = run("bench", "http://127.0.0.1:" + port + "/", "-c", "2", "-d", "0.3", "--json");
        assertThat(code).isEqualTo(1);
        assertThat(lastLineJson(out.toString()).get("errors")).isPositive();
        assertThat(err.toString()).containsIgnoringCase("refused");
    }

    /**
     * The numbers of the last line of {@code output}, a flat JSON object with exactly the bench's
     * keys: numbers, and {@code protocol} (a string, or null before any response).
     */
    static Map<String, Double> lastLineJson(String output) {
        String last = lastLine(output);
        assertThat(last).matches("\\{(\"[a-z0-9_]+\":(-?[0-9.]+|null|\"[A-Z0-9./]+\"),)*\"protocol\":(null|\"[A-Z0-9./]+\")}");
        Map<String, Double> fields = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\"([a-z0-9_]+)\":(-?[0-9.]+)").matcher(last);
        while (m.find()) fields.put(m.group(1), Double.parseDouble(m.group(2)));
        assertThat(fields).containsOnlyKeys("requests", "requests_per_s", "p50_us", "p99_us", "max_us", "errors");
        return fields;
    }

    /** The {@code protocol} of the last JSON line: "HTTP/2", "HTTP/1.1", or null. */
    static String lastLineProtocol(String output) {
        Matcher m = Pattern.compile("\"protocol\":(null|\"([A-Z0-9./]+)\")}$").matcher(lastLine(output));
        assertThat(m.find()).isTrue();
        return m.group(2);
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\\R");
        return lines[lines.length - 1];
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(run("bench", base + "/hello", "--connections", "0")).isEqualTo(2);
        assertThat(run("bench", "ftp://x/", "--duration", "1")).isEqualTo(2);
        assertThat(run("bench", base + "/hello", "--duration", "0")).isEqualTo(2);
        assertThat(run("bench", base + "/hello", "--requests", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--requests must be 1..");
        assertThat(run("bench", base + "/hello", "-d", "1", "-n", "10")).isEqualTo(2);
        assertThat(err.toString()).contains("--duration and --requests are mutually exclusive");
    }

    @Test
    void aCountedRunCompletesExactlyThatManyRequests() {
        // More connections than requests, and a count that is no multiple of them: the stop must
        // land on the count whatever is in flight.
        for (long n : new long[] {3, 1_237}) {
            out.getBuffer().setLength(0);
            int code = run("bench", base + "/hello", "-c", "8", "-n", "" + n, "--json");
            assertThat(code).as(out + "\n" + err).isZero();
            Map<String, Double> json = lastLineJson(out.toString());
            assertThat(json.get("requests")).isEqualTo(n);
            assertThat(json.get("errors")).isZero();
            assertThat(out.toString()).contains(n + " request(s)", "completed: " + n + " of " + n, "status:   200: " + n);
        }
    }

    @Test
    void aCountedRunCountsFailedRequestsToo() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        int code = run("bench", "http://127.0.0.1:" + port + "/", "-c", "2", "-n", "5", "--json");
        assertThat(code).isEqualTo(1);
        Map<String, Double> json = lastLineJson(out.toString());
        assertThat(json.get("errors")).isEqualTo(5);
        assertThat(json.get("requests")).isZero();
        assertThat(out.toString()).contains("completed: 5 of 5");
    }
}
