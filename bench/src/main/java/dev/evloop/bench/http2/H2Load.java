package dev.evloop.bench.http2;

import dev.evloop.bench.http.HttpLoad;
import dev.evloop.bench.http.HttpLoad.JdkClient.Counting;
import dev.evloop.http.HttpEngine;
import dev.evloop.http.HttpHeaders;
import dev.evloop.http.HttpRequest;
import dev.evloop.http.HttpVersionPolicy;
import dev.evloop.http.Transfer;
import dev.evloop.http.TransferListener;
import dev.evloop.http.TransferResult;
import dev.evloop.http.driver.LoopDriver;
import dev.evloop.loop.EventLoop;
import dev.evloop.net.Transport;
import dev.evloop.poll.Backend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;

/**
 * One client run of {@link H2Compare}, in its own JVM:
 * {@code H2Load evloop|jdk|jetty URL IN_FLIGHT WARMUP_S DURATION_S EXPECTED_BODY_BYTES}.
 *
 * <p>Each client keeps IN_FLIGHT GET requests in flight over HTTP/2 on ONE connection to an h2c
 * server ({@code http://} URL), each completion starting the next, and checks every response:
 * status 200, exactly EXPECTED_BODY_BYTES of body, and HTTP/2 where the client says which version
 * it spoke. Warm-up, window and figures are {@link HttpLoad#measure}'s; the server counts the
 * connections and the version of every request, so a client that quietly opened more
 * connections or stayed on HTTP/1.1 shows in the report.
 */
public final class H2Load {
    private H2Load() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: H2Load evloop|jdk|jetty URL IN_FLIGHT WARMUP_S DURATION_S EXPECTED_BODY_BYTES");
            System.exit(2);
        }
        String kind = args[0];
        URI uri = URI.create(args[1]);
        if (!"http".equals(uri.getScheme())) throw new IllegalArgumentException("h2c only: want an http:// URL, got " + uri);
        int inFlight = Integer.parseInt(args[2]);
        double warmup = Double.parseDouble(args[3]);
        double duration = Double.parseDouble(args[4]);
        long expected = Long.parseLong(args[5]);
        HttpLoad.Client client = switch (kind) {
            case "evloop" -> new Evloop(uri, inFlight, expected);
            case "jdk" -> new Jdk(uri, inFlight, expected);
            case "jetty" -> new Jetty(uri, inFlight, expected);
            default -> throw new IllegalArgumentException("unknown client '" + kind + "'; known: evloop, jdk, jetty");
        };
        HttpLoad.measure(kind, uri, inFlight, warmup, duration, client);
    }

    // ------------------------------------------------------------------ evloop

    /**
     * evloop's {@link HttpEngine} on its own {@link EventLoop} (epoll, {@link LoopDriver}), h2c with
     * prior knowledge, one connection per origin with IN_FLIGHT streams at most on it.
     */
    static final class Evloop implements HttpLoad.Client {
        private final EventLoop loop;
        private final HttpEngine engine;
        private final HttpRequest request;
        private final int inFlight;
        private final long expected;
        private final Thread thread;

        /** One per stream in flight, attached to its transfer: what the response brought so far. */
        private static final class Slot {
            int status;
            long bytes;
        }

        private final TransferListener listener = new TransferListener() {
            @Override
            public void onResponseHead(Transfer t, int status, HttpHeaders headers) {
                ((Slot) t.attachment()).status = status;
            }

            @Override
            public void onBody(Transfer t, ByteBuffer bytes) {
                ((Slot) t.attachment()).bytes += bytes.remaining();
            }

            @Override
            public void onComplete(TransferResult r) {
                while (engine.nextResult() != null) {
                    // the listener hears every result
                }
                if (HttpLoad.stopping()) return;
                Slot slot = (Slot) r.transfer().attachment();
                if (r.isSuccess() && slot.status == 200 && slot.bytes == expected) {
                    HttpLoad.ok();
                    next(slot);
                } else {
                    HttpLoad.error(r.isSuccess() ? "status " + slot.status + ", " + slot.bytes + " bytes" : String.valueOf(r.error()));
                    loop.execute(() -> next(slot)); // not from inside add()
                }
            }
        };

        Evloop(URI uri, int inFlight, long expected) throws IOException {
            this.inFlight = inFlight;
            this.expected = expected;
            this.request = HttpRequest.get(uri.toString());
            loop = EventLoop.builder().backend(Backend.EPOLL).name("evloop-client").build();
            LoopDriver driver = new LoopDriver(loop);
            engine = HttpEngine.builder()
                    .socketCallback(driver.socketCallback())
                    .timerCallback(driver.timerCallback())
                    .transport(Transport.forBackend(loop.backend()))
                    .versionPolicy(HttpVersionPolicy.HTTP_2_PRIOR_KNOWLEDGE)
                    .maxConnectionsPerHost(1)
                    .maxStreamsPerConnection(inFlight)
                    .build();
            driver.bind(engine);
            thread = new Thread(loop::run, "evloop-client-loop");
        }

        private void next(Slot slot) {
            if (HttpLoad.stopping()) return;
            slot.status = 0;
            slot.bytes = 0;
            Transfer t = Transfer.streaming(request, listener);
            t.attach(slot);
            engine.add(t);
        }

        @Override
        public void start() {
            loop.execute(() -> {
                for (int i = 0; i < inFlight; i++) next(new Slot());
            });
            thread.start();
        }

        @Override
        public void close() throws Exception {
            loop.execute(() -> {
                engine.close();
                loop.close();
            });
            thread.join(5000);
        }
    }

    // ------------------------------------------------------------------ JDK

    /**
     * {@code java.net.http.HttpClient} with {@code Version.HTTP_2}, default executor. Over
     * {@code http://} it has no prior knowledge: its first request on a connection goes as
     * HTTP/1.1 with {@code Upgrade: h2c}, later ones multiplex on the upgraded connection. So one
     * request goes alone first (were IN_FLIGHT sent at once, each would open and upgrade a
     * connection of its own), then IN_FLIGHT sendAsync chains run on that connection.
     */
    static final class Jdk implements HttpLoad.Client {
        private final java.net.http.HttpClient client;
        private final java.net.http.HttpRequest request;
        private final int inFlight;
        private final long expected;
        private final BodyHandler<Long> handler = info -> BodySubscribers.fromSubscriber(new Counting(), Counting::bytes);

        Jdk(URI uri, int inFlight, long expected) {
            this.inFlight = inFlight;
            this.expected = expected;
            client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_2).build();
            request = java.net.http.HttpRequest.newBuilder(uri).GET().build();
        }

        private void next() {
            if (HttpLoad.stopping()) return;
            client.sendAsync(request, handler).whenComplete((r, e) -> {
                if (HttpLoad.stopping()) return;
                if (e == null && r.statusCode() == 200 && r.body() == expected
                        && r.version() == java.net.http.HttpClient.Version.HTTP_2) HttpLoad.ok();
                else HttpLoad.error(e != null ? e.toString()
                        : "status " + r.statusCode() + ", " + r.body() + " bytes, " + r.version());
                next();
            });
        }

        @Override
        public void start() throws Exception {
            var first = client.send(request, handler);
            if (first.statusCode() != 200 || first.version() != java.net.http.HttpClient.Version.HTTP_2) {
                throw new IOException("the upgrade to h2c failed: status " + first.statusCode() + ", " + first.version());
            }
            for (int i = 0; i < inFlight; i++) next();
        }

        @Override
        public void close() {
            client.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ Jetty

    /**
     * Jetty 12's {@code HttpClient} over its HTTP/2 transport without ALPN, which is h2c with prior
     * knowledge; one connection per destination (it multiplexes up to the server's
     * SETTINGS_MAX_CONCURRENT_STREAMS, Jetty's server default 128), IN_FLIGHT listener chains.
     */
    static final class Jetty implements HttpLoad.Client {
        private final org.eclipse.jetty.client.HttpClient client;
        private final URI uri;
        private final int inFlight;
        private final long expected;

        /** One per request in flight, reused for the next. */
        final class Slot implements org.eclipse.jetty.client.Response.Listener {
            long bytes;

            void send() {
                if (HttpLoad.stopping()) return;
                bytes = 0;
                client.newRequest(uri).send(this);
            }

            @Override
            public void onContent(org.eclipse.jetty.client.Response response, ByteBuffer content) {
                bytes += content.remaining();
            }

            @Override
            public void onComplete(org.eclipse.jetty.client.Result result) {
                if (HttpLoad.stopping()) return;
                var response = result.getResponse();
                if (result.isSucceeded() && response.getStatus() == 200 && bytes == expected
                        && response.getVersion() == HttpVersion.HTTP_2) HttpLoad.ok();
                else HttpLoad.error(result.isFailed() ? String.valueOf(result.getFailure())
                        : "status " + response.getStatus() + ", " + bytes + " bytes, " + response.getVersion());
                send();
            }
        }

        Jetty(URI uri, int inFlight, long expected) {
            this.uri = uri;
            this.inFlight = inFlight;
            this.expected = expected;
            HTTP2Client h2 = new HTTP2Client(new ClientConnector());
            h2.setUseALPN(false);
            client = new org.eclipse.jetty.client.HttpClient(new HttpClientTransportOverHTTP2(h2));
            client.setMaxConnectionsPerDestination(1);
        }

        @Override
        public void start() throws Exception {
            client.start();
            for (int i = 0; i < inFlight; i++) new Slot().send();
        }

        @Override
        public void close() throws Exception {
            client.stop();
        }
    }
}
