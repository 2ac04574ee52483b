package dev.evloop.os;

import java.io.IOException;

/**
 * A failed system call: names the call and the errno, as in {@code connect: ECONNREFUSED
 * (Connection refused)}. EAGAIN is never thrown; the bindings return it as a value.
 */
public final class NativeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public NativeException(String call, int errno) {
        this(call, errno, null);
    }

    /** @param detail extra context such as the address, or null */
    public NativeException(String call, int errno, String detail) {
        super(call + ": " + Errno.name(errno) + " (" + Libc.strerror(errno) + ")"
                + (detail == null ? "" : " [" + detail + "]"));
        this.call = call;
        this.errno = Math.abs(errno);
    }

    /** The system call that failed, e.g. {@code connect}. */
    public String call() {
        return call;
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }

    /** Throws for a negative result ({@code -errno}); returns a non-negative result unchanged. */
    public static int check(String call, int result) throws NativeException {
        if (result < 0) throw new NativeException(call, -result);
        return result;
    }

    public static long check(String call, long result) throws NativeException {
        if (result < 0) throw new NativeException(call, (int) -result);
        return result;
    }
}
