package dev.evloop.poll;

import dev.evloop.uring.IoUring;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * One OS readiness mechanism behind one small contract. Backends: {@link Backend#EPOLL},
 * {@link Backend#POLL}, {@link Backend#NIO}; {@link Pollers#open} picks one.
 *
 * <p>The contract, for every backend:
 * <ol>
 *   <li>Single-threaded: every method except {@link #wakeup} runs on one thread at a time (the
 *       event loop's). {@link #wakeup} may be called from any thread at any time.
 *   <li>{@link #register} checks its source at once (a closed or negative descriptor, or a
 *       descriptor already registered, is an exception then, not at the next wait).
 *   <li>Interest changes are staged in the {@link Registration} and applied once per source at the
 *       start of the next {@link #poll}; nothing changed means no system call.
 *   <li>{@link Registration#cancel} takes effect at once, so the caller may close the source
 *       straight after; no event reaches a cancelled registration, even one already collected
 *       in the batch being dispatched, and even if the OS reuses its descriptor number.
 *   <li>Events may be spurious: a READ may find nothing to read. Handlers treat EAGAIN as normal.
 *   <li>{@link #poll} may return early (a signal, a wakeup); callers recompute their deadline.
 * </ol>
 */
public interface Poller extends AutoCloseable {

    /**
     * Starts watching {@code source}.
     *
     * @param interest {@link Events#READ}, {@link Events#WRITE}, both, or 0
     * @throws IOException if the source is closed or the kernel refuses it
     * @throws IllegalArgumentException for a negative descriptor or a source this backend cannot watch
     * @throws IllegalStateException if the source is already registered or this poller is closed
     */
    Registration register(Pollable source, int interest, Trigger trigger, Object attachment) throws IOException;

    /**
     * The io_uring this poller waits on, for a second consumer of the same ring (completion I/O,
     * routed by {@link IoUring#COMPLETION_TAG}); null for the other backends.
     */
    default IoUring ring() {
        return null;
    }

    /**
     * Applies staged changes, waits up to {@code timeoutNanos} (negative: no limit; 0: do not
     * block) and hands each ready registration to {@code handler}.
     *
     * @return the number of events delivered
     */
    int poll(long timeoutNanos, ReadyHandler handler) throws IOException;

    /**
     * Makes the current or next {@link #poll} return at once. Any thread; wakeups coalesce: only
     * the first since the last poll makes a system call.
     */
    void wakeup();

    /**
     * Confines this poller to {@code thread}: from now on {@link #register}, {@link #poll} and every
     * {@link Registration} change made on another thread throws an {@link IllegalStateException}
     * naming both threads. {@code null} lifts the confinement (the default: the caller keeps the
     * single-thread rule itself). The event loop confines its poller to whichever thread runs it.
     */
    void confine(Thread thread);

    /** The number of live registrations. */
    int size();

    /** Visits the live registrations (not the internal wakeup source). */
    void forEach(Consumer<Registration> action);

    Backend backend();

    /** True if {@code trigger} is the kernel's own mode here, false if the backend emulates it. */
    boolean isNative(Trigger trigger);

    boolean isOpen();

    /** Releases the kernel object and the wakeup source; cancels every registration (their
     *  sources are not closed: they belong to whoever registered them). */
    @Override
    void close() throws IOException;
}
