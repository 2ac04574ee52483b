package dev.evloop.websocket;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Limits and timers of a WebSocket session, for clients and servers alike. Immutable; build with
 * {@link #builder()}.
 *
 * <ul>
 *   <li>{@code maxFrameSize}: a received frame declaring a longer payload closes the session with
 *       1009 (message too big) before any of it is read.
 *   <li>{@code maxMessageSize}: a received message (after reassembly and decompression) longer
 *       than this closes the session with 1009.
 *   <li>{@code sendFrameSize}: outgoing messages are split into frames of at most this payload, so
 *       control frames can interleave (RFC 6455 §5.4) and peers with frame limits are served.
 *   <li>{@code pingInterval}: when nothing arrived for this long, a ping is sent (keep-alive);
 *       zero turns it off.
 *   <li>{@code idleTimeout}: when nothing was received or sent for this long, the session closes
 *       with 1001; zero turns it off.
 *   <li>{@code closeTimeout}: how long to wait for the peer's close frame after sending ours, and
 *       (client) for the server to close the TCP connection afterwards (RFC 6455 §7.1.1).
 *   <li>{@code permessageDeflate}: offer (client) or accept (server) RFC 7692 compression.
 *   <li>{@code noContextTakeover}: ask that both compressors reset after every message (less
 *       memory per session, worse compression).
 *   <li>{@code subprotocols}: offered by a client, or supported by a server in order of preference.
 * </ul>
 */
public final class WebSocketConfig {
    private final int maxFrameSize;
    private final int maxMessageSize;
    private final int sendFrameSize;
    private final Duration pingInterval;
    private final Duration idleTimeout;
    private final Duration closeTimeout;
    private final boolean permessageDeflate;
    private final boolean noContextTakeover;
    private final List<String> subprotocols;

    private WebSocketConfig(Builder b) {
        this.maxFrameSize = b.maxFrameSize;
        this.maxMessageSize = b.maxMessageSize;
        this.sendFrameSize = b.sendFrameSize;
        this.pingInterval = b.pingInterval;
        this.idleTimeout = b.idleTimeout;
        this.closeTimeout = b.closeTimeout;
        this.permessageDeflate = b.permessageDeflate;
        this.noContextTakeover = b.noContextTakeover;
        this.subprotocols = List.copyOf(b.subprotocols);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: 16 MiB frames and messages, 64 KiB send frames, no pings, no idle timeout, 5 s close timeout, compression on. */
    public static WebSocketConfig defaults() {
        return new Builder().build();
    }

    public int maxFrameSize() {
        return maxFrameSize;
    }

    public int maxMessageSize() {
        return maxMessageSize;
    }

    public int sendFrameSize() {
        return sendFrameSize;
    }

    public Duration pingInterval() {
        return pingInterval;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public boolean permessageDeflate() {
        return permessageDeflate;
    }

    public boolean noContextTakeover() {
        return noContextTakeover;
    }

    public List<String> subprotocols() {
        return subprotocols;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxFrameSize = maxFrameSize;
        b.maxMessageSize = maxMessageSize;
        b.sendFrameSize = sendFrameSize;
        b.pingInterval = pingInterval;
        b.idleTimeout = idleTimeout;
        b.closeTimeout = closeTimeout;
        b.permessageDeflate = permessageDeflate;
        b.noContextTakeover = noContextTakeover;
        b.subprotocols = subprotocols;
        return b;
    }

    @Override
    public String toString() {
        return "WebSocketConfig[maxFrameSize=" + maxFrameSize + ", maxMessageSize=" + maxMessageSize
                + ", sendFrameSize=" + sendFrameSize + ", pingInterval=" + pingInterval + ", idleTimeout="
                + idleTimeout + ", closeTimeout=" + closeTimeout + ", permessageDeflate=" + permessageDeflate
                + ", noContextTakeover=" + noContextTakeover + ", subprotocols=" + subprotocols + "]";
    }

    public static final class Builder {
        private int maxFrameSize = 16 << 20;
        private int maxMessageSize = 16 << 20;
        private int sendFrameSize = 64 << 10;
        private Duration pingInterval = Duration.ZERO;
        private Duration idleTimeout = Duration.ZERO;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private boolean permessageDeflate = true;
        private boolean noContextTakeover;
        private List<String> subprotocols = List.of();

        private Builder() {}

        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = atLeast(bytes, 125, "maxFrameSize");
            return this;
        }

        public Builder maxMessageSize(int bytes) {
            this.maxMessageSize = atLeast(bytes, 0, "maxMessageSize");
            return this;
        }

        public Builder sendFrameSize(int bytes) {
            this.sendFrameSize = atLeast(bytes, 1, "sendFrameSize");
            return this;
        }

        public Builder pingInterval(Duration d) {
            this.pingInterval = notNegative(d, "pingInterval");
            return this;
        }

        public Builder idleTimeout(Duration d) {
            this.idleTimeout = notNegative(d, "idleTimeout");
            return this;
        }

        public Builder closeTimeout(Duration d) {
            this.closeTimeout = notNegative(d, "closeTimeout");
            if (d.isZero()) throw new IllegalArgumentException("closeTimeout must be positive: " + d);
            return this;
        }

        public Builder permessageDeflate(boolean on) {
            this.permessageDeflate = on;
            return this;
        }

        public Builder noContextTakeover(boolean on) {
            this.noContextTakeover = on;
            return this;
        }

        public Builder subprotocols(List<String> names) {
            for (String n : names) {
                if (n == null || n.isEmpty() || !isToken(n)) {
                    throw new IllegalArgumentException("subprotocol must be an HTTP token (RFC 6455 §4.1): " + n);
                }
            }
            this.subprotocols = List.copyOf(names);
            return this;
        }

        public WebSocketConfig build() {
            return new WebSocketConfig(this);
        }

        private static int atLeast(int v, int min, String name) {
            if (v < min) throw new IllegalArgumentException(name + " must be at least " + min + ": " + v);
            return v;
        }

        private static Duration notNegative(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) throw new IllegalArgumentException(name + " must not be negative: " + d);
            return d;
        }

        /** RFC 9110 §5.6.2 token characters. */
        static boolean isToken(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
                if (!ok) return false;
            }
            return true;
        }
    }
}
