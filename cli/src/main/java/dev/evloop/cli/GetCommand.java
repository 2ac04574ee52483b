package dev.evloop.cli;

import dev.evloop.http.HttpHeaders;
import dev.evloop.http.HttpRequest;
import dev.evloop.http.HttpVersionPolicy;
import dev.evloop.http.Transfer;
import dev.evloop.http.TransferListener;
import dev.evloop.http.TransferResult;
import dev.evloop.poll.Backend;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code evloop get}: fetches URLs in parallel through one {@link dev.evloop.http.HttpEngine} on one
 * event loop, in the spirit of {@code curl --parallel}. Bodies stream to their files (or stdout) as
 * they arrive.
 */
@Command(
        name = "get",
        mixinStandardHelpOptions = true,
        description = {
            "Fetches URLs in parallel through one HTTP engine on one event loop (like curl --parallel).",
            "One line per URL on stderr: status, bytes, time, protocol, URL. With one URL and no -o, the body goes to stdout.",
            "Exit 0 if every URL got a response (any status), 1 if any failed, 2 for usage errors."
        })
final class GetCommand implements Callable<Integer> {
    static final int MAX_REDIRECTS = 10;

    @Parameters(arity = "1..*", paramLabel = "URL", description = "http:// or https:// URLs.")
    List<String> urls;

    @Option(names = {"-Z", "--parallel"}, paramLabel = "N", defaultValue = "6",
            description = "Transfers at once at most (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the (single) URL's body to FILE.")
    Path output;

    @Option(names = "--output-dir", paramLabel = "DIR",
            description = "Write each body to DIR, named after the URL path's last segment (or index.html).")
    Path outputDir;

    @Option(names = {"-L", "--follow"}, description = "Follow redirects (at most " + MAX_REDIRECTS + ").")
    boolean follow;

    @CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @CommandLine.Mixin
    VersionOptions versions = new VersionOptions();

    @Spec
    CommandSpec spec;

    private final OutputStream stdout;

    GetCommand() {
        this(System.out);
    }

    GetCommand(OutputStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        if (parallel < 1 || parallel > 10_000) throw usage("--parallel must be 1..10000, got " + parallel);
        if (output != null && outputDir != null) throw usage("-o and --output-dir exclude each other");
        if (output != null && urls.size() > 1) throw usage("-o takes one URL; use --output-dir for several");
        if (output == null && outputDir == null && urls.size() > 1) {
            throw usage("several URLs need --output-dir (only one body can go to stdout)");
        }
        List<HttpRequest> requests = new ArrayList<>();
        for (String u : urls) requests.add(parse(u));
        Backend b = backend.orDefault(cl);
        HttpVersionPolicy policy = versions.policy(cl);
        PrintWriter err = cl.getErr();

        List<Path> targets = new ArrayList<>();
        if (outputDir != null) {
            try {
                Files.createDirectories(outputDir);
            } catch (IOException e) {
                err.println("evloop get: cannot create " + outputDir + ": " + e);
                err.flush();
                return 1;
            }
            Set<String> taken = new HashSet<>();
            for (HttpRequest r : requests) targets.add(outputDir.resolve(uniqueName(fileName(r.uri()), taken)));
        } else {
            targets.add(output); // null: stdout
        }

        Run run = new Run(err);
        try (EngineLoop el = EngineLoop.open(b, "evloop-get", e -> {
            e.maxConnectionsPerHost(parallel).versionPolicy(policy);
            if (follow) e.followRedirects(MAX_REDIRECTS);
        })) {
            run.el = el;
            for (int i = 0; i < requests.size(); i++) run.pending.add(new Job(run, urls.get(i), requests.get(i), targets.get(i)));
            run.total = requests.size();
            el.loop.execute(run::start);
            el.run();
        }
        stdout.flush();
        run.clearProgress();
        err.flush();
        return run.failed == 0 ? 0 : 1;
    }

    private HttpRequest parse(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw usage("not a URL: " + url + " (" + e.getMessage() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) throw usage("not an http:// or https:// URL: " + url);
        if (uri.getHost() == null) throw usage("no host in URL: " + url);
        try {
            return HttpRequest.get(url);
        } catch (IllegalArgumentException e) {
            throw usage("bad URL " + url + ": " + e.getMessage());
        }
    }

    /** The URL path's last segment, or {@code index.html} when the path is empty or ends in '/'. */
    static String fileName(URI uri) {
        String path = uri.getPath();
        if (path == null || path.isEmpty() || path.endsWith("/")) return "index.html";
        String last = path.substring(path.lastIndexOf('/') + 1);
        last = last.replaceAll("[^A-Za-z0-9._-]", "_");
        if (last.isEmpty() || last.equals(".") || last.equals("..")) return "index.html";
        return last;
    }

    /** {@code name}, else {@code name.1}, {@code name.2}, ... (as wget does). */
    static String uniqueName(String name, Set<String> taken) {
        String n = name;
        for (int i = 1; !taken.add(n); i++) n = name + "." + i;
        return n;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** The run's state, on the loop thread. */
    final class Run {
        final PrintWriter err;
        final ArrayDeque<Job> pending = new ArrayDeque<>();
        final boolean progress;
        EngineLoop el;
        int total;
        int running;
        int done;
        int failed;
        long bytes;
        long startNanos;
        boolean progressShown;

        Run(PrintWriter err) {
            this.err = err;
            java.io.Console c = System.console();
            this.progress = c != null && c.isTerminal();
        }

        void start() {
            startNanos = System.nanoTime();
            fill();
            if (progress) tick();
        }

        void fill() {
            while (running < parallel && !pending.isEmpty()) {
                Job j = pending.poll();
                running++;
                el.engine.add(j.transfer);
            }
        }

        void completed(Job j) {
            running--;
            done++;
            clearProgress();
            err.println(j.line());
            err.flush();
            fill();
            if (done == total) el.stop();
        }

        private void tick() {
            if (done == total) return;
            double s = (System.nanoTime() - startNanos) / 1e9;
            err.printf(Locale.ROOT, "\r\u001b[K%d/%d done, %d running, %s, %.1f s", done, total, running, size(bytes), s);
            err.flush();
            progressShown = true;
            el.loop.schedule(100, TimeUnit.MILLISECONDS, this::tick);
        }

        void clearProgress() {
            if (progressShown) {
                err.print("\r\u001b[K");
                progressShown = false;
            }
        }
    }

    /** One URL: its transfer and where its body goes. */
    final class Job implements TransferListener {
        final Run run;
        final String url;
        final Path target;
        final Transfer transfer;
        FileChannel file;
        long bytes;
        String error;
        TransferResult result;
        final byte[] scratch = new byte[64 * 1024];

        Job(Run run, String url, HttpRequest request, Path target) {
            this.run = run;
            this.url = url;
            this.target = target;
            this.transfer = Transfer.streaming(request, this);
        }

        @Override
        public void onResponseHead(Transfer t, int status, HttpHeaders headers) {
            if (target == null || file != null) return;
            try {
                file = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
            } catch (IOException e) {
                fail("cannot write " + target + ": " + e);
            }
        }

        @Override
        public void onBody(Transfer t, ByteBuffer body) {
            if (error != null) return;
            int n = body.remaining();
            try {
                if (target == null) {
                    while (body.hasRemaining()) {
                        int k = Math.min(scratch.length, body.remaining());
                        body.get(scratch, 0, k);
                        stdout.write(scratch, 0, k);
                    }
                } else if (file != null) {
                    while (body.hasRemaining()) file.write(body);
                }
                bytes += n;
                run.bytes += n;
            } catch (IOException e) {
                fail("cannot write " + (target == null ? "stdout" : target) + ": " + e);
            }
        }

        private void fail(String why) {
            error = why;
            run.el.engine.remove(transfer);
        }

        @Override
        public void onComplete(TransferResult r) {
            result = r;
            if (error == null && !r.isSuccess()) {
                Throwable e = r.error();
                error = e instanceof CancellationException ? "cancelled" : String.valueOf(e.getMessage());
            }
            try {
                if (file != null) file.close();
                else if (error == null && target != null) Files.write(target, new byte[0]);
            } catch (IOException e) {
                if (error == null) error = "cannot write " + target + ": " + e;
            }
            if (error != null) run.failed++;
            run.el.drainResults();
            run.completed(this);
        }

        String line() {
            double ms = result.durationNanos() / 1e6;
            if (error != null) return String.format(Locale.ROOT, "error %s: %s (%.1f ms)", url, error, ms);
            String to = target == null ? "" : " -> " + target;
            String via = transfer.redirects() > 0
                    ? " (" + transfer.redirects() + " redirect" + (transfer.redirects() > 1 ? "s" : "") + ")" : "";
            return String.format(Locale.ROOT, "%d %s %.1f ms %s %s%s%s", result.response().status(), size(bytes), ms,
                    result.response().version(), url, via, to);
        }
    }

    /** {@code 4096 B}, {@code 1.5 MB}. */
    static String size(long bytes) {
        if (bytes < 10_000) return bytes + " B";
        if (bytes < 10_000_000) return String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
        if (bytes < 10_000_000_000L) return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
}
