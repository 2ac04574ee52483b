package dev.evloop.bench.http;

import dev.evloop.http.HttpEngine;
import dev.evloop.http.HttpHeaders;
import dev.evloop.http.HttpRequest;
import dev.evloop.http.Transfer;
import dev.evloop.http.TransferListener;
import dev.evloop.http.TransferResult;
import dev.evloop.http.driver.LoopDriver;
import dev.evloop.loop.EventLoop;
import dev.evloop.net.Transport;
import dev.evloop.poll.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client run of {@link HttpCompare}, in its own JVM:
 * {@code HttpLoad evloop|jdk|jetty|netty URL IN_FLIGHT WARMUP_S DURATION_S EXPECTED_BODY_BYTES}.
 *
 * <p>Keeps IN_FLIGHT GET requests in flight on keep-alive connections (each completion starts
 * the next), checks every response (status 200 and exactly EXPECTED_BODY_BYTES of body, counted
 * as it streams by, not kept), runs WARMUP_S seconds unmeasured, then prints {@code window-start},
 * measures DURATION_S seconds, prints {@code window-end} and one JSON line. Measured over the
 * window, inside this JVM: responses, errors, the process's CPU time
 * ({@code OperatingSystemMXBean.getProcessCpuTime}), and bytes allocated: the sum of
 * {@code ThreadMXBean.getThreadAllocatedBytes} over the threads alive at each end (threads that
 * die in between are missed, threads born in between count from zero), plus
 * {@code getTotalThreadAllocatedBytes} (JDK 21+: every thread, dead ones included) as a check.
 */
public final class HttpLoad {
    /** Written by the clients' threads, read by main. */
    static final AtomicLong OK = new AtomicLong();
    static final AtomicLong ERRORS = new AtomicLong();
    static volatile boolean stopping;
    static volatile String firstError;

    private HttpLoad() {}

    /** One client under load (these and {@link dev.evloop.bench.http2.H2Load}'s): start begins its requests, close stops them. */
    public interface Client extends AutoCloseable {
        void start() throws Exception;

        @Override
        void close() throws Exception;
    }

    public static void ok() {
        OK.incrementAndGet();
    }

    public static void error(String why) {
        if (stopping) return;
        ERRORS.incrementAndGet();
        if (firstError == null) firstError = why;
    }

    /** True once the window is over: completions after that are neither counted nor followed. */
    public static boolean stopping() {
        return stopping;
    }

    record Snapshot(long nanos, long ok, long errors, long cpuNanos, long liveAllocated, long totalAllocated, int threads) {}

    static Snapshot snapshot() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long ok = OK.get();
        long errors = ERRORS.get();
        long[] ids = threads.getAllThreadIds();
        long[] allocated = threads.getThreadAllocatedBytes(ids);
        long live = 0;
        for (long a : allocated) if (a > 0) live += a;
        long total = threads.getTotalThreadAllocatedBytes();
        return new Snapshot(System.nanoTime(), ok, errors, os.getProcessCpuTime(), live, total, ids.length);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: HttpLoad evloop|jdk|jetty|netty URL IN_FLIGHT WARMUP_S DURATION_S EXPECTED_BODY_BYTES");
            System.exit(2);
        }
        String kind = args[0];
        URI uri = URI.create(args[1]);
        int inFlight = Integer.parseInt(args[2]);
        double warmup = Double.parseDouble(args[3]);
        double duration = Double.parseDouble(args[4]);
        long expected = Long.parseLong(args[5]);
        Client client = switch (kind) {
            case "evloop" -> new EvloopClient(uri, inFlight, expected);
            case "jdk" -> new JdkClient(uri, inFlight, expected);
            case "jetty" -> new JettyClient(uri, inFlight, expected);
            case "netty" -> new NettyClient(uri, inFlight, expected);
            default -> throw new IllegalArgumentException("unknown client " + kind);
        };
        measure(kind, uri, inFlight, warmup, duration, client);
    }

    /**
     * Starts {@code client}, waits out the warm-up, measures one window as the class comment says,
     * prints the JSON line and exits the JVM.
     */
    public static void measure(String kind, URI uri, int inFlight, double warmup, double duration, Client client)
            throws Exception {
        System.out.println("started " + kind + " " + uri + " in flight " + inFlight);
        System.out.flush();
        client.start();
        Thread.sleep((long) (warmup * 1000));
        Snapshot a = snapshot();
        System.out.println("window-start");
        System.out.flush();
        Thread.sleep((long) (duration * 1000));
        Snapshot b = snapshot();
        System.out.println("window-end");
        System.out.flush();
        stopping = true;
        try {
            client.close();
        } catch (Exception e) {
            System.err.println("close: " + e);
        }
        double window = (b.nanos() - a.nanos()) / 1e9;
        long requests = b.ok() - a.ok();
        double cpu = (b.cpuNanos() - a.cpuNanos()) / 1e9;
        String err = firstError == null ? "null" : "\"" + firstError.replace("\\", "\\\\").replace("\"", "'") + "\"";
        System.out.printf(Locale.ROOT, "{\"client\":\"%s\",\"requests\":%d,\"window_s\":%.3f,\"requests_per_s\":%.1f,"
                        + "\"errors\":%d,\"cpu_s\":%.3f,\"cpu_s_per_100k\":%.4f,\"alloc_live_bytes_per_req\":%.1f,"
                        + "\"alloc_total_bytes_per_req\":%.1f,\"threads_start\":%d,\"threads_end\":%d,\"first_error\":%s}%n",
                kind, requests, window, requests / window, b.errors() - a.errors(), cpu,
                requests == 0 ? Double.NaN : cpu / requests * 1e5,
                requests == 0 ? Double.NaN : (b.liveAllocated() - a.liveAllocated()) / (double) requests,
                requests == 0 ? Double.NaN : (b.totalAllocated() - a.totalAllocated()) / (double) requests,
                a.threads(), b.threads(), err);
        System.out.flush();
        System.exit(0); // pool threads of some clients are not daemons; exit (not halt) so JFR dumps its recording
    }

    // ------------------------------------------------------------------ evloop

    /** evloop's {@link HttpEngine} on its own {@link EventLoop} (epoll), as {@code evloop bench} runs it. */
    static final class EvloopClient implements Client {
        private final EventLoop loop;
        private final HttpEngine engine;
        private final HttpRequest request;
        private final int inFlight;
        private final long expected;
        private final Thread thread;

        /** One per request in flight, attached to its transfer: the body bytes seen so far. */
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
                if (stopping) return;
                Slot slot = (Slot) r.transfer().attachment();
                if (r.isSuccess() && slot.status == 200 && slot.bytes == expected) {
                    ok();
                    next(slot);
                } else {
                    error(r.isSuccess() ? "status " + slot.status + ", " + slot.bytes + " bytes" : String.valueOf(r.error()));
                    loop.execute(() -> next(slot)); // not from inside add()
                }
            }
        };

        EvloopClient(URI uri, int inFlight, long expected) throws Exception {
            this.inFlight = inFlight;
            this.expected = expected;
            this.request = HttpRequest.get(uri.toString());
            loop = EventLoop.builder().backend(Backend.EPOLL).name("evloop-client").build();
            LoopDriver driver = new LoopDriver(loop);
            engine = HttpEngine.builder()
                    .socketCallback(driver.socketCallback())
                    .timerCallback(driver.timerCallback())
                    .transport(Transport.forBackend(loop.backend()))
                    .maxConnectionsPerHost(inFlight)
                    .build();
            driver.bind(engine);
            thread = new Thread(loop::run, "evloop-client-loop");
        }

        private void next(Slot slot) {
            if (stopping) return;
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

    /** {@code java.net.http.HttpClient}, HTTP/1.1 forced, default executor, IN_FLIGHT sendAsync chains. */
    public static final class JdkClient implements Client {
        private final java.net.http.HttpClient client;
        private final java.net.http.HttpRequest request;
        private final int inFlight;
        private final long expected;
        private final BodyHandler<Long> handler = info -> BodySubscribers.fromSubscriber(new Counting(), Counting::bytes);

        /** Counts the body's bytes and keeps none. */
        public static final class Counting implements Flow.Subscriber<List<ByteBuffer>> {
            private long bytes;

            public long bytes() {
                return bytes;
            }

            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<ByteBuffer> item) {
                for (ByteBuffer b : item) bytes += b.remaining();
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onComplete() {}
        }

        JdkClient(URI uri, int inFlight, long expected) {
            this.inFlight = inFlight;
            this.expected = expected;
            client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
            request = java.net.http.HttpRequest.newBuilder(uri).GET().build();
        }

        private void next() {
            if (stopping) return;
            client.sendAsync(request, handler).whenComplete((r, e) -> {
                if (stopping) return;
                if (e == null && r.statusCode() == 200 && r.body() == expected) ok();
                else error(e != null ? e.toString() : "status " + r.statusCode() + ", " + r.body() + " bytes");
                next();
            });
        }

        @Override
        public void start() {
            for (int i = 0; i < inFlight; i++) next();
        }

        @Override
        public void close() {
            client.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ Jetty

    /** Jetty 12's {@code HttpClient}, maxConnectionsPerDestination IN_FLIGHT, IN_FLIGHT listener chains. */
    static final class JettyClient implements Client {
        private final org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient();
        private final URI uri;
        private final int inFlight;
        private final long expected;

        /** One per request in flight, reused for the next. */
        final class Slot implements org.eclipse.jetty.client.Response.Listener {
            long bytes;

            void send() {
                if (stopping) return;
                bytes = 0;
                client.newRequest(uri).send(this);
            }

            @Override
            public void onContent(org.eclipse.jetty.client.Response response, ByteBuffer content) {
                bytes += content.remaining();
            }

            @Override
            public void onComplete(org.eclipse.jetty.client.Result result) {
                if (stopping) return;
                if (result.isSucceeded() && result.getResponse().getStatus() == 200 && bytes == expected) ok();
                else error(result.isFailed() ? String.valueOf(result.getFailure())
                        : "status " + result.getResponse().getStatus() + ", " + bytes + " bytes");
                send();
            }
        }

        JettyClient(URI uri, int inFlight, long expected) {
            this.uri = uri;
            this.inFlight = inFlight;
            this.expected = expected;
            client.setMaxConnectionsPerDestination(inFlight);
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

    // ------------------------------------------------------------------ Netty

    /**
     * Netty 4.1 on native epoll, one event loop thread: IN_FLIGHT channels, each with
     * {@code HttpClientCodec} + {@code HttpObjectAggregator} and one request in flight at a time,
     * keep-alive (HTTP/1.1 default).
     */
    static final class NettyClient implements Client {
        private final EpollEventLoopGroup group = new EpollEventLoopGroup(1);
        private final String host;
        private final int port;
        private final String path;
        private final String hostHeader;
        private final int inFlight;
        private final long expected;

        NettyClient(URI uri, int inFlight, long expected) {
            this.host = uri.getHost();
            this.port = uri.getPort();
            this.path = uri.getRawPath();
            this.hostHeader = host + ":" + port;
            this.inFlight = inFlight;
            this.expected = expected;
        }

        final class Handler extends SimpleChannelInboundHandler<FullHttpResponse> {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                send(ctx);
            }

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                if (stopping) return;
                if (r.status().code() == 200 && r.content().readableBytes() == expected) ok();
                else error("status " + r.status().code() + ", " + r.content().readableBytes() + " bytes");
                send(ctx);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                error(cause.toString());
                ctx.close();
            }

            private void send(ChannelHandlerContext ctx) {
                if (stopping) return;
                DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path,
                        Unpooled.EMPTY_BUFFER);
                req.headers().set(HttpHeaderNames.HOST, hostHeader);
                ctx.writeAndFlush(req, ctx.voidPromise());
            }
        }

        @Override
        public void start() throws Exception {
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(EpollSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), new Handler());
                        }
                    });
            for (int i = 0; i < inFlight; i++) b.connect(host, port).sync();
        }

        @Override
        public void close() throws Exception {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(3, TimeUnit.SECONDS);
        }
    }
}
