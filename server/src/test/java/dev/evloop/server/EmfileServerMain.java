package dev.evloop.server;

import dev.evloop.net.Descriptors;
import dev.evloop.server.echo.EchoHandler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The child process of {@link EmfileTest}: an echo server whose process may open only
 * {@code headroom} more descriptors (RLIMIT_NOFILE lowered through the os layer). Prints
 * {@code PORT p}, then answers {@code count} on stdin with the number of connections, and exits
 * when stdin closes.
 */
public final class EmfileServerMain {
    private EmfileServerMain() {}

    public static void main(String[] args) throws Exception {
        int headroom = Integer.parseInt(args[0]);
        preloadClasses();
        // Load the formatting and logging classes the EMFILE path uses while descriptors remain.
        System.getLogger("dev.evloop.server").log(System.Logger.Level.INFO, "child {0} {1} {2}", "warm", 1L, 2);
        TcpServer server = TcpServer.start(ServerConfig.builder().build(), EchoHandler::new);
        long limit = Descriptors.openCount() + headroom;
        Descriptors.setSoftLimit(limit);
        System.out.println("PORT " + server.localAddress().getPort() + " LIMIT " + limit);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("count")) {
                System.out.println("COUNT " + server.connections());
                System.out.flush();
            }
        }
        server.close();
    }

    /**
     * Classes in class path folders are each opened as a file when first loaded, which fails at
     * EMFILE: load every evloop class now.
     */
    private static void preloadClasses() throws Exception {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path root = Path.of(entry);
            if (!Files.isDirectory(root)) continue;
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    String rel = root.relativize(p).toString();
                    if (rel.startsWith("dev/evloop/") && rel.endsWith(".class") && !rel.contains("module-info")) {
                        Class.forName(rel.substring(0, rel.length() - 6).replace('/', '.'), false,
                                EmfileServerMain.class.getClassLoader());
                    }
                }
            }
        }
    }
}
