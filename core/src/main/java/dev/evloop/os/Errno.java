package dev.evloop.os;

/**
 * Linux errno values (asm-generic/errno-base.h, asm-generic/errno.h) and their names.
 *
 * <p>The bindings in {@link Libc} return {@code -errno} on failure; these constants are the positive
 * values. Other platforms' numbers differ and arrive with their backends.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int EPIPE = 32;
    public static final int ENOSYS = 38;
    public static final int ENONET = 64;
    public static final int EPROTO = 71;
    public static final int ENOTSOCK = 88;
    public static final int ENOPROTOOPT = 92;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int EISCONN = 106;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTDOWN = 112;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int EBUSY = 16;
    public static final int ETIME = 62;
    public static final int ECANCELED = 125;

    private static final String[] NAMES = new String[134];

    static {
        String[] pairs = {
            "1", "EPERM", "2", "ENOENT", "3", "ESRCH", "4", "EINTR", "5", "EIO", "6", "ENXIO",
            "7", "E2BIG", "9", "EBADF", "11", "EAGAIN", "12", "ENOMEM", "13", "EACCES", "14", "EFAULT",
            "16", "EBUSY", "17", "EEXIST", "19", "ENODEV", "20", "ENOTDIR", "21", "EISDIR",
            "22", "EINVAL", "23", "ENFILE", "24", "EMFILE", "27", "EFBIG", "28", "ENOSPC", "29", "ESPIPE",
            "32", "EPIPE", "62", "ETIME", "64", "ENONET", "71", "EPROTO", "38", "ENOSYS", "88", "ENOTSOCK", "89", "EDESTADDRREQ", "90", "EMSGSIZE",
            "91", "EPROTOTYPE", "92", "ENOPROTOOPT", "93", "EPROTONOSUPPORT", "95", "EOPNOTSUPP",
            "97", "EAFNOSUPPORT", "98", "EADDRINUSE", "99", "EADDRNOTAVAIL", "100", "ENETDOWN",
            "101", "ENETUNREACH", "102", "ENETRESET", "103", "ECONNABORTED", "104", "ECONNRESET",
            "105", "ENOBUFS", "106", "EISCONN", "107", "ENOTCONN", "108", "ESHUTDOWN",
            "110", "ETIMEDOUT", "111", "ECONNREFUSED", "112", "EHOSTDOWN", "113", "EHOSTUNREACH",
            "114", "EALREADY", "115", "EINPROGRESS", "125", "ECANCELED",
        };
        for (int i = 0; i < pairs.length; i += 2) {
            NAMES[Integer.parseInt(pairs[i])] = pairs[i + 1];
        }
    }

    private Errno() {}

    /** The symbolic name, such as {@code ECONNREFUSED}, or {@code errno 200} when unknown. */
    public static String name(int errno) {
        int e = Math.abs(errno);
        String n = e < NAMES.length ? NAMES[e] : null;
        return n != null ? n : "errno " + e;
    }
}
