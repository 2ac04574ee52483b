/** The evloop command line: {@code ./evloop demo}, {@code get}, {@code bench}, {@code echo-server}, {@code echo-bench}, {@code ws}, {@code ws-echo-server}. */
module dev.evloop.cli {
    requires dev.evloop.core;
    requires dev.evloop.server;
    requires dev.evloop.http;
    requires dev.evloop.websocket;
    // HdrHistogram 2.2.2 is an automatic module with no Automatic-Module-Name in its manifest:
    // the name comes from the jar's file name (HdrHistogram-2.2.2.jar), so the jar must keep it.
    requires HdrHistogram;
    requires info.picocli;

    // picocli fills the @Option fields and calls the commands reflectively.
    opens dev.evloop.cli to info.picocli;
}
