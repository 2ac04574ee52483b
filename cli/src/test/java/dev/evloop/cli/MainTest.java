package dev.evloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.net.Descriptors;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void versionNamesTheBuildAndTheRuntime() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("evloop ").doesNotContain("${").contains("Java ");
    }

    @Test
    void helpListsTheDemo() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("demo", "get", "bench", "http-server");
    }

    @Test
    void helpListsTheEchoServerAndTheLoadClient() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("echo-server", "echo-bench");
    }

    @Test
    void httpServerServesTheDemoRoutesForTheHiddenDuration() {
        assertThat(run("http-server", "--port", "0", "--duration", "0.5")).as(err.toString()).isZero();
        assertThat(out.toString()).containsPattern("http-server listening on http://127\\.0\\.0\\.1:\\d+/ \\(1 loop\\(s\\), ");
        assertThat(run("http-server", "--port", "70000")).isEqualTo(2);
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("Usage: evloop");
    }

    @Test
    void demoHelpListsItsOptions() {
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString()).contains("--seconds", "--backend", "--size", "--connections", "--echo", "--parallel");
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "poll", "nio"})
    void demoEchoesOnEachBackendWithNoMismatchAndClosesEverything(String backend) throws Exception {
        // The JVM opens some descriptors lazily and keeps them for life (NIO's pre-close socket,
        // made at the first channel close): open them before counting.
        dev.evloop.poll.Pollers.open(dev.evloop.poll.Backend.NIO).close();
        java.nio.channels.SocketChannel.open().close();
        int before = Descriptors.openCount();
        assertThat(run("demo", "--echo", "--seconds", "1", "--connections", "4", "--size", "100", "--backend", backend))
                .as(err.toString()).isZero();
        int after = Descriptors.openCount();
        for (int i = 0; i < 200 && after != before; i++) { // a selector's channels close at its close; settle
            Thread.sleep(10);
            after = Descriptors.openCount();
        }
        assertThat(after).as("descriptors after the demo").isEqualTo(before);
        assertThat(out.toString())
                .contains(backend + " backend")
                .contains("msg/s")
                .containsPattern("total: [1-9]\\d* messages")
                .contains(" 0 mismatches");
    }

    @Test
    void demoRejectsOutOfRangeOptions() {
        assertThat(run("demo", "--seconds", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--seconds must be 1..3600, got 0");
        assertThat(run("demo", "--echo", "--connections", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--connections must be 1..10000, got 0");
    }

    @Test
    void unknownBackendIsAUsageError() {
        assertThat(run("demo", "--backend", "kqueue")).isEqualTo(2);
        assertThat(err.toString()).contains("--backend");
    }
}
