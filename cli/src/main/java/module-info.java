/** The evloop command line: {@code ./evloop demo} and friends. */
module dev.evloop.cli {
    requires dev.evloop.core;
    requires info.picocli;

    // picocli fills the @Option fields and calls the commands reflectively.
    opens dev.evloop.cli to info.picocli;
}
