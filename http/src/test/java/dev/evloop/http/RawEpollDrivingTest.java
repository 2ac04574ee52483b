package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.os.EpollAbi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The application owns a raw epoll loop written against the os layer ({@link RawEpollLoop}) and
 * drives the engine with the native transport: IN / OUT / INOUT become EPOLL_CTL_ADD or MOD,
 * REMOVE becomes EPOLL_CTL_DEL, which must succeed, since REMOVE comes before the close (curl
 * #14976, PR #4211: deleting after the close fails with EBADF, or hits a reused number).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RawEpollDrivingTest {
    static JettyFixture jetty;

    @BeforeAll
    static void startJetty() throws Exception {
        jetty = new JettyFixture();
    }

    @AfterAll
    static void stopJetty() throws Exception {
        jetty.close();
    }

    @Test
    void aHundredGetsEightInFlightOnARawEpollLoop() {
        int total = 100;
        int inFlight = 8;
        try (RawEpollLoop app = new RawEpollLoop()) {
            HttpEngine engine = app.bind(HttpEngine.builder().maxConnectionsPerHost(inFlight));
            List<TransferResult> results = new ArrayList<>();
            int[] added = {0};
            Runnable addOne = () -> {
                int i = added[0]++;
                engine.add(Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/bytes/" + i)).build(), r -> { }));
            };
            for (int i = 0; i < inFlight; i++) addOne.run();
            app.runUntil(() -> {
                TransferResult r;
                while ((r = engine.nextResult()) != null) {
                    results.add(r);
                    if (added[0] < total) addOne.run();
                }
                return results.size() == total;
            }, Duration.ofSeconds(30));

            for (TransferResult r : results) {
                assertThat(r.error()).as("error of %s", r.transfer()).isNull();
                String path = r.transfer().request().uri().getPath();
                int n = Integer.parseInt(path.substring(path.lastIndexOf('/') + 1));
                assertThat(r.response().status()).isEqualTo(200);
                assertThat(r.response().body()).hasSize(n);
            }
            assertThat(engine.running()).isZero();
            assertThat(app.problems).isEmpty();

            List<RawEpollLoop.Call> dels = app.calls.stream().filter(c -> c.ctlOp() == EpollAbi.EPOLL_CTL_DEL).toList();
            assertThat(dels).as("idle connections were REMOVEd").isNotEmpty();
            assertThat(dels).allSatisfy(c -> {
                assertThat(c.ctlResult()).as("EPOLL_CTL_DEL for %s", c).isZero();
                assertThat(c.fdOpen()).as("fd open at REMOVE: %s", c).isTrue();
                assertThat(c.handleClosed()).as("handle closed at REMOVE: %s", c).isFalse();
            });
            assertThat(app.calls).as("every ADD and MOD succeeded").allSatisfy(c -> assertThat(c.ctlResult()).isZero());
            assertThat(app.watched).as("with nothing running, nothing is watched").isEmpty();

            int callsBefore = app.calls.size();
            engine.close(); // closes the idle pool: nothing to REMOVE, none of it is watched
            assertThat(app.calls).as("no callback for sockets not watched").hasSize(callsBefore);
            assertThat(engine.connections()).isZero();
            assertThat(app.problems).isEmpty();
            assertThat(app.perHandle().keySet()).allSatisfy(h -> assertThat(h.isClosed()).isTrue());
        }
    }

    /** socketAction with 0 means "unknown": the engine tries reading and writing, and gets it right. */
    @Test
    void readinessReportedAsUnknownStillDrivesEveryTransfer() {
        try (RawEpollLoop app = new RawEpollLoop()) {
            app.unknownEvents = true;
            HttpEngine engine = app.bind(HttpEngine.builder());
            List<Transfer> ts = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ts.add(Transfer.collecting(HttpRequest.newBuilder(jetty.uri(i % 2 == 0 ? "/bytes/" + i * 1000 : "/chunked")).build(), r -> { }));
            }
            ts.add(Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/echo")).POST(new byte[200_000]).build(), r -> { }));
            ts.forEach(engine::add);
            app.runUntil(() -> ts.stream().allMatch(Transfer::isDone), Duration.ofSeconds(20));

            for (int i = 0; i < 20; i++) {
                TransferResult r = ts.get(i).result();
                assertThat(r.error()).as("error of %s", r.transfer()).isNull();
                if (i % 2 == 0) assertThat(r.response().body()).hasSize(i * 1000);
                else assertThat(r.response().bodyAsString()).isEqualTo("first,second");
            }
            assertThat(ts.getLast().result().response().body()).hasSize(200_000);
            assertThat(app.delivered).isPositive();
            assertThat(app.problems).isEmpty();
            assertThat(app.watched).isEmpty();
            engine.close();
        }
    }
}
