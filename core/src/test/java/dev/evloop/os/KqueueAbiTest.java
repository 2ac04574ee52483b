package dev.evloop.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemoryLayout.PathElement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The kevent layouts and constants against the values in XNU's and FreeBSD's sys/event.h. */
@Timeout(10)
class KqueueAbiTest {

    @Test
    void layoutsMatchTheHeaders() {
        assertThat(KqueueAbi.MACOS.size()).isEqualTo(32);
        assertThat(KqueueAbi.FREEBSD.size()).isEqualTo(64);
        assertThat(KqueueAbi.FREEBSD11.size()).isEqualTo(32);
        for (KqueueAbi abi : new KqueueAbi[] {KqueueAbi.MACOS, KqueueAbi.FREEBSD, KqueueAbi.FREEBSD11}) {
            assertThat(abi.kevent().byteOffset(PathElement.groupElement("ident"))).isEqualTo(0);
            assertThat(abi.kevent().byteOffset(PathElement.groupElement("filter"))).isEqualTo(8);
            assertThat(abi.kevent().byteOffset(PathElement.groupElement("flags"))).isEqualTo(10);
            assertThat(abi.kevent().byteOffset(PathElement.groupElement("fflags"))).isEqualTo(12);
            assertThat(abi.kevent().byteOffset(PathElement.groupElement("data"))).isEqualTo(16);
            assertThat(abi.kevent().byteOffset(PathElement.groupElement("udata"))).isEqualTo(24);
        }
        assertThat(KqueueAbi.FREEBSD.kevent().byteOffset(PathElement.groupElement("ext"))).isEqualTo(32);
        assertThat(KqueueAbi.TIMESPEC.byteSize()).isEqualTo(16);
    }

    @Test
    void constantsMatchTheHeaders() {
        assertThat(KqueueAbi.MACOS.evfiltUser()).isEqualTo((short) -10);
        assertThat(KqueueAbi.FREEBSD.evfiltUser()).isEqualTo((short) -11);
        assertThat(KqueueAbi.FREEBSD11.evfiltUser()).isEqualTo((short) -11);
        assertThat(new int[] {KqueueAbi.EVFILT_READ, KqueueAbi.EVFILT_WRITE}).containsExactly(-1, -2);
        assertThat(new int[] {KqueueAbi.EV_ADD, KqueueAbi.EV_DELETE, KqueueAbi.EV_ENABLE, KqueueAbi.EV_DISABLE,
                KqueueAbi.EV_ONESHOT, KqueueAbi.EV_CLEAR, KqueueAbi.EV_RECEIPT, KqueueAbi.EV_DISPATCH,
                KqueueAbi.EV_ERROR, KqueueAbi.EV_EOF})
                .containsExactly(0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x4000, 0x8000);
        assertThat(KqueueAbi.NOTE_TRIGGER).isEqualTo(0x01000000);
        assertThat(KqueueAbi.NOTE_FFNOP).isZero();
    }

    @Test
    void parseNamesTheVariantsAndRejectsOthersClearly() {
        assertThat(KqueueAbi.parse(" MacOS ")).isSameAs(KqueueAbi.MACOS);
        assertThat(KqueueAbi.parse("freebsd")).isSameAs(KqueueAbi.FREEBSD);
        assertThat(KqueueAbi.parse("freebsd11")).isSameAs(KqueueAbi.FREEBSD11);
        assertThatThrownBy(() -> KqueueAbi.parse("openbsd"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'openbsd'").hasMessageContaining("evloop.kqueue.abi")
                .hasMessageContaining("macos, freebsd or freebsd11");
    }

    @Test
    void onLinuxWithoutTheLibraryPropertyKqueueIsUnavailableWithTheReason() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Platform.current() == Platform.LINUX
                && System.getProperty(Libc.KQUEUE_LIBRARY_PROPERTY) == null, "Linux without a userspace kqueue only");
        assertThat(dev.evloop.poll.Backend.KQUEUE.unavailabilityCause()).hasValueSatisfying(cause -> assertThat(cause)
                .contains("not available on LINUX").contains("-Devloop.kqueue.library"));
        assertThat(dev.evloop.poll.Backend.parse("kqueue")).isSameAs(dev.evloop.poll.Backend.KQUEUE);
        assertThatThrownBy(() -> dev.evloop.poll.Pollers.open(dev.evloop.poll.Backend.KQUEUE))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("KQUEUE backend unavailable");
    }
}
