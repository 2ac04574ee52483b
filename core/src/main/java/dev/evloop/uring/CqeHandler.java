package dev.evloop.uring;

/** Receives one completion: the SQE's user_data, its result ({@code -errno} on failure) and CQE flags. */
@FunctionalInterface
public interface CqeHandler {
    void complete(long userData, int res, int flags);
}
