package dev.evloop.http;

import dev.evloop.http.driver.LoopDriver;
import dev.evloop.loop.EventLoop;
import dev.evloop.net.Descriptors;
import dev.evloop.net.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The child process of {@link ResourceLimitsTest}'s descriptor-exhaustion test: the engine on
 * evloop's loop, in a process that may open only {@code headroom} more descriptors
 * (RLIMIT_NOFILE lowered through the os layer). Arguments: port, headroom, first wave, second
 * wave. Prints, each on its own line:
 * <ol>
 *   <li>{@code STARTED emfile=n other=n}: the first wave ({@code /held/i}, answered only when the
 *       parent opens its gate) is added; {@code n} of them already failed for want of a socket;
 *   <li>{@code FIRST ok=n emfile=n bad=n}: the first wave is done ({@code bad}: a wrong body or an
 *       error other than EMFILE, described on stderr), then {@code ERROR message} of one EMFILE
 *       failure;
 *   <li>{@code SECOND ok=n}: a second wave ({@code /free/i}) run once the first one's
 *       connections are closed;
 *   <li>{@code FDS start=n end=n}: open descriptors before the limit was lowered and at the end.
 * </ol>
 */
public final class EmfileClientMain {
    private EmfileClientMain() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int headroom = Integer.parseInt(args[1]);
        int firstWave = Integer.parseInt(args[2]);
        int secondWave = Integer.parseInt(args[3]);
        preloadClasses();
        EventLoop loop = EventLoop.builder().name("emfile-client").build();
        LoopDriver driver = new LoopDriver(loop);
        HttpEngine engine = HttpEngine.builder().socketCallback(driver.socketCallback())
                .timerCallback(driver.timerCallback()).transport(Transport.forBackend(loop.backend()))
                .maxConnectionsPerHost(firstWave).queueResults(false).checking(true).build();
        driver.bind(engine);
        String base = "http://127.0.0.1:" + port;

        // One transfer first, so what the path uses is loaded and warm before descriptors run out.
        List<TransferResult> warm = wave(engine, loop, base + "/free/", 1);
        if (!warm.get(0).isSuccess()) throw new AssertionError("warm-up failed", warm.get(0).error());

        int start = Descriptors.openCount();
        Descriptors.setSoftLimit(start + headroom);

        List<TransferResult> first = new ArrayList<>();
        List<Transfer> transfers = new ArrayList<>();
        for (int i = 0; i < firstWave; i++) {
            Transfer t = Transfer.collecting(HttpRequest.get(base + "/held/" + i), first::add);
            transfers.add(t);
            engine.add(t);
        }
        int emfileAtOnce = (int) first.stream().filter(EmfileClientMain::isEmfile).count();
        System.out.println("STARTED emfile=" + emfileAtOnce + " other=" + (first.size() - emfileAtOnce));
        System.out.flush();
        runUntil(loop, () -> first.size() == firstWave, 60);

        int ok = 0;
        int emfile = 0;
        int bad = 0;
        String error = null;
        for (TransferResult r : first) {
            String path = r.transfer().request().uri().getPath();
            if (r.isSuccess() && r.response().bodyAsString().equals("body " + path)) {
                ok++;
            } else if (isEmfile(r)) {
                emfile++;
                error = r.error().getMessage();
            } else {
                bad++;
                System.err.println("unexpected result for " + path + ": "
                        + (r.isSuccess() ? r.response().bodyAsString() : r.error()));
            }
        }
        System.out.println("FIRST ok=" + ok + " emfile=" + emfile + " bad=" + bad);
        System.out.println("ERROR " + error);
        System.out.flush();

        runUntil(loop, () -> engine.connections() == 0, 10);
        List<TransferResult> second = wave(engine, loop, base + "/free/", secondWave);
        int secondOk = 0;
        for (TransferResult r : second) {
            if (r.isSuccess()) secondOk++; else System.err.println("second wave: " + r.error());
        }
        System.out.println("SECOND ok=" + secondOk);
        System.out.flush();

        runUntil(loop, () -> engine.connections() == 0, 10);
        System.out.println("FDS start=" + start + " end=" + Descriptors.openCount());
        System.out.flush();
        engine.close();
        loop.close();
    }

    private static boolean isEmfile(TransferResult r) {
        return r.error() != null && r.error().getMessage() != null && r.error().getMessage().contains("EMFILE");
    }

    private static List<TransferResult> wave(HttpEngine engine, EventLoop loop, String prefix, int n) {
        List<TransferResult> results = new ArrayList<>();
        for (int i = 0; i < n; i++) engine.add(Transfer.collecting(HttpRequest.get(prefix + i), results::add));
        runUntil(loop, () -> results.size() == n, 30);
        return results;
    }

    private static void runUntil(EventLoop loop, BooleanSupplier done, int seconds) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - end > 0) throw new AssertionError("not done within " + seconds + " s");
            loop.runOnce(100, TimeUnit.MILLISECONDS);
        }
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
                                EmfileClientMain.class.getClassLoader());
                    }
                }
            }
        }
    }
}
