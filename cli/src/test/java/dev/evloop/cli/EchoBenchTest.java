package dev.evloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EchoBenchTest {

    @Test
    void connectionsNotEstablishedInTimeAreClosedAndCountedAsErrors() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        // A listener that never accepts, with a queue of one: Linux drops the SYNs that do not fit
        // (the accept queue is full), so those connects stay in progress.
        try (ServerSocket full = new ServerSocket(0, 1, loopback)) {
            long start = System.nanoTime();
            EchoBench.Result r = EchoBench.run(new EchoBench.Settings(
                    new InetSocketAddress(loopback, full.getLocalPort()), 20, 10, 1, 0,
                    TimeUnit.MILLISECONDS.toNanos(300), 0, null, 2, TimeUnit.SECONDS.toNanos(1)));
            assertThat(System.nanoTime() - start).as("connect timeout plus duration, not more")
                    .isLessThan(TimeUnit.SECONDS.toNanos(5));
            assertThat(r.connected()).isLessThan(20);
            assertThat(r.errors()).isEqualTo(20 - r.connected());
            assertThat(r.firstError()).matches("\\d+ connection\\(s\\) to 127\\.0\\.0\\.1:\\d+ not established within 1 s");
            assertThat(r.messages()).isZero();
        }
    }
}
