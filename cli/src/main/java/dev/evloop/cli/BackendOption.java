package dev.evloop.cli;

import dev.evloop.poll.Backend;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --backend}, shared by every command that runs a loop. */
final class BackendOption {
    @Option(names = "--backend", paramLabel = "epoll|io_uring|poll|kqueue|nio", converter = BackendConverter.class,
            description = "The poller: epoll, io_uring, poll, kqueue or nio (default: the best one on this OS).")
    Backend backend;

    /** The one asked for, else the platform's best; a usage error if it cannot be used here. */
    Backend orDefault(CommandLine cl) {
        return BackendConverter.orDefault(backend, cl);
    }
}
