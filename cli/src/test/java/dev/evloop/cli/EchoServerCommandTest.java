package dev.evloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EchoServerCommandTest {
    private static final Pattern LISTENING =
            Pattern.compile("echo-server listening on 127\\.0\\.0\\.1:(\\d+) \\((\\d+) loop\\(s\\), (\\w+) backend"
                    + "(?:, completion I/O (native|emulated))?\\)");

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void printsItsListeningLineAndStopsAfterTheHiddenDuration() {
        long start = System.nanoTime();
        assertThat(run("echo-server", "--port", "0", "--duration", "1")).as(err.toString()).isZero();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(990));
        assertThat(out.toString().strip()).matches(LISTENING).contains("(1 loop(s), ");
    }

    @Test
    void servesTheBenchOnTwoLoops() throws Exception {
        StringWriter serverOut = new StringWriter();
        CompletableFuture<Integer> server = CompletableFuture.supplyAsync(() -> Main.run(
                new PrintWriter(serverOut, true), new PrintWriter(err, true),
                "echo-server", "--port", "0", "--loops", "2", "--backend", "poll", "--max-clients", "100",
                "--read-timeout", "5000", "--duration", "2"));
        Matcher m = LISTENING.matcher("");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!m.reset(serverOut.toString()).find() && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(m.hitEnd()).as("the listening line: " + serverOut + err).isFalse();
        assertThat(m.group(2)).isEqualTo("2");
        assertThat(m.group(3)).isEqualTo("poll");

        int bench = run("echo-bench", "--port", m.group(1), "--connections", "8", "--size", "256", "--pipeline", "4",
                "--duration", "1", "--warmup", "0", "--json");
        assertThat(bench).as(out + "\n" + err).isZero();
        assertThat(EchoBenchCommandTest.lastLineJson(out.toString()).get("messages_per_s")).isPositive();
        assertThat(server.get(10, TimeUnit.SECONDS)).isZero();
    }

    @ParameterizedTest
    @CsvSource({"io_uring, ''", "epoll, completion"})
    void servesTheBenchOnCompletionIo(String backend, String io) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.evloop.poll.Backend.parse(backend).isAvailable());
        StringWriter serverOut = new StringWriter();
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("echo-server", "--port", "0", "--loops", "2",
                "--backend", backend, "--max-clients", "100", "--read-timeout", "5000", "--duration", "2"));
        if (!io.isEmpty()) args.addAll(java.util.List.of("--io", io));
        CompletableFuture<Integer> server = CompletableFuture.supplyAsync(() -> Main.run(
                new PrintWriter(serverOut, true), new PrintWriter(err, true), args.toArray(String[]::new)));
        Matcher m = LISTENING.matcher("");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!m.reset(serverOut.toString()).find() && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(m.hitEnd()).as("the listening line: " + serverOut + err).isFalse();
        assertThat(m.group(3)).isEqualTo(backend);
        assertThat(m.group(4)).as("completion I/O in use").isNotNull();
        // io_uring: the native engine on the loop's ring; epoll: emulated on readiness
        assertThat(m.group(4)).isEqualTo(backend.equals("io_uring") ? "native" : "emulated");

        int bench = run("echo-bench", "--port", m.group(1), "--connections", "8", "--size", "256", "--pipeline", "4",
                "--duration", "1", "--warmup", "0", "--json");
        assertThat(bench).as(out + "\n" + err).isZero();
        assertThat(EchoBenchCommandTest.lastLineJson(out.toString()).get("messages_per_s")).isPositive();
        assertThat(server.get(10, TimeUnit.SECONDS)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "poll", "nio"})
    void aPortInUseIsAFailureNamingEaddrinuse(String backend) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int code = run("echo-server", "--port", "" + taken.getLocalPort(), "--backend", backend, "--duration", "1");
            assertThat(code).isEqualTo(1);
        }
        assertThat(err.toString()).contains("echo-server: ", "EADDRINUSE").doesNotContain("\tat ");
        assertThat(out.toString()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--port=65536", "--port=-1", "--max-clients=-1", "--read-timeout=-1", "--loops=0", "--max-message=-1",
        "--backend=kqueue", "--port=x", "--io=both"
    })
    void badOptionsAreUsageErrorsNamingTheOption(String option) {
        assertThat(run("echo-server", option)).isEqualTo(2);
        assertThat(err.toString()).contains(option.substring(0, option.indexOf('=')));
        assertThat(out.toString()).doesNotContain("listening");
    }

    @Test
    void helpListsTheOptionsButNotTheTestOnlyDuration() {
        assertThat(run("echo-server", "--help")).isZero();
        assertThat(out.toString())
                .contains("--host", "--port", "--max-clients", "--read-timeout", "--loops", "--backend", "--max-message")
                .doesNotContain("--duration");
    }
}
