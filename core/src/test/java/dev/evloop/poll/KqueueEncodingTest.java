package dev.evloop.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.os.KqueueAbi;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bytes {@link KeventChanges} writes for each interest transition, on each ABI, against kevents
 * written out by hand here from the man pages' and headers' definitions (little-endian, as on
 * x86_64 and arm64): ident at 0 (uintptr_t), filter at 8 (int16), flags at 10 (uint16), fflags at
 * 12 (uint32), data at 16 (int64), udata at 24 (void *), and on FreeBSD 12+ ext[4] at 32, zero.
 * The expected values are literals, not the constants under test:
 * EVFILT_READ -1, EVFILT_WRITE -2, EVFILT_USER -10 (macOS) / -11 (FreeBSD); EV_ADD 0x1,
 * EV_DELETE 0x2, EV_ENABLE 0x4, EV_DISABLE 0x8, EV_ONESHOT 0x10, EV_CLEAR 0x20, EV_RECEIPT 0x40,
 * EV_DISPATCH 0x80; NOTE_TRIGGER 0x01000000.
 */
@Timeout(10)
class KqueueEncodingTest {
    private static final int FD = 7;
    private static final long GEN = 5;
    private static final int R = Events.READ;
    private static final int W = Events.WRITE;
    private static final int RW = Events.READ_WRITE;

    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    /** {abi, its kevent size, its EVFILT_USER}, the last two written out by hand. */
    static Stream<Arguments> abis() {
        return Stream.of(
                Arguments.of(KqueueAbi.MACOS, 32, -10),
                Arguments.of(KqueueAbi.FREEBSD, 64, -11),
                Arguments.of(KqueueAbi.FREEBSD11, 32, -11));
    }

    /** One kevent as the C compiler lays it out; the test's own EV_SET. */
    private static byte[] kev(int size, long ident, int filter, int flags, int fflags, long data, long udata) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, ident);
        b.putShort(8, (short) filter);
        b.putShort(10, (short) flags);
        b.putInt(12, fflags);
        b.putLong(16, data);
        b.putLong(24, udata);
        return b.array();
    }

    private static String hex(byte[]... kevents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] k : kevents) out.writeBytes(k);
        return HexFormat.of().formatHex(out.toByteArray());
    }

    private static String hex(KeventChanges c, int size) {
        byte[] bytes = c.segment().asSlice(0, (long) c.count() * size).toArray(ValueLayout.JAVA_BYTE);
        return HexFormat.of().formatHex(bytes);
    }

    private KeventChanges list(KqueueAbi abi) {
        return new KeventChanges(abi, 8, arena);
    }

    @ParameterizedTest
    @MethodSource("abis")
    void noneToRead(KqueueAbi abi, int size, int user) {
        KeventChanges c = list(abi);
        int kernel = c.transition(FD, GEN, R, 0, Trigger.LEVEL, 0);
        assertThat(hex(c, size)).isEqualTo(hex(kev(size, FD, -1, 0x1, 0, 0, GEN)));
        assertThat(kernel).isEqualTo(KeventChanges.ADDED & R);
    }

    @ParameterizedTest
    @MethodSource("abis")
    void readToReadWriteAddsOnlyTheWriteFilter(KqueueAbi abi, int size, int user) {
        KeventChanges c = list(abi);
        int kernel = c.transition(FD, GEN, RW, 0, Trigger.LEVEL, R);
        assertThat(hex(c, size)).isEqualTo(hex(kev(size, FD, -2, 0x1, 0, 0, GEN)));
        assertThat(kernel).isEqualTo(RW);
    }

    @ParameterizedTest
    @MethodSource("abis")
    void noneToReadWriteIsTwoKeventsNeverOneOredFilter(KqueueAbi abi, int size, int user) {
        KeventChanges c = list(abi);
        c.transition(FD, GEN, RW, 0, Trigger.LEVEL, 0);
        assertThat(hex(c, size)).isEqualTo(hex(kev(size, FD, -1, 0x1, 0, 0, GEN), kev(size, FD, -2, 0x1, 0, 0, GEN)));
    }

    @ParameterizedTest
    @MethodSource("abis")
    void readToWriteDeletesReadThenAddsWrite(KqueueAbi abi, int size, int user) {
        KeventChanges c = list(abi);
        int kernel = c.transition(FD, GEN, W, 0, Trigger.LEVEL, R);
        assertThat(hex(c, size)).isEqualTo(hex(kev(size, FD, -1, 0x2, 0, 0, GEN), kev(size, FD, -2, 0x1, 0, 0, GEN)));
        assertThat(kernel).isEqualTo(W);
    }

    @ParameterizedTest
    @MethodSource("abis")
    void disableThenEnableRead(KqueueAbi abi, int size, int user) {
        KeventChanges c = list(abi);
        int kernel = c.transition(FD, GEN, R, R, Trigger.LEVEL, R);
        assertThat(hex(c, size)).isEqualTo(hex(kev(size, FD, -1, 0x8, 0, 0, GEN)));
        c.clear();
        assertThat(c.transition(FD, GEN, R, R, Trigger.LEVEL, kernel)).as("already disabled").isEqualTo(kernel);
        assertThat(c.count()).isZero();
        kernel = c.transition(FD, GEN, R, 0, Trigger.LEVEL, kernel);
        assertThat(hex(c, size)).isEqualTo(hex(kev(size, FD, -1, 0x4, 0, 0, GEN)));
        assertThat(kernel).isEqualTo(R);
    }

    @ParameterizedTest
    @MethodSource("abis")
    void disabledBeforeEverAddedWritesNothingAndEnableAdds(KqueueAbi abi, int size, int user) {
        KeventChanges c = list(abi);
        int kernel = c.transition(FD, GEN, R, R, Trigger.LEVEL, 0);
        assertThat(c.count()).isZero();
        kernel = c.transition(FD, GEN, R, 0, Trigger.EDGE, kernel);
        assertThat(hex(c, size)).isEqualTo(hex(kev(size, FD, -1, 0x1 | 0x20, 0, 0, GEN)));
    }

    @ParameterizedTest
    @MethodSource("abis")
    void unchangedInterestWritesNothing(KqueueAbi abi, int size, int user) {
        KeventChanges c = list(abi);
        assertThat(c.transition(FD, GEN, RW, 0, Trigger.LEVEL, RW)).isEqualTo(RW);
        assertThat(c.count()).isZero();
    }

    @ParameterizedTest
    @MethodSource("abis")
    void eachTriggerModeAddsItsFlagOnBothFilters(KqueueAbi abi, int size, int user) {
        int[][] modes = {{Trigger.EDGE.ordinal(), 0x20}, {Trigger.ONESHOT.ordinal(), 0x10},
                {Trigger.DISPATCH.ordinal(), 0x80}, {Trigger.LEVEL.ordinal(), 0}};
        for (int[] m : modes) {
            KeventChanges c = list(abi);
            c.transition(FD, GEN, RW, 0, Trigger.values()[m[0]], 0);
            assertThat(hex(c, size)).as(Trigger.values()[m[0]].toString()).isEqualTo(hex(
                    kev(size, FD, -1, 0x1 | m[1], 0, 0, GEN), kev(size, FD, -2, 0x1 | m[1], 0, 0, GEN)));
        }
    }

    @ParameterizedTest
    @MethodSource("abis")
    void dispatchReenableAfterTheKernelDisabledTheFilter(KqueueAbi abi, int size, int user) {
        KeventChanges c = list(abi);
        int afterEvent = R | (R << 2); // added, disabled by EV_DISPATCH
        int kernel = c.transition(FD, GEN, R, 0, Trigger.DISPATCH, afterEvent);
        assertThat(hex(c, size)).isEqualTo(hex(kev(size, FD, -1, 0x4, 0, 0, GEN)));
        assertThat(kernel).isEqualTo(R);
    }

    @ParameterizedTest
    @MethodSource("abis")
    void cancelDeletesEachRegisteredFilter(KqueueAbi abi, int size, int user) {
        KeventChanges c = list(abi);
        c.deleteAll(FD, GEN, RW | (W << 2));
        assertThat(hex(c, size)).isEqualTo(hex(kev(size, FD, -1, 0x2, 0, 0, GEN), kev(size, FD, -2, 0x2, 0, 0, GEN)));
        c.clear();
        c.deleteAll(FD, GEN, W);
        assertThat(hex(c, size)).isEqualTo(hex(kev(size, FD, -2, 0x2, 0, 0, GEN)));
        c.clear();
        c.deleteAll(FD, GEN, 0);
        assertThat(c.count()).isZero();
    }

    @ParameterizedTest
    @MethodSource("abis")
    void receiptIsOredIntoEveryStagedChange(KqueueAbi abi, int size, int user) {
        KeventChanges c = list(abi);
        c.transition(FD, GEN, W, 0, Trigger.ONESHOT, R);
        c.addFlag(0x40);
        assertThat(hex(c, size)).isEqualTo(hex(
                kev(size, FD, -1, 0x2 | 0x40, 0, 0, GEN), kev(size, FD, -2, 0x1 | 0x10 | 0x40, 0, 0, GEN)));
    }

    @ParameterizedTest
    @MethodSource("abis")
    void wakeupEventAndItsTrigger(KqueueAbi abi, int size, int user) {
        MemorySegment one = arena.allocate(size, 8);
        one.fill((byte) 0x5A); // every byte must be written, ext[4] included
        KeventChanges.userEventAdd(abi, one, 0, -1L);
        assertThat(HexFormat.of().formatHex(one.toArray(ValueLayout.JAVA_BYTE)))
                .isEqualTo(hex(kev(size, 0, user, 0x1 | 0x20, 0, 0, -1L)));
        KeventChanges.userEventTrigger(abi, one, 0, -1L);
        assertThat(HexFormat.of().formatHex(one.toArray(ValueLayout.JAVA_BYTE)))
                .isEqualTo(hex(kev(size, 0, user, 0, 0x01000000, 0, -1L)));
    }

    @ParameterizedTest
    @MethodSource("abis")
    void aFullListRefusesRatherThanOverwrite(KqueueAbi abi, int size, int user) {
        KeventChanges c = new KeventChanges(abi, 3, arena);
        c.transition(FD, GEN, RW, 0, Trigger.LEVEL, 0);
        assertThat(c.remaining()).isEqualTo(1);
        assertThatThrownBy(() -> c.transition(FD + 1, GEN, R, 0, Trigger.LEVEL, 0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("flush");
        assertThat(c.count()).isEqualTo(2);
    }
}
