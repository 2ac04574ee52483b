package dev.evloop.cli;

import dev.evloop.poll.Backend;
import dev.evloop.server.ServerConfig;
import dev.evloop.server.http.DemoRoutes;
import dev.evloop.server.http.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code evloop http-server}: the demo routes on {@link HttpServer}, until SIGINT or SIGTERM; for get and bench. */
@Command(
        name = "http-server",
        mixinStandardHelpOptions = true,
        description = {
            "The demo HTTP server: /hello /bytes/N /chunked/N /delay/MS /status/CODE /redirect/N /gzip /echo.",
            "Runs until SIGINT or SIGTERM."
        })
final class HttpServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "H", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "P", defaultValue = "8080",
            description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--loops", paramLabel = "N", defaultValue = "1",
            description = "Event loops (threads), sharing the port through SO_REUSEPORT (default: ${DEFAULT-VALUE}).")
    int loops;

    @CommandLine.Mixin
    BackendOption backend = new BackendOption();

    /** For tests and scripts: stop after this many seconds instead of waiting for a signal. */
    @Option(names = "--duration", paramLabel = "SECONDS", hidden = true)
    double durationSeconds;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        if (port < 0 || port > 65535) throw usage("--port must be 0..65535, got " + port);
        if (loops < 1 || loops > 1024) throw usage("--loops must be 1..1024, got " + loops);
        if (!(durationSeconds >= 0 && durationSeconds <= 1e9)) throw usage("--duration must be 0 or more seconds, got " + durationSeconds);
        Backend b = backend.orDefault(cl);
        ServerConfig config = ServerConfig.builder()
                .address(new InetSocketAddress(EchoServerCommand.resolve(cl, "--host", host), port))
                .loops(loops)
                .backend(b)
                .build();
        PrintWriter out = cl.getOut();
        HttpServer server;
        try {
            server = HttpServer.start(config, DemoRoutes.routes());
        } catch (IOException e) {
            cl.getErr().println("http-server: " + EchoServerCommand.describe(e));
            cl.getErr().flush();
            return 1;
        }
        out.printf("http-server listening on http://%s/ (%d loop(s), %s backend)%n",
                EchoServerCommand.hostAndPort(server.localAddress()), loops, b.name().toLowerCase());
        out.flush();
        ServerRun.untilStopped("http-server", durationSeconds, server::shutdown);
        return 0;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
