package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.http.driver.CompletionDriver;
import dev.evloop.loop.EventLoop;
import dev.evloop.poll.Backend;
import dev.evloop.testing.Backends;
import dev.evloop.testing.TestTls;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine in async-action mode driven by {@link CompletionDriver} on evloop's completion I/O:
 * natively on io_uring, emulated on epoll and on the JDK Selector. HTTP/1.1, HTTPS (HTTP/1.1 and
 * HTTP/2 over ALPN) and h2c against Jetty, checking mode on.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CompletionDriverTest {
    @TempDir
    static Path dir;
    static JettyFixture jetty;
    static JettyH2Fixture h2;
    static SSLContext trusting;

    @BeforeAll
    static void start() throws Exception {
        Path keyStore = TestTls.keyStore(dir);
        jetty = new JettyFixture(keyStore, TestTls.PASSWORD);
        h2 = new JettyH2Fixture(keyStore);
        trusting = TestTls.trusting(keyStore);
    }

    @AfterAll
    static void stop() throws Exception {
        jetty.close();
        h2.close();
    }

    /** The engine on a loop of {@code backend}, driven through completions. */
    private static final class Driven implements AutoCloseable {
        final EventLoop loop;
        final CompletionDriver driver;
        final HttpEngine engine;

        Driven(Backend backend, HttpVersionPolicy policy) throws IOException {
            loop = EventLoop.builder().backend(backend).name("completion-driver-" + backend).build();
            driver = new CompletionDriver(loop);
            engine = HttpEngine.builder().asyncIo(driver.asyncIo()).timerCallback(driver.timerCallback())
                    .checking(true).sslContext(trusting).versionPolicy(policy).build();
            driver.bind(engine);
        }

        List<TransferResult> run(List<HttpRequest> requests) {
            List<TransferResult> results = new ArrayList<>();
            for (HttpRequest r : requests) engine.add(Transfer.collecting(r, results::add));
            runUntil(() -> results.size() == requests.size(), Duration.ofSeconds(60));
            return results;
        }

        void runUntil(BooleanSupplier done, Duration max) {
            long end = System.nanoTime() + max.toNanos();
            while (!done.getAsBoolean()) {
                if (System.nanoTime() - end > 0) throw new AssertionError("not done within " + max + "; running " + engine.running());
                loop.runOnce(10, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void close() {
            engine.close();
            // the closes the engine asked for complete on the loop
            for (int i = 0; i < 50; i++) loop.runOnce(5, TimeUnit.MILLISECONDS);
            loop.close();
        }
    }


    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"IO_URING", "EPOLL", "NIO"})
    void http11AndHttpsOverCompletions(Backend backend) throws Exception {
        Backends.assumeAvailable(backend);
        byte[] upload = new byte[3 << 20];
        new java.util.Random(5).nextBytes(upload);
        try (Driven d = new Driven(backend, HttpVersionPolicy.HTTP_1_1)) {
            assertThat(d.driver.isNative()).isEqualTo(backend == Backend.IO_URING);
            List<TransferResult> rs = d.run(List.of(
                    HttpRequest.newBuilder(jetty.uri("/bytes/2000000")).build(),
                    HttpRequest.newBuilder(jetty.uri("/echo")).POST(upload).build(),
                    HttpRequest.newBuilder(jetty.httpsUri("localhost", "/bytes/1000000")).build(),
                    HttpRequest.newBuilder(jetty.httpsUri("localhost", "/echo")).POST(upload).build()));
            for (TransferResult r : rs) {
                assertThat(r.error()).as("%s", r.transfer()).isNull();
                assertThat(r.response().version()).isEqualTo("HTTP/1.1");
            }
            for (TransferResult r : rs) {
                String path = r.transfer().request().uri().getPath();
                if (path.startsWith("/bytes/")) {
                    assertThat(r.response().body()).isEqualTo(JettyFixture.letters(Integer.parseInt(path.substring(7))));
                } else {
                    assertThat(r.response().body()).isEqualTo(upload);
                }
            }
            assertThat(d.driver.completionsDelivered()).isPositive();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"IO_URING", "EPOLL"})
    void http2OverTlsAndH2cOverCompletions(Backend backend) throws Exception {
        Backends.assumeAvailable(backend);
        try (Driven d = new Driven(backend, HttpVersionPolicy.HTTP_2_PRIOR_KNOWLEDGE)) {
            List<HttpRequest> rs = new ArrayList<>();
            for (int i = 0; i < 40; i++) rs.add(HttpRequest.newBuilder(h2.tlsUri("/bytes/" + (20_000 + i))).build());
            for (int i = 0; i < 40; i++) rs.add(HttpRequest.newBuilder(h2.uri("/bytes/" + (30_000 + i))).build());
            List<TransferResult> results = d.run(rs);
            for (TransferResult r : results) {
                assertThat(r.error()).as("%s", r.transfer()).isNull();
                assertThat(r.response().version()).isEqualTo("HTTP/2");
                String path = r.transfer().request().uri().getPath();
                assertThat(r.response().body()).hasSize(Integer.parseInt(path.substring(7)));
            }
            assertThat(d.engine.http2Connections()).isEqualTo(2); // one per origin: TLS and cleartext
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"IO_URING", "EPOLL"})
    void aRefusedConnectFailsTheTransferNamingIt(Backend backend) throws Exception {
        Backends.assumeAvailable(backend);
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (Driven d = new Driven(backend, HttpVersionPolicy.HTTP_1_1)) {
            TransferResult r = d.run(List.of(HttpRequest.get("http://127.0.0.1:" + port + "/"))).get(0);
            assertThat(r.error()).hasMessageContaining("ECONNREFUSED");
        }
    }
}
