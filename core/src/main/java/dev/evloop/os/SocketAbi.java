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
 * Socket constants and structs of the running kernel: {@code sockaddr_in} / {@code sockaddr_in6}
 * (ip(7), ipv6(7); the BSDs' netinet/in.h and netinet6/in6.h), {@code struct iovec} (readv(2)),
 * {@code struct linger} (socket(7)). The numbers come from {@link OsConstants#current()}; they are
 * not compile-time constants.
 *
 * <p>Flags a platform lacks are 0, so OR-ing them in changes nothing and callers test for 0 to
 * take their fallback: macOS has no SOCK_NONBLOCK / SOCK_CLOEXEC (socket(2) then fcntl(2)) and
 * no MSG_NOSIGNAL (SO_NOSIGPIPE per socket instead). An option a platform lacks is -1.
 */
public final class SocketAbi {
    private static final OsConstants OS = OsConstants.current();

    public static final int AF_INET = OS.get("AF_INET");
    public static final int AF_INET6 = OS.get("AF_INET6");
    public static final int SOCK_STREAM = OS.get("SOCK_STREAM");
    /** 0 on macOS. */
    public static final int SOCK_NONBLOCK = OS.flag("SOCK_NONBLOCK");
    /** 0 on macOS. */
    public static final int SOCK_CLOEXEC = OS.flag("SOCK_CLOEXEC");
    public static final int IPPROTO_TCP = OS.get("IPPROTO_TCP");
    public static final int IPPROTO_IPV6 = OS.get("IPPROTO_IPV6");

    public static final int SOL_SOCKET = OS.get("SOL_SOCKET");
    public static final int SO_REUSEADDR = OS.get("SO_REUSEADDR");
    public static final int SO_ERROR = OS.get("SO_ERROR");
    public static final int SO_SNDBUF = OS.get("SO_SNDBUF");
    public static final int SO_RCVBUF = OS.get("SO_RCVBUF");
    public static final int SO_KEEPALIVE = OS.get("SO_KEEPALIVE");
    /** In seconds everywhere: on macOS this is SO_LINGER_SEC, since Darwin's SO_LINGER counts ticks. */
    public static final int SO_LINGER = OS.get("SO_LINGER");
    public static final int SO_REUSEPORT = OS.get("SO_REUSEPORT");
    /** macOS and FreeBSD: no SIGPIPE for this socket's writes; -1 on Linux, which has no such option. */
    public static final int SO_NOSIGPIPE = OS.find("SO_NOSIGPIPE").orElse(-1);
    public static final int TCP_NODELAY = OS.get("TCP_NODELAY");
    public static final int IPV6_V6ONLY = OS.get("IPV6_V6ONLY");

    public static final int SHUT_RD = OS.get("SHUT_RD");
    public static final int SHUT_WR = OS.get("SHUT_WR");
    public static final int SHUT_RDWR = OS.get("SHUT_RDWR");
    /** Linux and FreeBSD; 0 on macOS. */
    public static final int MSG_NOSIGNAL = OS.flag("MSG_NOSIGNAL");

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

    /** This kernel's sockaddr layout and family numbers. */
    public static final Sockaddr SOCKADDR = Sockaddr.of(OS.platform());

    /**
     * Writes {@code address} as a {@code sockaddr_in} or {@code sockaddr_in6} at the start of
     * {@code out} (at least {@link #SOCKADDR_IN6_SIZE} bytes) and returns its length.
     *
     * @throws IllegalArgumentException if the address is unresolved
     */
    public static int encode(InetSocketAddress address, MemorySegment out) {
        return SOCKADDR.encode(address, out);
    }

    /** Reads a {@code sockaddr_in} / {@code sockaddr_in6} written by the kernel. */
    public static InetSocketAddress decode(MemorySegment in) {
        return SOCKADDR.decode(in);
    }

    /**
     * {@code sockaddr_in} and {@code sockaddr_in6} of one platform. The port, address, flow info
     * and scope id sit at the same offsets everywhere; the first two bytes differ:
     *
     * <pre>
     * Linux (netinet/in.h, linux/in6.h)      macOS, FreeBSD (netinet/in.h, netinet6/in6.h)
     *   sa_family_t sin_family;  // 0  2       uint8_t     sin_len;     // 0  1  (16 or 28)
     *                                          sa_family_t sin_family;  // 1  1
     *   in_port_t   sin_port;    // 2  2       in_port_t   sin_port;    // 2  2  network order
     *   struct in_addr sin_addr; // 4  4       (sin6: flowinfo 4, addr 8..24, scope_id 24)
     * </pre>
     */
    public static final class Sockaddr {
        public static final Sockaddr LINUX = new Sockaddr(OsConstants.LINUX, false);
        public static final Sockaddr MACOS = new Sockaddr(OsConstants.MACOS, true);
        public static final Sockaddr FREEBSD = new Sockaddr(OsConstants.FREEBSD, true);

        private final Platform platform;
        private final boolean bsd;
        private final int afInet;
        private final int afInet6;

        private Sockaddr(OsConstants os, boolean bsd) {
            this.platform = os.platform();
            this.bsd = bsd;
            this.afInet = os.get("AF_INET");
            this.afInet6 = os.get("AF_INET6");
        }

        public static Sockaddr of(Platform platform) {
            return switch (platform) {
                case MACOS -> MACOS;
                case FREEBSD -> FREEBSD;
                case LINUX, WINDOWS, OTHER -> LINUX;
            };
        }

        /** See {@link SocketAbi#encode}. */
        public int encode(InetSocketAddress address, MemorySegment out) {
            InetAddress ip = address.getAddress();
            if (ip == null) {
                throw new IllegalArgumentException("unresolved address: " + address);
            }
            out.asSlice(0, SOCKADDR_IN6_SIZE).fill((byte) 0);
            if (ip instanceof Inet4Address) {
                header(out, SOCKADDR_IN_SIZE, afInet);
                out.set(NET_SHORT, 2, (short) address.getPort());
                MemorySegment.copy(ip.getAddress(), 0, out, JAVA_BYTE, 4, 4);
                return SOCKADDR_IN_SIZE;
            }
            Inet6Address ip6 = (Inet6Address) ip;
            header(out, SOCKADDR_IN6_SIZE, afInet6);
            out.set(NET_SHORT, 2, (short) address.getPort());
            MemorySegment.copy(ip6.getAddress(), 0, out, JAVA_BYTE, 8, 16);
            out.set(JAVA_INT.withByteAlignment(1), 24, ip6.getScopeId());
            return SOCKADDR_IN6_SIZE;
        }

        private void header(MemorySegment out, int length, int family) {
            if (bsd) {
                out.set(JAVA_BYTE, 0, (byte) length);
                out.set(JAVA_BYTE, 1, (byte) family);
            } else {
                out.set(JAVA_SHORT.withByteAlignment(1), 0, (short) family);
            }
        }

        /** See {@link SocketAbi#decode}. */
        public InetSocketAddress decode(MemorySegment in) {
            int family = bsd ? Byte.toUnsignedInt(in.get(JAVA_BYTE, 1)) : in.get(JAVA_SHORT.withByteAlignment(1), 0);
            int port = Short.toUnsignedInt(in.get(NET_SHORT, 2));
            try {
                if (family == afInet) {
                    byte[] a = new byte[4];
                    MemorySegment.copy(in, JAVA_BYTE, 4, a, 0, 4);
                    return new InetSocketAddress(InetAddress.getByAddress(a), port);
                }
                if (family == afInet6) {
                    byte[] a = new byte[16];
                    MemorySegment.copy(in, JAVA_BYTE, 8, a, 0, 16);
                    int scope = in.get(JAVA_INT.withByteAlignment(1), 24);
                    return new InetSocketAddress(Inet6Address.getByAddress(null, a, scope), port);
                }
            } catch (UnknownHostException e) {
                throw new AssertionError("a raw address of the right length cannot be unknown", e);
            }
            throw new IllegalArgumentException("unsupported address family " + family + " in a " + platform + " sockaddr");
        }

        @Override
        public String toString() {
            return "Sockaddr[" + platform + (bsd ? ", sin_len + 1-byte family]" : ", 2-byte family]");
        }
    }
}
