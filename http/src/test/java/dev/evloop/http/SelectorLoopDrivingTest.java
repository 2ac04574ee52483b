package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.net.Transport;
import dev.evloop.poll.Events;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The application owns a plain JDK {@link Selector} loop on the test thread and drives the engine
 * (NIO transport) through its two callbacks, as an application with its own Selector loop would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SelectorLoopDrivingTest {
    static JettyFixture jetty;

    @BeforeAll
    static void startJetty() throws Exception {
        jetty = new JettyFixture();
    }

    @AfterAll
    static void stopJetty() throws Exception {
        jetty.close();
    }

    /** One socket callback, with whether the channel was still open at that moment. */
    record Seen(SocketHandle handle, SocketAction action, boolean channelOpen, boolean handleClosed) {}

    /** The application's loop: a Selector, a deadline, and the engine. */
    static final class SelectorApp {
        final Selector selector;
        final List<Seen> seen = new ArrayList<>();
        HttpEngine engine;
        long deadline = -1; // System.nanoTime() of the engine's deadline; -1: none

        SelectorApp() throws IOException {
            selector = Selector.open();
        }

        /** OUT while the connect is pending is OP_CONNECT: OP_WRITE would never fire before it completes. */
        static int ops(SocketAction a, SelectableChannel ch) {
            int ops = 0;
            if (a == SocketAction.IN || a == SocketAction.INOUT) ops |= SelectionKey.OP_READ;
            if (a == SocketAction.OUT || a == SocketAction.INOUT) {
                ops |= ((SocketChannel) ch).isConnectionPending() ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
            }
            return ops;
        }

        void onSocket(SocketHandle h, SocketAction action, Object data) {
            SelectableChannel ch = h.pollable().channel();
            seen.add(new Seen(h, action, ch.isOpen(), h.isClosed()));
            SelectionKey key = ch.keyFor(selector);
            if (action == SocketAction.REMOVE) {
                if (key != null) key.cancel(); // the engine closes the channel right after
                return;
            }
            try {
                if (key != null && !key.isValid()) {
                    // REMOVEd (idle in the pool) and wanted again before any select: a cancelled key
                    // leaves the selector only at the next selection operation.
                    selector.selectNow();
                    key = null;
                }
                int ops = ops(action, ch);
                if (key == null) ch.register(selector, ops, h);
                else key.interestOps(ops);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void onTimer(long delayMillis) {
            deadline = delayMillis < 0 ? -1 : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
        }

        void runOnce() throws IOException {
            // A connect that completed while OUT stays announced: OP_CONNECT -> OP_WRITE.
            for (SelectionKey k : selector.keys()) {
                if (k.isValid() && (k.interestOps() & SelectionKey.OP_CONNECT) != 0
                        && !((SocketChannel) k.channel()).isConnectionPending()) {
                    k.interestOps(k.interestOps() & ~SelectionKey.OP_CONNECT | SelectionKey.OP_WRITE);
                }
            }
            long wait = 50;
            if (deadline != -1) wait = Math.min(wait, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime() + 999_999));
            if (wait <= 0) selector.selectNow(); else selector.select(wait);
            List<SelectionKey> ready = new ArrayList<>(selector.selectedKeys());
            selector.selectedKeys().clear();
            for (SelectionKey k : ready) {
                if (!k.isValid()) continue; // REMOVEd by an earlier key of this batch
                int ops = k.readyOps() & k.interestOps(); // interest may have changed meanwhile
                int events = 0;
                if ((ops & SelectionKey.OP_READ) != 0) events |= Events.READ;
                if ((ops & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) events |= Events.WRITE;
                if (events != 0) engine.socketAction((SocketHandle) k.attachment(), events);
            }
            if (deadline != -1 && System.nanoTime() - deadline >= 0) {
                deadline = -1;
                engine.timeoutAction();
            }
        }
    }

    @Test
    void twoHundredGetsSixteenInFlightOnAPlainSelectorLoop() throws Exception {
        int total = 200;
        int inFlight = 16;
        SelectorApp app = new SelectorApp();
        try (Selector selector = app.selector) {
            HttpEngine engine = HttpEngine.builder()
                    .socketCallback(app::onSocket)
                    .timerCallback(app::onTimer)
                    .transport(Transport.NIO)
                    .maxConnectionsPerHost(inFlight)
                    .checking(true)
                    .build();
            app.engine = engine;
            List<TransferResult> results = new ArrayList<>();
            int added = 0;
            for (; added < inFlight; added++) {
                engine.add(Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/bytes/" + added)).build(), r -> { }));
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (results.size() < total) {
                assertThat(System.nanoTime() - end).as("finished in time; results so far %d", results.size()).isNegative();
                app.runOnce();
                TransferResult r;
                while ((r = engine.nextResult()) != null) {
                    results.add(r);
                    if (added < total) {
                        engine.add(Transfer.collecting(HttpRequest.newBuilder(jetty.uri("/bytes/" + added)).build(), x -> { }));
                        added++;
                    }
                }
            }

            assertThat(results).hasSize(total).allSatisfy(r -> {
                assertThat(r.error()).as("error of %s", r.transfer()).isNull();
                assertThat(r.response().status()).isEqualTo(200);
                String path = r.transfer().request().uri().getPath();
                assertThat(r.response().body()).hasSize(Integer.parseInt(path.substring(path.lastIndexOf('/') + 1)));
            });
            assertThat(results).as("keep-alive connections were reused").anyMatch(TransferResult::reusedConnection);
            List<Seen> removes = app.seen.stream().filter(s -> s.action() == SocketAction.REMOVE).toList();
            assertThat(removes).isNotEmpty().allSatisfy(s -> {
                assertThat(s.channelOpen()).as("channel open at REMOVE of %s", s.handle()).isTrue();
                assertThat(s.handleClosed()).as("handle closed at REMOVE of %s", s.handle()).isFalse();
            });
            assertThat(app.seen).allSatisfy(s -> assertThat(s.channelOpen()).as("channel open at %s", s).isTrue());

            selector.selectNow(); // cancelled keys leave the key set at a selection operation
            assertThat(selector.keys()).as("nothing watched once nothing runs").isEmpty();

            engine.close();
            assertThat(engine.connections()).isZero();
            selector.selectNow();
            assertThat(selector.keys()).isEmpty();
            assertThat(app.seen.stream().map(Seen::handle).distinct()).allSatisfy(h -> {
                assertThat(h.isClosed()).isTrue();
                assertThat(h.pollable().channel().isOpen()).isFalse();
            });
        }
    }
}
