package dev.evloop.uring;

import static dev.evloop.os.IoUringAbi.IORING_FEAT_EXT_ARG;
import static dev.evloop.os.IoUringAbi.IORING_FEAT_NODROP;

import dev.evloop.os.Errno;
import dev.evloop.os.IoUringAbi;
import dev.evloop.os.Libc;
import dev.evloop.os.NativeException;
import dev.evloop.os.Platform;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether io_uring can be used here, probed once by setting up (and closing) a small ring, and if
 * not, why: in words a user can act on.
 */
public final class IoUringSupport {
    /** System property that makes io_uring report itself unavailable, with its value as the reason (for tests). */
    public static final String DISABLE_PROPERTY = "evloop.iouring.disable";

    /** What the readiness backend needs: the timeout in io_uring_enter, completions never dropped. */
    private static final int REQUIRED_FEATURES = IORING_FEAT_EXT_ARG | IORING_FEAT_NODROP;
    private static final int[] POLLER_OPCODES = {
        IoUringAbi.IORING_OP_NOP, IoUringAbi.IORING_OP_POLL_ADD, IoUringAbi.IORING_OP_POLL_REMOVE};

    private static final class Probe {
        static final Optional<String> CAUSE = probe();
    }

    private IoUringSupport() {}

    /**
     * Why the io_uring readiness backend cannot run here, or empty. The property is read on every
     * call; the kernel is probed once per JVM.
     */
    public static Optional<String> unavailabilityCause() {
        String forced = System.getProperty(DISABLE_PROPERTY);
        if (forced != null) {
            return Optional.of("disabled by -D" + DISABLE_PROPERTY + (forced.isBlank() ? "" : ": " + forced));
        }
        if (Platform.current() != Platform.LINUX) {
            return Optional.of("io_uring is Linux only; this is " + Platform.current());
        }
        return Probe.CAUSE;
    }

    private static Optional<String> probe() {
        IoUring ring;
        try {
            ring = IoUring.open(4, 0);
        } catch (NativeException e) {
            return Optional.of(explainSetupFailure(e.errno()));
        } catch (LinkageError | RuntimeException e) {
            return Optional.of("cannot reach io_uring_setup: " + e);
        }
        try {
            return missing(ring);
        } finally {
            ring.close();
        }
    }

    /** What the readiness backend lacks on {@code ring}, or empty. */
    static Optional<String> missing(IoUring ring) {
        if (!ring.hasFeature(REQUIRED_FEATURES)) {
            List<String> lacking = new ArrayList<>();
            if (!ring.hasFeature(IORING_FEAT_NODROP)) lacking.add("IORING_FEAT_NODROP (5.5)");
            if (!ring.hasFeature(IORING_FEAT_EXT_ARG)) lacking.add("IORING_FEAT_EXT_ARG (5.11)");
            return Optional.of("kernel too old: io_uring is there, but this backend needs Linux 5.11+ and the kernel"
                    + " lacks " + String.join(", ", lacking) + " (features 0x" + Integer.toHexString(ring.features()) + ")");
        }
        List<String> ops = new ArrayList<>();
        for (int op : POLLER_OPCODES) {
            if (!ring.supports(op)) ops.add(IoUringAbi.opName(op));
        }
        if (!ops.isEmpty()) {
            return Optional.of("io_uring lacks opcodes " + String.join(", ", ops)
                    + " (IORING_REGISTER_PROBE; disabled by the kernel's configuration or a filter)");
        }
        return Optional.empty();
    }

    /** Turns io_uring_setup's errno into the reason, reading the knobs that decide it. */
    static String explainSetupFailure(int errno) {
        String call = "io_uring_setup: " + Errno.name(errno);
        if (errno == Errno.ENOSYS) {
            return "kernel too old: io_uring needs Linux 5.1+, and this backend needs 5.11+ ("
                    + call + "; or the kernel was built without CONFIG_IO_URING)";
        }
        if (errno == Errno.EPERM) return eperm(call);
        if (errno == Errno.ENOMEM) {
            return "not enough locked memory for the rings (" + call + "): RLIMIT_MEMLOCK is "
                    + memlock() + "; kernels before 5.12 charge io_uring rings to it (raise it with ulimit -l)";
        }
        return call;
    }

    /** EPERM: the io_uring_disabled sysctl (6.6+), or a seccomp filter, or (before 5.12) RLIMIT_MEMLOCK. */
    private static String eperm(String call) {
        String disabled = read("/proc/sys/kernel/io_uring_disabled");
        if ("2".equals(disabled)) {
            return "disabled by the administrator: /proc/sys/kernel/io_uring_disabled is 2 (" + call + ")";
        }
        if ("1".equals(disabled)) {
            String group = read("/proc/sys/kernel/io_uring_group");
            return "restricted by the administrator: /proc/sys/kernel/io_uring_disabled is 1, so only group "
                    + (group == null ? "kernel.io_uring_group" : group) + " may use io_uring (" + call + ")";
        }
        String seccomp = seccompMode();
        if (seccomp != null && !"0".equals(seccomp)) {
            return "blocked by seccomp: /proc/self/status says Seccomp: " + seccomp
                    + (disabled == null ? "" : ", and /proc/sys/kernel/io_uring_disabled is " + disabled)
                    + " (" + call + "; containers' default profiles refuse io_uring)";
        }
        return "not permitted (" + call + "): /proc/sys/kernel/io_uring_disabled is "
                + (disabled == null ? "absent (kernel before 6.6)" : disabled) + ", no seccomp filter, RLIMIT_MEMLOCK is "
                + memlock() + " (kernels before 5.12 charge rings to it)";
    }

    private static String seccompMode() {
        String status = read("/proc/self/status");
        if (status == null) return null;
        for (String line : status.split("\n")) {
            if (line.startsWith("Seccomp:")) return line.substring("Seccomp:".length()).trim();
        }
        return null;
    }

    private static String memlock() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment lim = a.allocate(Libc.RLIMIT);
            if (Libc.getrlimit(Libc.RLIMIT_MEMLOCK, lim) < 0) return "unknown";
            long cur = lim.get(ValueLayout.JAVA_LONG, 0);
            return cur == -1L ? "unlimited" : cur + " bytes";
        }
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
