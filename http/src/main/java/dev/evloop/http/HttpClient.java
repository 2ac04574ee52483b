package dev.evloop.http;

import dev.evloop.http.driver.LoopDriver;
import dev.evloop.loop.EventLoop;
import dev.evloop.net.Transport;
import dev.evloop.poll.Backend;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * The ordinary client: the engine on its own {@link EventLoop} thread, behind {@link #send}
 * (blocking; fine on virtual threads) and {@link #sendAsync}. Thread-safe.
 *
 * <p>Futures complete on the client's loop thread: keep dependent stages short, or use the
 * {@code *Async} stage methods to move them elsewhere. {@link #send} refuses to run on that thread.
 */
public final class HttpClient implements AutoCloseable {
    private final EventLoop loop;
    private final HttpEngine engine;
    private final Thread thread;

    private HttpClient(Builder b) throws IOException {
        loop = b.backend != null ? EventLoop.builder().backend(b.backend).name("evloop-http").build()
                : EventLoop.builder().name("evloop-http").build();
        LoopDriver driver = new LoopDriver(loop);
        HttpEngine.Builder eb = b.engine
                .socketCallback(driver.socketCallback())
                .timerCallback(driver.timerCallback())
                .transport(Transport.forBackend(loop.backend()))
                .queueResults(false); // futures take every result; nothing would read the queue
        engine = eb.build();
        driver.bind(engine);
        thread = loop.start();
    }

    public static HttpClient create() throws IOException {
        return newBuilder().build();
    }

    public static Builder newBuilder() {
        return new Builder();
    }

    /** Sends {@code request}; the future completes with the response or the error that stopped it. */
    public CompletableFuture<HttpResponse> sendAsync(HttpRequest request) {
        Objects.requireNonNull(request, "request");
        CompletableFuture<HttpResponse> f = new CompletableFuture<>();
        Transfer t = Transfer.collecting(request, result -> {
            if (result.isSuccess()) f.complete(result.response());
            else f.completeExceptionally(result.error());
        });
        try {
            loop.execute(() -> engine.add(t));
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new IOException("client is closed; " + request + " not sent", e));
        }
        return f;
    }

    /**
     * Sends {@code request} and waits for the response.
     *
     * @throws IOException naming the cause (connection refused, timeout, malformed response, ...)
     */
    public HttpResponse send(HttpRequest request) throws IOException, InterruptedException {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("send() on the client's own loop thread would wait forever; use sendAsync()");
        }
        try {
            return sendAsync(request).get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw new IOException(io.getMessage(), io);
            if (c instanceof RuntimeException r) throw r;
            throw new IOException(String.valueOf(c), c);
        }
    }

    /** The engine, for tests; touch it on {@link #loop()}'s thread only. */
    HttpEngine engine() {
        return engine;
    }

    EventLoop loop() {
        return loop;
    }

    /** Fails what is in flight ({@link java.util.concurrent.CancellationException}), then stops the loop. */
    @Override
    public void close() {
        try {
            loop.execute(engine::close);
        } catch (RejectedExecutionException alreadyClosed) {
            return;
        }
        loop.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Options; the engine's settings pass through. */
    public static final class Builder {
        private Backend backend;
        private final HttpEngine.Builder engine = HttpEngine.builder();

        private Builder() {}

        public Builder backend(Backend backend) {
            this.backend = backend;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            engine.connectTimeout(d);
            return this;
        }

        public Builder idleTimeout(Duration d) {
            engine.idleTimeout(d);
            return this;
        }

        public Builder totalTimeout(Duration d) {
            engine.totalTimeout(d);
            return this;
        }

        public Builder maxConnectionsPerHost(int n) {
            engine.maxConnectionsPerHost(n);
            return this;
        }

        public Builder maxConnections(int n) {
            engine.maxConnections(n);
            return this;
        }

        /**
         * Which HTTP versions to use (default {@link HttpVersionPolicy#HTTP_2_TLS}: HTTP/2 over
         * TLS whenever the server offers it in ALPN, many requests sharing one connection).
         */
        public Builder versionPolicy(HttpVersionPolicy policy) {
            engine.versionPolicy(policy);
            return this;
        }

        /** HTTP/2 streams in flight at most per connection (default 100). */
        public Builder maxStreamsPerConnection(int n) {
            engine.maxStreamsPerConnection(n);
            return this;
        }

        /** TLS settings, e.g. a custom trust store (default: the JDK's default context). */
        public Builder sslContext(javax.net.ssl.SSLContext context) {
            engine.sslContext(context);
            return this;
        }

        /** Limits on response heads and bodies (header section size, field count, chunk lines, body size). */
        public Builder parserLimits(dev.evloop.http.codec.ParserLimits limits) {
            engine.parserLimits(limits);
            return this;
        }

        /** The most body bytes a response may have (default 64 MiB; {@link HttpEngine.Builder#maxResponseBody}). */
        public Builder maxResponseBody(long bytes) {
            engine.maxResponseBody(bytes);
            return this;
        }

        /** Follow up to {@code max} redirects (0: none, the default). */
        public Builder followRedirects(int max) {
            engine.followRedirects(max);
            return this;
        }

        /** Ask for and decode gzip/deflate bodies (default on). */
        public Builder decodeContent(boolean on) {
            engine.decodeContent(on);
            return this;
        }

        /** Verify the socket contract at every engine call (tests keep it on). */
        public Builder checking(boolean on) {
            engine.checking(on);
            return this;
        }

        public HttpClient build() throws IOException {
            return new HttpClient(this);
        }
    }
}
