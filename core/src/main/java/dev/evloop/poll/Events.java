package dev.evloop.poll;

/**
 * Interest and readiness bits. {@link #READ} and {@link #WRITE} are interest; all four can be
 * reported as ready.
 *
 * <p>{@link #HANGUP} means the peer closed its side (epoll EPOLLRDHUP/EPOLLHUP, poll POLLRDHUP/
 * POLLHUP); buffered data may still be read before end-of-stream. {@link #ERROR} means the socket
 * has a pending error (EPOLLERR, POLLERR); the next read or write reports it. Both are reported
 * without being asked for, together with whichever of READ / WRITE the registration wants, so a
 * handler that only looks at READ or WRITE still makes the call that surfaces the condition.
 */
public final class Events {
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int ERROR = 4;
    public static final int HANGUP = 8;
    public static final int READ_WRITE = READ | WRITE;

    private Events() {}

    public static boolean isReadable(int ready) {
        return (ready & READ) != 0;
    }

    public static boolean isWritable(int ready) {
        return (ready & WRITE) != 0;
    }

    public static boolean isError(int ready) {
        return (ready & ERROR) != 0;
    }

    public static boolean isHangup(int ready) {
        return (ready & HANGUP) != 0;
    }

    /** Rejects bits other than READ and WRITE in an interest set. */
    static int checkInterest(int interest) {
        if ((interest & ~READ_WRITE) != 0) {
            throw new IllegalArgumentException("interest must be a combination of Events.READ and Events.WRITE, got 0x"
                    + Integer.toHexString(interest));
        }
        return interest;
    }

    /** {@code "READ|HANGUP"}, {@code "NONE"}. */
    public static String toString(int ops) {
        if (ops == 0) return "NONE";
        StringBuilder b = new StringBuilder();
        if ((ops & READ) != 0) b.append("READ|");
        if ((ops & WRITE) != 0) b.append("WRITE|");
        if ((ops & ERROR) != 0) b.append("ERROR|");
        if ((ops & HANGUP) != 0) b.append("HANGUP|");
        if ((ops & ~(READ | WRITE | ERROR | HANGUP)) != 0) b.append("0x").append(Integer.toHexString(ops)).append('|');
        return b.substring(0, b.length() - 1);
    }
}
