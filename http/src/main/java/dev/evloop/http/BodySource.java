package dev.evloop.http;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A request body the engine pulls on the thread driving it, as the socket takes bytes (a streamed
 * upload; libcurl's CURLOPT_READFUNCTION). With a known {@link #length()} the request says
 * {@code Content-Length}; without one it is sent {@code Transfer-Encoding: chunked}.
 *
 * <p>{@link #read} returns the bytes it put into {@code dst} (at most {@code dst.remaining()}),
 * {@code 0} when nothing is ready now, or {@code -1} at the end. After a {@code 0} the engine stops
 * writing (the socket is not watched for the upload meanwhile, and the transfer's idle timeout is
 * held) until the application calls {@link HttpEngine#resumeUpload} from the driving thread. A
 * source with a known length is done once that many bytes were read; ending earlier fails the
 * transfer, and so does an exception thrown here.
 *
 * <p>Through {@link HttpClient} the source is pulled on the client's loop thread, and there is no
 * {@code resumeUpload} there: such a source should block briefly or return bytes, never 0.
 *
 * <p>A streamed body is read once: a transfer carrying one is not retried on a fresh connection
 * once bytes were pulled, and a 307/308 redirect for it fails the transfer.
 */
public interface BodySource {
    /** Fills {@code dst}: bytes put, 0 for "nothing now", -1 at the end. */
    int read(ByteBuffer dst) throws IOException;

    /** The body's length in bytes, or -1 when unknown (then it is sent chunked). */
    default long length() {
        return -1;
    }
}
