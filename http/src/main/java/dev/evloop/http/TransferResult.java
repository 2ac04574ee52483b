package dev.evloop.http;

/**
 * How a transfer ended: a response, or the error that stopped it. Times are nanoseconds of the
 * engine's clock.
 *
 * @param response the response, or null when {@code error} is set
 * @param error why the transfer failed (an {@link java.io.IOException} naming the cause, or a
 *     {@link java.util.concurrent.CancellationException}), or null
 * @param addedNanos when {@link HttpEngine#add} took it
 * @param doneNanos when it ended
 * @param reusedConnection whether it ran on a connection kept alive from an earlier transfer
 */
public record TransferResult(Transfer transfer, HttpResponse response, Throwable error, long addedNanos,
        long doneNanos, boolean reusedConnection) {

    public boolean isSuccess() {
        return error == null;
    }

    public long durationNanos() {
        return doneNanos - addedNanos;
    }
}
