package dev.evloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HttpDemoTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "poll", "nio"})
    void runsTheMixForASecondWithNoErrors(String backend) {
        assertThat(run("demo", "--seconds", "1", "--parallel", "16", "--backend", backend))
                .as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .contains(backend + " backend")
                .containsPattern("total: [1-9]\\d* requests in .* req/s, 0 errors")
                .containsPattern("latency: p50 \\d+ us, p99 \\d+ us, max \\d+ us")
                .containsPattern("socket callbacks: IN [1-9]\\d*, OUT [1-9]\\d*, INOUT \\d+, REMOVE [1-9]\\d* "
                        + "\\([1-9]\\d* connections at most\\)");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void stopsAfterTheRequestsAsked() {
        assertThat(run("demo", "--requests", "500", "--parallel", "64")).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("total: 500 requests", " 0 errors");
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(run("demo", "--parallel", "0")).isEqualTo(2);
        assertThat(run("demo", "--requests", "-1")).isEqualTo(2);
    }
}
