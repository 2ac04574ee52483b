package dev.evloop.http;

import static dev.evloop.http.SocketAction.IN;
import static dev.evloop.http.SocketAction.OUT;
import static dev.evloop.http.SocketAction.REMOVE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.http.RawEpollLoop.Call;
import dev.evloop.net.TcpSocket;
import dev.evloop.poll.Events;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * libcurl's multi_socket contract bugs (ANCHORS §4 item 6), each turned into a test that evloop's
 * engine does not have it. The application is {@link RawEpollLoop}: it records every socket
 * callback with what it could observe then (descriptor still open? handle closed? what
 * epoll_ctl returned) and checks after every engine call that what it watches is still open.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContractBugTest {
    static JettyFixture jetty;
    static ScriptedServer raw;

    private final List<RawEpollLoop> loops = new ArrayList<>();

    @BeforeAll
    static void startServers() throws Exception {
        jetty = new JettyFixture();
        raw = new ScriptedServer();
    }

    @AfterAll
    static void stopServers() throws Exception {
        raw.close();
        jetty.close();
    }

    @AfterEach
    void closeLoops() {
        for (RawEpollLoop app : loops) {
            app.engine.close();
            app.close();
        }
    }

    private RawEpollLoop app(HttpEngine.Builder b) {
        RawEpollLoop app = new RawEpollLoop();
        loops.add(app);
        app.bind(b);
        return app;
    }

    private static Transfer get(String uri) {
        return Transfer.collecting(HttpRequest.newBuilder(uri).build(), r -> { });
    }

    private static Transfer get(java.net.URI uri) {
        return get(uri.toString());
    }

    /** Adds {@code ts}, runs the loop until all are done, returns their results in the same order. */
    private static List<TransferResult> run(RawEpollLoop app, Transfer... ts) {
        for (Transfer t : ts) app.engine.add(t);
        app.runUntil(() -> Arrays.stream(ts).allMatch(Transfer::isDone), Duration.ofSeconds(20));
        return Arrays.stream(ts).map(Transfer::result).toList();
    }

    private static int refusedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The contract, on the whole recorded sequence: per socket, the first announcement is not
     * REMOVE, no action is repeated twice in a row, every announcement (REMOVE included) came while
     * the socket was open and its epoll_ctl succeeded, and a socket the engine closed ended with
     * REMOVE. Nothing watched was ever found closed.
     */
    static void assertContract(RawEpollLoop app) {
        assertThat(app.problems).as("what the loop saw").isEmpty();
        for (Map.Entry<SocketHandle, List<Call>> e : app.perHandle().entrySet()) {
            SocketHandle h = e.getKey();
            List<Call> calls = e.getValue();
            assertThat(calls.getFirst().action()).as("first announcement for %s: %s", h, calls).isNotEqualTo(REMOVE);
            for (int i = 1; i < calls.size(); i++) {
                assertThat(calls.get(i).action()).as("%s announced twice in a row for %s: %s",
                        calls.get(i).action(), h, calls).isNotEqualTo(calls.get(i - 1).action());
            }
            for (Call c : calls) {
                assertThat(c.fdOpen()).as("descriptor open at %s (all: %s)", c, calls).isTrue();
                assertThat(c.handleClosed()).as("handle still open at %s", c).isFalse();
                assertThat(c.ctlResult()).as("epoll_ctl result at %s", c).isZero();
            }
            if (h.isClosed()) {
                assertThat(calls.getLast().action()).as("%s closed; its announcements: %s", h, calls).isEqualTo(REMOVE);
            }
        }
    }

    /** This process's descriptors and what they point to (/proc/self/fd). */
    private static Map<Integer, String> openDescriptors() throws IOException {
        Map<Integer, String> m = new java.util.HashMap<>();
        try (java.nio.file.DirectoryStream<java.nio.file.Path> fds = java.nio.file.Files.newDirectoryStream(
                java.nio.file.Path.of("/proc/self/fd"))) {
            for (java.nio.file.Path p : fds) {
                try {
                    m.put(Integer.parseInt(p.getFileName().toString()), java.nio.file.Files.readSymbolicLink(p).toString());
                } catch (IOException gone) {
                    // closed meanwhile (the listing's own descriptor, among others)
                }
            }
        }
        return m;
    }

    private static List<Call> removes(RawEpollLoop app) {
        return app.calls.stream().filter(c -> c.action() == REMOVE).toList();
    }

    /** A listener whose accept queue is full: a connect to it stays pending (SYNs are dropped). */
    private static final class FullBacklog implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final List<Socket> fillers = new ArrayList<>();

        FullBacklog() throws IOException {
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                try {
                    s.connect(server.getLocalSocketAddress(), 200);
                    fillers.add(s);
                } catch (IOException e) {
                    s.close();
                    break;
                }
            }
        }

        String uri() {
            return "http://127.0.0.1:" + server.getLocalPort() + "/";
        }

        @Override
        public void close() throws IOException {
            for (Socket s : fillers) s.close();
            server.close();
        }
    }

    // ------------------------------------------------------------ curl #14976 / #6237: REMOVE before close

    @Test
    void removeBeforeCloseWhenTheServerClosesTheConnection() {
        RawEpollLoop app = app(HttpEngine.builder());
        List<TransferResult> rs = run(app, get(raw.uri("/close")), get(raw.uri("/drop")),
                get(jetty.uri("/truncated")), get(raw.uri("/keep-then-close")));
        assertThat(rs.get(0).response().bodyAsString()).isEqualTo("close");
        assertThat(rs.get(1).error()).isInstanceOf(IOException.class).hasMessageContaining("closed");
        assertThat(rs.get(2).error()).isInstanceOf(IOException.class);
        assertThat(rs.get(3).response().bodyAsString()).isEqualTo("kept");
        app.runFor(Duration.ofMillis(150)); // the scripted server closes the kept connection meanwhile
        // The pooled connection is dead: found out without watching it, closed, replaced.
        TransferResult again = run(app, get(raw.uri("/keep-then-close"))).getFirst();
        assertThat(again.response().bodyAsString()).isEqualTo("kept");
        assertThat(again.reusedConnection()).isFalse();

        assertThat(removes(app)).hasSizeGreaterThanOrEqualTo(5);
        assertContract(app);
        assertThat(app.watched).isEmpty();
    }

    @Test
    void removeBeforeCloseOnIdleTotalAndConnectTimeouts() throws IOException {
        try (FullBacklog full = new FullBacklog()) {
            RawEpollLoop app = app(HttpEngine.builder().idleTimeout(Duration.ofMillis(200))
                    .connectTimeout(Duration.ofMillis(100)));
            List<TransferResult> rs = run(app,
                    get(jetty.uri("/delay/1000")),
                    Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/delay/600")).timeout(Duration.ofMillis(100)).build(), r -> { }),
                    get(full.uri()));
            assertThat(rs.get(0).error()).isInstanceOf(HttpTimeoutException.class).hasMessageContaining("no bytes for 200 ms");
            assertThat(rs.get(1).error()).isInstanceOf(HttpTimeoutException.class).hasMessageContaining("100 ms in total");
            assertThat(rs.get(2).error()).isInstanceOf(HttpTimeoutException.class).hasMessageContaining("connect to");
            assertThat(app.perHandle()).hasSize(3);
            assertThat(removes(app)).hasSize(3);
            assertContract(app);
            assertThat(app.watched).isEmpty();
            assertThat(app.lastTimer()).as("no timer left").isEqualTo(TimerCallback.NONE);
        }
    }

    @Test
    void removeBeforeCloseOnAConnectFailure() throws IOException {
        RawEpollLoop app = app(HttpEngine.builder());
        int port = refusedPort();
        TransferResult r = run(app, get("http://127.0.0.1:" + port + "/")).getFirst();
        assertThat(r.error()).isInstanceOf(IOException.class).hasMessageContaining("ECONNREFUSED");
        // Refused at once (nothing announced) or after an OUT: then OUT, REMOVE while open.
        for (List<Call> calls : app.perHandle().values()) {
            assertThat(calls).extracting(Call::action).containsExactly(OUT, REMOVE);
        }
        assertContract(app);
        assertThat(app.watched).isEmpty();
    }

    @Test
    void removeBeforeCloseWhenTheEngineIsClosed() throws IOException {
        try (FullBacklog full = new FullBacklog()) {
            RawEpollLoop app = app(HttpEngine.builder().maxConnectionsPerHost(1));
            Transfer waiting = get(jetty.uri("/delay/400")); // connected, waiting for the response: IN
            Transfer queued = get(jetty.uri("/hello"));       // queued behind it: nothing announced
            Transfer connecting = get(full.uri());             // connect pending: OUT
            for (Transfer t : List.of(waiting, queued, connecting)) app.engine.add(t);
            app.runUntil(() -> app.watched.values().stream().anyMatch(w -> w.action == IN)
                    && app.watched.values().stream().anyMatch(w -> w.action == OUT), Duration.ofSeconds(5));

            app.engine.close();

            for (Transfer t : List.of(waiting, queued, connecting)) {
                assertThat(t.result().error()).as("%s", t).isInstanceOf(CancellationException.class);
            }
            assertThat(removes(app)).hasSize(2);
            assertContract(app);
            assertThat(app.watched).isEmpty();
            assertThat(app.perHandle().keySet()).allSatisfy(h -> assertThat(h.isClosed()).isTrue());
            assertThat(app.engine.connections()).isZero();
        }
    }

    // ------------------------------------------------------------ curl #3597: exactly one REMOVE before close

    @Test
    void everySocketEverAnnouncedEndsWithOneRemoveUnderAMixedLoad() throws IOException {
        try (ScriptedServer closing = new ScriptedServer()) {
            RawEpollLoop app = app(HttpEngine.builder().maxConnectionsPerHost(4));
            int refused = refusedPort();
            List<Transfer> ok = new ArrayList<>();
            List<Transfer> failing = new ArrayList<>();
            List<Transfer> either = new ArrayList<>();
            for (int i = 0; i < 30; i++) ok.add(get(jetty.uri("/bytes/" + i * 10)));      // keep-alive, reused
            for (int i = 0; i < 10; i++) ok.add(get(raw.uri("/close")));                   // Connection: close
            for (int i = 0; i < 5; i++) ok.add(get(raw.uri("/hello")));                    // keep-alive, raw
            for (int i = 0; i < 3; i++) failing.add(get(jetty.uri("/truncated")));         // closed mid-body
            for (int i = 0; i < 3; i++) failing.add(get(raw.uri("/drop")));                // closed, no answer
            for (int i = 0; i < 3; i++) {                                                  // total timeout
                failing.add(Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/delay/500"))
                        .timeout(Duration.ofMillis(100)).build(), r -> { }));
            }
            for (int i = 0; i < 3; i++) failing.add(get("http://127.0.0.1:" + refused + "/")); // refused
            // Pooled connections the server closes right after answering: found dead by the pool's
            // probe or when reused (then retried); whether each succeeds depends on timing.
            for (int i = 0; i < 5; i++) either.add(get(closing.uri("/keep-then-close")));
            List<Transfer> all = new ArrayList<>(ok);
            all.addAll(failing);
            all.addAll(either);
            java.util.Collections.shuffle(all, new java.util.Random(3597));
            run(app, all.toArray(Transfer[]::new));

            assertThat(ok).allSatisfy(t -> assertThat(t.result().error()).as("%s", t).isNull());
            assertThat(failing).allSatisfy(t -> assertThat(t.result().error()).as("%s", t).isNotNull());
            assertThat(ok).anyMatch(t -> t.result().reusedConnection());
            assertThat(app.watched).as("nothing watched once nothing runs").isEmpty();
            assertContract(app);

            app.engine.close(); // the idle pool goes; none of it is watched, so nothing is announced
            assertContract(app);
            Map<SocketHandle, List<Call>> per = app.perHandle();
            assertThat(per.size()).as("sockets announced").isGreaterThan(20);
            assertThat(per.keySet()).allSatisfy(h -> assertThat(h.isClosed()).isTrue());
            assertThat(per.values()).allSatisfy(calls -> assertThat(calls.getLast().action()).isEqualTo(REMOVE));
        }
    }

    // ------------------------------------------------------------ curl #16026: REMOVE when a limit closes a connection

    @Test
    void aFullPoolQueuesTransfersTheyProceedAndEveryClosedSocketGotItsRemove() {
        RawEpollLoop app = app(HttpEngine.builder().maxConnections(2));
        List<Transfer> ts = new ArrayList<>();
        for (int i = 0; i < 12; i++) ts.add(get(raw.uri("/close")));
        for (Transfer t : ts) app.engine.add(t);
        int[] most = {0};
        app.runUntil(() -> {
            most[0] = Math.max(most[0], app.engine.connections());
            return ts.stream().allMatch(Transfer::isDone);
        }, Duration.ofSeconds(20));

        assertThat(ts).allSatisfy(t -> assertThat(t.result().error()).as("%s", t).isNull());
        assertThat(most[0]).as("connections at once").isLessThanOrEqualTo(2);
        assertThat(app.perHandle()).hasSize(12);
        assertContract(app);
        assertThat(app.perHandle().keySet()).allSatisfy(h -> assertThat(h.isClosed()).isTrue());
    }

    /**
     * With maxConnections(1) and the one connection idle in the pool for origin A, a transfer for
     * origin B must not wait forever. libcurl closes the oldest idle connection to make room (and
     * must announce REMOVE if it watched it: #16026). evloop's idle connections are not watched, so
     * closing one needs no REMOVE, but the queued transfer must start: at once (evicting the idle
     * connection) or at the latest when the keep-alive expiry (300 ms here) closes it.
     */
    @Test
    void anIdleConnectionToAnotherOriginDoesNotStarveAQueuedTransfer() {
        RawEpollLoop app = app(HttpEngine.builder().maxConnections(1).keepAlive(Duration.ofMillis(300)));
        assertThat(run(app, get(jetty.uri("/hello"))).getFirst().error()).isNull();
        assertThat(app.engine.connections()).as("kept alive, idle").isEqualTo(1);

        Transfer other = Transfer.collecting(HttpRequest.newBuilder(raw.uri("/hello"))
                .timeout(Duration.ofSeconds(3)).build(), r -> { });
        run(app, other);

        assertThat(other.result().error()).as("the transfer to the other origin").isNull();
        assertContract(app);
    }

    // ------------------------------------------------------------ curl #17949: no REMOVE for an unknown socket

    @Test
    void noRemoveForASocketTheApplicationNeverHeardOf() throws IOException {
        RawEpollLoop app = app(HttpEngine.builder());
        int refused = refusedPort();
        List<TransferResult> rs = run(app, get("http://127.0.0.1:" + refused + "/"), get("http://127.0.0.1:" + refused + "/x"));
        assertThat(rs).allSatisfy(r -> assertThat(r.error()).hasMessageContaining("ECONNREFUSED"));
        assertContract(app); // no sequence starts with REMOVE

        // A socket made and dropped within one driving call is never announced: neither OUT nor REMOVE.
        Transfer[] dropped = new Transfer[1];
        Transfer first = Transfer.collecting(HttpRequest.newBuilder(raw.uri("/close")).build(), r -> {
            dropped[0] = get(jetty.uri("/hello"));
            app.engine.add(dropped[0]);    // opens a socket, to be announced at the end of this call...
            app.engine.remove(dropped[0]); // ...but closed before that
        });
        run(app, first);
        assertThat(dropped[0].result().error()).isInstanceOf(CancellationException.class);
        Transfer after = get(jetty.uri("/hello"));
        run(app, after);
        assertThat(after.result().error()).isNull();

        List<SocketHandle> seen = app.calls.stream().map(Call::handle).distinct().toList();
        SocketHandle firstHandle = seen.get(seen.size() - 2);
        SocketHandle afterHandle = seen.getLast();
        assertThat(afterHandle.generation() - firstHandle.generation())
                .as("a socket was made in between (its generation is skipped) and never announced").isEqualTo(2);
        assertContract(app);
    }

    // ------------------------------------------------------------ curl #21643: no internal socket, nothing watched when idle

    @Test
    void onlyServerConnectionsAreAnnouncedAndNothingIsWatchedOrTimedWhenIdle() throws IOException {
        RawEpollLoop app = new RawEpollLoop();
        loops.add(app);
        Map<Integer, String> before = openDescriptors();
        app.bind(HttpEngine.builder().keepAlive(Duration.ofMillis(200)));
        List<InetSocketAddress> peers = new ArrayList<>(); // whom each announced socket talks to, asked at the time
        app.onSocketHook = (h, a, d) -> {
            try {
                peers.add(((TcpSocket) h.pollable()).remoteAddress());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        app.engine.timeoutAction(); // a driving call with nothing to do
        Map<Integer, String> opened = openDescriptors();
        opened.entrySet().removeAll(before.entrySet()); // closes elsewhere meanwhile do not matter
        assertThat(opened).as("descriptors the engine opened for itself").isEmpty();
        assertThat(app.calls).isEmpty();
        assertThat(app.lastTimer()).isEqualTo(TimerCallback.NONE);

        // Connection: close on every exchange: nothing is left once they are done, not even a timer.
        List<Transfer> closing = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            closing.add(Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/hello")).header("Connection", "close").build(), r -> { }));
        }
        run(app, closing.toArray(Transfer[]::new));
        assertThat(closing).allSatisfy(t -> assertThat(t.result().error()).isNull());
        assertThat(app.engine.connections()).isZero();
        assertThat(app.watched).isEmpty();
        assertThat(app.lastTimer()).as("timer once nothing runs and nothing is open").isEqualTo(TimerCallback.NONE);

        // Keep-alive: the pool's expiry is the only timer, and once it fired, nothing is left.
        List<Transfer> kept = new ArrayList<>();
        for (int i = 0; i < 20; i++) kept.add(get(jetty.uri("/bytes/" + i)));
        run(app, kept.toArray(Transfer[]::new));
        assertThat(app.engine.running()).isZero();
        assertThat(app.watched).as("idle connections are not watched").isEmpty();
        assertThat(app.engine.connections()).as("kept alive").isPositive();
        assertThat(app.lastTimer()).as("the pool's keep-alive expiry").isNotNegative();
        app.runUntil(() -> app.engine.connections() == 0, Duration.ofSeconds(5));
        assertThat(app.lastTimer()).isEqualTo(TimerCallback.NONE);
        assertThat(app.watched).isEmpty();

        InetSocketAddress server = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), jetty.connector.getLocalPort());
        assertThat(peers).hasSize(app.calls.size()).containsOnly(server);
        assertContract(app);
    }

    // ------------------------------------------------------------ late events and reused numbers

    @Test
    void aLateEventForASocketRemovedAndClosedIsAViolationNamingAlreadyRemoved() {
        RawEpollLoop app = app(HttpEngine.builder());
        run(app, get(raw.uri("/close")));
        SocketHandle gone = app.calls.getLast().handle();
        assertThat(app.calls.getLast().action()).isEqualTo(REMOVE);
        assertThat(gone.isClosed()).isTrue();

        assertThatThrownBy(() -> app.engine.socketAction(gone, Events.READ))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("already removed")
                .hasMessageContaining("socket#" + gone.generation() + "(fd " + gone.fd() + ")")
                .hasMessageContaining("recent history")
                .hasMessageContaining("announce socket#" + gone.generation() + "(fd " + gone.fd() + ") REMOVE");
        // The engine goes on.
        assertThat(run(app, get(jetty.uri("/hello"))).getFirst().error()).isNull();
        assertContract(app);
    }

    @Test
    void aLateEventForASocketRemovedWhileIdleIsAViolationNamingAlreadyRemoved() {
        RawEpollLoop app = app(HttpEngine.builder());
        run(app, get(jetty.uri("/hello")));
        SocketHandle idle = app.calls.getLast().handle();
        assertThat(app.calls.getLast().action()).isEqualTo(REMOVE);
        assertThat(idle.isClosed()).as("kept alive").isFalse();

        assertThatThrownBy(() -> app.engine.socketAction(idle, Events.READ))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("already removed")
                .hasMessageContaining("recent history");
    }

    @Test
    void aNumberReusedByANewSocketIsADifferentHandle() {
        RawEpollLoop app = app(HttpEngine.builder());
        SocketHandle old = null;
        SocketHandle reused = null;
        for (int attempt = 0; attempt < 20 && reused == null; attempt++) {
            run(app, get(raw.uri("/close")));
            old = app.calls.getLast().handle();
            Transfer slow = get(jetty.uri("/delay/200"));
            app.engine.add(slow);
            SocketHandle fresh = app.calls.getLast().handle();
            if (fresh.fd() == old.fd()) {
                reused = fresh;
                assertThat(old.isClosed()).isTrue();
                assertThat(fresh.isClosed()).isFalse();
                // A late event for the old socket must not reach the new one that got its number.
                SocketHandle late = old;
                assertThatThrownBy(() -> app.engine.socketAction(late, Events.READ))
                        .isInstanceOf(ContractViolation.class).hasMessageContaining("already removed");
            }
            app.runUntil(slow::isDone, Duration.ofSeconds(5));
            assertThat(slow.result().error()).isNull();
        }
        assertThat(reused).as("the OS handed a closed socket's number to the next one within 20 tries").isNotNull();
        assertThat(reused).isNotSameAs(old);
        assertThat(reused.generation()).isNotEqualTo(old.generation());
        assertContract(app);
    }

    // ------------------------------------------------------------ found while writing these tests

    /**
     * Two pooled connections that both look alive but die when reused (the server closed its
     * whole pool, say): the request is retried once, and the retry must go to a fresh connection,
     * not to the next pooled one. libcurl: "Connection died, retrying a fresh connect".
     */
    @Test
    void aRequestRetriedAfterADeadPooledConnectionGoesToAFreshConnection() throws IOException {
        try (ScriptedServer dying = new ScriptedServer()) {
            RawEpollLoop app = app(HttpEngine.builder());
            List<TransferResult> warm = run(app, get(dying.uri("/once")), get(dying.uri("/once")));
            assertThat(warm).allSatisfy(r -> assertThat(r.error()).isNull());
            assertThat(app.engine.connections()).as("pooled").isEqualTo(2);

            TransferResult r = run(app, get(dying.uri("/hello"))).getFirst();

            assertThat(r.error()).as("GET after its pooled connection died").isNull();
            assertThat(r.response().bodyAsString()).isEqualTo("hello");
            assertContract(app);
        }
    }

    // ------------------------------------------------------------ reentrancy

    @Test
    void engineCallsFromInsideTheSocketOrTimerCallbackAreRefused() {
        RawEpollLoop app = app(HttpEngine.builder().idleTimeout(Duration.ofSeconds(5)));
        List<String> refused = new ArrayList<>();
        Transfer spare = get(jetty.uri("/hello"));
        Runnable tryAll = () -> {
            List<Runnable> calls = List.of(
                    () -> app.engine.add(spare),
                    () -> app.engine.remove(spare),
                    () -> app.engine.socketAction(app.calls.getLast().handle(), Events.READ),
                    () -> app.engine.timeoutAction(),
                    () -> app.engine.close());
            for (Runnable c : calls) {
                try {
                    c.run();
                    refused.add("ACCEPTED");
                } catch (IllegalStateException e) {
                    refused.add(e.getMessage());
                }
            }
        };
        boolean[] triedSocket = {false};
        boolean[] triedTimer = {false};
        app.onSocketHook = (h, a, d) -> {
            if (!triedSocket[0]) {
                triedSocket[0] = true;
                tryAll.run();
            }
        };
        app.onTimerHook = ms -> {
            if (!triedTimer[0] && ms >= 0) {
                triedTimer[0] = true;
                tryAll.run();
            }
        };
        TransferResult r = run(app, get(jetty.uri("/hello"))).getFirst();

        assertThat(triedSocket[0]).isTrue();
        assertThat(triedTimer[0]).isTrue();
        assertThat(refused).hasSize(10).allSatisfy(m -> assertThat(m)
                .contains("called from inside the socket or timer callback"));
        assertThat(refused).anyMatch(m -> m.startsWith("HttpEngine.add()"))
                .anyMatch(m -> m.startsWith("HttpEngine.socketAction()"))
                .anyMatch(m -> m.startsWith("HttpEngine.timeoutAction()"));
        assertThat(r.error()).isNull();
        assertThat(spare.isDone()).as("the refused add left the transfer untouched").isFalse();
        assertThat(run(app, spare).getFirst().error()).isNull();
        assertContract(app);
    }

    @Test
    void aChainOfTenTransfersEachAddedByThePreviousCompletion() {
        RawEpollLoop app = app(HttpEngine.builder());
        List<TransferResult> done = new ArrayList<>();
        class Chain implements TransferListener {
            @Override
            public void onComplete(TransferResult r) {
                done.add(r);
                if (done.size() < 10) app.engine.add(Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/bytes/" + done.size())).build(), this));
            }
        }
        app.engine.add(Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/bytes/0")).build(), new Chain()));
        app.runUntil(() -> done.size() == 10 && app.engine.running() == 0, Duration.ofSeconds(10));

        assertThat(done).hasSize(10);
        for (int i = 0; i < 10; i++) {
            assertThat(done.get(i).error()).isNull();
            assertThat(done.get(i).response().body()).hasSize(i);
        }
        assertThat(done.subList(1, 10)).allMatch(TransferResult::reusedConnection);
        // The connection went from one exchange to the next within one driving call: changes only.
        assertThat(app.calls).extracting(Call::action).containsExactly(OUT, IN, REMOVE);
        assertContract(app);
    }

    @Test
    void assignedDataComesBackWithEveryLaterCallbackOfTheSocket() {
        RawEpollLoop app = app(HttpEngine.builder());
        run(app, get(jetty.uri("/delay/50")));
        List<Call> calls = app.calls;
        assertThat(calls).extracting(Call::action).containsExactly(OUT, IN, REMOVE);
        assertThat(calls.get(0).socketData()).as("before assign").isNull();
        assertThat(calls.get(1).socketData()).isInstanceOf(RawEpollLoop.Watch.class);
        assertThat(calls.get(2).socketData()).isSameAs(calls.get(1).socketData());
    }
}
