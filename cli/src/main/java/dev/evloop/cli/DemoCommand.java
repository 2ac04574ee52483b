package dev.evloop.cli;

import dev.evloop.poll.Backend;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code evloop demo}: a loopback echo on one event loop, messages per second. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "A loopback echo on one event loop: messages per second for a few seconds.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "5",
            description = "How long to run, in seconds (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Spec
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "epoll|poll|nio", converter = BackendConverter.class,
            description = "The poller: epoll, poll or nio (default: the best one on this OS).")
    Backend backend;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "64",
            description = "Bytes per message (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "1",
            description = "Loopback connections echoing at once (default: ${DEFAULT-VALUE}).")
    int connections;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || seconds > 3600) throw usage("--seconds must be 1..3600, got " + seconds);
        if (size < 0 || size > 16 << 20) throw usage("--size must be 0..16777216 bytes, got " + size);
        if (connections < 1 || connections > 10_000) throw usage("--connections must be 1..10000, got " + connections);
        Backend b = BackendConverter.orDefault(backend, spec.commandLine());
        return EchoDemo.run(b, connections, size, seconds, spec.commandLine().getOut(), spec.commandLine().getErr())
                ? 0 : 1;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
