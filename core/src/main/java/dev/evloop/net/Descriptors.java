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
    /** RLIM_INFINITY, {@code ~0UL}: read as a signed long, -1. */
    private static final long RLIM_INFINITY = -1L;
    private static final VarHandle RLIM_CUR =
            Libc.RLIMIT.varHandle(MemoryLayout.PathElement.groupElement("rlim_cur"));
    private static final VarHandle RLIM_MAX =
            Libc.RLIMIT.varHandle(MemoryLayout.PathElement.groupElement("rlim_max"));

    private Descriptors() {}

    /**
     * The number of open descriptors, from the entries of /proc/self/fd (proc(5)), less the one
     * the listing itself holds open while it reads the directory.
     *
     * @throws UnsupportedOperationException if this is not Linux or /proc is not mounted
     */
    public static int openCount() {
        if (Platform.current() != Platform.LINUX) {
            throw new UnsupportedOperationException("counting descriptors needs Linux's /proc/self/fd; this is "
                    + Platform.current());
        }
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC_FD)) {
            for (Path ignored : entries) n++;
        } catch (NoSuchFileException e) {
            throw new UnsupportedOperationException("/proc is not mounted: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + PROC_FD, e);
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
