package dev.evloop.http;

import java.nio.ByteBuffer;

/**
 * Hears one transfer's progress, on the thread driving the engine. Callbacks may add and remove
 * transfers.
 */
public interface TransferListener {
    /** The final response's status and headers arrived. */
    default void onResponseHead(Transfer transfer, int status, HttpHeaders headers) {}

    /**
     * Body bytes of a {@linkplain Transfer#streaming streaming} transfer, decoded, valid during the
     * call only. Collecting transfers gather the body into the {@link HttpResponse} instead.
     * Calling {@link HttpEngine#pause} here means no more calls after this one until
     * {@link HttpEngine#resume}.
     */
    default void onBody(Transfer transfer, ByteBuffer bytes) {}

    /** The transfer ended; called once. */
    void onComplete(TransferResult result);
}
