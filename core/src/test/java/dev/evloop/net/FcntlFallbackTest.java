package dev.evloop.net;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import dev.evloop.os.SocketAbi;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * macOS's path (socket and accept without flags, then fcntl), forced on this host through
 * {@link NativeSockets#forceFcntlFallback}: the descriptors come out non-blocking and
 * close-on-exec, as accept4/SOCK_* would make them, and a bare accept(2) does not.
 */
@Timeout(20)
class FcntlFallbackTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @AfterEach
    void restore() {
        NativeSockets.forceFcntlFallback = false;
    }

    @Test
    void openedSocketIsNonBlockingAndCloseOnExec() throws IOException {
        NativeSockets.forceFcntlFallback = true;
        assertThat(NativeSockets.usesFcntlFallback()).isTrue();
        int fd = NativeSockets.open(LOOPBACK);
        try {
            assertNonBlockingCloseOnExec(fd);
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void acceptedSocketIsNonBlockingAndCloseOnExec() throws IOException {
        try (NativeTcpListener listener = NativeTcpListener.listen(LOOPBACK, 8, false);
                SocketChannel client = SocketChannel.open(listener.localAddress());
                Arena arena = Arena.ofConfined()) {
            NativeSockets.forceFcntlFallback = true;
            MemorySegment peer = arena.allocate(SocketAbi.SOCKADDR_STORAGE_SIZE, 8);
            MemorySegment peerLen = arena.allocate(JAVA_INT);
            peerLen.set(JAVA_INT, 0, SocketAbi.SOCKADDR_STORAGE_SIZE);
            int fd = acceptWhenQueued(listener.fd(), peer, peerLen);
            try {
                assertNonBlockingCloseOnExec(fd);
                assertThat(SocketAbi.decode(peer)).isEqualTo(client.getLocalAddress());
            } finally {
                Libc.close(fd);
            }
        }
    }

    /** What the fallback adds: accept(2) alone gives a blocking, inheritable descriptor on Linux. */
    @Test
    void bareAcceptIsBlockingAndInheritable() throws IOException {
        try (NativeTcpListener listener = NativeTcpListener.listen(LOOPBACK, 8, false);
                SocketChannel client = SocketChannel.open(listener.localAddress())) {
            int fd;
            long deadline = System.nanoTime() + 5_000_000_000L;
            do {
                fd = Libc.accept(listener.fd(), MemorySegment.NULL, MemorySegment.NULL);
            } while (fd == -Errno.EAGAIN && System.nanoTime() < deadline);
            assertThat(fd).isNotNegative();
            try {
                assertThat(Libc.fcntl(fd, Libc.F_GETFL, 0) & Libc.O_NONBLOCK).isZero();
                assertThat(Libc.fcntl(fd, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC).isZero();
            } finally {
                Libc.close(fd);
            }
        }
    }

    @Test
    void aFailedFcntlIsThrownNamingTheCall() {
        int closed = Libc.socket(SocketAbi.AF_INET, SocketAbi.SOCK_STREAM, 0);
        Libc.close(closed);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NativeSockets.nonBlockingCloseOnExec(closed))
                .hasMessageStartingWith("fcntl(F_GETFL): EBADF");
    }

    private static int acceptWhenQueued(int listener, MemorySegment peer, MemorySegment peerLen) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        int fd;
        do {
            fd = NativeSockets.accept(listener, peer, peerLen);
        } while (fd == -Errno.EAGAIN && System.nanoTime() < deadline);
        assertThat(fd).as("accept: " + Errno.name(fd)).isNotNegative();
        return fd;
    }

    private static void assertNonBlockingCloseOnExec(int fd) {
        int fl = Libc.fcntl(fd, Libc.F_GETFL, 0);
        int fdFlags = Libc.fcntl(fd, Libc.F_GETFD, 0);
        assertThat(fl).isNotNegative();
        assertThat(fl & Libc.O_NONBLOCK).as("O_NONBLOCK").isEqualTo(Libc.O_NONBLOCK);
        assertThat(fdFlags & Libc.FD_CLOEXEC).as("FD_CLOEXEC").isEqualTo(Libc.FD_CLOEXEC);
    }
}
