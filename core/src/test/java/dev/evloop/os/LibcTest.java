package dev.evloop.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The bindings against the real kernel: results, -errno, and the messages built from them. */
class LibcTest {

    @Test
    void doubleCloseIsEbadfWithAClearMessage() {
        int fd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        assertThat(fd).isNotNegative();
        assertThat(Libc.close(fd)).isZero();
        int again = Libc.close(fd);
        assertThat(again).isEqualTo(-Errno.EBADF);
        assertThatThrownBy(() -> NativeException.check("close", again))
                .isInstanceOf(NativeException.class)
                .hasMessage("close: EBADF (Bad file descriptor)")
                .extracting(e -> ((NativeException) e).errno()).isEqualTo(Errno.EBADF);
    }

    @Test
    void eagainIsAValueNotAnException() {
        try (Arena arena = Arena.ofConfined()) {
            int fd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
            MemorySegment buf = arena.allocate(8);
            assertThat(Libc.read(fd, buf, 8)).isEqualTo(-Errno.EAGAIN);
            buf.set(ValueLayout.JAVA_LONG, 0, 5);
            assertThat(Libc.write(fd, buf, 8)).isEqualTo(8);
            assertThat(Libc.read(fd, buf, 8)).isEqualTo(8);
            assertThat(buf.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(5);
            Libc.close(fd);
        }
    }

    @Test
    void heapSegmentsPassThroughCriticalCalls() {
        int fd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        long[] value = {7};
        assertThat(Libc.write(fd, MemorySegment.ofArray(value), 8)).isEqualTo(8);
        long[] back = new long[1];
        assertThat(Libc.read(fd, MemorySegment.ofArray(back), 8)).isEqualTo(8);
        assertThat(back[0]).isEqualTo(7);
        Libc.close(fd);
    }

    @Test
    void symbolProbeAndPipe() {
        assertThat(Libc.has("socket")).isTrue();
        assertThat(Libc.has("evloop_no_such_symbol")).isFalse();
        assertThat(Libc.has("accept4")).as("glibc has accept4").isEqualTo(Platform.current() != Platform.MACOS);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            assertThat(Libc.pipe(fds)).isZero();
            int r = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            int w = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
            MemorySegment b = arena.allocate(1);
            b.set(ValueLayout.JAVA_BYTE, 0, (byte) 42);
            assertThat(Libc.write(w, b, 1)).isEqualTo(1);
            b.set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
            assertThat(Libc.read(r, b, 1)).isEqualTo(1);
            assertThat(b.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 42);
            assertThat(Libc.fcntl(r, Libc.F_GETFL, 0) & Libc.O_NONBLOCK).as("pipe(2) makes blocking ends").isZero();
            Libc.close(r);
            Libc.close(w);
        }
    }

    @Test
    void errnoNamesAndUnknownValues() {
        assertThat(Errno.name(Errno.ECONNREFUSED)).isEqualTo("ECONNREFUSED");
        assertThat(Errno.name(-Errno.EAGAIN)).isEqualTo("EAGAIN");
        assertThat(Errno.name(9999)).isEqualTo("errno 9999");
        assertThat(new NativeException("connect", Errno.ECONNREFUSED, "127.0.0.1:1").getMessage())
                .isEqualTo("connect: ECONNREFUSED (Connection refused) [127.0.0.1:1]");
    }

    @Test
    void sockaddrRoundTripsForIpv4AndIpv6() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(SocketAbi.SOCKADDR_STORAGE_SIZE);
            InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 54321);
            assertThat(SocketAbi.encode(v4, buf)).isEqualTo(SocketAbi.SOCKADDR_IN_SIZE);
            assertThat(buf.get(ValueLayout.JAVA_BYTE, 2)).as("port in network order").isEqualTo((byte) 0xD4);
            assertThat(SocketAbi.decode(buf)).isEqualTo(v4);
            InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 443);
            assertThat(SocketAbi.encode(v6, buf)).isEqualTo(SocketAbi.SOCKADDR_IN6_SIZE);
            assertThat(SocketAbi.decode(buf)).isEqualTo(v6);
        }
        assertThatThrownBy(() -> SocketAbi.encode(InetSocketAddress.createUnresolved("nowhere.invalid", 1),
                        Arena.global().allocate(SocketAbi.SOCKADDR_STORAGE_SIZE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unresolved");
    }

    @Test
    void epollEventLayoutMatchesTheKernelForThisCpu() {
        if (Platform.isX86_64()) {
            assertThat(EpollAbi.SIZE).as("__EPOLL_PACKED on x86_64").isEqualTo(12);
            assertThat(EpollAbi.DATA_OFFSET).isEqualTo(4);
        } else {
            assertThat(EpollAbi.SIZE).isEqualTo(16);
            assertThat(EpollAbi.DATA_OFFSET).isEqualTo(8);
        }
        assertThat(PollAbi.SIZE).isEqualTo(8);
    }

    @Test
    void epollCarriesSixtyFourBitsOfDataThroughTheKernel() {
        try (Arena arena = Arena.ofConfined()) {
            int ep = Libc.epollCreate1(EpollAbi.EPOLL_CLOEXEC);
            int efd = Libc.eventfd(1, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC); // readable at once
            MemorySegment ev = arena.allocate(EpollAbi.EVENT);
            long data = 0x1234_5678_9ABC_DEF0L;
            ev.set(EpollAbi.EVENTS_LAYOUT, EpollAbi.EVENTS_OFFSET, EpollAbi.EPOLLIN);
            ev.set(EpollAbi.DATA_LAYOUT, EpollAbi.DATA_OFFSET, data);
            assertThat(Libc.epollCtl(ep, EpollAbi.EPOLL_CTL_ADD, efd, ev)).isZero();
            MemorySegment out = arena.allocate(EpollAbi.SIZE * 4, 8);
            assertThat(Libc.epollWait(ep, out, 4, 1000)).isEqualTo(1);
            assertThat(out.get(EpollAbi.DATA_LAYOUT, EpollAbi.DATA_OFFSET)).isEqualTo(data);
            assertThat(out.get(EpollAbi.EVENTS_LAYOUT, 0) & EpollAbi.EPOLLIN).isEqualTo(EpollAbi.EPOLLIN);
            assertThat(Libc.epollCtl(ep, EpollAbi.EPOLL_CTL_ADD, efd, ev)).isEqualTo(-Errno.EEXIST);
            Libc.close(efd);
            Libc.close(ep);
        }
    }

    @Test
    void uncapturedWaitsReportFailureAndTheCapturingRetryNamesIt() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(EpollAbi.SIZE * 4, 8);
            assertThat(Libc.epollWaitUncaptured(65_000, out, 4, 0)).isEqualTo(-1);
            assertThat(Libc.epollWait(65_000, out, 4, 0)).isEqualTo(-Errno.EBADF);
            assertThat(Libc.pollUncaptured(out, -1, 0)).isEqualTo(-1);
            assertThat(Libc.poll(out, -1, 0)).isEqualTo(-Errno.EINVAL);
        }
    }

    @Test
    void rlimitReadsTheDescriptorLimit() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rl = arena.allocate(Libc.RLIMIT);
            assertThat(Libc.getrlimit(Libc.RLIMIT_NOFILE, rl)).isZero();
            long soft = rl.get(ValueLayout.JAVA_LONG, 0);
            long hard = rl.get(ValueLayout.JAVA_LONG, 8);
            assertThat(soft).isPositive();
            // RLIM_INFINITY is all ones, -1 when read as a signed long
            assertThat(Long.compareUnsigned(soft, hard)).isLessThanOrEqualTo(0);
            assertThat(Libc.getrlimit(-1, rl)).isEqualTo(-Errno.EINVAL);
        }
    }
}
