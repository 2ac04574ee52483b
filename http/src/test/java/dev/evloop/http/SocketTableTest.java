package dev.evloop.http;

import static dev.evloop.poll.Events.READ;
import static dev.evloop.poll.Events.READ_WRITE;
import static dev.evloop.poll.Events.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.evloop.poll.Pollable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The interest rules of seed 001, on the table alone, with the checker watching every call. */
class SocketTableTest {
    private final List<String> told = new ArrayList<>();
    private final ContractChecker checker = new ContractChecker((s, a, d) -> told.add(s.fd() + " " + a));
    private final SocketTable table = new SocketTable(checker);
    private long generations;

    private SocketHandle handle(int fd) {
        return new SocketHandle(new Pollable() {
            @Override
            public int fd() {
                return fd;
            }

            @Override
            public void close() {}
        }, ++generations);
    }

    private void flush() {
        table.flush();
        checker.verify(table);
    }

    @Test
    void onlyChangesAreAnnouncedAndInToOutReplacesIn() {
        SocketTable.Entry e = table.add(handle(5));
        table.join(e);
        table.change(e, 0, WRITE); // connecting
        flush();
        table.change(e, WRITE, WRITE);
        flush();
        table.change(e, WRITE, READ); // request sent, waiting for the response
        flush();
        table.change(e, READ, READ_WRITE);
        table.change(e, READ_WRITE, READ); // back before the flush: no net change
        flush();
        assertThat(told).containsExactly("5 OUT", "5 IN");
    }

    @Test
    void manyTransfersOnOneSocketAreCounted() {
        SocketTable.Entry e = table.add(handle(7));
        for (int i = 0; i < 3; i++) table.join(e);
        table.change(e, 0, READ);
        table.change(e, 0, READ);
        table.change(e, 0, WRITE);
        flush();
        assertThat(told).containsExactly("7 INOUT");
        table.leave(e, WRITE); // the only writer finishes
        flush();
        table.leave(e, READ); // one reader of two finishes: still IN, nothing announced
        flush();
        assertThat(told).containsExactly("7 INOUT", "7 IN");
        assertThat(e.readers).isEqualTo(1);
        assertThat(e.users).isEqualTo(1);
    }

    @Test
    void connectionInterestIsTrackedApartFromTransfers() {
        SocketTable.Entry e = table.add(handle(9));
        table.join(e);
        table.change(e, 0, READ);
        flush();
        table.leave(e, READ); // the transfer is done, but a close_notify must still be flushed
        table.connectionInterest(e, false, true);
        flush();
        assertThat(told).containsExactly("9 IN", "9 OUT");
        table.connectionInterest(e, false, false);
        flush();
        assertThat(told).containsExactly("9 IN", "9 OUT", "9 REMOVE");
        table.remove(e); // already REMOVEd: nothing more is announced
        assertThat(told).hasSize(3);
    }

    @Test
    void removeIsAnnouncedBeforeCloseAndTheNumberCanComeBackAtOnce() {
        SocketHandle first = handle(11);
        SocketTable.Entry e = table.add(first);
        table.join(e);
        table.change(e, 0, READ);
        flush();
        table.leave(e, READ);
        table.remove(e); // the engine's close path: REMOVE, then close
        first.markClosed();
        assertThat(told).containsExactly("11 IN", "11 REMOVE");
        SocketTable.Entry again = table.add(handle(11)); // same number, new socket
        table.join(again);
        table.change(again, 0, WRITE);
        flush();
        assertThat(told).containsExactly("11 IN", "11 REMOVE", "11 OUT");
        assertThatThrownBy(() -> checker.beforeDrive(first, READ))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("already removed");
    }

    @Test
    void aSocketNeverAnnouncedIsRemovedSilently() {
        // curl #17949: no REMOVE for a socket the application never heard of.
        SocketTable.Entry e = table.add(handle(13));
        table.join(e);
        table.leave(e, 0);
        table.remove(e);
        assertThat(told).isEmpty();
    }

    @Test
    void removingASocketStillInUseIsABug() {
        SocketTable.Entry e = table.add(handle(15));
        table.join(e);
        table.change(e, 0, READ);
        assertThatThrownBy(() -> table.remove(e)).isInstanceOf(AssertionError.class).hasMessageContaining("still in use");
    }

    @Test
    void checkerRejectsEventsOutsideWhatWasAnnounced() {
        SocketHandle h = handle(17);
        SocketTable.Entry e = table.add(h);
        table.join(e);
        table.change(e, 0, WRITE);
        flush();
        checker.beforeDrive(h, WRITE);
        checker.beforeDrive(h, 0); // "unknown": the engine will try
        assertThatThrownBy(() -> checker.beforeDrive(h, READ))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("announced OUT")
                .hasMessageContaining("recent history")
                .hasMessageContaining("announce socket#1(fd 17) OUT");
        assertThatThrownBy(() -> checker.beforeDrive(handle(19), READ))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("never announced");
    }

    @Test
    void checkerSeesAnEngineThatForgotASocket() {
        SocketHandle h = handle(21);
        SocketTable.Entry e = table.add(h);
        table.join(e);
        table.change(e, 0, READ);
        flush();
        // A buggy engine path: the entry vanishes without REMOVE (curl #3597's shape).
        e.readers = 0;
        e.users = 0;
        e.announced = null;
        table.remove(e);
        assertThatThrownBy(() -> checker.verify(table))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("the engine forgot");
    }
}
