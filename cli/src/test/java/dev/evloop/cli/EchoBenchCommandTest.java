package dev.evloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.net.Descriptors;
import dev.evloop.server.Connection;
import dev.evloop.server.Handler;
import dev.evloop.server.ServerConfig;
import dev.evloop.server.TcpServer;
import dev.evloop.server.echo.EchoHandler;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** echo-bench against in-process servers on 127.0.0.1: good, corrupting, closing, absent. */
class EchoBenchCommandTest {
    static final List<String> JSON_KEYS =
            List.of("messages", "messages_per_s", "p50_us", "p99_us", "max_us", "errors", "mismatches", "connections", "size");
    private static final Pattern JSON_FIELD = Pattern.compile("\"(\\w+)\":(-?\\d+(?:\\.\\d+)?)");

    private static TcpServer echo;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startEchoServer() throws IOException {
        echo = startServer(() -> new EchoHandler(65536));
    }

    @AfterAll
    static void stopEchoServer() {
        echo.shutdown(Duration.ofSeconds(1)).join();
    }

    static TcpServer startServer(Supplier<? extends Handler> handlers) throws IOException {
        ServerConfig config = EchoServerCommand.withEchoLimits(ServerConfig.builder(), 65536)
                .address(InetAddress.getLoopbackAddress().getHostAddress(), 0)
                .build();
        return TcpServer.start(config, handlers);
    }

    private int bench(TcpServer server, String... args) {
        List<String> all = new ArrayList<>(List.of("echo-bench", "--port", "" + server.localAddress().getPort()));
        all.addAll(List.of(args));
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
    }

    static Stream<Arguments> loads() {
        List<Arguments> all = new ArrayList<>();
        for (int connections : new int[] {1, 64}) {
            for (int size : new int[] {0, 1, 4096, 65536}) {
                for (int pipeline : new int[] {1, 8}) {
                    all.add(Arguments.of(connections, size, pipeline));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} connection(s), {1} bytes, pipeline {2}")
    @MethodSource("loads")
    void echoesEveryByteIntactAndClosesEverything(int connections, int size, int pipeline) throws Exception {
        int before = descriptorsWhenIdle(echo);
        int code = bench(echo, "--connections", "" + connections, "--size", "" + size, "--pipeline", "" + pipeline,
                "--duration", "1", "--warmup", "0.2", "--json");
        assertThat(code).as(out + "\n" + err).isZero();
        Map<String, Double> json = lastLineJson(out.toString());
        assertThat(json.get("errors")).isZero();
        assertThat(json.get("mismatches")).isZero();
        assertThat(json.get("messages_per_s")).isPositive();
        assertThat(json.get("connections")).isEqualTo(connections);
        assertThat(json.get("size")).isEqualTo(size);
        assertThat(json.get("p50_us")).isLessThanOrEqualTo(json.get("p99_us"));
        assertThat(json.get("p99_us")).isLessThanOrEqualTo(json.get("max_us"));
        assertThat(out.toString()).contains("connected:  " + connections + " of " + connections);
        assertThat(descriptorsWhenIdle(echo)).as("descriptors after the bench").isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "poll", "nio"})
    void runsOnEachBackendSpreadOverTwoLoops(String backend) throws Exception {
        int before = descriptorsWhenIdle(echo);
        int code = bench(echo, "--connections", "5", "--size", "100", "--pipeline", "2", "--duration", "1",
                "--warmup", "0", "--loops", "2", "--backend", backend, "--json");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains(backend + " backend", "2 loop(s)");
        Map<String, Double> json = lastLineJson(out.toString());
        assertThat(json.get("messages_per_s")).isPositive();
        assertThat(json.get("errors") + json.get("mismatches")).isZero();
        assertThat(descriptorsWhenIdle(echo)).as("descriptors after the bench").isEqualTo(before);
    }

    @Test
    void aCorruptedByteIsCountedAsAMismatchAndTheRunGoesOn() throws Exception {
        TcpServer server = startServer(CorruptingEcho::new);
        try {
            int code = bench(server, "--connections", "3", "--size", "50", "--duration", "1", "--warmup", "0", "--json");
            assertThat(code).as(out + "\n" + err).isEqualTo(1);
            Map<String, Double> json = lastLineJson(out.toString());
            assertThat(json.get("mismatches")).as("one corrupted echo per connection").isEqualTo(3);
            assertThat(json.get("errors")).isZero();
            assertThat(json.get("messages_per_s")).as("the run went on after the mismatch").isGreaterThan(100);
        } finally {
            server.shutdown(Duration.ofSeconds(1)).join();
        }
    }

    @Test
    void aServerThatClosesConnectionsCausesErrors() throws Exception {
        TcpServer server = startServer(EchoOnceThenClose::new);
        try {
            int code = bench(server, "--connections", "4", "--size", "10", "--duration", "1", "--warmup", "0", "--json");
            assertThat(code).as(out + "\n" + err).isEqualTo(1);
            Map<String, Double> json = lastLineJson(out.toString());
            assertThat(json.get("errors")).isEqualTo(4);
            assertThat(json.get("mismatches")).isZero();
            assertThat(out.toString()).contains(
                    "errors:     4 (first: end of stream from the server after 1 echo(es), with 1 message(s) in flight)");
        } finally {
            server.shutdown(Duration.ofSeconds(1)).join();
        }
    }

    @Test
    void noServerMeansEveryConnectionIsAnError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there now
        }
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "echo-bench", "--port", "" + port,
                "--connections", "3", "--size", "10", "--duration", "1", "--json");
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).contains("connected:  0 of 3", "ECONNREFUSED");
        assertThat(lastLineJson(out.toString()).get("errors")).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--port=0", "--port=70000", "--connections=0", "--size=-1", "--pipeline=0", "--duration=0", "--warmup=-1",
        "--loops=0", "--backend=kqueue", "--messages=0"
    })
    void badOptionsAreUsageErrorsNamingTheOption(String option) {
        List<String> args = new ArrayList<>(List.of("echo-bench", "--port=7000", "--connections=1", "--size=1"));
        if (!option.startsWith("--duration") && !option.startsWith("--messages")) args.add("--duration=1");
        args.add(option); // the last occurrence wins
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new)))
                .isEqualTo(2);
        assertThat(err.toString()).contains(option.substring(0, option.indexOf('=')));
    }

    @Test
    void portConnectionsSizeAndDurationAreRequired() {
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "echo-bench")).isEqualTo(2);
        assertThat(err.toString()).contains("--port", "--connections", "--size");
    }

    @Test
    void exactlyOneOfDurationAndMessagesIsRequired() {
        String[] base = {"echo-bench", "--port=7000", "--connections=1", "--size=1"};
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), base)).isEqualTo(2);
        assertThat(err.toString()).contains("give --duration SECONDS or --messages N");
        String[] both = Stream.concat(Stream.of(base), Stream.of("--duration=1", "--messages=10")).toArray(String[]::new);
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), both)).isEqualTo(2);
        assertThat(err.toString()).contains("--duration and --messages are mutually exclusive");
    }

    /** Loops take shares of the count in proportion to their connections; the shares add up to the count. */
    @ParameterizedTest(name = "{0} connection(s) on {1} loop(s), pipeline {2}: {3} messages")
    @MethodSource("counts")
    void aCountedRunEchoesExactlyThatManyMessages(int connections, int loops, int pipeline, long messages)
            throws Exception {
        int before = descriptorsWhenIdle(echo);
        int code = bench(echo, "--connections", "" + connections, "--loops", "" + loops, "--size", "100",
                "--pipeline", "" + pipeline, "--messages", "" + messages, "--warmup", "0", "--json");
        assertThat(code).as(out + "\n" + err).isZero();
        Map<String, Double> json = lastLineJson(out.toString());
        assertThat(json.get("messages")).isEqualTo(messages);
        assertThat(json.get("errors")).isZero();
        assertThat(json.get("mismatches")).isZero();
        assertThat(out.toString()).contains(messages + " message(s) measured", "messages:   " + messages + " in ");
        assertThat(descriptorsWhenIdle(echo)).as("descriptors after the bench").isEqualTo(before);
    }

    static Stream<Arguments> counts() {
        return Stream.of(Arguments.of(1, 1, 1, 1L), Arguments.of(10, 3, 4, 5_003L), Arguments.of(7, 4, 8, 3L),
                Arguments.of(64, 2, 2, 20_000L));
    }

    @Test
    void aCountedRunAfterAWarmupCountsOnlyTheMeasuredMessages() throws Exception {
        int code = bench(echo, "--connections", "4", "--size", "10", "--messages", "1000", "--warmup", "0.3", "--json");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(lastLineJson(out.toString()).get("messages")).isEqualTo(1000);
    }

    /** The last line of {@code output} as a flat JSON object of numbers, with exactly {@link #JSON_KEYS}. */
    static Map<String, Double> lastLineJson(String output) {
        String[] lines = output.strip().split("\\R");
        String last = lines[lines.length - 1];
        assertThat(last).startsWith("{").endsWith("}");
        Map<String, Double> fields = new LinkedHashMap<>();
        Matcher m = JSON_FIELD.matcher(last);
        int end = 1;
        while (m.find()) {
            assertThat(m.start()).as("JSON field at %d of %s", end, last).isEqualTo(end);
            fields.put(m.group(1), Double.parseDouble(m.group(2)));
            end = m.end() + 1; // past the comma, or the closing brace
        }
        assertThat(end).as("the whole line is fields: %s", last).isEqualTo(last.length());
        assertThat(fields.keySet()).containsExactlyInAnyOrderElementsOf(JSON_KEYS);
        return fields;
    }

    /**
     * The open descriptors once {@code server} has closed its side of earlier connections (it
     * does so on its own thread, after the client's close reaches it).
     */
    static int descriptorsWhenIdle(TcpServer server) throws IOException, InterruptedException {
        // Descriptors the JVM opens lazily and keeps: NIO's pre-closed socket, a Selector's pipe.
        java.nio.channels.SocketChannel.open().close();
        java.nio.channels.Selector.open().close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.connections() > 0 && System.nanoTime() < deadline) Thread.sleep(5);
        int count = Descriptors.openCount();
        for (int i = 0; i < 200; i++) { // a closing socket may still be on its way out; settle
            Thread.sleep(10);
            int again = Descriptors.openCount();
            if (again == count) break;
            count = again;
        }
        return count;
    }

    /** Echoes, but flips the last byte of each connection's fifth message. */
    static final class CorruptingEcho implements Handler {
        private int messages;

        @Override
        public void onData(Connection connection, ByteBuffer in) {
            while (in.remaining() >= 4) {
                int length = lengthAt(in, in.position());
                if (in.remaining() < 4 + length) return;
                byte[] frame = new byte[4 + length];
                in.get(frame);
                if (++messages == 5) frame[frame.length - 1] ^= 0x20;
                connection.write(ByteBuffer.wrap(frame));
            }
        }
    }

    /** Echoes the first message; closes the connection when the second one arrives. */
    static final class EchoOnceThenClose implements Handler {
        private final EchoHandler echo = new EchoHandler();
        private boolean echoed;

        @Override
        public void onData(Connection connection, ByteBuffer in) {
            if (echoed) {
                in.position(in.limit());
                connection.close();
                return;
            }
            echo.onData(connection, in);
            echoed = in.position() > 0;
        }
    }

    static int lengthAt(ByteBuffer b, int i) {
        return (b.get(i) & 0xFF) | (b.get(i + 1) & 0xFF) << 8 | (b.get(i + 2) & 0xFF) << 16 | (b.get(i + 3) & 0xFF) << 24;
    }
}
