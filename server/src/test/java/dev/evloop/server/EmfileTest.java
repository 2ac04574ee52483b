package dev.evloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Descriptor exhaustion on accept, in a child JVM with a low RLIMIT_NOFILE: the server must not
 * spin (a level-triggered listener with a connection it cannot accept would), must keep serving
 * its clients, must log once per episode, and must accept again when descriptors free up.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EmfileTest {
    private static final int HEADROOM = 12;
    private static final int CLIENTS = 30;

    @Test
    void exhaustionPausesAcceptingWithoutSpinningAndRecovers() throws Exception {
        Process child = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:off", "-XX:+UseSerialGC", "-XX:CICompilerCount=2",
                "-cp", System.getProperty("java.class.path"),
                EmfileServerMain.class.getName(), String.valueOf(HEADROOM)).start();
        List<String> stderr = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getErrorStream()))) {
                String l;
                while ((l = r.readLine()) != null) stderr.add(l);
            } catch (IOException ignored) {
                // the child exited
            }
        });
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
        PrintWriter in = new PrintWriter(child.getOutputStream(), true);
        List<Socket> clients = new ArrayList<>();
        try {
            String first = out.readLine();
            assertThat(first).as("child said: " + stderr).startsWith("PORT ");
            int port = Integer.parseInt(first.split(" ")[1]);
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port); // the backlog completes it
                s.setSoTimeout(10_000);
                clients.add(s);
            }
            int accepted = awaitStableCount(in, out);
            assertThat(accepted).as("some accepted, the rest refused by EMFILE").isBetween(1, CLIENTS - 6);

            // Exhausted: the loop must sit idle, not retry accept(2) as fast as it can.
            double cpu = cpuSeconds(child.pid());
            Thread.sleep(3000);
            double used = cpuSeconds(child.pid()) - cpu;
            assertThat(used).as("CPU seconds used in 3 s at EMFILE (a spinning loop uses ~3)").isLessThan(1.0);
            assertThat(stderr.stream().filter(l -> l.contains("pausing accepts")).count())
                    .as("one log line for the episode, not one per attempt: " + stderr).isEqualTo(1);

            // Accepted clients are still served.
            Frames.send(clients.get(0), Frames.frame(Frames.payload(100, 0)));
            assertThat(Frames.receive(clients.get(0))).isEqualTo(Frames.payload(100, 0));

            // Five leave: their descriptors free up and five waiting clients are accepted.
            for (int i = 0; i < 5; i++) clients.get(i).close();
            Socket waiting = clients.get(accepted);
            Frames.send(waiting, Frames.frame(Frames.payload(200, 7)));
            assertThat(Frames.receive(waiting)).as("a client that waited in the backlog").isEqualTo(Frames.payload(200, 7));
            // The child logs it on its own thread, and another thread here reads its stderr: wait for it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (stderr.stream().noneMatch(l -> l.contains("accepting again")) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(stderr.stream().anyMatch(l -> l.contains("accepting again"))).as("stderr: " + stderr).isTrue();
        } finally {
            for (Socket s : clients) s.close();
            in.close();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(child.exitValue()).as("child stderr: " + stderr).isZero();
    }

    /** Asks the child for its connection count until it stops changing. */
    private static int awaitStableCount(PrintWriter in, BufferedReader out) throws Exception {
        int last = -1;
        for (int i = 0; i < 100; i++) {
            in.println("count");
            int n = Integer.parseInt(out.readLine().split(" ")[1]);
            if (n == last && n > 0) return n;
            last = n;
            Thread.sleep(100);
        }
        throw new AssertionError("connection count never settled: " + last);
    }

    /** utime + stime of a process, proc(5) /proc/pid/stat fields 14 and 15, in seconds. */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15, counted from field 3
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }
}
