package dev.evloop.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * Linux socket constants and structs: {@code sockaddr_in} (ip(7)), {@code sockaddr_in6} (ipv6(7)),
 * {@code struct iovec} (readv(2)), {@code struct linger} (socket(7)).
 */
public final class SocketAbi {
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_IPV6 = 41;

    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_ERROR = 4;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_KEEPALIVE = 9;
    public static final int SO_LINGER = 13;
    public static final int SO_REUSEPORT = 15;
    public static final int TCP_NODELAY = 1;
    public static final int IPV6_V6ONLY = 26;

    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    public static final int MSG_NOSIGNAL = 0x4000;

    /** Big enough for any address family we use ({@code struct sockaddr_storage} is 128). */
    public static final int SOCKADDR_STORAGE_SIZE = 128;
    public static final int SOCKADDR_IN_SIZE = 16;
    public static final int SOCKADDR_IN6_SIZE = 28;

    /** {@code struct iovec { void *iov_base; size_t iov_len; }} */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"));
    public static final VarHandle IOV_BASE = IOVEC.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("iov_base"));
    public static final VarHandle IOV_LEN = IOVEC.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("iov_len"));

    /** {@code struct linger { int l_onoff; int l_linger; }} */
    public static final StructLayout LINGER = MemoryLayout.structLayout(
            JAVA_INT.withName("l_onoff"), JAVA_INT.withName("l_linger"));

    private static final ValueLayout.OfShort NET_SHORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN).withByteAlignment(1);

    private SocketAbi() {}

    /**
     * Writes {@code address} as a {@code sockaddr_in} or {@code sockaddr_in6} at the start of
     * {@code out} (at least {@link #SOCKADDR_IN6_SIZE} bytes) and returns its length.
     *
     * @throws IllegalArgumentException if the address is unresolved
     */
    public static int encode(InetSocketAddress address, MemorySegment out) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("unresolved address: " + address);
        }
        out.asSlice(0, SOCKADDR_IN6_SIZE).fill((byte) 0);
        if (ip instanceof Inet4Address) {
            out.set(JAVA_SHORT.withByteAlignment(1), 0, (short) AF_INET);
            out.set(NET_SHORT, 2, (short) address.getPort());
            MemorySegment.copy(ip.getAddress(), 0, out, JAVA_BYTE, 4, 4);
            return SOCKADDR_IN_SIZE;
        }
        Inet6Address ip6 = (Inet6Address) ip;
        out.set(JAVA_SHORT.withByteAlignment(1), 0, (short) AF_INET6);
        out.set(NET_SHORT, 2, (short) address.getPort());
        MemorySegment.copy(ip6.getAddress(), 0, out, JAVA_BYTE, 8, 16);
        out.set(JAVA_INT.withByteAlignment(1), 24, ip6.getScopeId());
        return SOCKADDR_IN6_SIZE;
    }

    /** Reads a {@code sockaddr_in} / {@code sockaddr_in6} written by the kernel. */
    public static InetSocketAddress decode(MemorySegment in) {
        int family = in.get(JAVA_SHORT.withByteAlignment(1), 0);
        int port = Short.toUnsignedInt(in.get(NET_SHORT, 2));
        try {
            if (family == AF_INET) {
                byte[] a = new byte[4];
                MemorySegment.copy(in, JAVA_BYTE, 4, a, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(a), port);
            }
            if (family == AF_INET6) {
                byte[] a = new byte[16];
                MemorySegment.copy(in, JAVA_BYTE, 8, a, 0, 16);
                int scope = in.get(JAVA_INT.withByteAlignment(1), 24);
                return new InetSocketAddress(Inet6Address.getByAddress(null, a, scope), port);
            }
        } catch (UnknownHostException e) {
            throw new AssertionError("a raw address of the right length cannot be unknown", e);
        }
        throw new IllegalArgumentException("unsupported address family " + family);
    }
}
