package dev.evloop.cli;

import dev.evloop.http.HttpHeaders;
import dev.evloop.websocket.WebSocket;
import dev.evloop.websocket.WebSocketClient;
import dev.evloop.websocket.WebSocketConfig;
import dev.evloop.websocket.WebSocketListener;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code evloop ws URL}: each line read from standard input is sent as a text message; each
 * message that arrives is printed on its own line (binary ones as hex). End of input closes the
 * session with 1000 and waits for the server's close frame. In the spirit of websocat.
 */
@Command(
        name = "ws",
        mixinStandardHelpOptions = true,
        description = {
            "A WebSocket client: sends each line of standard input as a text message and prints what arrives.",
            "End of input (Ctrl-D) closes the session; exit status 0 after a normal close (1000), else 1."
        })
final class WsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URL", description = "ws:// or wss:// URL.")
    String url;

    @Option(names = {"-H", "--header"}, paramLabel = "NAME:VALUE", description = "Extra handshake header; repeatable.")
    List<String> headers = new ArrayList<>();

    @Option(names = "--protocol", paramLabel = "NAME", description = "Subprotocol to offer (Sec-WebSocket-Protocol); repeatable.")
    List<String> protocols = new ArrayList<>();

    @Option(names = "--no-deflate", description = "Do not offer permessage-deflate (RFC 7692).")
    boolean noDeflate;

    @Option(names = "--binary", description = "Send each line as a binary message instead of text.")
    boolean binary;

    @Option(names = "--ping-interval", paramLabel = "MS", defaultValue = "0",
            description = "Send a ping when nothing arrived for this long (default: 0, never).")
    long pingMillis;

    private final InputStream stdin;

    WsCommand() {
        this(System.in);
    }

    WsCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new CommandLine.ParameterException(cl, "URL: " + e.getMessage());
        }
        String scheme = String.valueOf(uri.getScheme()).toLowerCase();
        if (!scheme.equals("ws") && !scheme.equals("wss") || uri.getHost() == null) {
            throw new CommandLine.ParameterException(cl, "URL must be ws://host[:port]/path or wss://..., got " + url);
        }
        if (pingMillis < 0) throw new CommandLine.ParameterException(cl, "--ping-interval must not be negative");
        HttpHeaders.Builder extra = HttpHeaders.builder();
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon <= 0) throw new CommandLine.ParameterException(cl, "--header must be NAME:VALUE, got " + h);
            extra.add(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }
        WebSocketConfig config;
        try {
            config = WebSocketConfig.builder().permessageDeflate(!noDeflate).subprotocols(protocols)
                    .pingInterval(java.time.Duration.ofMillis(pingMillis)).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        CompletableFuture<int[]> closed = new CompletableFuture<>();
        WebSocketListener listener = new WebSocketListener() {
            @Override
            public void onText(WebSocket ws, String text) {
                synchronized (out) {
                    out.println(text);
                    out.flush();
                }
            }

            @Override
            public void onBinary(WebSocket ws, ByteBuffer data) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                synchronized (out) {
                    out.println(HexFormat.of().formatHex(b));
                    out.flush();
                }
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                synchronized (err) {
                    err.println("ws: " + error.getMessage());
                    err.flush();
                }
            }

            @Override
            public void onClose(WebSocket ws, int code, String reason) {
                closed.complete(new int[] {code});
                synchronized (err) {
                    err.println("ws: closed " + code + (reason.isEmpty() ? "" : " " + reason));
                    err.flush();
                }
            }
        };
        try (WebSocketClient client = WebSocketClient.builder().config(config).build()) {
            WebSocket ws;
            try {
                ws = client.connect(uri, extra.build(), listener).get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                err.println("ws: " + e.getCause().getMessage());
                err.flush();
                return 1;
            }
            err.println("ws: connected to " + uri + (ws.subprotocol() == null ? "" : " (" + ws.subprotocol() + ")")
                    + (ws.extensions().isEmpty() ? "" : " [" + ws.extensions() + "]"));
            err.flush();
            Thread reader = Thread.ofPlatform().daemon().name("ws-stdin").start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8))) {
                    String line;
                    while (!closed.isDone() && (line = in.readLine()) != null) {
                        if (binary) ws.sendBinary(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
                        else ws.sendText(line);
                    }
                } catch (java.io.IOException e) {
                    err.println("ws: reading standard input: " + e.getMessage());
                }
                if (!closed.isDone()) ws.close(1000, "");
            });
            int code = closed.get()[0];
            reader.interrupt();
            return code == 1000 ? 0 : 1;
        }
    }
}
