package dev.evloop.cli;

import dev.evloop.poll.Backend;
import dev.evloop.server.ServerConfig;
import dev.evloop.websocket.WebSocketConfig;
import dev.evloop.websocket.WebSocketServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code evloop ws-echo-server}: a WebSocket server that sends every message back, until SIGINT or
 * SIGTERM; on the way out every session gets a close frame with 1001 (going away) and
 * {@link ServerRun#GRACE} to finish its closing handshake.
 */
@Command(
        name = "ws-echo-server",
        mixinStandardHelpOptions = true,
        description = {
            "A WebSocket echo server (RFC 6455): every text and binary message is sent back.",
            "Runs until SIGINT or SIGTERM."
        })
final class WsEchoServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "H", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "P", defaultValue = "9000",
            description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--path", paramLabel = "PATH", defaultValue = "/",
            description = "The path that upgrades to WebSocket; others answer 404 (default: ${DEFAULT-VALUE}).")
    String path;

    @Option(names = "--loops", paramLabel = "N", defaultValue = "1",
            description = "Event loops (threads), sharing the port through SO_REUSEPORT (default: ${DEFAULT-VALUE}).")
    int loops;

    @CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @Option(names = "--max-message", paramLabel = "BYTES", defaultValue = "" + (16 << 20),
            description = "Longest message accepted; a longer one closes its session with 1009 (default: ${DEFAULT-VALUE}).")
    int maxMessage;

    @Option(names = "--no-deflate", description = "Refuse permessage-deflate (RFC 7692) when clients offer it.")
    boolean noDeflate;

    /** For tests and scripts: stop after this many seconds instead of waiting for a signal. */
    @Option(names = "--duration", paramLabel = "SECONDS", hidden = true)
    double durationSeconds;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        if (port < 0 || port > 65535) throw usage("--port must be 0..65535, got " + port);
        if (loops < 1 || loops > 1024) throw usage("--loops must be 1..1024, got " + loops);
        if (maxMessage < 0 || maxMessage > (1 << 30)) throw usage("--max-message must be 0.." + (1 << 30) + " bytes, got " + maxMessage);
        if (!path.startsWith("/")) throw usage("--path must start with /, got " + path);
        if (!(durationSeconds >= 0 && durationSeconds <= 1e9)) throw usage("--duration must be 0 or more seconds, got " + durationSeconds);
        Backend b = backend.orDefault(cl);
        InetAddress address = EchoServerCommand.resolve(cl, "--host", host);
        WebSocketConfig ws = WebSocketConfig.builder().maxMessageSize(maxMessage)
                .maxFrameSize(Math.max(125, maxMessage)).permessageDeflate(!noDeflate).build();
        ServerConfig config = ServerConfig.builder()
                .address(new InetSocketAddress(address, port))
                .loops(loops)
                .backend(b)
                .build();
        WebSocketServer server;
        try {
            server = WebSocketServer.start(config, ws, path, r -> WebSocketServer.echo(1 << 20));
        } catch (IOException e) {
            cl.getErr().println("ws-echo-server: " + EchoServerCommand.describe(e));
            cl.getErr().flush();
            return 1;
        }
        cl.getOut().printf("ws-echo-server listening on ws://%s%s (%d loop(s), %s backend)%n",
                EchoServerCommand.hostAndPort(server.localAddress()), path, loops, b.name().toLowerCase());
        cl.getOut().flush();
        ServerRun.untilStopped("ws-echo-server", durationSeconds, server::shutdown);
        return 0;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
