package dev.evloop.bench.echo;

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
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts the echo servers as separate JVMs with the same JVM options, and stops them.
 * Each listens on 127.0.0.1, on a port it picks (port 0) and prints.
 *
 * <ul>
 *   <li>{@code evloop}: {@code dev.evloop.cli.Main echo-server --port 0 --loops 1 --backend epoll}
 *       on the module path, as {@code ./evloop echo-server} runs it, with native access granted to
 *       {@code dev.evloop.core,dev.evloop.cli} as the launcher does;
 *   <li>{@code evloop-uring}: the same with {@code --backend io_uring}: the echo service on
 *       completion I/O, natively on io_uring (its listening line says native or emulated);
 *   <li>{@code netty}: {@link NettyEchoServer} on the class path, native access granted to the
 *       unnamed module (Netty loads its epoll library through JNI);
 *   <li>{@code nio}: {@link NioEchoServer} on the class path.
 * </ul>
 */
final class EchoServers {
    static final List<String> ALL = List.of("evloop", "evloop-uring", "netty", "nio");
    private static final Pattern LISTENING = Pattern.compile("listening (?:on \\S*:)?(\\d+)");

    /** Where the programs are: the evloop CLI's module path, and the bench jar (class path). */
    record Layout(String java, String evloopModulePath, String benchClassPath) {
        List<String> command(String server, List<String> jvmOptions, List<String> args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.addAll(jvmOptions);
            switch (server) {
                case "evloop", "evloop-uring", "evloop-cli" -> {
                    cmd.add("--enable-native-access=dev.evloop.core,dev.evloop.cli");
                    cmd.add("-p");
                    cmd.add(evloopModulePath);
                    cmd.add("-m");
                    cmd.add("dev.evloop.cli/dev.evloop.cli.Main");
                    if (!server.equals("evloop-cli")) {
                        cmd.addAll(List.of("echo-server", "--port", "0", "--loops", "1", "--backend",
                                server.equals("evloop") ? "epoll" : "io_uring"));
                    }
                }
                case "netty" -> {
                    cmd.add("--enable-native-access=ALL-UNNAMED");
                    cmd.add("-cp");
                    cmd.add(benchClassPath);
                    cmd.add(NettyEchoServer.class.getName());
                    cmd.add("0");
                }
                case "nio" -> {
                    cmd.add("-cp");
                    cmd.add(benchClassPath);
                    cmd.add(NioEchoServer.class.getName());
                    cmd.add("0");
                }
                default -> throw new IllegalArgumentException("unknown server '" + server + "'; known: " + ALL);
            }
            cmd.addAll(args);
            return cmd;
        }
    }

    /** A started server: its JVM's pid and port; its output goes to {@code log}. */
    record Running(String name, Process process, int port, Path log) implements AutoCloseable {
        long pid() {
            return process.pid();
        }

        /** SIGTERM, then SIGKILL after 10 s (at once if this thread is interrupted). */
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

    private EchoServers() {}

    /**
     * Starts {@code server} and waits (at most 60 s) for it to print the port it listens on.
     * Its stdout and stderr are appended to {@code log}.
     */
    static Running start(Layout layout, String server, List<String> jvmOptions, Path log)
            throws IOException, InterruptedException {
        List<String> cmd = layout.command(server, jvmOptions, List.of());
        Files.createDirectories(log.toAbsolutePath().getParent());
        Files.writeString(log, "$ " + String.join(" ", cmd) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
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
            port.completeExceptionally(new IOException(server + " ended before it printed its port (exit "
                    + exitCode(p) + "); see " + log));
        }, server + "-output");
        drain.setDaemon(true);
        drain.start();
        try {
            return new Running(server, p, port.get(60, TimeUnit.SECONDS), log);
        } catch (java.util.concurrent.ExecutionException e) {
            p.destroyForcibly();
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            p.destroyForcibly();
            throw new IOException(server + " printed no port within 60 s; see " + log);
        }
    }

    private static String exitCode(Process p) {
        try {
            return p.waitFor(2, TimeUnit.SECONDS) ? Integer.toString(p.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** The JVM options as one line, for reports. */
    static String describe(List<String> options) {
        return options.isEmpty() ? "(none)" : String.join(" ", options);
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
    }
}
