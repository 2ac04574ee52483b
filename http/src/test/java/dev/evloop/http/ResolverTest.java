package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.poll.Backend;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Names resolved off the driving thread; the result comes back through a notification socket
 * (eventfd / pipe) announced only while lookups are pending. Checking mode on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResolverTest {
    static JettyFixture jetty;

    @BeforeAll
    static void startJetty() throws Exception {
        jetty = new JettyFixture();
    }

    @AfterAll
    static void stopJetty() throws Exception {
        jetty.close();
    }

    private static URI at(String host, String path) {
        return URI.create("http://" + host + ":" + jetty.connector.getLocalPort() + path);
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void theMachinesOwnNameIsResolvedOffTheLoopAndTheWakeupSocketIsRemovedAfter(Backend backend) throws Exception {
        String name = InetAddress.getLocalHost().getHostName();
        Assumptions.assumeTrue(InetAddress.getByName(name).equals(InetAddress.getByName("127.0.0.1")),
                () -> name + " does not resolve to 127.0.0.1 here");
        Thread driving = Thread.currentThread();
        List<Thread> resolvedOn = new ArrayList<>();
        try (LoopHarness h = new LoopHarness(backend, HttpEngine.builder().resolver(host -> {
            resolvedOn.add(Thread.currentThread());
            try {
                return InetAddress.getAllByName(host);
            } catch (UnknownHostException e) {
                throw new UncheckedIOException(e);
            }
        }))) {
            Transfer t = Transfer.collecting(HttpRequest.newBuilder(at(name, "/hello")).build(), r -> { });
            h.engine.add(t);
            h.runUntil(t::isDone, Duration.ofSeconds(10));
            assertThat(t.result().error()).isNull();
            assertThat(t.result().response().bodyAsString()).isEqualTo("hello");
            assertThat(resolvedOn).hasSize(1).doesNotContain(driving);
            // The wakeup socket (first handle) was announced IN and then REMOVEd; nothing is left watched.
            assertThat(h.socketCalls.getFirst()).endsWith(" IN");
            String wakeup = h.socketCalls.getFirst().substring(0, h.socketCalls.getFirst().lastIndexOf(' '));
            assertThat(h.socketCalls).contains(wakeup + " REMOVE");
            assertThat(h.watched()).isZero();
        }
    }

    @Test
    void anUnknownHostFailsNamingTheHost() throws Exception {
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, HttpEngine.builder().resolver(host -> {
            throw new UncheckedIOException(new UnknownHostException(host));
        }))) {
            Transfer t = Transfer.collecting(HttpRequest.newBuilder(at("nowhere.invalid", "/hello")).build(), r -> { });
            h.engine.add(t);
            h.runUntil(t::isDone, Duration.ofSeconds(10));
            assertThat(t.result().error()).isInstanceOf(UnknownHostException.class).hasMessageContaining("nowhere.invalid");
            assertThat(h.engine.connections()).isZero();
            assertThat(h.watched()).isZero();
        }
    }

    @Test
    void aSlowLookupDoesNotHoldUpOtherTransfers() throws Exception {
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, HttpEngine.builder().resolver(host -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new InetAddress[] {InetAddress.getLoopbackAddress()};
        }))) {
            List<String> order = new ArrayList<>();
            Transfer slow = Transfer.collecting(HttpRequest.newBuilder(at("slow.test", "/bytes/10")).build(),
                    r -> order.add("slow"));
            h.engine.add(slow);
            List<Transfer> fast = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Transfer f = Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/hello")).build(), r -> order.add("fast"));
                fast.add(f);
                h.engine.add(f);
            }
            h.runUntil(slow::isDone, Duration.ofSeconds(10));
            assertThat(order).containsExactly("fast", "fast", "fast", "fast", "fast", "slow");
            assertThat(slow.result().response().bodyAsString()).isEqualTo("abcdefghij");
            assertThat(h.watched()).isZero();
        }
    }

    @Test
    void closingTheEngineDuringALookupCancelsTheTransfer() throws Exception {
        try (LoopHarness h = new LoopHarness(Backend.EPOLL, HttpEngine.builder().resolver(host -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new InetAddress[] {InetAddress.getLoopbackAddress()};
        }))) {
            Transfer t = Transfer.collecting(HttpRequest.newBuilder(at("slow.test", "/hello")).build(), r -> { });
            h.engine.add(t);
            h.runFor(Duration.ofMillis(50));
            h.engine.close();
            assertThat(t.result().error()).isInstanceOf(java.util.concurrent.CancellationException.class);
            assertThat(h.watched()).isZero();
            assertThat(h.engine.connections()).isZero();
            h.runFor(Duration.ofMillis(400)); // the lookup ends after the close: nothing happens
        }
    }
}
