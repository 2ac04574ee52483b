package dev.evloop.completion;

import dev.evloop.os.Errno;
import dev.evloop.os.NativeException;
import java.io.IOException;

/** The errno behind an I/O failure. */
final class Errors {
    private Errors() {}

    /**
     * A {@link NativeException}'s errno, found along the cause chain. The JDK's channels (the NIO
     * backend) throw plain IOExceptions carrying only strerror's text (sun.nio.ch's
     * {@code Net.c}/{@code IOUtil.c} throw {@code JNU_ThrowIOExceptionWithLastError}, and a reset
     * read is "Connection reset" from {@code SocketDispatcher}), so the common ones are recognised
     * by that text; anything else is 0.
     */
    static int errno(IOException failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof NativeException n) return n.errno();
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null) continue;
            if (m.contains("Connection reset")) return Errno.ECONNRESET;
            if (m.contains("Broken pipe")) return Errno.EPIPE;
            if (m.contains("Connection refused")) return Errno.ECONNREFUSED;
            if (m.contains("timed out")) return Errno.ETIMEDOUT;
        }
        return 0;
    }
}
