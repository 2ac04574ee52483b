package dev.evloop.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Loading {@link Libc} and making the portable calls never loads the holders of the calls some C
 * libraries lack (macOS has no accept4, pipe2, eventfd, epoll_*): a child JVM logs every class it
 * loads, and none of the holders may appear. On macOS a loaded holder would be a failed link.
 */
@Timeout(60)
class LibcLinkingTest {
    private static final List<String> LAZY = List.of("Libc$Accept4", "Libc$Pipe2", "Libc$EventFd", "Libc$Epoll",
            "Libc$IoUringSyscalls", "Libc$Kqueue");

    /** The child: what the socket code of the BSDs calls, then exit. */
    public static final class PortableCalls {
        public static void main(String[] args) {
            try (Arena a = Arena.ofConfined()) {
                int fd = Libc.socket(SocketAbi.AF_INET, SocketAbi.SOCK_STREAM, 0);
                Libc.fcntl(fd, Libc.F_SETFL, Libc.fcntl(fd, Libc.F_GETFL, 0) | Libc.O_NONBLOCK);
                Libc.accept(fd, MemorySegment.NULL, MemorySegment.NULL);
                Libc.close(fd);
                MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
                Libc.pipe(fds);
                Libc.close(fds.getAtIndex(ValueLayout.JAVA_INT, 0));
                Libc.close(fds.getAtIndex(ValueLayout.JAVA_INT, 1));
                Libc.poll(MemorySegment.NULL, 0, 0);
                Libc.getrlimit(Libc.RLIMIT_NOFILE, a.allocate(Libc.RLIMIT));
                if (args.length > 0 && args[0].equals("epoll")) Libc.close(Libc.epollCreate1(0));
                System.out.println("done " + Errno.name(Errno.EAGAIN) + " " + Libc.has("epoll_create1"));
            }
        }
    }

    @Test
    void portableCallsLoadNoHolderOfAPlatformSpecificCall() throws IOException, InterruptedException {
        String out = child();
        assertThat(out).contains("dev.evloop.os.Libc ").contains("done EAGAIN");
        for (String holder : LAZY) {
            assertThat(out).as(holder).doesNotContain("dev.evloop.os." + holder + " ");
        }
    }

    /** The control: a child that calls epoll_create1 does load its holder, so the log shows a regression. */
    @Test
    void aLinuxOnlyCallLoadsItsHolder() throws IOException, InterruptedException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Platform.current() == Platform.LINUX, "epoll is Linux's");
        assertThat(child("epoll")).contains("dev.evloop.os.Libc$Epoll ").contains("done EAGAIN");
    }

    private static String child(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:off", "-Xlog:class+load=info",
                "-cp", System.getProperty("java.class.path"), PortableCalls.class.getName()));
        cmd.addAll(List.of(args));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(out).isZero();
        return out;
    }
}
