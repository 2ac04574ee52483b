package dev.evloop.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each platform's table against values written out by hand from its headers (the line is quoted
 * beside each group), and the table selection. The tables are data, so these run on any host; only
 * {@link #linuxTableAgreesWithTheRunningCLibrary} needs Linux, and asks the real C library.
 */
@Timeout(10)
class OsConstantsTest {
    /** Every name SocketAbi, Libc and PollAbi read with get(): each table must declare them. */
    private static final List<String> REQUIRED = List.of("AF_INET", "AF_INET6", "SOCK_STREAM", "SHUT_RD", "SHUT_WR",
            "SHUT_RDWR", "SOL_SOCKET", "SO_REUSEADDR", "SO_ERROR", "SO_SNDBUF", "SO_RCVBUF", "SO_KEEPALIVE",
            "SO_LINGER", "SO_REUSEPORT", "IPPROTO_TCP", "IPPROTO_IPV6", "IPV6_V6ONLY", "TCP_NODELAY", "O_NONBLOCK",
            "O_CLOEXEC", "FD_CLOEXEC", "RLIMIT_MEMLOCK", "RLIMIT_NOFILE", "FIONREAD");

    @Test
    void linuxMatchesItsHeaders() {
        OsConstants t = OsConstants.LINUX;
        // bits/socket.h: "#define PF_INET6 10", "SOCK_NONBLOCK = 00004000", "SOCK_CLOEXEC = 02000000",
        // "MSG_NOSIGNAL = 0x4000"
        assertThat(values(t, "AF_INET", "AF_INET6", "SOCK_STREAM", "SOCK_NONBLOCK", "SOCK_CLOEXEC", "MSG_NOSIGNAL"))
                .containsExactly(2, 10, 1, 0x800, 0x80000, 0x4000);
        // asm-generic/socket.h: "#define SOL_SOCKET 1", "SO_REUSEADDR 2", "SO_ERROR 4", "SO_SNDBUF 7",
        // "SO_RCVBUF 8", "SO_KEEPALIVE 9", "SO_LINGER 13", "SO_REUSEPORT 15"
        assertThat(values(t, "SOL_SOCKET", "SO_REUSEADDR", "SO_ERROR", "SO_SNDBUF", "SO_RCVBUF", "SO_KEEPALIVE",
                "SO_LINGER", "SO_REUSEPORT")).containsExactly(1, 2, 4, 7, 8, 9, 13, 15);
        // linux/in6.h "#define IPV6_V6ONLY 26"; netinet/tcp.h "#define TCP_NODELAY 1"; SHUT_RD/WR/RDWR 0/1/2
        assertThat(values(t, "IPPROTO_TCP", "IPPROTO_IPV6", "IPV6_V6ONLY", "TCP_NODELAY", "SHUT_RD", "SHUT_WR",
                "SHUT_RDWR")).containsExactly(6, 41, 26, 1, 0, 1, 2);
        // asm-generic/fcntl.h "#define O_NONBLOCK 00004000", "#define O_CLOEXEC 02000000", "FD_CLOEXEC 1"
        assertThat(values(t, "O_NONBLOCK", "O_CLOEXEC", "FD_CLOEXEC")).containsExactly(04000, 02000000, 1);
        // bits/resource.h "RLIMIT_NOFILE = 7", "RLIMIT_MEMLOCK = 8"; asm-generic/ioctls.h "FIONREAD 0x541B";
        // asm-generic/poll.h "#define POLLRDHUP 0x2000"
        assertThat(values(t, "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "FIONREAD", "POLLRDHUP"))
                .containsExactly(7, 8, 0x541B, 0x2000);
        assertThat(t.find("SO_NOSIGPIPE")).as("Linux has no SO_NOSIGPIPE").isEmpty();
        // asm-generic/errno-base.h, errno.h
        assertThat(errnos(t, "EPERM", "EINTR", "EBADF", "EAGAIN", "ENOMEM", "EINVAL", "EMFILE", "EPIPE", "ENOSYS",
                "ETIME", "ENONET", "EPROTO", "EOPNOTSUPP", "EADDRINUSE", "ECONNABORTED", "ECONNRESET", "ENOTCONN",
                "ETIMEDOUT", "ECONNREFUSED", "EHOSTUNREACH", "EINPROGRESS", "ECANCELED"))
                .containsExactly(1, 4, 9, 11, 12, 22, 24, 32, 38, 62, 64, 71, 95, 98, 103, 104, 107, 110, 111, 113,
                        115, 125);
    }

    @Test
    void macosMatchesItsHeaders() {
        OsConstants t = OsConstants.MACOS;
        // bsd/sys/socket.h "#define AF_INET6 30"; no SOCK_NONBLOCK, SOCK_CLOEXEC, public MSG_NOSIGNAL
        assertThat(values(t, "AF_INET", "AF_INET6", "SOCK_STREAM")).containsExactly(2, 30, 1);
        assertThat(t.find("SOCK_NONBLOCK")).isEmpty();
        assertThat(t.find("SOCK_CLOEXEC")).isEmpty();
        assertThat(t.find("MSG_NOSIGNAL")).isEmpty();
        assertThat(t.flag("MSG_NOSIGNAL")).as("an absent flag adds no bits").isZero();
        // bsd/sys/socket.h "#define SOL_SOCKET 0xffff", "SO_REUSEADDR 0x0004", "SO_KEEPALIVE 0x0008",
        // "SO_REUSEPORT 0x0200", "SO_SNDBUF 0x1001", "SO_RCVBUF 0x1002", "SO_ERROR 0x1007",
        // "SO_NOSIGPIPE 0x1022", "SO_LINGER_SEC 0x1080 /* linger on close if data present (in seconds) */"
        assertThat(values(t, "SOL_SOCKET", "SO_REUSEADDR", "SO_KEEPALIVE", "SO_REUSEPORT", "SO_SNDBUF", "SO_RCVBUF",
                "SO_ERROR", "SO_NOSIGPIPE", "SO_LINGER"))
                .containsExactly(0xffff, 0x4, 0x8, 0x200, 0x1001, 0x1002, 0x1007, 0x1022, 0x1080);
        // bsd/netinet6/in6.h "#define IPV6_V6ONLY 27"; bsd/netinet/tcp.h "#define TCP_NODELAY 0x01"
        assertThat(values(t, "IPPROTO_TCP", "IPPROTO_IPV6", "IPV6_V6ONLY", "TCP_NODELAY", "SHUT_RD", "SHUT_WR",
                "SHUT_RDWR")).containsExactly(6, 41, 27, 1, 0, 1, 2);
        // bsd/sys/fcntl.h "#define O_NONBLOCK 0x00000004", "#define O_CLOEXEC 0x01000000", "FD_CLOEXEC 1"
        assertThat(values(t, "O_NONBLOCK", "O_CLOEXEC", "FD_CLOEXEC")).containsExactly(0x4, 0x01000000, 1);
        // bsd/sys/resource.h "#define RLIMIT_MEMLOCK 6", "#define RLIMIT_NOFILE 8";
        // bsd/sys/filio.h "#define FIONREAD _IOR('f', 127, int)" = IOC_OUT | sizeof(int) << 16 | 'f' << 8 | 127
        assertThat(values(t, "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "FIONREAD"))
                .containsExactly(8, 6, 0x40000000 | 4 << 16 | 'f' << 8 | 127);
        assertThat(t.find("POLLRDHUP")).isEmpty();
        // bsd/sys/errno.h "#define EAGAIN 35", "EINPROGRESS 36", "ECONNRESET 54", "ECONNREFUSED 61",
        // "ENOSYS 78", "ECANCELED 89", "EPROTO 100", "ETIME 101", "EOPNOTSUPP 102" (ENOTSUP is 45)
        assertThat(errnos(t, "EPERM", "EINTR", "EBADF", "EAGAIN", "ENOMEM", "EINVAL", "EMFILE", "EPIPE", "ENOSYS",
                "ETIME", "EPROTO", "EOPNOTSUPP", "EADDRINUSE", "ECONNABORTED", "ECONNRESET", "ENOTCONN",
                "ETIMEDOUT", "ECONNREFUSED", "EHOSTUNREACH", "EINPROGRESS", "ECANCELED"))
                .containsExactly(1, 4, 9, 35, 12, 22, 24, 32, 78, 101, 100, 102, 48, 53, 54, 57, 60, 61, 65, 36, 89);
        assertThat(t.errno("ENONET")).isEmpty();
        assertThat(t.errnoName(45)).isEqualTo("ENOTSUP");
        assertThat(t.errnoName(102)).isEqualTo("EOPNOTSUPP");
    }

    @Test
    void freebsdMatchesItsHeaders() {
        OsConstants t = OsConstants.FREEBSD;
        // sys/sys/socket.h "#define AF_INET6 28", "SOCK_CLOEXEC 0x10000000", "SOCK_NONBLOCK 0x20000000",
        // "MSG_NOSIGNAL 0x20000"
        assertThat(values(t, "AF_INET", "AF_INET6", "SOCK_STREAM", "SOCK_NONBLOCK", "SOCK_CLOEXEC", "MSG_NOSIGNAL"))
                .containsExactly(2, 28, 1, 0x20000000, 0x10000000, 0x20000);
        // sys/sys/socket.h "SOL_SOCKET 0xffff", "SO_REUSEADDR 0x0004", "SO_KEEPALIVE 0x0008", "SO_LINGER 0x0080",
        // "SO_REUSEPORT 0x0200", "SO_NOSIGPIPE 0x0800", "SO_SNDBUF 0x1001", "SO_RCVBUF 0x1002", "SO_ERROR 0x1007"
        assertThat(values(t, "SOL_SOCKET", "SO_REUSEADDR", "SO_KEEPALIVE", "SO_LINGER", "SO_REUSEPORT",
                "SO_NOSIGPIPE", "SO_SNDBUF", "SO_RCVBUF", "SO_ERROR"))
                .containsExactly(0xffff, 0x4, 0x8, 0x80, 0x200, 0x800, 0x1001, 0x1002, 0x1007);
        // sys/netinet6/in6.h "#define IPV6_V6ONLY 27"; sys/netinet/tcp.h "#define TCP_NODELAY 1"
        assertThat(values(t, "IPPROTO_TCP", "IPPROTO_IPV6", "IPV6_V6ONLY", "TCP_NODELAY", "SHUT_RD", "SHUT_WR",
                "SHUT_RDWR")).containsExactly(6, 41, 27, 1, 0, 1, 2);
        // sys/sys/fcntl.h "#define O_NONBLOCK 0x0004", "#define O_CLOEXEC 0x00100000", "FD_CLOEXEC 1"
        assertThat(values(t, "O_NONBLOCK", "O_CLOEXEC", "FD_CLOEXEC")).containsExactly(0x4, 0x00100000, 1);
        // sys/sys/resource.h "RLIMIT_MEMLOCK 6", "RLIMIT_NOFILE 8"; sys/sys/filio.h FIONREAD _IOR('f', 127, int);
        // sys/sys/poll.h "#define POLLRDHUP 0x4000"
        assertThat(values(t, "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "FIONREAD", "POLLRDHUP"))
                .containsExactly(8, 6, 0x4004667f, 0x4000);
        // sys/sys/errno.h "#define EAGAIN 35", "EOPNOTSUPP 45", "ECANCELED 85", "EPROTO 92"; no ETIME, no ENONET
        assertThat(errnos(t, "EPERM", "EINTR", "EBADF", "EAGAIN", "ENOMEM", "EINVAL", "EMFILE", "EPIPE", "ENOSYS",
                "EPROTO", "EOPNOTSUPP", "EADDRINUSE", "ECONNABORTED", "ECONNRESET", "ENOTCONN", "ETIMEDOUT",
                "ECONNREFUSED", "EHOSTUNREACH", "EINPROGRESS", "ECANCELED"))
                .containsExactly(1, 4, 9, 35, 12, 22, 24, 32, 78, 92, 45, 48, 53, 54, 57, 60, 61, 65, 36, 85);
        assertThat(t.errno("ETIME")).isEmpty();
        assertThat(t.errno("ENONET")).isEmpty();
    }

    @Test
    void everyTableDeclaresWhatTheBindingsRead() {
        for (OsConstants t : new OsConstants[] {OsConstants.LINUX, OsConstants.MACOS, OsConstants.FREEBSD}) {
            for (String name : REQUIRED) {
                assertThat(t.find(name)).as(t + " " + name).isPresent();
            }
        }
        assertThatThrownBy(() -> OsConstants.MACOS.get("SOCK_NONBLOCK"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("MACOS defines no SOCK_NONBLOCK");
    }

    @Test
    void errnoNamesArePerPlatform() {
        assertThat(OsConstants.LINUX.errnoName(35)).as("EDEADLK on Linux, not in the table").isEqualTo("errno 35");
        assertThat(OsConstants.MACOS.errnoName(35)).isEqualTo("EAGAIN");
        assertThat(OsConstants.FREEBSD.errnoName(-35)).isEqualTo("EAGAIN");
        assertThat(OsConstants.LINUX.errnoName(11)).isEqualTo("EAGAIN");
        assertThat(OsConstants.MACOS.errnoName(11)).as("EDEADLK on the BSDs, not in the table").isEqualTo("errno 11");
        assertThat(OsConstants.MACOS.errnoName(61)).isEqualTo("ECONNREFUSED");
        assertThat(OsConstants.LINUX.errnoName(61)).isEqualTo("errno 61");
        assertThat(OsConstants.FREEBSD.errnoName(54)).isEqualTo("ECONNRESET");
        assertThat(OsConstants.FREEBSD.errnoName(48)).isEqualTo("EADDRINUSE");
    }

    @Test
    void selectionFollowsThePlatform() {
        assertThat(OsConstants.of(Platform.LINUX)).isSameAs(OsConstants.LINUX);
        assertThat(OsConstants.of(Platform.MACOS)).isSameAs(OsConstants.MACOS);
        assertThat(OsConstants.of(Platform.FREEBSD)).isSameAs(OsConstants.FREEBSD);
        assertThat(OsConstants.of(Platform.WINDOWS)).as("nothing native runs there").isSameAs(OsConstants.LINUX);
        assertThat(Platform.detect("Mac OS X")).isEqualTo(Platform.MACOS);
        assertThat(Platform.detect("FreeBSD")).isEqualTo(Platform.FREEBSD);
        assertThat(OsConstants.current()).isSameAs(OsConstants.of(Platform.current()));
    }

    @Test
    void bindingsTakeTheRunningPlatformsValues() {
        OsConstants t = OsConstants.current();
        assertThat(SocketAbi.AF_INET6).isEqualTo(t.get("AF_INET6"));
        assertThat(SocketAbi.SOL_SOCKET).isEqualTo(t.get("SOL_SOCKET"));
        assertThat(SocketAbi.SOCK_NONBLOCK).isEqualTo(t.flag("SOCK_NONBLOCK"));
        assertThat(SocketAbi.MSG_NOSIGNAL).isEqualTo(t.flag("MSG_NOSIGNAL"));
        assertThat(SocketAbi.SO_NOSIGPIPE).isEqualTo(t.find("SO_NOSIGPIPE").orElse(-1));
        assertThat(Libc.O_NONBLOCK).isEqualTo(t.get("O_NONBLOCK"));
        assertThat(Libc.RLIMIT_NOFILE).isEqualTo(t.get("RLIMIT_NOFILE"));
        assertThat(PollAbi.POLLRDHUP).isEqualTo(t.flag("POLLRDHUP"));
        assertThat(Errno.EAGAIN).isEqualTo(t.errno("EAGAIN").orElseThrow());
        assertThat(Errno.name(Errno.EAGAIN)).isEqualTo("EAGAIN");
        if (t.errno("ENONET").isEmpty()) {
            assertThat(Errno.ENONET).isEqualTo(Errno.ABSENT);
        }
    }

    /**
     * The Linux table against the C library this test runs on: every errno number has a message
     * of its own (glibc's strerror says "Unknown error N" for numbers it does not know).
     */
    @Test
    void linuxTableAgreesWithTheRunningCLibrary() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Platform.current() == Platform.LINUX, "asks Linux's libc");
        for (Map.Entry<String, Integer> e : OsConstants.LINUX.errnos().entrySet()) {
            assertThat(Libc.strerror(e.getValue())).as(e.getKey()).doesNotStartWith("Unknown error");
        }
        assertThat(Libc.strerror(OsConstants.LINUX.errno("ECONNREFUSED").orElseThrow()))
                .isEqualTo("Connection refused");
        assertThat(Libc.strerror(OsConstants.LINUX.errno("EAGAIN").orElseThrow()))
                .isEqualTo("Resource temporarily unavailable");
    }

    private static int[] values(OsConstants t, String... names) {
        int[] v = new int[names.length];
        for (int i = 0; i < names.length; i++) v[i] = t.get(names[i]);
        return v;
    }

    private static int[] errnos(OsConstants t, String... names) {
        int[] v = new int[names.length];
        for (int i = 0; i < names.length; i++) v[i] = t.errno(names[i]).orElseThrow(() -> new AssertionError(t));
        return v;
    }
}
