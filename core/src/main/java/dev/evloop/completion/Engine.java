package dev.evloop.completion;

/**
 * Carries operations to the system: {@link ReadinessEngine} does the I/O when a readiness backend
 * reports the socket ready; a native io_uring engine hands SQEs to the loop's ring. Whatever the
 * engine, a finished operation goes to {@link Completions#complete} and is delivered by the
 * loop's stage, never inside the call that finished it. Loop thread only.
 */
interface Engine {
    /** Starts {@code op} (any kind but CLOSE); a failure to start completes it with the error. */
    void submit(Operation op);

    /** Ends a pending {@code op} with ECANCELED; false if it already finished (its real result comes). */
    boolean cancel(Operation op);

    /** Cancels everything pending on {@code source}, releases it, then completes {@code close}. */
    void close(Source source, Operation close);

    /**
     * The loop is closing, before its sources are closed: ask the system to drop everything in
     * flight now, so no close of one socket (a FIN the peer reads) can finish another's operation first.
     */
    default void cancelEverything() {}

    /** The loop is closing and every source was closed: wait (bounded) for what the kernel still holds. */
    default void shutdown() {}
}
