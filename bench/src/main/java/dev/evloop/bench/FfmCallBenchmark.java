package dev.evloop.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.evloop.net.TcpSocket;
import dev.evloop.net.Transport;
import dev.evloop.os.Errno;
import dev.evloop.os.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a call through java.lang.foreign costs, apart from the work the kernel does.
 *
 * <ol>
 *   <li>{@code labsPlain} / {@code labsCritical}: {@code labs(3)}, a libc function that makes no
 *       system call, linked here without and with {@link Linker.Option#critical critical(false)}.
 *       The difference is the Java-to-native thread-state transition alone.
 *   <li>{@code getpidPlain} / {@code getpidCritical}: {@code getpid(2)} through
 *       {@link Libc#getpid()} and {@link Libc#getpidCritical()}: the same transition, now next to
 *       the cheapest real system call.
 *   <li>{@code readEagain*}: {@code read(2)} of up to 64 bytes on an empty non-blocking loopback
 *       socket, which returns EAGAIN: the call an edge-triggered loop makes once per readiness
 *       to learn it has drained the socket. {@code readEagainLibc} is {@link Libc#read} (critical,
 *       errno captured into a per-thread segment); {@code readEagainPlainCapture} is the same
 *       call linked here without critical; {@code readEagainTcpSocket} goes through
 *       {@link TcpSocket#read(MemorySegment)} (state check, EAGAIN to 0) and
 *       {@code readEagainTcpSocketBuffer} through {@link TcpSocket#read(ByteBuffer)} with a
 *       direct buffer. {@code readEagainNio} is the JDK's {@link SocketChannel#read(ByteBuffer)}
 *       on an empty non-blocking channel, the same system call behind the JDK's locks and
 *       checks.
 * </ol>
 *
 * <p>Reading the scores: ns per call. The transition is a few ns; a system call costs tens, so a
 * critical link saves little once the kernel is entered, and the read comparison is mostly the
 * overhead each layer adds around the same {@code read(2)}. {@code gc.alloc.rate.norm} shows
 * whether a layer allocates per call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FfmCallBenchmark {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemorySegment LABS_ADDRESS = LINKER.defaultLookup().find("labs").orElseThrow();
    private static final MethodHandle LABS = LINKER.downcallHandle(
            LABS_ADDRESS, FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
    private static final MethodHandle LABS_CRITICAL = LINKER.downcallHandle(
            LABS_ADDRESS, FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), Linker.Option.critical(false));
    /** read(2) as {@link Libc#read} links it, minus critical: errno captured, full transition. */
    private static final MethodHandle READ_PLAIN_CAPTURE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("read").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            Linker.Option.captureCallState("errno"));

    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final int READ_LENGTH = 64;

    /** Varies so the JIT cannot fold the labs calls. */
    private long labsArgument = -42L;

    /** Confined to the benchmark thread (set up on it): the cheapest liveness check a downcall can make. */
    private Arena arena;
    private MemorySegment nativeBuffer;
    private MemorySegment captureState;
    private final ByteBuffer directBuffer = ByteBuffer.allocateDirect(READ_LENGTH);

    private TcpSocket[] nativePair;
    private int emptyFd;
    private ServerSocketChannel nioListener;
    private SocketChannel nioClient;
    private SocketChannel nioServer;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        arena = Arena.ofConfined();
        nativeBuffer = arena.allocate(READ_LENGTH, 8);
        captureState = arena.allocate(CAPTURE_LAYOUT);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        nativePair = Transport.NATIVE.connectedPair(loopback);
        emptyFd = nativePair[1].fd();
        long r = Libc.read(emptyFd, nativeBuffer, READ_LENGTH);
        if (r != -Errno.EAGAIN) {
            throw new IllegalStateException("expected -EAGAIN from an empty socket, got " + r);
        }

        nioListener = ServerSocketChannel.open().bind(new InetSocketAddress(loopback, 0));
        nioClient = SocketChannel.open(nioListener.getLocalAddress());
        nioServer = nioListener.accept();
        nioServer.configureBlocking(false);
        if (nioServer.read(directBuffer) != 0) {
            throw new IllegalStateException("expected an empty NIO channel");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        nativePair[0].close();
        nativePair[1].close();
        nioServer.close();
        nioClient.close();
        nioListener.close();
        arena.close();
    }

    @Benchmark
    public long labsPlain() throws Throwable {
        return (long) LABS.invokeExact(labsArgument--);
    }

    @Benchmark
    public long labsCritical() throws Throwable {
        return (long) LABS_CRITICAL.invokeExact(labsArgument--);
    }

    @Benchmark
    public int getpidPlain() {
        return Libc.getpid();
    }

    @Benchmark
    public int getpidCritical() {
        return Libc.getpidCritical();
    }

    @Benchmark
    public long readEagainLibc() {
        return Libc.read(emptyFd, nativeBuffer, READ_LENGTH);
    }

    @Benchmark
    public long readEagainPlainCapture() throws Throwable {
        long r = (long) READ_PLAIN_CAPTURE.invokeExact(captureState, emptyFd, nativeBuffer, (long) READ_LENGTH);
        return r < 0 ? -captureState.get(JAVA_INT, ERRNO_OFFSET) : r;
    }

    @Benchmark
    public long readEagainTcpSocket() throws IOException {
        return nativePair[1].read(nativeBuffer);
    }

    @Benchmark
    public int readEagainTcpSocketBuffer() throws IOException {
        directBuffer.clear();
        return nativePair[1].read(directBuffer);
    }

    @Benchmark
    public int readEagainNio() throws IOException {
        directBuffer.clear();
        return nioServer.read(directBuffer);
    }
}
