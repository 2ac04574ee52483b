package dev.evloop.bench.echo;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** What /proc (proc(5)) says about another process: CPU time, memory, open descriptors. Linux only. */
public final class Proc {
    /**
     * Clock ticks per second of /proc/PID/stat's utime and stime ({@code sysconf(_SC_CLK_TCK)}):
     * USER_HZ, 100 on every Linux architecture the kernel exports to user space.
     */
    public static final int USER_HZ = 100;

    private Proc() {}

    /** utime + stime of the whole process (all threads), in clock ticks. */
    public static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state); utime is field 14, stime field 15.
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** utime of the whole process, in clock ticks: the part of {@link #cpuTicks} spent in user space. */
    public static long userTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(f[11]);
    }

    public static double cpuSeconds(long pid) throws IOException {
        return cpuTicks(pid) / (double) USER_HZ;
    }

    /** A {@code kB} field of /proc/PID/status ({@code VmRSS}, {@code VmHWM}, ...), in bytes. */
    public static long statusBytes(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                String v = line.substring(field.length() + 1).trim();
                if (!v.endsWith(" kB")) throw new IOException("unexpected /proc status line: " + line);
                return Long.parseLong(v.substring(0, v.length() - 3).trim()) * 1024;
            }
        }
        throw new IOException("no " + field + " in /proc/" + pid + "/status");
    }

    /** Resident set size now. */
    public static long rss(long pid) throws IOException {
        return statusBytes(pid, "VmRSS");
    }

    /** The peak resident set size ("high water mark") since the process started. */
    public static long peakRss(long pid) throws IOException {
        return statusBytes(pid, "VmHWM");
    }

    /** Entries of /proc/PID/fd: the process's open descriptors. */
    public static int fdCount(long pid) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> d = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path ignored : d) n++;
        }
        return n;
    }
}
