package dev.evloop.net;

import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import dev.evloop.os.Platform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * This process's file descriptors: how many are open and the RLIMIT_NOFILE limits
 * (getrlimit(2)). A server at the soft limit gets EMFILE from accept; tests use
 * {@link #openCount} to catch leaks.
 */
public final class Descriptors {
    private static final Path PROC_FD = Path.of("/proc/self/fd");
    private static final Path DEV_FD = Path.of("/dev/fd");
    /** RLIM_INFINITY, {@code ~0UL}: read as a signed long, -1. */
    private static final long RLIM_INFINITY = -1L;
    private static final VarHandle RLIM_CUR =
            Libc.RLIMIT.varHandle(MemoryLayout.PathElement.groupElement("rlim_cur"));
    private static final VarHandle RLIM_MAX =
            Libc.RLIMIT.varHandle(MemoryLayout.PathElement.groupElement("rlim_max"));

    private Descriptors() {}

    /**
     * The number of open descriptors: the entries of the per-process descriptor directory, less the
     * one the listing itself holds open while it reads the directory. Linux: /proc/self/fd
     * (proc(5)). macOS: /dev/fd (fd(4), devfs lists the caller's descriptors). FreeBSD: /dev/fd
     * with fdescfs(5) mounted on it; without it devfs shows only 0, 1 and 2, which this detects
     * (a running JVM always holds more) and refuses.
     *
     * @throws UnsupportedOperationException on other systems, or if the directory is missing or
     *     (FreeBSD) not fdescfs
     */
    public static int openCount() {
        Path dir = switch (Platform.current()) {
            case LINUX -> PROC_FD;
            case MACOS, FREEBSD -> DEV_FD;
            default -> throw new UnsupportedOperationException(
                    "counting descriptors needs /proc/self/fd (Linux) or /dev/fd (macOS, FreeBSD); this is "
                            + Platform.current());
        };
        return count(dir);
    }

    /** Package-private so tests can count through /dev/fd on Linux, where it links to /proc/self/fd. */
    static int count(Path dir) {
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path ignored : entries) n++;
        } catch (NoSuchFileException e) {
            throw new UnsupportedOperationException(dir + " does not exist: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + dir, e);
        }
        if (n <= 3) {
            throw new UnsupportedOperationException(dir + " lists only " + n + " entries, fewer than this process"
                    + " holds open (on FreeBSD, mount fdescfs: mount -t fdescfs fdesc /dev/fd)");
        }
        return n - 1;
    }

    /**
     * The soft RLIMIT_NOFILE: opening a descriptor numbered at or above it fails with EMFILE.
     * {@link Long#MAX_VALUE} if unlimited.
     */
    public static long softLimit() throws NativeException {
        return limit(RLIM_CUR);
    }

    /** The hard RLIMIT_NOFILE, the ceiling for the soft one. {@link Long#MAX_VALUE} if unlimited. */
    public static long hardLimit() throws NativeException {
        return limit(RLIM_MAX);
    }

    /**
     * Sets the soft RLIMIT_NOFILE, keeping the hard one. Raising it up to the hard limit needs no
     * privilege; above it, setrlimit(2) fails with EINVAL.
     *
     * @param limit the new soft limit; {@link Long#MAX_VALUE} means unlimited
     */
    public static void setSoftLimit(long limit) throws NativeException {
        if (limit < 0) throw new IllegalArgumentException("descriptor limit must not be negative: " + limit);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rl = a.allocate(Libc.RLIMIT);
            NativeException.check("getrlimit", Libc.getrlimit(Libc.RLIMIT_NOFILE, rl));
            RLIM_CUR.set(rl, 0L, limit == Long.MAX_VALUE ? RLIM_INFINITY : limit);
            int r = Libc.setrlimit(Libc.RLIMIT_NOFILE, rl);
            if (r < 0) {
                throw new NativeException("setrlimit", -r, "RLIMIT_NOFILE soft " + limit + ", hard "
                        + describe((long) RLIM_MAX.get(rl, 0L)));
            }
        }
    }

    private static long limit(VarHandle field) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rl = a.allocate(Libc.RLIMIT);
            NativeException.check("getrlimit", Libc.getrlimit(Libc.RLIMIT_NOFILE, rl));
            long v = (long) field.get(rl, 0L);
            return v == RLIM_INFINITY ? Long.MAX_VALUE : v;
        }
    }

    private static String describe(long limit) {
        return limit == RLIM_INFINITY ? "unlimited" : Long.toString(limit);
    }
}
