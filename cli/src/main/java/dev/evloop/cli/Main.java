package dev.evloop.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code evloop} command. The only place that calls {@link System#exit}. */
@Command(
        name = "evloop",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "One event loop over epoll, io_uring, kqueue, poll(2) and the JDK Selector, through java.lang.foreign.",
        subcommands = {
            DemoCommand.class, GetCommand.class, BenchCommand.class, HttpServerCommand.class,
            EchoServerCommand.class, EchoBenchCommand.class, WsCommand.class, WsEchoServerCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @Spec
    CommandSpec spec;

    /** {@code evloop} alone: show the usage, and fail as a usage error. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command, e.g. evloop demo");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (0 ok, 1 failure, 2 usage error). */
    public static int run(String... args) {
        return newCommandLine().execute(args);
    }

    /** Runs with the given output and error writers; for tests. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(out, err, System.out, args);
    }

    /** Runs with the given writers, and {@code stdout} for the bodies {@code get} writes; for tests. */
    static int run(PrintWriter out, PrintWriter err, OutputStream stdout, String... args) {
        CommandLine cl = newCommandLine(stdout);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    private static CommandLine newCommandLine() {
        return newCommandLine(System.out);
    }

    private static CommandLine newCommandLine(OutputStream stdout) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == GetCommand.class) return cls.cast(new GetCommand(stdout));
                return CommandLine.defaultFactory().create(cls);
            }
        };
        return new CommandLine(new Main(), factory).setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** The version from the build, plus the Java runtime and OS it runs on. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "evloop " + version(),
                "Java " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor") + ")"
                        + " on " + System.getProperty("os.name") + " " + System.getProperty("os.arch")
            };
        }

        static String version() {
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    String v = p.getProperty("version");
                    if (v != null && !v.isBlank() && !v.startsWith("${")) {
                        return v;
                    }
                }
            } catch (IOException e) {
                // fall through to the module's version
            }
            return Main.class.getModule().getDescriptor() != null
                    ? Main.class.getModule().getDescriptor().rawVersion().orElse("unknown")
                    : "unknown";
        }
    }
}
