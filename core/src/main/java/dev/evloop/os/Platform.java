package dev.evloop.os;

import java.util.Locale;

/** The operating system and CPU this JVM runs on, detected once. */
public enum Platform {
    LINUX, MACOS, FREEBSD, WINDOWS, OTHER;

    private static final Platform CURRENT = detect(System.getProperty("os.name", ""));
    private static final String ARCH = System.getProperty("os.arch", "");

    public static Platform current() {
        return CURRENT;
    }

    /** True on x86_64, where {@code struct epoll_event} is packed (see {@link EpollAbi}). */
    public static boolean isX86_64() {
        return ARCH.equals("amd64") || ARCH.equals("x86_64");
    }

    public static boolean isAarch64() {
        return ARCH.equals("aarch64") || ARCH.equals("arm64");
    }

    public static String arch() {
        return ARCH;
    }

    static Platform detect(String osName) {
        String n = osName.toLowerCase(Locale.ROOT);
        if (n.startsWith("linux")) return LINUX;
        if (n.startsWith("mac") || n.startsWith("darwin")) return MACOS;
        if (n.startsWith("freebsd")) return FREEBSD;
        if (n.startsWith("windows")) return WINDOWS;
        return OTHER;
    }
}
