package dev.evloop.cli;

import dev.evloop.poll.Backend;
import dev.evloop.server.ServerConfig;
import dev.evloop.server.TcpServer;
import dev.evloop.server.echo.CompletionEchoServer;
import dev.evloop.server.echo.EchoHandler;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code evloop echo-server}: the length-prefixed echo service on {@link TcpServer}, until
 * SIGINT or SIGTERM. A shutdown hook stops accepting and gives open connections
 * two seconds ({@link ServerRun#GRACE}) to receive what they are owed.
 */
@Command(
        name = "echo-server",
        mixinStandardHelpOptions = true,
        description = {
            "The echo service: every message (a 4-byte little-endian length, then that many bytes) is sent back.",
            "Runs until SIGINT or SIGTERM."
        })
final class EchoServerCommand implements Callable<Integer> {
    private static final int MAX_MESSAGE_LIMIT = 1 << 30;

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "H", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "P", defaultValue = "7000",
            description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-clients", paramLabel = "N", defaultValue = "0",
            description = "Open connections per loop at most; more wait in the backlog (default: 0, unlimited).")
    int maxClients;

    @Option(names = "--read-timeout", paramLabel = "MS", defaultValue = "0",
            description = "Close a connection that sends nothing for this long (default: 0, never).")
    long readTimeoutMillis;

    @Option(names = "--loops", paramLabel = "N", defaultValue = "1",
            description = "Event loops (threads), sharing the port through SO_REUSEPORT (default: ${DEFAULT-VALUE}).")
    int loops;

    @CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @Option(names = "--max-message", paramLabel = "BYTES", defaultValue = "" + EchoHandler.DEFAULT_MAX_MESSAGE,
            description = "Longest payload accepted; a longer one closes its connection (default: ${DEFAULT-VALUE}).")
    int maxMessage;

    @Option(names = "--io", paramLabel = "completion|readiness",
            description = "How sockets are driven: completion I/O (the server lends buffers and hears completions; "
                    + "native on io_uring, emulated elsewhere) or readiness (the server framework). Default: completion "
                    + "with --backend io_uring, readiness otherwise.")
    String io;

    /** For tests and scripts: stop after this many seconds instead of waiting for a signal. */
    @Option(names = "--duration", paramLabel = "SECONDS", hidden = true)
    double durationSeconds;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        if (port < 0 || port > 65535) throw usage("--port must be 0..65535, got " + port);
        if (maxClients < 0) throw usage("--max-clients must be 0 (unlimited) or more, got " + maxClients);
        if (readTimeoutMillis < 0) throw usage("--read-timeout must be 0 (none) or more milliseconds, got " + readTimeoutMillis);
        if (loops < 1 || loops > 1024) throw usage("--loops must be 1..1024, got " + loops);
        if (maxMessage < 0 || maxMessage > MAX_MESSAGE_LIMIT) {
            throw usage("--max-message must be 0.." + MAX_MESSAGE_LIMIT + " bytes, got " + maxMessage);
        }
        if (!(durationSeconds >= 0 && durationSeconds <= 1e9)) throw usage("--duration must be 0 or more seconds, got " + durationSeconds);
        Backend b = backend.orDefault(cl);
        InetAddress address = resolve(cl, "--host", host);
        boolean completion;
        if (io == null) {
            completion = b == Backend.IO_URING;
        } else if (io.equalsIgnoreCase("completion")) {
            completion = true;
        } else if (io.equalsIgnoreCase("readiness")) {
            completion = false;
        } else {
            throw usage("--io must be completion or readiness, got '" + io + "'");
        }
        if (completion) return runOnCompletions(cl, b, new InetSocketAddress(address, port));

        ServerConfig config = withEchoLimits(ServerConfig.builder(), maxMessage)
                .address(new InetSocketAddress(address, port))
                .maxClients(maxClients == 0 ? Integer.MAX_VALUE : maxClients)
                .readTimeout(Duration.ofMillis(readTimeoutMillis))
                .loops(loops)
                .backend(b)
                .build();
        PrintWriter out = cl.getOut();
        TcpServer server;
        try {
            server = TcpServer.start(config, () -> new EchoHandler(maxMessage));
        } catch (IOException e) {
            cl.getErr().println("echo-server: " + describe(e));
            cl.getErr().flush();
            return 1;
        }
        out.printf("echo-server listening on %s (%d loop(s), %s backend)%n",
                hostAndPort(server.localAddress()), loops, b.name().toLowerCase());
        out.flush();

        ServerRun.untilStopped("echo-server", durationSeconds, server::shutdown);
        return 0;
    }

    /** The echo service on completion I/O ({@link CompletionEchoServer}). */
    private int runOnCompletions(CommandLine cl, Backend b, InetSocketAddress at) {
        CompletionEchoServer server;
        try {
            server = CompletionEchoServer.start(new CompletionEchoServer.Config(at, loops, b, maxClients, maxMessage,
                    Duration.ofMillis(readTimeoutMillis)));
        } catch (IOException e) {
            cl.getErr().println("echo-server: " + describe(e));
            cl.getErr().flush();
            return 1;
        }
        PrintWriter out = cl.getOut();
        out.printf("echo-server listening on %s (%d loop(s), %s backend, completion I/O %s)%n",
                hostAndPort(server.localAddress()), loops, b.name().toLowerCase(), server.isNative() ? "native" : "emulated");
        out.flush();
        ServerRun.untilStopped("echo-server", durationSeconds, server::shutdown);
        return 0;
    }

    /**
     * The echo service's limits on {@code b}: a connection may hold one whole message of input,
     * and as much output (an echo is written in one piece once its message is complete).
     */
    static ServerConfig.Builder withEchoLimits(ServerConfig.Builder b, int maxMessage) {
        ServerConfig defaults = ServerConfig.builder().build();
        int input = Math.max(defaults.maxBufferedInput(), EchoHandler.bufferedInputFor(maxMessage));
        return b.maxBufferedInput(input).maxPendingOutput(Math.max(defaults.maxPendingOutput(), input));
    }

    /** The message of a failure to start, with the errno name the NIO transport leaves out. */
    static String describe(IOException e) {
        String m = String.valueOf(e.getMessage());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException && !m.contains("EADDRINUSE")
                    && String.valueOf(t.getMessage()).contains("Address already in use")) {
                return m + " (EADDRINUSE)";
            }
        }
        return m;
    }

    /** Resolves {@code host}; a usage error naming {@code option} if it cannot be. */
    static InetAddress resolve(CommandLine cl, String option, String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new CommandLine.ParameterException(cl, option + ": unknown host '" + host + "'");
        }
    }

    /** {@code 127.0.0.1:7000}, {@code [::1]:7000}. */
    static String hostAndPort(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet6Address ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
