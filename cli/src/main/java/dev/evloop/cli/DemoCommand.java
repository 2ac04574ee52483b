package dev.evloop.cli;

import dev.evloop.poll.Backend;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code evloop demo}: the HTTP server on one loop and the HTTP engine on another, a mix of
 * requests over loopback; {@code --echo}: the older loopback echo on one event loop.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The demo HTTP server on its own loop and the HTTP engine on another, a mix of requests over loopback:",
            "requests per second, latency, errors and the engine's socket-callback counts.",
            "With --echo: a loopback echo on one event loop, messages per second."
        })
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "5",
            description = "How long to run, in seconds (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "64",
            description = "HTTP: requests in flight (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "0",
            description = "HTTP: stop after N requests instead of after --seconds.")
    long requests;

    @Option(names = "--echo", description = "Run the loopback echo demo instead of the HTTP one.")
    boolean echo;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "64",
            description = "--echo: bytes per message (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "1",
            description = "--echo: loopback connections echoing at once (default: ${DEFAULT-VALUE}).")
    int connections;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || seconds > 3600) throw usage("--seconds must be 1..3600, got " + seconds);
        CommandLine cl = spec.commandLine();
        if (echo) {
            if (size < 0 || size > 16 << 20) throw usage("--size must be 0..16777216 bytes, got " + size);
            if (connections < 1 || connections > 10_000) throw usage("--connections must be 1..10000, got " + connections);
            Backend b = backend.orDefault(cl);
            return EchoDemo.run(b, connections, size, seconds, cl.getOut(), cl.getErr()) ? 0 : 1;
        }
        if (parallel < 1 || parallel > 10_000) throw usage("--parallel must be 1..10000, got " + parallel);
        if (requests < 0) throw usage("--requests must not be negative, got " + requests);
        Backend b = backend.orDefault(cl);
        return HttpDemo.run(b, parallel, seconds, requests, cl.getOut(), cl.getErr()) ? 0 : 1;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
