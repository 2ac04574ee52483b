package dev.evloop.poll;

/**
 * When a registration reports readiness. The semantics are the same on every backend; where the
 * OS lacks a mode the backend emulates it (each backend's class doc says which).
 */
public enum Trigger {
    /** Reported on every wait while the condition holds (epoll default, poll(2), Selector). */
    LEVEL,
    /**
     * Reported once per change: when data arrives (or buffer space frees up), not again until the
     * application has consumed it. The application must read (or write) until the call would
     * block; with that rule kept, native (EPOLLET, EV_CLEAR) and emulated edge behave alike.
     * Emulated edge lifts its suppression when a read or write returns EAGAIN
     * ({@link Registration#wouldBlock}), which the evloop sockets report themselves.
     */
    EDGE,
    /**
     * Reported once, then the fired operations are unsubscribed ({@link Registration#interest()}
     * drops them); subscribe again with {@link Registration#interest(int)}. As kqueue EV_ONESHOT.
     */
    ONESHOT,
    /**
     * Reported once, then the fired operations are disabled, still subscribed
     * ({@link Registration#isDisabled}); {@link Registration#enable} re-arms them. As kqueue
     * EV_DISPATCH (and what epoll calls EPOLLONESHOT).
     */
    DISPATCH
}
