package dev.evloop.poll;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The live registrations of a descriptor-based backend (epoll, io_uring, kqueue, poll(2)),
 * indexed by descriptor: the kernel hands out the lowest free numbers (open(2)), so a dense array
 * grown by doubling stays small and a lookup per event costs an index. Poller thread only.
 */
final class FdTable {
    private Registration[] byFd = new Registration[256];

    /** The registration of {@code fd}, or null (none, or out of range). */
    Registration get(int fd) {
        return fd >= 0 && fd < byFd.length ? byFd[fd] : null;
    }

    void put(int fd, Registration r) {
        if (fd >= byFd.length) byFd = Arrays.copyOf(byFd, Math.max(fd + 1, byFd.length * 2));
        byFd[fd] = r;
    }

    /** Forgets {@code fd} if {@code r} is still its registration; true if it was. */
    boolean remove(int fd, Registration r) {
        if (get(fd) != r || r == null) return false;
        byFd[fd] = null;
        return true;
    }

    /** Visits the registrations not cancelled, on a copy: the action may cancel. */
    void forEachLive(Consumer<Registration> action) {
        for (Registration r : byFd.clone()) {
            if (r != null && !r.cancelled) action.accept(r);
        }
    }

    /**
     * The descriptor of {@code source}, checked for {@link Poller#register}: a negative one (a
     * closed source, or a JDK channel) and one already registered are refused at once, naming
     * {@code backend}.
     */
    int checkFree(Pollable source, String backend) {
        int fd = source.fd();
        if (fd < 0) {
            throw new IllegalArgumentException(backend + " watches descriptors; " + source + " has fd " + fd
                    + (source.channel() != null ? " (a JDK channel needs the NIO backend)" : " (closed, or not a descriptor)"));
        }
        Registration taken = get(fd);
        if (taken != null) {
            throw new IllegalStateException("fd " + fd + " is already registered: " + taken + " (closed without cancel()?)");
        }
        return fd;
    }
}
