package dev.evloop.http;

import dev.evloop.testing.TestTls;
import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.poll.Backend;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS connection closed while its socket is full: close_notify cannot go out at once, so the
 * connection stays watched for WRITE as connection interest, with no transfer using it (seed
 * 001's example), until the peer reads; then it is written, REMOVE announced, the socket closed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsCloseNotifyTest {
    @TempDir
    Path dir;

    /**
     * Each attempt cancels the upload the moment the socket is full, which makes close_notify wait
     * (on this machine, at the first attempt every time). The kernel may still find room for the
     * few bytes that are left below epoll's writability mark, so an attempt that closed at once is
     * checked for that correct outcome too, and the waiting one must come within 8 attempts.
     */
    @Test
    void closeNotifyWaitingForTheSocketIsConnectionInterest() throws Exception {
        Path keyStore = TestTls.keyStore(dir);
        int waited = 0;
        for (int attempt = 0; attempt < 8 && waited == 0; attempt++) {
            if (attempt(keyStore)) waited++;
        }
        assertThat(waited).as("close_notify waited for the socket in one of 8 attempts").isEqualTo(1);
    }

    /** One connection closed mid-upload to a peer that reads nothing; true if close_notify had to wait. */
    private boolean attempt(Path keyStore) throws Exception {
        CountDownLatch startReading = new CountDownLatch(1);
        AtomicLong serverRead = new AtomicLong();
        AtomicReference<String> serverEnd = new AtomicReference<>();
        boolean waited;
        try (SSLServerSocket server = (SSLServerSocket) TestTls.serving(keyStore).getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofPlatform().start(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.startHandshake();
                    startReading.await(); // stop reading: the client's upload fills the socket
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[64 * 1024];
                    int n;
                    while ((n = in.read(buf)) >= 0) serverRead.addAndGet(n);
                    serverEnd.set("close_notify"); // read() returns -1 only after close_notify
                } catch (Exception e) {
                    serverEnd.set(e.toString());
                }
            });
            try (LoopHarness h = new LoopHarness(Backend.EPOLL, HttpEngine.builder()
                    .sslContext(TestTls.trusting(keyStore)))) {
                byte[] chunk = new byte[64 * 1024];
                AtomicLong pulled = new AtomicLong();
                AtomicLong lastPull = new AtomicLong(System.nanoTime());
                BodySource endless = dst -> {
                    int n = Math.min(dst.remaining(), chunk.length);
                    dst.put(chunk, 0, n);
                    pulled.addAndGet(n);
                    lastPull.set(System.nanoTime());
                    return n;
                };
                AtomicReference<TransferResult> result = new AtomicReference<>();
                Transfer t = Transfer.collecting(HttpRequest.newBuilder("https://localhost:" + server.getLocalPort() + "/up")
                        .POST(endless).build(), result::set);
                h.loop.execute(() -> h.engine.add(t));
                // Upload until the socket is full: the engine watches for OUT and has stopped
                // pulling the body. Cancel soon after (20 ms), while the ciphertext it holds cannot
                // go out; a full socket may later show some room below epoll's writability mark,
                // so waiting much longer would make the outcome the kernel's choice.
                h.runUntil(() -> pulled.get() > 0 && !h.socketCalls.isEmpty()
                        && h.socketCalls.getLast().endsWith(" OUT")
                        && System.nanoTime() - lastPull.get() > 20_000_000L, Duration.ofSeconds(30));
                h.engine.remove(t);
                h.runUntil(() -> result.get() != null, Duration.ofSeconds(10));
                assertThat(result.get().error()).isInstanceOf(java.util.concurrent.CancellationException.class);
                assertThat(h.engine.connections()).as("its pool slot is already free").isZero();
                waited = h.engine.closingConnections() == 1;
                if (waited) {
                    assertThat(h.watched()).as("the socket stays watched, for the close only").isEqualTo(1);
                    assertThat(h.socketCalls).noneMatch(c -> c.contains("REMOVE"));
                    startReading.countDown(); // the peer drains; close_notify goes out
                    h.runUntil(() -> h.engine.closingConnections() == 0, Duration.ofSeconds(10));
                } else {
                    assertThat(h.engine.closingConnections()).as("closed at once or waiting").isZero();
                    startReading.countDown();
                }
                assertThat(h.socketCalls.getLast()).contains("REMOVE");
                assertThat(h.watched()).isZero();
            }
            peer.join(10_000);
            assertThat(serverEnd.get()).as("the peer got a proper TLS close").isEqualTo("close_notify");
            assertThat(serverRead.get()).isPositive();
        }
        return waited;
    }
}
