package dev.evloop.os;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The numbers that differ between the kernels evloop binds to, one table per platform, each
 * declared once below from that platform's headers. {@link SocketAbi}, {@link Errno},
 * {@link PollAbi} and {@link Libc} take their values from {@link #current()}; tests read every
 * table on any host.
 *
 * <p>Sources. The two BSD {@code sys/socket.h} files were read line by line for these tables
 * (XNU's from apple-oss-distributions/xnu, copyright 2022; FreeBSD's from freebsd-src); the other
 * values are those of the headers named below, written down without a fresh side-by-side reading,
 * so a real macOS / FreeBSD build (or a header diff) is the check still owed:
 * <ul>
 *   <li>Linux: glibc 2.39 {@code bits/socket.h}, {@code bits/socket_type.h},
 *       {@code bits/fcntl-linux.h}, {@code bits/resource.h}; Linux 6.8 {@code asm-generic/socket.h},
 *       {@code asm-generic/fcntl.h}, {@code asm-generic/ioctls.h}, {@code asm-generic/poll.h},
 *       {@code asm-generic/errno-base.h}, {@code asm-generic/errno.h}, {@code linux/in6.h},
 *       {@code linux/tcp.h} (x86_64 and aarch64 use the generic values).
 *   <li>macOS: XNU (apple-oss-distributions/xnu, the 2022 headers of macOS 13/14)
 *       {@code bsd/sys/socket.h}, {@code bsd/sys/fcntl.h}, {@code bsd/sys/resource.h},
 *       {@code bsd/sys/filio.h}, {@code bsd/sys/poll.h}, {@code bsd/sys/errno.h},
 *       {@code bsd/netinet6/in6.h}, {@code bsd/netinet/tcp.h}.
 *   <li>FreeBSD: freebsd-src (13 and 14) {@code sys/sys/socket.h}, {@code sys/sys/fcntl.h},
 *       {@code sys/sys/resource.h}, {@code sys/sys/filio.h}, {@code sys/sys/poll.h},
 *       {@code sys/sys/errno.h}, {@code sys/netinet6/in6.h}, {@code sys/netinet/tcp.h}.
 * </ul>
 *
 * <p>A name missing from a table is a facility the platform does not have (macOS has no
 * SOCK_NONBLOCK, MSG_NOSIGNAL or POLLRDHUP; only Linux has ENONET); the callers choose a fallback.
 * The platform is the JVM's ({@link Platform#current()}): no property can make a table other
 * than the running kernel's apply to the system calls.
 */
public final class OsConstants {
    /** Linux on x86_64 and aarch64. */
    public static final OsConstants LINUX = new OsConstants(Platform.LINUX, """
            # sys/socket.h, bits/socket.h
            AF_INET 2
            AF_INET6 10
            SOCK_STREAM 1
            SOCK_NONBLOCK 0x800
            SOCK_CLOEXEC 0x80000
            MSG_NOSIGNAL 0x4000
            SHUT_RD 0
            SHUT_WR 1
            SHUT_RDWR 2
            # asm-generic/socket.h
            SOL_SOCKET 1
            SO_REUSEADDR 2
            SO_ERROR 4
            SO_SNDBUF 7
            SO_RCVBUF 8
            SO_KEEPALIVE 9
            SO_LINGER 13
            SO_REUSEPORT 15
            # netinet/in.h, linux/in6.h, netinet/tcp.h
            IPPROTO_TCP 6
            IPPROTO_IPV6 41
            IPV6_V6ONLY 26
            TCP_NODELAY 1
            # asm-generic/fcntl.h (octal 04000, 02000000)
            O_NONBLOCK 0x800
            O_CLOEXEC 0x80000
            FD_CLOEXEC 1
            # bits/resource.h
            RLIMIT_MEMLOCK 8
            RLIMIT_NOFILE 7
            # asm-generic/ioctls.h
            FIONREAD 0x541B
            # asm-generic/poll.h
            POLLRDHUP 0x2000
            """, """
            # asm-generic/errno-base.h
            EPERM 1
            ENOENT 2
            ESRCH 3
            EINTR 4
            EIO 5
            ENXIO 6
            E2BIG 7
            EBADF 9
            EAGAIN 11
            ENOMEM 12
            EACCES 13
            EFAULT 14
            EBUSY 16
            EEXIST 17
            ENODEV 19
            ENOTDIR 20
            EISDIR 21
            EINVAL 22
            ENFILE 23
            EMFILE 24
            EFBIG 27
            ENOSPC 28
            ESPIPE 29
            EPIPE 32
            # asm-generic/errno.h
            ENOSYS 38
            ETIME 62
            ENONET 64
            EPROTO 71
            ENOTSOCK 88
            EDESTADDRREQ 89
            EMSGSIZE 90
            EPROTOTYPE 91
            ENOPROTOOPT 92
            EPROTONOSUPPORT 93
            EOPNOTSUPP 95
            EAFNOSUPPORT 97
            EADDRINUSE 98
            EADDRNOTAVAIL 99
            ENETDOWN 100
            ENETUNREACH 101
            ENETRESET 102
            ECONNABORTED 103
            ECONNRESET 104
            ENOBUFS 105
            EISCONN 106
            ENOTCONN 107
            ESHUTDOWN 108
            ETIMEDOUT 110
            ECONNREFUSED 111
            EHOSTDOWN 112
            EHOSTUNREACH 113
            EALREADY 114
            EINPROGRESS 115
            ECANCELED 125
            """);

    /** macOS (XNU) on x86_64 and arm64. */
    public static final OsConstants MACOS = new OsConstants(Platform.MACOS, """
            # bsd/sys/socket.h: no SOCK_NONBLOCK, SOCK_CLOEXEC or (public) MSG_NOSIGNAL
            AF_INET 2
            AF_INET6 30
            SOCK_STREAM 1
            SHUT_RD 0
            SHUT_WR 1
            SHUT_RDWR 2
            SOL_SOCKET 0xffff
            SO_REUSEADDR 0x0004
            SO_KEEPALIVE 0x0008
            SO_REUSEPORT 0x0200
            SO_SNDBUF 0x1001
            SO_RCVBUF 0x1002
            SO_ERROR 0x1007
            SO_NOSIGPIPE 0x1022
            # SO_LINGER (0x0080) counts ticks on Darwin; SO_LINGER_SEC is socket(7)'s seconds
            SO_LINGER 0x1080
            # bsd/netinet/in.h, bsd/netinet6/in6.h, bsd/netinet/tcp.h
            IPPROTO_TCP 6
            IPPROTO_IPV6 41
            IPV6_V6ONLY 27
            TCP_NODELAY 0x01
            # bsd/sys/fcntl.h
            O_NONBLOCK 0x00000004
            O_CLOEXEC 0x01000000
            FD_CLOEXEC 1
            # bsd/sys/resource.h
            RLIMIT_MEMLOCK 6
            RLIMIT_NOFILE 8
            # bsd/sys/filio.h: _IOR('f', 127, int)
            FIONREAD 0x4004667f
            """, """
            # bsd/sys/errno.h
            EPERM 1
            ENOENT 2
            ESRCH 3
            EINTR 4
            EIO 5
            ENXIO 6
            E2BIG 7
            EBADF 9
            ENOMEM 12
            EACCES 13
            EFAULT 14
            EBUSY 16
            EEXIST 17
            ENODEV 19
            ENOTDIR 20
            EISDIR 21
            EINVAL 22
            ENFILE 23
            EMFILE 24
            EFBIG 27
            ENOSPC 28
            ESPIPE 29
            EPIPE 32
            EAGAIN 35
            EINPROGRESS 36
            EALREADY 37
            ENOTSOCK 38
            EDESTADDRREQ 39
            EMSGSIZE 40
            EPROTOTYPE 41
            ENOPROTOOPT 42
            EPROTONOSUPPORT 43
            ENOTSUP 45
            EAFNOSUPPORT 47
            EADDRINUSE 48
            EADDRNOTAVAIL 49
            ENETDOWN 50
            ENETUNREACH 51
            ENETRESET 52
            ECONNABORTED 53
            ECONNRESET 54
            ENOBUFS 55
            EISCONN 56
            ENOTCONN 57
            ESHUTDOWN 58
            ETIMEDOUT 60
            ECONNREFUSED 61
            EHOSTDOWN 64
            EHOSTUNREACH 65
            ENOSYS 78
            ECANCELED 89
            EPROTO 100
            ETIME 101
            EOPNOTSUPP 102
            """);

    /** FreeBSD 12 and later on amd64 and arm64 (accept4, pipe2 and the SOCK_* flags since 10.0). */
    public static final OsConstants FREEBSD = new OsConstants(Platform.FREEBSD, """
            # sys/sys/socket.h
            AF_INET 2
            AF_INET6 28
            SOCK_STREAM 1
            SOCK_CLOEXEC 0x10000000
            SOCK_NONBLOCK 0x20000000
            MSG_NOSIGNAL 0x20000
            SHUT_RD 0
            SHUT_WR 1
            SHUT_RDWR 2
            SOL_SOCKET 0xffff
            SO_REUSEADDR 0x0004
            SO_KEEPALIVE 0x0008
            SO_LINGER 0x0080
            SO_REUSEPORT 0x0200
            SO_NOSIGPIPE 0x0800
            SO_SNDBUF 0x1001
            SO_RCVBUF 0x1002
            SO_ERROR 0x1007
            # sys/netinet/in.h, sys/netinet6/in6.h, sys/netinet/tcp.h
            IPPROTO_TCP 6
            IPPROTO_IPV6 41
            IPV6_V6ONLY 27
            TCP_NODELAY 1
            # sys/sys/fcntl.h
            O_NONBLOCK 0x0004
            O_CLOEXEC 0x00100000
            FD_CLOEXEC 1
            # sys/sys/resource.h
            RLIMIT_MEMLOCK 6
            RLIMIT_NOFILE 8
            # sys/sys/filio.h: _IOR('f', 127, int)
            FIONREAD 0x4004667f
            # sys/sys/poll.h (FreeBSD 13+; earlier kernels ignore the bit)
            POLLRDHUP 0x4000
            """, """
            # sys/sys/errno.h
            EPERM 1
            ENOENT 2
            ESRCH 3
            EINTR 4
            EIO 5
            ENXIO 6
            E2BIG 7
            EBADF 9
            ENOMEM 12
            EACCES 13
            EFAULT 14
            EBUSY 16
            EEXIST 17
            ENODEV 19
            ENOTDIR 20
            EISDIR 21
            EINVAL 22
            ENFILE 23
            EMFILE 24
            EFBIG 27
            ENOSPC 28
            ESPIPE 29
            EPIPE 32
            EAGAIN 35
            EINPROGRESS 36
            EALREADY 37
            ENOTSOCK 38
            EDESTADDRREQ 39
            EMSGSIZE 40
            EPROTOTYPE 41
            ENOPROTOOPT 42
            EPROTONOSUPPORT 43
            EOPNOTSUPP 45
            EAFNOSUPPORT 47
            EADDRINUSE 48
            EADDRNOTAVAIL 49
            ENETDOWN 50
            ENETUNREACH 51
            ENETRESET 52
            ECONNABORTED 53
            ECONNRESET 54
            ENOBUFS 55
            EISCONN 56
            ENOTCONN 57
            ESHUTDOWN 58
            ETIMEDOUT 60
            ECONNREFUSED 61
            EHOSTDOWN 64
            EHOSTUNREACH 65
            ENOSYS 78
            ECANCELED 85
            EPROTO 92
            """);

    private static final OsConstants CURRENT = of(Platform.current());

    private final Platform platform;
    private final Map<String, Integer> values;
    private final Map<String, Integer> errnos;
    /** errno number to name; on macOS ENOTSUP (45) and EOPNOTSUPP (102) are distinct. */
    private final Map<Integer, String> errnoNames;

    private OsConstants(Platform platform, String values, String errnos) {
        this.platform = platform;
        this.values = parse(platform, values);
        this.errnos = parse(platform, errnos);
        Map<Integer, String> names = new TreeMap<>();
        this.errnos.forEach((name, number) -> {
            String previous = names.putIfAbsent(number, name);
            if (previous != null) {
                throw new AssertionError(platform + " errno table gives " + number + " to " + previous + " and " + name);
            }
        });
        this.errnoNames = Collections.unmodifiableMap(names);
    }

    /**
     * The table for {@code platform}. Systems evloop has no native bindings for (Windows, others)
     * get Linux's, which nothing there uses: every native backend reports itself unavailable.
     */
    public static OsConstants of(Platform platform) {
        return switch (platform) {
            case MACOS -> MACOS;
            case FREEBSD -> FREEBSD;
            case LINUX, WINDOWS, OTHER -> LINUX;
        };
    }

    /** The running kernel's table. */
    public static OsConstants current() {
        return CURRENT;
    }

    public Platform platform() {
        return platform;
    }

    /** The constant, if this platform defines it. */
    public OptionalInt find(String name) {
        Integer v = values.get(name);
        return v == null ? OptionalInt.empty() : OptionalInt.of(v);
    }

    /** The constant, which every supported platform defines. */
    public int get(String name) {
        Integer v = values.get(name);
        if (v == null) throw new IllegalArgumentException(platform + " defines no " + name);
        return v;
    }

    /** A flag, or 0 (no bits) where the platform has no such flag. */
    public int flag(String name) {
        return find(name).orElse(0);
    }

    /** The errno number, if this platform has that error. */
    public OptionalInt errno(String name) {
        Integer v = errnos.get(name);
        return v == null ? OptionalInt.empty() : OptionalInt.of(v);
    }

    /** The errno's symbolic name on this platform, or {@code errno N} when the table lacks it. */
    public String errnoName(int errno) {
        int e = Math.abs(errno);
        String n = errnoNames.get(e);
        return n != null ? n : "errno " + e;
    }

    /** Every constant of this table, in declaration order. */
    public Map<String, Integer> values() {
        return values;
    }

    /** Every errno of this table, in declaration order. */
    public Map<String, Integer> errnos() {
        return errnos;
    }

    @Override
    public String toString() {
        return "OsConstants[" + platform + "]";
    }

    private static Map<String, Integer> parse(Platform platform, String table) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String line : table.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] parts = l.split("\\s+");
            if (parts.length != 2) throw new AssertionError(platform + " table line is not 'NAME value': " + l);
            if (m.put(parts[0], Integer.decode(parts[1])) != null) {
                throw new AssertionError(platform + " table declares " + parts[0] + " twice");
            }
        }
        return Collections.unmodifiableMap(m);
    }
}
