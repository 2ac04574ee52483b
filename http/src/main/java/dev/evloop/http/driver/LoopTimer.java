package dev.evloop.http.driver;

import dev.evloop.loop.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * The engine's one deadline as one loop timer, moved or cancelled as the engine announces it
 * ({@link dev.evloop.http.TimerCallback}: a delay in milliseconds, or -1 for none); when it
 * fires, {@code fire} runs (the engine's {@code timeoutAction}). Loop thread only.
 */
final class LoopTimer {
    private final EventLoop loop;
    private final Runnable fire;
    private long timer;

    LoopTimer(EventLoop loop, Runnable fire) {
        this.loop = loop;
        this.fire = fire;
    }

    void onTimer(long delayMillis) {
        if (timer != 0) {
            loop.cancelTimer(timer);
            timer = 0;
        }
        if (delayMillis >= 0) {
            timer = loop.schedule(delayMillis, TimeUnit.MILLISECONDS, () -> {
                timer = 0;
                fire.run();
            });
        }
    }
}
