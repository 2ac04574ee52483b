package dev.evloop.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.server.ServerConfig;
import dev.evloop.server.http.DemoRoutes;
import dev.evloop.server.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.HashSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GetCommandTest {
    private static HttpServer server;
    private static String base;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = HttpServer.start(ServerConfig.builder().build(), DemoRoutes.routes());
        base = "http://127.0.0.1:" + server.localAddress().getPort();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), stdout, args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "poll", "nio"})
    void fetchesSeveralUrlsIntoADirectory(String backend) throws Exception {
        int code = run("get", "--parallel", "2", "--backend", backend, "--output-dir", dir.toString(),
                base + "/bytes/100000", base + "/chunked/50000", base + "/hello", base + "/gzip",
                base + "/bytes/7", base + "/");
        assertThat(code).as(err.toString()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("100000"))).isEqualTo(DemoRoutes.pattern(100_000));
        assertThat(Files.readAllBytes(dir.resolve("50000"))).isEqualTo(DemoRoutes.pattern(50_000));
        assertThat(Files.readString(dir.resolve("hello"))).isEqualTo(DemoRoutes.HELLO);
        assertThat(Files.readString(dir.resolve("gzip"))).isEqualTo(DemoRoutes.GZIP_TEXT);
        assertThat(Files.readAllBytes(dir.resolve("7"))).isEqualTo(DemoRoutes.pattern(7));
        assertThat(dir.resolve("index.html")).exists(); // "/" is a 404, still a response
        assertThat(err.toString())
                .contains("200 100.0 kB ", base + "/bytes/100000")
                .contains("200 13 B ", base + "/hello")
                .contains("404 ", base + "/ ->");
        assertThat(err.toString().lines().count()).isEqualTo(6);
        assertThat(stdout.size()).isZero();
    }

    @Test
    void sameNamesAreDeduplicated() throws Exception {
        int code = run("get", "--output-dir", dir.toString(), base + "/bytes/10", base + "/chunked/10", base + "/bytes/10");
        assertThat(code).as(err.toString()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("10"))).isEqualTo(DemoRoutes.pattern(10));
        assertThat(Files.readAllBytes(dir.resolve("10.1"))).isEqualTo(DemoRoutes.pattern(10));
        assertThat(Files.readAllBytes(dir.resolve("10.2"))).isEqualTo(DemoRoutes.pattern(10));
    }

    @Test
    void oneUrlGoesToStdout() {
        assertThat(run("get", base + "/chunked/30000")).as(err.toString()).isZero();
        assertThat(stdout.toByteArray()).isEqualTo(DemoRoutes.pattern(30_000));
        assertThat(err.toString()).contains("200 30.0 kB ").contains(base + "/chunked/30000");
    }

    @Test
    void dashOWritesTheFile() throws Exception {
        Path f = dir.resolve("out.bin");
        assertThat(run("get", "-o", f.toString(), base + "/bytes/5000")).as(err.toString()).isZero();
        assertThat(Files.readAllBytes(f)).isEqualTo(DemoRoutes.pattern(5000));
    }

    @Test
    void followFollowsRedirects() {
        assertThat(run("get", "--follow", base + "/redirect/3")).as(err.toString()).isZero();
        assertThat(new String(stdout.toByteArray(), UTF_8)).isEqualTo(DemoRoutes.HELLO);
        assertThat(err.toString()).contains("200 13 B ").contains("(4 redirects)");
    }

    @Test
    void withoutFollowTheRedirectIsTheResponse() {
        assertThat(run("get", base + "/redirect/3")).as(err.toString()).isZero();
        assertThat(err.toString()).startsWith("302 ");
    }

    @Test
    void aRefusedConnectionFailsNamingTheUrlAndTheOthersStillArrive() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String dead = "http://127.0.0.1:" + port + "/nothing";
        int code = run("get", "--output-dir", dir.toString(), dead, base + "/hello");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("error " + dead + ": ").containsIgnoringCase("refused");
        assertThat(Files.readString(dir.resolve("hello"))).isEqualTo(DemoRoutes.HELLO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://x/y", "not a url", "http:///nohost"})
    void badUrlsAreUsageErrors(String url) {
        assertThat(run("get", url)).isEqualTo(2);
        assertThat(err.toString()).contains("URL");
    }

    @Test
    void severalUrlsWithoutAnOutputAreAUsageError() {
        assertThat(run("get", base + "/hello", base + "/gzip")).isEqualTo(2);
        assertThat(err.toString()).contains("--output-dir");
        assertThat(run("get", "--parallel", "0", base + "/hello")).isEqualTo(2);
    }

    @Test
    void fileNames() {
        assertThat(GetCommand.fileName(java.net.URI.create("http://h/a/b.txt?q=1"))).isEqualTo("b.txt");
        assertThat(GetCommand.fileName(java.net.URI.create("http://h"))).isEqualTo("index.html");
        assertThat(GetCommand.fileName(java.net.URI.create("http://h/dir/"))).isEqualTo("index.html");
        Set<String> taken = new HashSet<>();
        assertThat(GetCommand.uniqueName("a", taken)).isEqualTo("a");
        assertThat(GetCommand.uniqueName("a", taken)).isEqualTo("a.1");
    }
}
