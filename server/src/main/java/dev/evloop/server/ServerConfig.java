package dev.evloop.server;

import dev.evloop.loop.Clock;
import dev.evloop.poll.Backend;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link TcpServer} is told; immutable. {@link #builder()} gives the defaults.
 *
 * @param address where to listen (port 0: an ephemeral port, the same for every loop)
 * @param backlog listen(2) backlog
 * @param maxClients connections per loop at most; at the limit the listener is disabled (not
 *     removed) until one leaves
 * @param readTimeout a connection with nothing read for this long is closed; zero: never
 * @param maxPendingOutput unwritten bytes a connection may hold; past it, it is closed
 * @param maxBufferedInput unconsumed input bytes a connection may hold; past it, it is closed
 * @param readBufferSize the loop's shared read buffer (one per loop, not per connection)
 * @param loops event loops (threads), sharing the port through SO_REUSEPORT when more than one
 * @param backend the poller, or null for the default
 * @param clock the loops' time source (tests inject a ManualClock)
 * @param acceptBackoffMin first pause of accepting after EMFILE/ENFILE
 * @param acceptBackoffMax longest pause (the pause doubles per failed retry)
 */
public record ServerConfig(
        InetSocketAddress address,
        int backlog,
        int maxClients,
        Duration readTimeout,
        int maxPendingOutput,
        int maxBufferedInput,
        int readBufferSize,
        int loops,
        Backend backend,
        Clock clock,
        Duration acceptBackoffMin,
        Duration acceptBackoffMax) {

    public ServerConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(acceptBackoffMin, "acceptBackoffMin");
        Objects.requireNonNull(acceptBackoffMax, "acceptBackoffMax");
        positive("backlog", backlog);
        positive("maxClients", maxClients);
        positive("maxPendingOutput", maxPendingOutput);
        positive("maxBufferedInput", maxBufferedInput);
        positive("loops", loops);
        if (readBufferSize < 1024) {
            throw new IllegalArgumentException("readBufferSize must be at least 1024 bytes, got " + readBufferSize);
        }
        if (readTimeout.isNegative()) throw new IllegalArgumentException("readTimeout must not be negative: " + readTimeout);
        if (acceptBackoffMin.isNegative() || acceptBackoffMin.isZero() || acceptBackoffMax.compareTo(acceptBackoffMin) < 0) {
            throw new IllegalArgumentException("accept back-off must satisfy 0 < min <= max, got "
                    + acceptBackoffMin + " and " + acceptBackoffMax);
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be positive, got " + value);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.address = address;
        b.backlog = backlog;
        b.maxClients = maxClients;
        b.readTimeout = readTimeout;
        b.maxPendingOutput = maxPendingOutput;
        b.maxBufferedInput = maxBufferedInput;
        b.readBufferSize = readBufferSize;
        b.loops = loops;
        b.backend = backend;
        b.clock = clock;
        b.acceptBackoffMin = acceptBackoffMin;
        b.acceptBackoffMax = acceptBackoffMax;
        return b;
    }

    /** Defaults: 127.0.0.1:0, backlog 1024, unlimited clients, no read timeout, 4 MiB pending
     *  output, 2 MiB buffered input, 64 KiB read buffer, one loop, back-off 10 ms to 1 s. */
    public static final class Builder {
        private InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private int backlog = 1024;
        private int maxClients = Integer.MAX_VALUE;
        private Duration readTimeout = Duration.ZERO;
        private int maxPendingOutput = 4 << 20;
        private int maxBufferedInput = 2 << 20;
        private int readBufferSize = 64 << 10;
        private int loops = 1;
        private Backend backend;
        private Clock clock = Clock.system();
        private Duration acceptBackoffMin = Duration.ofMillis(10);
        private Duration acceptBackoffMax = Duration.ofSeconds(1);

        private Builder() {}

        public Builder address(InetSocketAddress address) {
            this.address = address;
            return this;
        }

        public Builder address(String host, int port) {
            this.address = new InetSocketAddress(host, port);
            return this;
        }

        public Builder backlog(int backlog) {
            this.backlog = backlog;
            return this;
        }

        public Builder maxClients(int maxClients) {
            this.maxClients = maxClients;
            return this;
        }

        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
            return this;
        }

        public Builder maxPendingOutput(int bytes) {
            this.maxPendingOutput = bytes;
            return this;
        }

        public Builder maxBufferedInput(int bytes) {
            this.maxBufferedInput = bytes;
            return this;
        }

        public Builder readBufferSize(int bytes) {
            this.readBufferSize = bytes;
            return this;
        }

        public Builder loops(int loops) {
            this.loops = loops;
            return this;
        }

        public Builder backend(Backend backend) {
            this.backend = backend;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder acceptBackoff(Duration min, Duration max) {
            this.acceptBackoffMin = min;
            this.acceptBackoffMax = max;
            return this;
        }

        public ServerConfig build() {
            return new ServerConfig(address, backlog, maxClients, readTimeout, maxPendingOutput, maxBufferedInput,
                    readBufferSize, loops, backend, clock, acceptBackoffMin, acceptBackoffMax);
        }
    }
}
