package dev.evloop.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.evloop.net.Descriptors;
import dev.evloop.os.Platform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves descriptors open: {@link Descriptors#openCount()} before all of
 * its tests must equal the count after all of them. Every test class in core gets it through
 * JUnit's extension autodetection (src/test/resources: junit-platform.properties and
 * META-INF/services). Linux only (it needs /proc/self/fd); elsewhere it
 * checks nothing.
 *
 * <p>The count after is retried for up to 5 s, because some closes finish asynchronously: a JDK
 * channel still registered with a selector is released at that selector's next select or close,
 * and a socket's last reference may sit with a thread that is still winding down.
 *
 * <p>Before counting, the JVM is made to open the descriptors it opens lazily and then keeps for
 * its whole life, so a test class that happens to be the first to trigger one is not blamed: the
 * class path's jars (opened at the first class or resource looked up in them) and NIO's
 * pre-closed socket (a socketpair end {@code sun.nio.ch.UnixDispatcher} makes when first used),
 * and the random devices the default TLS context opens.
 * A failure lists the descriptors that appeared or vanished, with what they point to.
 */
public final class FdLeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FdLeakCheck.class);
    private static final Path PROC_FD = Path.of("/proc/self/fd");
    /** Generous: on a loaded machine a closing thread may take seconds to be scheduled. */
    private static final long SETTLE_NANOS = 5_000_000_000L;
    private static final long RETRY_MILLIS = 10;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (Platform.current() != Platform.LINUX || !Files.isDirectory(PROC_FD)) return;
        warmUp(context.getRequiredTestClass().getClassLoader());
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        store.put("targets", targets());
        store.put("count", Descriptors.openCount());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        Integer before = store.get("count", Integer.class);
        if (before == null) return;
        long deadline = System.nanoTime() + SETTLE_NANOS;
        int after = Descriptors.openCount();
        while (after != before && System.nanoTime() - deadline < 0) {
            Thread.sleep(RETRY_MILLIS);
            after = Descriptors.openCount();
        }
        if (after != before) {
            @SuppressWarnings("unchecked")
            Map<Integer, String> was = store.get("targets", Map.class);
            fail(context.getRequiredTestClass().getSimpleName() + " leaked descriptors: " + before
                    + " open before its tests, " + after + " after (waited " + SETTLE_NANOS / 1_000_000 + " ms); "
                    + difference(was, targets()));
        }
    }

    private static void warmUp(ClassLoader loader) throws IOException {
        for (ClassLoader l = loader; l != null; l = l.getParent()) {
            Enumeration<?> all = l.getResources("META-INF/MANIFEST.MF");
            while (all.hasMoreElements()) all.nextElement();
        }
        SocketChannel.open().close();
        Selector.open().close();
        // java.net sockets (NioSocketImpl) take their pre-close descriptor on first close too.
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).close();
        new java.net.Socket().close();
        try {
            // The default TLS context opens /dev/random and /dev/urandom for the JVM's life.
            javax.net.ssl.SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
    }

    /**
     * Descriptor number to what it points to ({@code socket:[123]}, {@code /path/x.jar}), less
     * the descriptor this listing holds on /proc/PID/fd itself.
     */
    private static Map<Integer, String> targets() {
        String self = "/proc/" + ProcessHandle.current().pid() + "/fd";
        Map<Integer, String> map = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC_FD)) {
            for (Path p : entries) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile, such as this listing's own descriptor
                }
                if (!target.equals(self)) map.put(Integer.parseInt(p.getFileName().toString()), target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }

    private static String difference(Map<Integer, String> before, Map<Integer, String> after) {
        StringBuilder opened = new StringBuilder();
        StringBuilder closed = new StringBuilder();
        after.forEach((fd, target) -> {
            if (!target.equals(before.get(fd))) opened.append(' ').append(fd).append(" -> ").append(target).append(',');
        });
        before.forEach((fd, target) -> {
            if (!target.equals(after.get(fd))) closed.append(' ').append(fd).append(" -> ").append(target).append(',');
        });
        return "opened:" + (opened.isEmpty() ? " none" : opened.substring(0, opened.length() - 1))
                + "; closed:" + (closed.isEmpty() ? " none" : closed.substring(0, closed.length() - 1));
    }
}
