package dev.evloop.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * sockaddr_in and sockaddr_in6 of each platform, byte for byte. Linux (netinet/in.h, linux/in6.h):
 * a 2-byte host-order family. macOS and FreeBSD (netinet/in.h "uint8_t sin_len; sa_family_t
 * sin_family;", netinet6/in6.h "uint8_t sin6_len; sa_family_t sin6_family;"): a length byte and a
 * 1-byte family. The port is in network order, the IPv6 scope id in host order (little-endian on
 * every target here).
 */
@Timeout(10)
class SockaddrTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final InetSocketAddress V4 = new InetSocketAddress(ip("127.0.0.1"), 54321);
    private static final InetSocketAddress V6 = new InetSocketAddress(ip("::1"), 443);

    @Test
    void ipv4PerPlatform() {
        assertThat(encode(SocketAbi.Sockaddr.LINUX, V4)).isEqualTo("0200d4317f000001" + "0000000000000000");
        assertThat(encode(SocketAbi.Sockaddr.MACOS, V4)).isEqualTo("1002d4317f000001" + "0000000000000000");
        assertThat(encode(SocketAbi.Sockaddr.FREEBSD, V4)).isEqualTo("1002d4317f000001" + "0000000000000000");
    }

    @Test
    void ipv6PerPlatform() {
        String rest = "01bb" + "00000000" + "00000000000000000000000000000001" + "00000000";
        assertThat(encode(SocketAbi.Sockaddr.LINUX, V6)).isEqualTo("0a00" + rest);
        assertThat(encode(SocketAbi.Sockaddr.MACOS, V6)).as("sin6_len 28, AF_INET6 30").isEqualTo("1c1e" + rest);
        assertThat(encode(SocketAbi.Sockaddr.FREEBSD, V6)).as("sin6_len 28, AF_INET6 28").isEqualTo("1c1c" + rest);
    }

    @Test
    void scopeIdIsHostOrderAtOffset24() throws Exception {
        InetSocketAddress linkLocal = new InetSocketAddress(
                Inet6Address.getByAddress(null, HEX.parseHex("fe800000000000000000000000000001"), 3), 80);
        for (SocketAbi.Sockaddr s : new SocketAbi.Sockaddr[] {
                SocketAbi.Sockaddr.LINUX, SocketAbi.Sockaddr.MACOS, SocketAbi.Sockaddr.FREEBSD}) {
            assertThat(encode(s, linkLocal)).endsWith("fe800000000000000000000000000001" + "03000000");
        }
    }

    @Test
    void eachPlatformDecodesWhatItEncodes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(SocketAbi.SOCKADDR_STORAGE_SIZE);
            for (SocketAbi.Sockaddr s : new SocketAbi.Sockaddr[] {
                    SocketAbi.Sockaddr.LINUX, SocketAbi.Sockaddr.MACOS, SocketAbi.Sockaddr.FREEBSD}) {
                assertThat(s.encode(V4, buf)).isEqualTo(SocketAbi.SOCKADDR_IN_SIZE);
                assertThat(s.decode(buf)).as(s.toString()).isEqualTo(V4);
                assertThat(s.encode(V6, buf)).isEqualTo(SocketAbi.SOCKADDR_IN6_SIZE);
                assertThat(s.decode(buf)).as(s.toString()).isEqualTo(V6);
            }
        }
    }

    @Test
    void aForeignLayoutIsRefusedByName() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(SocketAbi.SOCKADDR_STORAGE_SIZE);
            SocketAbi.Sockaddr.LINUX.encode(V6, buf);
            // Linux's 0a 00: to a BSD reader the family byte (offset 1) is 0
            assertThatThrownBy(() -> SocketAbi.Sockaddr.MACOS.decode(buf))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("unsupported address family 0 in a MACOS sockaddr");
            SocketAbi.Sockaddr.MACOS.encode(V6, buf);
            // macOS's 1c 1e: to Linux a family of 0x1e1c
            assertThatThrownBy(() -> SocketAbi.Sockaddr.LINUX.decode(buf))
                    .hasMessage("unsupported address family 7708 in a LINUX sockaddr");
        }
    }

    @Test
    void theRunningKernelsLayoutIsSelected() {
        assertThat(SocketAbi.SOCKADDR).isSameAs(SocketAbi.Sockaddr.of(Platform.current()));
        assertThat(SocketAbi.Sockaddr.of(Platform.MACOS)).isSameAs(SocketAbi.Sockaddr.MACOS);
        assertThat(SocketAbi.Sockaddr.of(Platform.FREEBSD)).isSameAs(SocketAbi.Sockaddr.FREEBSD);
    }

    /** The bytes the kernel itself writes: getsockname on a real socket, decoded with the current layout. */
    @Test
    void theKernelsOwnBytesDecode() throws Exception {
        int fd = Libc.socket(SocketAbi.AF_INET, SocketAbi.SOCK_STREAM, 0);
        assertThat(fd).isNotNegative();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SocketAbi.SOCKADDR_STORAGE_SIZE);
            int len = SocketAbi.encode(new InetSocketAddress(ip("127.0.0.1"), 0), addr);
            assertThat(Libc.bind(fd, addr, len)).isZero();
            addr.fill((byte) 0x55);
            MemorySegment outLen = arena.allocate(ValueLayout.JAVA_INT);
            outLen.set(ValueLayout.JAVA_INT, 0, SocketAbi.SOCKADDR_STORAGE_SIZE);
            assertThat(Libc.getsockname(fd, addr, outLen)).isZero();
            assertThat(outLen.get(ValueLayout.JAVA_INT, 0)).isEqualTo(SocketAbi.SOCKADDR_IN_SIZE);
            InetSocketAddress bound = SocketAbi.decode(addr);
            assertThat(bound.getAddress()).isEqualTo(ip("127.0.0.1"));
            assertThat(bound.getPort()).isPositive();
        } finally {
            Libc.close(fd);
        }
    }

    private static String encode(SocketAbi.Sockaddr s, InetSocketAddress a) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(SocketAbi.SOCKADDR_STORAGE_SIZE);
            buf.fill((byte) 0x77);
            int len = s.encode(a, buf);
            return HEX.formatHex(buf.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
