package dev.evloop.bench.echo;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * CPU time used by every user-space process except the ones measured, sampled every
 * {@value #PERIOD_MS} ms from /proc/PID/stat: on a shared machine, how much of the two CPUs
 * someone else (a build, a test run) took during a measurement.
 *
 * <p>A process seen for the first time counts in full (it started since the previous sample); one
 * that exits between two samples loses at most its last period. Kernel threads (PF_KTHREAD) are
 * left out: ksoftirqd may be doing the benchmark's own loopback traffic. (The busy time of
 * /proc/stat is no help here: on this VM the per-process times, which the kernel scales to the
 * scheduler's exact runtime, sum to more than /proc/stat's tick-sampled total.)
 */
public final class OtherCpu implements AutoCloseable {
    static final int PERIOD_MS = 250;
    private static final long PF_KTHREAD = 0x00200000L;

    private final Set<Long> excluded;
    private final Map<Long, Long> last = new HashMap<>();
    private final Thread sampler;
    private long ticks;
    private volatile boolean running = true;

    public OtherCpu(Set<Long> excluded) {
        this.excluded = excluded;
        sample(false);
        sampler = new Thread(this::run, "other-cpu");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
            sample(true);
        }
    }

    private synchronized void sample(boolean count) {
        Map<Long, Long> now = new HashMap<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : d) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (excluded.contains(pid)) continue;
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                if ((Long.parseLong(f[6]) & PF_KTHREAD) != 0) continue; // field 9, flags
                now.put(pid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
            }
        } catch (IOException e) {
            return;
        }
        if (count) {
            for (Map.Entry<Long, Long> e : now.entrySet()) {
                ticks += e.getValue() - last.getOrDefault(e.getKey(), 0L);
            }
        }
        last.clear();
        last.putAll(now);
    }

    /** CPU seconds the other processes used since this sampler started. */
    public synchronized double seconds() {
        sample(true);
        return ticks / (double) Proc.USER_HZ;
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
