package dev.evloop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.evloop.os.NativeException;
import dev.evloop.os.Platform;
import java.io.IOException;
import java.nio.channels.Pipe;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DescriptorsTest {
    @BeforeEach
    void countingPlatform() {
        assumeTrue(Platform.current() == Platform.LINUX || Platform.current() == Platform.MACOS
                || Platform.current() == Platform.FREEBSD, "Descriptors reads /proc/self/fd or /dev/fd");
    }

    /** macOS's and FreeBSD's directory, /dev/fd, is a link to /proc/self/fd on Linux: same count. */
    @Test
    void devFdCountsLikeProcSelfFd() throws IOException {
        assumeTrue(Platform.current() == Platform.LINUX, "compares with /proc/self/fd");
        int proc = Descriptors.count(java.nio.file.Path.of("/proc/self/fd"));
        assertThat(Descriptors.count(java.nio.file.Path.of("/dev/fd"))).isEqualTo(proc);
        Pipe pipe = Pipe.open();
        try {
            assertThat(Descriptors.count(java.nio.file.Path.of("/dev/fd"))).isEqualTo(proc + 2);
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
    }

    @Test
    void aDirectoryWithTooFewEntriesIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        java.nio.file.Files.createFile(dir.resolve("0"));
        java.nio.file.Files.createFile(dir.resolve("1"));
        java.nio.file.Files.createFile(dir.resolve("2"));
        assertThatThrownBy(() -> Descriptors.count(dir))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("lists only 3 entries").hasMessageContaining("fdescfs");
        assertThatThrownBy(() -> Descriptors.count(dir.resolve("missing")))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("does not exist");
    }

    @Test
    void openCountFollowsOpenAndClose() throws IOException {
        int before = Descriptors.openCount();
        assertThat(before).isGreaterThanOrEqualTo(3); // stdin, stdout, stderr at least
        Pipe pipe = Pipe.open();
        try {
            assertThat(Descriptors.openCount()).isEqualTo(before + 2);
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
        assertThat(Descriptors.openCount()).isEqualTo(before);
    }

    @Test
    void limitsAreReadable() throws NativeException {
        long soft = Descriptors.softLimit();
        long hard = Descriptors.hardLimit();
        assertThat(soft).isPositive().isLessThanOrEqualTo(hard);
        assertThat(soft).isGreaterThan(Descriptors.openCount());
    }

    @Test
    void softLimitCanBeLoweredAndRestored() throws NativeException {
        long soft = Descriptors.softLimit();
        long lower = Math.max(Descriptors.openCount() + 64, soft / 2);
        assumeTrue(lower < soft, "soft limit too low to lower safely: " + soft);
        try {
            Descriptors.setSoftLimit(lower);
            assertThat(Descriptors.softLimit()).isEqualTo(lower);
        } finally {
            Descriptors.setSoftLimit(soft);
        }
        assertThat(Descriptors.softLimit()).isEqualTo(soft);
    }

    @Test
    void softLimitAboveTheHardLimitFailsWithEinval() throws NativeException {
        long hard = Descriptors.hardLimit();
        assumeTrue(hard != Long.MAX_VALUE, "no hard limit");
        long soft = Descriptors.softLimit();
        assertThatThrownBy(() -> Descriptors.setSoftLimit(hard + 1))
                .isInstanceOf(NativeException.class)
                .hasMessageContaining("setrlimit: EINVAL")
                .hasMessageContaining("RLIMIT_NOFILE");
        assertThat(Descriptors.softLimit()).isEqualTo(soft);
        assertThatThrownBy(() -> Descriptors.setSoftLimit(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
