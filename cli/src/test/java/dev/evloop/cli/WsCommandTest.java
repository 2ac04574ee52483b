package dev.evloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code evloop ws} against {@code evloop ws-echo-server}, both in this JVM, over loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WsCommandTest {
    private static final Pattern LISTENING =
            Pattern.compile("ws-echo-server listening on ws://127\\.0\\.0\\.1:(\\d+)(/\\S*) \\((\\d+) loop\\(s\\), (\\w+) backend\\)");

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int ws(String stdin, String... args) {
        CommandLine cl = new CommandLine(new WsCommand(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /** Starts ws-echo-server for a while; returns its port. */
    private int startServer(CompletableFuture<Integer> exit, String... extra) throws Exception {
        StringWriter serverOut = new StringWriter();
        String[] args = new String[6 + extra.length];
        System.arraycopy(new String[] {"ws-echo-server", "--port", "0", "--path", "/echo", "--duration"}, 0, args, 0, 6);
        System.arraycopy(extra, 0, args, 6, extra.length);
        CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(serverOut, true), new PrintWriter(err, true), args))
                .whenComplete((code, e) -> {
                    if (e != null) exit.completeExceptionally(e); else exit.complete(code);
                });
        Matcher m = LISTENING.matcher("");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!m.reset(serverOut.toString()).find() && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(m.hitEnd()).as("the listening line: " + serverOut + err).isFalse();
        assertThat(m.group(2)).isEqualTo("/echo");
        return Integer.parseInt(m.group(1));
    }

    @ParameterizedTest(name = "deflate off: {0}")
    @ValueSource(booleans = {false, true})
    void linesAreSentAndTheEchoesPrintedThenEndOfInputClosesWith1000(boolean noDeflate) throws Exception {
        CompletableFuture<Integer> server = new CompletableFuture<>();
        int port = startServer(server, "3");
        String url = "ws://127.0.0.1:" + port + "/echo";
        int code = noDeflate ? ws("hello\nwörld\n\n", "--no-deflate", url) : ws("hello\nwörld\n\n", url);
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("hello\nwörld\n\n");
        assertThat(err.toString()).contains("connected to " + url).contains("closed 1000");
        assertThat(err.toString().contains("permessage-deflate")).isEqualTo(!noDeflate);
        assertThat(server.get(20, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void binaryMessagesArePrintedInHex() throws Exception {
        CompletableFuture<Integer> server = new CompletableFuture<>();
        int port = startServer(server, "3");
        assertThat(ws("AB\n", "--binary", "ws://127.0.0.1:" + port + "/echo")).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("4142\n");
        assertThat(server.get(20, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aPathTheServerDoesNotServeIsRefusedWithItsStatus() throws Exception {
        CompletableFuture<Integer> server = new CompletableFuture<>();
        int port = startServer(server, "2");
        assertThat(ws("x\n", "ws://127.0.0.1:" + port + "/other")).isEqualTo(1);
        assertThat(err.toString()).contains("HTTP 404");
        assertThat(server.get(20, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void noServerIsAFailureNamingTheConnect() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThat(ws("x\n", "ws://127.0.0.1:" + port + "/")).isEqualTo(1);
        assertThat(err.toString()).contains("ECONNREFUSED").doesNotContain("\tat ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1/", "ws//nohost", "--header=novalue", "--ping-interval=-1", "--protocol=a b"})
    void badArgumentsAreUsageErrors(String arg) {
        int code = arg.startsWith("--") ? ws("", arg, "ws://127.0.0.1:1/") : ws("", arg);
        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void theEchoServerRefusesBadOptionsNamingThem() {
        for (String option : new String[] {"--port=70000", "--loops=0", "--max-message=-1", "--path=nopath"}) {
            StringWriter e = new StringWriter();
            int code = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(e, true), "ws-echo-server", option);
            assertThat(code).as(option).isEqualTo(2);
            assertThat(e.toString()).contains(option.substring(0, option.indexOf('=')));
        }
    }
}
