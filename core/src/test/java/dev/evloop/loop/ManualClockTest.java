package dev.evloop.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ManualClockTest {

    @Test
    void startsAtZeroOrTheGivenTime() {
        assertThat(new ManualClock().nanoTime()).isZero();
        assertThat(new ManualClock(-42L).nanoTime()).isEqualTo(-42L);
    }

    @Test
    void advanceAddsInAnyUnitAndReturnsTheNewTime() {
        ManualClock clock = new ManualClock(5);
        assertThat(clock.advance(3, TimeUnit.NANOSECONDS)).isEqualTo(8);
        assertThat(clock.advanceMillis(2)).isEqualTo(2_000_008);
        assertThat(clock.advance(1, TimeUnit.SECONDS)).isEqualTo(1_002_000_008);
        assertThat(clock.advance(0, TimeUnit.DAYS)).isEqualTo(1_002_000_008);
        assertThat(clock.nanoTime()).isEqualTo(1_002_000_008);
    }

    @Test
    void advanceByANegativeAmountIsRejected() {
        ManualClock clock = new ManualClock(10);
        assertThatThrownBy(() -> clock.advance(-1, TimeUnit.MILLISECONDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThat(clock.nanoTime()).isEqualTo(10);
    }

    @Test
    void advancePastLongRangeOverflowsLoudly() {
        ManualClock clock = new ManualClock(Long.MAX_VALUE - 10);
        assertThatThrownBy(() -> clock.advance(11, TimeUnit.NANOSECONDS)).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> clock.advance(Long.MAX_VALUE, TimeUnit.DAYS)).isInstanceOf(ArithmeticException.class);
        assertThat(clock.nanoTime()).isEqualTo(Long.MAX_VALUE - 10);
    }

    @Test
    void setMovesForwardOrStaysButNeverBack() {
        ManualClock clock = new ManualClock(100);
        clock.set(100);
        clock.set(250);
        assertThat(clock.nanoTime()).isEqualTo(250);
        assertThatThrownBy(() -> clock.set(249))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("249")
                .hasMessageContaining("250");
        assertThat(clock.nanoTime()).isEqualTo(250);
    }

    @Test
    void concurrentAdvancesAllCount() throws InterruptedException {
        ManualClock clock = new ManualClock();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    clock.advance(1, TimeUnit.NANOSECONDS);
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(clock.nanoTime()).isEqualTo(40_000);
    }

    @Test
    void systemClockIsMonotonic() {
        Clock clock = Clock.system();
        long a = clock.nanoTime();
        long b = clock.nanoTime();
        assertThat(b - a).isNotNegative();
    }
}
