package dev.evloop.net;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/** Address checks and the address form every error message of this package uses. */
final class Addresses {
    private Addresses() {}

    /** The address, checked to be resolved: sockets take numbers, and evloop does no name lookups. */
    static InetAddress resolve(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("unresolved address: " + address.getHostString() + ":"
                    + address.getPort() + " (resolve it first; evloop does no name lookups)");
        }
        return ip;
    }

    /**
     * {@code 127.0.0.1:80} or {@code [0:0:0:0:0:0:0:1]:80}. The literal only: the host name an
     * address was made from says nothing about the socket.
     */
    static String describe(InetSocketAddress address) {
        if (address == null) return "unknown address";
        InetAddress ip = address.getAddress();
        if (ip == null) return address.getHostString() + ":" + address.getPort();
        if (ip instanceof Inet4Address) return ip.getHostAddress() + ":" + address.getPort();
        return "[" + ip.getHostAddress() + "]:" + address.getPort();
    }

    /**
     * A JDK failure restated in the native form, naming the call and the address:
     * {@code connect: Connection refused [127.0.0.1:1]}. The JDK's exception is the cause.
     */
    static IOException jdkFailure(String call, IOException e, InetSocketAddress address) {
        String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return new IOException(call + ": " + why + " [" + describe(address) + "]", e);
    }
}
