package dev.evloop.os;

/**
 * The errno values of the running kernel and their names, from {@link OsConstants#current()}
 * (Linux: asm-generic/errno-base.h and errno.h; macOS and FreeBSD: sys/errno.h, where EAGAIN is
 * 35, EINPROGRESS 36, ECONNRESET 54, ECONNREFUSED 61 ...).
 *
 * <p>The bindings in {@link Libc} return {@code -errno} on failure; these constants are the positive
 * values. They are not compile-time constants (a {@code switch} cannot use them; compare with
 * {@code ==}). An error the platform does not have (ENONET outside Linux, ETIME on FreeBSD) is
 * {@link #ABSENT}, which no call returns.
 */
public final class Errno {
    /** The value of an error this platform does not define: no system call fails with it. */
    public static final int ABSENT = Integer.MAX_VALUE;

    private static final OsConstants OS = OsConstants.current();

    public static final int EPERM = of("EPERM");
    public static final int ENOENT = of("ENOENT");
    public static final int EINTR = of("EINTR");
    public static final int EIO = of("EIO");
    public static final int EBADF = of("EBADF");
    public static final int EAGAIN = of("EAGAIN");
    public static final int ENOMEM = of("ENOMEM");
    public static final int EACCES = of("EACCES");
    public static final int EFAULT = of("EFAULT");
    public static final int EBUSY = of("EBUSY");
    public static final int EEXIST = of("EEXIST");
    public static final int EINVAL = of("EINVAL");
    public static final int ENFILE = of("ENFILE");
    public static final int EMFILE = of("EMFILE");
    public static final int EPIPE = of("EPIPE");
    public static final int ENOSYS = of("ENOSYS");
    public static final int ETIME = of("ETIME");
    public static final int ENONET = of("ENONET");
    public static final int EPROTO = of("EPROTO");
    public static final int ENOTSOCK = of("ENOTSOCK");
    public static final int ENOPROTOOPT = of("ENOPROTOOPT");
    public static final int EOPNOTSUPP = of("EOPNOTSUPP");
    public static final int EAFNOSUPPORT = of("EAFNOSUPPORT");
    public static final int EADDRINUSE = of("EADDRINUSE");
    public static final int EADDRNOTAVAIL = of("EADDRNOTAVAIL");
    public static final int ENETDOWN = of("ENETDOWN");
    public static final int ENETUNREACH = of("ENETUNREACH");
    public static final int ECONNABORTED = of("ECONNABORTED");
    public static final int ECONNRESET = of("ECONNRESET");
    public static final int ENOBUFS = of("ENOBUFS");
    public static final int EISCONN = of("EISCONN");
    public static final int ENOTCONN = of("ENOTCONN");
    public static final int ETIMEDOUT = of("ETIMEDOUT");
    public static final int ECONNREFUSED = of("ECONNREFUSED");
    public static final int EHOSTDOWN = of("EHOSTDOWN");
    public static final int EHOSTUNREACH = of("EHOSTUNREACH");
    public static final int EALREADY = of("EALREADY");
    public static final int EINPROGRESS = of("EINPROGRESS");
    public static final int ECANCELED = of("ECANCELED");

    private Errno() {}

    private static int of(String name) {
        return OS.errno(name).orElse(ABSENT);
    }

    /** The symbolic name on this platform, such as {@code ECONNREFUSED}, or {@code errno 200} when unknown. */
    public static String name(int errno) {
        return OS.errnoName(errno);
    }
}
