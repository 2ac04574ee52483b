package dev.evloop.bench.ws;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts the WebSocket echo servers of {@link WsCompare}, each in its own JVM with the same JVM
 * options, on 127.0.0.1 and a port it picks and prints, and stops them.
 *
 * <ul>
 *   <li>{@code evloop}: {@code dev.evloop.cli.Main ws-echo-server --port 0 --loops 1 --backend epoll
 *       --no-deflate} on the module path, as {@code ./evloop ws-echo-server} runs it;
 *   <li>{@code jetty}: {@link JettyWsEchoServer} on the class path;
 *   <li>{@code netty}: {@link NettyWsEchoServer} on the class path (native access for its JNI library).
 * </ul>
 */
final class WsServers {
    static final List<String> ALL = List.of("evloop", "jetty", "netty");
    /** "listening 4711" (bench servers) or "ws-echo-server listening on ws://127.0.0.1:4711/ ..." (evloop). */
    private static final Pattern LISTENING = Pattern.compile("listening (?:on ws://[^/\\s]*:)?(\\d+)");

    /** Where the programs are: the evloop CLI's module path, and the bench jar (class path). */
    record Layout(String java, String evloopModulePath, String benchClassPath) {
        List<String> server(String server, List<String> jvmOptions) {
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.addAll(jvmOptions);
            switch (server) {
                case "evloop" -> cmd.addAll(List.of("--enable-native-access=dev.evloop.core,dev.evloop.cli",
                        "-p", evloopModulePath, "-m", "dev.evloop.cli/dev.evloop.cli.Main",
                        "ws-echo-server", "--port", "0", "--loops", "1", "--backend", "epoll", "--no-deflate"));
                case "jetty" -> cmd.addAll(List.of("-cp", benchClassPath, JettyWsEchoServer.class.getName(), "0"));
                case "netty" -> cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", benchClassPath,
                        NettyWsEchoServer.class.getName(), "0"));
                default -> throw new IllegalArgumentException("unknown server '" + server + "'; known: " + ALL);
            }
            return cmd;
        }

        /** The load generator, {@link WsLoad}, from the bench jar. */
        List<String> load(List<String> jvmOptions, List<String> args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", benchClassPath, WsLoad.class.getName()));
            cmd.addAll(args);
            return cmd;
        }
    }

    /** A started server: its JVM and port; its output goes to {@code log}. */
    record Running(Process process, int port) implements AutoCloseable {
        long pid() {
            return process.pid();
        }

        /** SIGTERM, then SIGKILL after 10 s. */
        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private WsServers() {}

    /** Starts {@code server} and waits (at most 60 s) for its port; stdout and stderr go to {@code log}. */
    static Running start(Layout layout, String server, List<String> jvmOptions, Path log)
            throws IOException, InterruptedException {
        List<String> cmd = layout.server(server, jvmOptions);
        Files.createDirectories(log.toAbsolutePath().getParent());
        Files.writeString(log, "$ " + String.join(" ", cmd) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread drain = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter w = new PrintWriter(Files.newBufferedWriter(log, StandardOpenOption.APPEND))) {
                String line;
                while ((line = r.readLine()) != null) {
                    w.println(line);
                    w.flush();
                    Matcher m = LISTENING.matcher(line);
                    if (!port.isDone() && m.find()) port.complete(Integer.parseInt(m.group(1)));
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IOException(server + " ended before it printed its port; see " + log));
        }, server + "-output");
        drain.setDaemon(true);
        drain.start();
        try {
            return new Running(p, port.get(60, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
            p.destroyForcibly();
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            p.destroyForcibly();
            throw new IOException(server + " printed no port within 60 s; see " + log);
        }
    }
}
