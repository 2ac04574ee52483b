package dev.evloop.cli;

import dev.evloop.loop.EventLoop;
import dev.evloop.poll.Backend;
import dev.evloop.server.ServerConfig;
import dev.evloop.server.TcpServer;
import dev.evloop.server.echo.EchoHandler;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The self-contained demo: the echo server ({@link TcpServer} with the {@link EchoHandler}) and
 * {@code connections} load clients ({@link EchoClient}, one message in flight each) on one event
 * loop, over loopback. Once a second it prints the messages per second; at the end, the totals.
 */
final class EchoDemo implements EchoClient.Listener {
    private final EventLoop loop;
    private final int size;
    private final PrintWriter out;
    private final PrintWriter err;
    private TcpServer server;
    private EchoClient[] clients;
    private long messages;
    private long mismatches;
    private long errors;
    private long lastMessages;
    private long lastNanos;

    private EchoDemo(EventLoop loop, int size, PrintWriter out, PrintWriter err) {
        this.loop = loop;
        this.size = size;
        this.out = out;
        this.err = err;
    }

    /** Runs on the calling thread for {@code seconds}; true if every echo came back intact. */
    static boolean run(Backend backend, int connections, int size, int seconds, PrintWriter out, PrintWriter err)
            throws IOException {
        try (EventLoop loop = EventLoop.open(backend)) {
            EchoDemo demo = new EchoDemo(loop, size, out, err);
            demo.start(connections, seconds);
            loop.run();
            return demo.mismatches == 0 && demo.errors == 0;
        }
    }

    private void start(int connections, int seconds) throws IOException {
        ServerConfig config = EchoServerCommand.withEchoLimits(ServerConfig.builder(), size).build();
        server = TcpServer.attach(loop, config, () -> new EchoHandler(size));
        InetSocketAddress address = server.localAddress();
        EchoPattern pattern = new EchoPattern(size);
        clients = new EchoClient[connections];
        for (int i = 0; i < connections; i++) {
            clients[i] = EchoClient.open(loop, address, i, pattern, 1, this);
        }
        out.printf("evloop demo: %d connection(s), %d-byte messages, %s backend, %d s on %s%n",
                connections, size, loop.backend().name().toLowerCase(), seconds, address);
        out.flush();
        long start = System.nanoTime();
        lastNanos = start;
        for (int s = 1; s <= seconds; s++) {
            loop.schedule(s, TimeUnit.SECONDS, this::report);
        }
        loop.schedule(seconds, TimeUnit.SECONDS, () -> {
            double elapsed = (System.nanoTime() - start) / 1e9;
            out.printf("total: %d messages in %.2f s, %.0f msg/s, %d mismatches%n",
                    messages, elapsed, messages / elapsed, mismatches);
            out.flush();
            for (EchoClient c : clients) c.close();
            server.shutdown(Duration.ZERO);
            loop.close();
        });
    }

    private void report() {
        long now = System.nanoTime();
        double rate = (messages - lastMessages) / ((now - lastNanos) / 1e9);
        out.printf("%,12.0f msg/s%n", rate);
        out.flush();
        lastMessages = messages;
        lastNanos = now;
    }

    @Override
    public void connected(EchoClient client) {
        client.start();
    }

    @Override
    public void echoed(EchoClient client, long roundTripNanos, boolean intact) {
        messages++;
        if (!intact) mismatches++;
    }

    @Override
    public void failed(EchoClient client, String why) {
        errors++;
        err.println("evloop demo: connection " + client.id() + ": " + why);
        err.flush();
    }
}
