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
        assertThat(out.toString()).contains("demo");
    }

    @Test
    void helpListsTheEchoServerAndTheLoadClient() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("echo-server", "echo-bench");
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("Usage: evloop");
    }

    @Test
    void demoHelpListsItsOptions() {
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString()).contains("--seconds", "--backend", "--size", "--connections");
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "poll", "nio"})
    void demoEchoesOnEachBackendWithNoMismatchAndClosesEverything(String backend) throws Exception {
        // The JVM opens some descriptors lazily and keeps them for life (NIO's pre-close socket,
        // made at the first channel close): open them before counting.
        dev.evloop.poll.Pollers.open(dev.evloop.poll.Backend.NIO).close();
        java.nio.channels.SocketChannel.open().close();
        int before = Descriptors.openCount();
        assertThat(run("demo", "--seconds", "1", "--connections", "4", "--size", "100", "--backend", backend))
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
    }

    @Test
    void unknownBackendIsAUsageError() {
        assertThat(run("demo", "--backend", "kqueue")).isEqualTo(2);
        assertThat(err.toString()).contains("--backend");
    }
}
