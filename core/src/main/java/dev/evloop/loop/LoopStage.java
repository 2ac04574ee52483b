package dev.evloop.loop;

/**
 * A layer that keeps work of its own on a loop and finishes it inside the loop's iterations:
 * completion I/O ({@code dev.evloop.completion}) is one. Attached once per loop and type with
 * {@link EventLoop#stage}; every method is called on the loop thread.
 *
 * <p>Where it runs in an iteration (see {@link EventLoop}): {@link #run} after the posted tasks
 * and before the wait, so what it queues is applied by the wait itself, and again right after the
 * dispatch of I/O events, so results that dispatch produced are delivered in the same iteration.
 */
public interface LoopStage {
    /** Delivers what is ready now; returns how many items were handled. Exceptions of user callbacks are its own to report ({@link EventLoop#reportError}). */
    int run();

    /** True while something is ready to deliver: the loop then does not block in its wait. */
    boolean hasReadyWork();

    /** The loop is closing (after the last tasks, before registrations are cancelled): end everything pending. */
    void close();
}
