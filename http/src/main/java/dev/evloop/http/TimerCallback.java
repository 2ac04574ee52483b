package dev.evloop.http;

/**
 * The engine tells the application when to call {@link HttpEngine#timeoutAction}
 * (libcurl's CURLMOPT_TIMERFUNCTION). Called only when the deadline moves.
 */
@FunctionalInterface
public interface TimerCallback {
    /** No deadline: cancel the application's timer. */
    long NONE = -1;

    /**
     * @param delayMillis call {@link HttpEngine#timeoutAction} after this many milliseconds (0: as
     *     soon as possible, from the loop, not from inside this callback), or {@link #NONE}
     */
    void onTimer(long delayMillis);
}
