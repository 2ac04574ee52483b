package dev.evloop.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.testing.TestTls;
import java.net.InetAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wss://}: evloop's client over TLS (the HTTP engine's TlsSession under the upgraded
 * stream) against a TLS WebSocket peer written with the JDK's SSLServerSocket, frame by frame.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WssTest {
    @TempDir
    Path dir;

    @Test
    void textAndBinaryEchoOverTlsAndTheClosingHandshake() throws Exception {
        Path keyStore = TestTls.keyStore(dir);
        try (SSLServerSocket listener = (SSLServerSocket) TestTls.serving(keyStore).getServerSocketFactory()
                        .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
                WebSocketClient client = WebSocketClient.builder().sslContext(TestTls.trusting(keyStore))
                        .config(WebSocketConfig.builder().permessageDeflate(false).build()).build()) {
            CompletableFuture<Integer> peer = CompletableFuture.supplyAsync(() -> {
                try (RawWs raw = RawWs.accept(listener, "")) {
                    int echoed = 0;
                    while (true) {
                        RawWs.Frame f = raw.read();
                        assertThat(f.masked()).as("a client masks every frame").isTrue();
                        if (f.opcode() == 8) {
                            raw.send(0x88, f.payload(), false); // echo the close, then close TCP first (§7.1.1)
                            return echoed;
                        }
                        raw.send((f.fin() ? 0x80 : 0) | f.opcode(), f.payload(), false); // frame for frame
                        echoed++;
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Recorder rec = new Recorder();
            WebSocket ws = client.connect(URI.create("wss://localhost:" + listener.getLocalPort() + "/tls"), rec)
                    .get(20, TimeUnit.SECONDS);
            ws.sendText("über TLS");
            assertThat(rec.next()).isEqualTo("über TLS");
            byte[] big = new byte[1 << 20];
            new Random(3).nextBytes(big);
            ws.sendBinary(ByteBuffer.wrap(big));
            assertThat((byte[]) rec.next()).isEqualTo(big);
            ws.close(1000, "done");
            assertThat(rec.awaitClose()).isEqualTo(new Recorder.Closed(1000, "done"));
            assertThat(peer.get(20, TimeUnit.SECONDS)).as("frames echoed (1 MiB in 64 KiB frames)").isEqualTo(1 + 16);
            assertThat(rec.errors).isEmpty();
        }
        assertThat(Files.exists(keyStore)).isTrue();
    }

    @Test
    void anUntrustedCertificateFailsTheHandshakeClearly() throws Exception {
        Path keyStore = TestTls.keyStore(dir);
        try (SSLServerSocket listener = (SSLServerSocket) TestTls.serving(keyStore).getServerSocketFactory()
                        .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
                WebSocketClient client = WebSocketClient.create()) {
            Thread.ofPlatform().daemon().start(() -> {
                try (var s = listener.accept()) {
                    s.getInputStream().read(); // the client gives up during the TLS handshake
                } catch (Exception expected) {
                    // the handshake fails on the client's side
                }
            });
            var opening = client.connect(URI.create("wss://localhost:" + listener.getLocalPort() + "/"), new Recorder());
            assertThat(opening).failsWithin(java.time.Duration.ofSeconds(20)).withThrowableThat()
                    .withMessageContaining("PKIX");
        }
    }
}
