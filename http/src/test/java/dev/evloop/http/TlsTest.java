package dev.evloop.http;

import dev.evloop.testing.TestTls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS against Jetty with a self-signed certificate for "localhost" made by the JDK's keytool in
 * the test: the client trusts it through a custom trust store; the default trust store refuses it;
 * a name the certificate does not carry (127.0.0.1) fails host-name verification.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsTest {
    @TempDir
    static Path dir;
    static JettyFixture jetty;
    static SSLContext trusting;

    @BeforeAll
    static void start() throws Exception {
        Path keyStore = TestTls.keyStore(dir);
        jetty = new JettyFixture(keyStore, TestTls.PASSWORD);
        trusting = TestTls.trusting(keyStore);
    }

    @AfterAll
    static void stop() throws Exception {
        jetty.close();
    }

    @Test
    void getOverTlsWithACustomTrustStoreAndKeepAlive() throws Exception {
        int before = jetty.opened.get();
        try (HttpClient c = HttpClient.newBuilder().sslContext(trusting).checking(true).build()) {
            for (int i = 0; i < 5; i++) {
                HttpResponse r = c.send(HttpRequest.newBuilder(jetty.httpsUri("localhost", "/bytes/" + (100_000 * i))).build());
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).hasSize(100_000 * i);
            }
            byte[] payload = new byte[200_000];
            for (int i = 0; i < payload.length; i++) payload[i] = (byte) (i * 7);
            assertThat(c.send(HttpRequest.newBuilder(jetty.httpsUri("localhost", "/echo")).POST(payload).build()).body())
                    .isEqualTo(payload);
            assertThat(c.send(HttpRequest.newBuilder(jetty.httpsUri("localhost", "/chunked")).build()).bodyAsString())
                    .isEqualTo("first,second");
        }
        assertThat(jetty.opened.get() - before).as("one TLS connection, reused").isEqualTo(1);
    }

    @Test
    void anUntrustedCertificateIsAClearError() throws Exception {
        try (HttpClient c = HttpClient.newBuilder().checking(true).build()) {
            assertThatThrownBy(() -> c.send(HttpRequest.newBuilder(jetty.httpsUri("localhost", "/hello")).build()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("TLS handshake with localhost")
                    .hasMessageContaining("PKIX");
        }
    }

    @Test
    void aHostNameTheCertificateDoesNotCarryIsRefused() throws Exception {
        try (HttpClient c = HttpClient.newBuilder().sslContext(trusting).checking(true).build()) {
            assertThatThrownBy(() -> c.send(HttpRequest.newBuilder(jetty.httpsUri("127.0.0.1", "/hello")).build()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("TLS handshake with 127.0.0.1")
                    .hasMessageContaining("127.0.0.1");
        }
    }
}
