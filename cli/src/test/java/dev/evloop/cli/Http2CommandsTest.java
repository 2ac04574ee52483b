package dev.evloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code get --http2} and {@code bench --http2 --streams} against Jetty 12 speaking h2c only
 * (prior knowledge): the protocol they report, the connections they use.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http2CommandsTest {
    private static Server server;
    private static ServerConnector connector;
    private static final AtomicInteger connections = new AtomicInteger();
    private static String base;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void start() throws Exception {
        server = new Server();
        connector = new ServerConnector(server, new HTTP2CServerConnectionFactory(new HttpConfiguration()));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection c) {
                connections.incrementAndGet();
            }
        });
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.write(true, java.nio.ByteBuffer.wrap("hello h2c".getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        server.start();
        base = "http://127.0.0.1:" + connector.getLocalPort();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void benchRunsManyStreamsOnEachConnectionAndSaysHttp2() {
        int before = connections.get();
        int code = run("bench", base + "/", "--http2", "-c", "2", "--streams", "16", "-n", "2000", "--json");
        assertThat(code).as(out + "\n" + err).isZero();
        Map<String, Double> json = BenchCommandTest.lastLineJson(out.toString());
        assertThat(json.get("requests")).isEqualTo(2000);
        assertThat(json.get("errors")).isZero();
        assertThat(BenchCommandTest.lastLineProtocol(out.toString())).isEqualTo("HTTP/2");
        assertThat(out.toString()).contains("2 connection(s) x 16 streams", "protocol: HTTP/2");
        assertThat(connections.get() - before).isEqualTo(2);
    }

    @Test
    void getWithHttp2FetchesOverH2c(@TempDir Path dir) throws Exception {
        Path body = dir.resolve("body");
        int code = run("get", base + "/x", "--http2", "-o", body.toString());
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(Files.readString(body)).isEqualTo("hello h2c");
        assertThat(err.toString()).contains("200 9 B ").contains(" HTTP/2 " + base + "/x");
    }

    @Test
    void badVersionOptionsAreUsageErrors() {
        assertThat(run("bench", base + "/", "--http2", "--http1.1", "-n", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("--http2 and --http1.1 exclude each other");
        assertThat(run("bench", base + "/", "--streams", "0", "-n", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("--streams must be 1..10000, got 0");
    }
}
