package dev.evloop.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Time comes from {@link ManualClock} values only: no sleeping, no wall clock. */
class TimerWheelTest {
    private static final long MS = 1_000_000L;

    private final List<Throwable> errors = new ArrayList<>();
    private final List<String> fired = new ArrayList<>();
    private final ManualClock clock = new ManualClock();

    private TimerWheel wheel(int wheelSize) {
        return new TimerWheel(clock.nanoTime(), wheelSize, errors::add);
    }

    private Runnable record(String name) {
        return () -> fired.add(name);
    }

    // ---- ordering ------------------------------------------------------------------------------

    @Test
    void firesInDeadlineOrderAcrossTicks() {
        TimerWheel w = wheel(64);
        w.schedule(5 * MS, record("5ms"));
        w.schedule(1 * MS, record("1ms"));
        w.schedule(3 * MS + MS / 2, record("3.5ms"));
        w.schedule(3 * MS, record("3ms"));
        w.schedule(2 * MS, record("2ms"));
        assertThat(w.size()).isEqualTo(5);

        assertThat(w.expire(clock.advanceMillis(2))).isEqualTo(2);
        assertThat(fired).containsExactly("1ms", "2ms");
        assertThat(w.expire(clock.advanceMillis(1))).isEqualTo(1);
        assertThat(fired).containsExactly("1ms", "2ms", "3ms");
        assertThat(w.expire(clock.advanceMillis(7))).isEqualTo(2);
        assertThat(fired).containsExactly("1ms", "2ms", "3ms", "3.5ms", "5ms");
        assertThat(w.size()).isZero();
        assertThat(errors).isEmpty();
    }

    @Test
    void aTimerFiresAtTheFirstExpireWhoseNowReachesItsExactDeadline() {
        TimerWheel w = wheel(64);
        w.schedule(1 * MS + 500_000, record("t"));
        clock.set(1 * MS + 499_999);
        assertThat(w.expire(clock.nanoTime())).isZero();
        clock.set(1 * MS + 500_000);
        assertThat(w.expire(clock.nanoTime())).isEqualTo(1);
        assertThat(fired).containsExactly("t");
    }

    @Test
    void equalDeadlinesRunInScheduleOrderAndSubTickDeadlinesInDeadlineOrder() {
        TimerWheel w = wheel(64);
        for (int i = 0; i < 5; i++) {
            w.schedule(4 * MS, record("tie" + i));
        }
        // Same tick, scheduled latest-first: the slot list is in schedule order, the batch is not.
        w.schedule(4 * MS + 900_000, record("4.9"));
        w.schedule(4 * MS + 100_000, record("4.1"));
        w.schedule(4 * MS, record("tie5"));

        w.expire(clock.advanceMillis(5));
        assertThat(fired).containsExactly("tie0", "tie1", "tie2", "tie3", "tie4", "tie5", "4.1", "4.9");
    }

    @Test
    void jumpOfThreeRevolutionsFiresEverythingInExactDeadlineOrder() {
        int size = 64;
        TimerWheel w = wheel(size);
        Random random = new Random(7);
        TreeMap<Long, String> expected = new TreeMap<>();
        for (int i = 0; i < 2_000; i++) {
            long deadline = 1 + random.nextLong(3L * size * MS);
            if (expected.containsKey(deadline)) {
                continue;
            }
            String name = "d" + deadline;
            expected.put(deadline, name);
            w.schedule(deadline, record(name));
        }
        long later = 3L * size * MS + 10 * MS;
        w.schedule(later, record("later"));

        assertThat(w.expire(clock.advanceMillis(3L * size + 1))).isEqualTo(expected.size());
        assertThat(fired).containsExactlyElementsOf(expected.values());
        assertThat(w.size()).isEqualTo(1);
        assertThat(w.nextDeadlineNanos()).isLessThanOrEqualTo(later).isGreaterThan(clock.nanoTime());
    }

    // ---- past deadlines, callbacks scheduling, errors ------------------------------------------

    @Test
    void deadlineAtOrBeforeTheCurrentTimeFiresOnTheNextExpire() {
        TimerWheel w = wheel(64);
        w.expire(clock.advanceMillis(10));
        w.schedule(clock.nanoTime(), record("now"));
        w.schedule(clock.nanoTime() - 7 * MS, record("7ms ago"));
        w.schedule(Long.MIN_VALUE, record("long ago"));
        assertThat(w.nextDeadlineNanos()).isEqualTo(Long.MIN_VALUE);

        assertThat(w.expire(clock.nanoTime())).isEqualTo(3);
        assertThat(fired).containsExactly("long ago", "7ms ago", "now");
    }

    @Test
    void zeroDelayTimerScheduledByACallbackRunsAtTheNextExpireNotThisOne() {
        TimerWheel w = wheel(64);
        w.schedule(1 * MS, () -> {
            fired.add("first");
            w.schedule(clock.nanoTime(), record("zero-delay"));
            w.schedule(clock.nanoTime() - MS, record("past"));
        });
        w.schedule(1 * MS, record("second"));

        assertThat(w.expire(clock.advanceMillis(1))).isEqualTo(2);
        assertThat(fired).containsExactly("first", "second");
        assertThat(w.size()).isEqualTo(2);
        assertThat(w.nextDeadlineNanos()).isLessThanOrEqualTo(clock.nanoTime() - MS);

        assertThat(w.expire(clock.nanoTime())).isEqualTo(2);
        assertThat(fired).containsExactly("first", "second", "past", "zero-delay");
    }

    @Test
    void callbackExceptionsGoToTheHandlerAndTheBatchGoesOn() {
        TimerWheel w = wheel(64);
        IllegalStateException boom = new IllegalStateException("boom");
        w.schedule(1 * MS, record("a"));
        w.schedule(1 * MS, () -> {
            throw boom;
        });
        w.schedule(2 * MS, () -> {
            throw new AssertionError("an Error too");
        });
        w.schedule(2 * MS, record("b"));

        assertThat(w.expire(clock.advanceMillis(2))).isEqualTo(4);
        assertThat(fired).containsExactly("a", "b");
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0)).isSameAs(boom);
        assertThat(errors.get(1)).isInstanceOf(AssertionError.class).hasMessage("an Error too");
        assertThat(w.size()).isZero();
    }

    @Test
    void aThrowingErrorHandlerLeavesTheRestOfTheBatchForTheNextExpire() {
        TimerWheel w = new TimerWheel(0, 64, e -> {
            throw new IllegalStateException("handler gave up", e);
        });
        w.schedule(1 * MS, () -> {
            throw new RuntimeException("first");
        });
        w.schedule(1 * MS, record("second"));
        long third = w.schedule(1 * MS, record("third"));

        assertThatThrownBy(() -> w.expire(clock.advanceMillis(1))).hasMessage("handler gave up");
        assertThat(fired).isEmpty();
        assertThat(w.size()).isEqualTo(2);
        assertThat(w.isPending(third)).isTrue();

        assertThat(w.expire(clock.nanoTime())).isEqualTo(2);
        assertThat(fired).containsExactly("second", "third");
    }

    @Test
    void expireFromACallbackIsRejected() {
        TimerWheel w = wheel(64);
        w.schedule(0, () -> w.expire(clock.nanoTime()));
        w.expire(clock.nanoTime());
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("re-entrant");
    }

    @Test
    void anEarlierNowThanTheWheelsTimeIsTakenAsTheWheelsTime() {
        TimerWheel w = wheel(64);
        w.expire(10 * MS);
        w.schedule(10 * MS, record("t"));
        assertThat(w.expire(3 * MS)).isEqualTo(1);
        assertThat(fired).containsExactly("t");
    }

    // ---- cancel --------------------------------------------------------------------------------

    @Test
    void cancelBeforeDueStopsTheTimerAndAgainReturnsFalse() {
        TimerWheel w = wheel(64);
        long a = w.schedule(2 * MS, record("a"));
        long b = w.schedule(2 * MS, record("b"));
        assertThat(w.isPending(a)).isTrue();

        assertThat(w.cancel(a)).isTrue();
        assertThat(w.isPending(a)).isFalse();
        assertThat(w.size()).isEqualTo(1);
        assertThat(w.cancel(a)).isFalse();

        w.expire(clock.advanceMillis(5));
        assertThat(fired).containsExactly("b");
        assertThat(w.cancel(b)).as("fired").isFalse();
    }

    @Test
    void staleAndForgedIdsAreRejectedWithoutThrowing() {
        TimerWheel w = wheel(64);
        long first = w.schedule(MS, record("first"));
        w.cancel(first);
        long reuse = w.schedule(MS, record("reuse")); // likely the same row, with a new generation
        assertThat(reuse).isNotEqualTo(first);

        for (long id : new long[] {first, TimerWheel.NO_TIMER, -1L, Long.MIN_VALUE, Long.MAX_VALUE,
                reuse + 1_000_000, reuse ^ (1L << 40)}) {
            assertThat(w.cancel(id)).as("cancel(%x)", id).isFalse();
            assertThat(w.reschedule(id, 0)).as("reschedule(%x)", id).isFalse();
            assertThat(w.isPending(id)).as("isPending(%x)", id).isFalse();
        }
        assertThat(w.isPending(reuse)).isTrue();
        w.expire(clock.advanceMillis(1));
        assertThat(fired).containsExactly("reuse");
    }

    @Test
    void timerCollectedInTheSameBatchButCancelledByAnEarlierCallbackDoesNotRun() {
        TimerWheel w = wheel(64);
        long[] victim = new long[1];
        w.schedule(1 * MS, () -> {
            fired.add("killer");
            assertThat(w.isPending(victim[0])).isTrue();
            assertThat(w.cancel(victim[0])).isTrue();
            assertThat(w.cancel(victim[0])).isFalse();
        });
        victim[0] = w.schedule(2 * MS, record("victim"));
        w.schedule(3 * MS, record("bystander"));

        assertThat(w.expire(clock.advanceMillis(3))).isEqualTo(2);
        assertThat(fired).containsExactly("killer", "bystander");
        assertThat(w.size()).isZero();
    }

    @Test
    void aRunningTimerIsNoLongerPending() {
        TimerWheel w = wheel(64);
        long[] self = new long[1];
        self[0] = w.schedule(MS, () -> {
            fired.add("self cancel=" + w.cancel(self[0]) + " reschedule=" + w.reschedule(self[0], 9 * MS));
        });
        w.expire(clock.advanceMillis(1));
        assertThat(fired).containsExactly("self cancel=false reschedule=false");
    }

    // ---- reschedule ----------------------------------------------------------------------------

    @Test
    void rescheduleEarlierAndLaterKeepsTheId() {
        TimerWheel w = wheel(64);
        long early = w.schedule(50 * MS, record("was 50, now 2"));
        long late = w.schedule(3 * MS, record("was 3, now 200"));
        w.schedule(10 * MS, record("10"));

        assertThat(w.reschedule(early, 2 * MS)).isTrue();
        assertThat(w.reschedule(late, 200 * MS)).isTrue(); // beyond one revolution of 64 ms
        assertThat(w.size()).isEqualTo(3);

        w.expire(clock.advanceMillis(60));
        assertThat(fired).containsExactly("was 50, now 2", "10");
        assertThat(w.isPending(early)).isFalse();
        assertThat(w.isPending(late)).isTrue();

        w.expire(clock.advanceMillis(139));
        assertThat(fired).hasSize(2);
        w.expire(clock.advanceMillis(1));
        assertThat(fired).containsExactly("was 50, now 2", "10", "was 3, now 200");
        assertThat(w.reschedule(late, 300 * MS)).as("fired").isFalse();
    }

    @Test
    void rescheduleCountsAsANewScheduleForTies() {
        TimerWheel w = wheel(64);
        long a = w.schedule(5 * MS, record("a"));
        w.schedule(5 * MS, record("b"));
        w.reschedule(a, 5 * MS);
        w.expire(clock.advanceMillis(5));
        assertThat(fired).containsExactly("b", "a");
    }

    @Test
    void rescheduleOfACollectedTimerTakesItOutOfTheBatch() {
        TimerWheel w = wheel(64);
        long[] moved = new long[1];
        w.schedule(1 * MS, () -> {
            fired.add("mover");
            assertThat(w.reschedule(moved[0], 8 * MS)).isTrue();
        });
        moved[0] = w.schedule(1 * MS, record("moved"));

        assertThat(w.expire(clock.advanceMillis(1))).isEqualTo(1);
        assertThat(fired).containsExactly("mover");
        assertThat(w.isPending(moved[0])).isTrue();
        w.expire(clock.advanceMillis(7));
        assertThat(fired).containsExactly("mover", "moved");
    }

    // ---- nextDeadlineNanos ---------------------------------------------------------------------

    @Test
    void nextDeadlineIsMaxWhenEmptyAndTheDeadlineWhenItIsInTheCurrentRevolution() {
        TimerWheel w = wheel(64);
        assertThat(w.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
        long id = w.schedule(5 * MS + 123, record("t"));
        assertThat(w.nextDeadlineNanos()).isEqualTo(5 * MS + 123);
        w.cancel(id);
        assertThat(w.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);

        // Only a later revolution in the next non-empty slot: wake at the tick after that slot.
        w.schedule(64 * MS + 5 * MS + 123, record("later"));
        assertThat(w.nextDeadlineNanos()).isEqualTo(6 * MS);
        w.expire(clock.advanceMillis(6));
        assertThat(w.nextDeadlineNanos()).isEqualTo(64 * MS + 5 * MS + 123);
    }

    @Test
    void nextDeadlineIsNeverLaterThanTheEarliestAndIsAfterNowRightAfterExpire() {
        int wheelSize = 64;
        long start = -7_654_321_987L; // System.nanoTime may be negative
        ManualClock c = new ManualClock(start);
        TimerWheel w = new TimerWheel(start, wheelSize, errors::add);
        Random random = new Random(12345);
        TreeMap<Long, Integer> deadlines = new TreeMap<>(); // deadline -> count (brute-force model)
        Map<Long, Long> deadlineOf = new HashMap<>();
        List<Long> ids = new ArrayList<>();

        for (int op = 0; op < 20_000; op++) {
            int r = random.nextInt(100);
            if (r < 45) {
                long d = c.nanoTime() + randomDelay(random, wheelSize);
                long id = w.schedule(d, () -> { });
                deadlines.merge(d, 1, Integer::sum);
                deadlineOf.put(id, d);
                ids.add(id);
            } else if (r < 70 && !ids.isEmpty()) {
                long id = ids.get(random.nextInt(ids.size()));
                Long d = deadlineOf.remove(id);
                assertThat(w.cancel(id)).isEqualTo(d != null);
                if (d != null) {
                    deadlines.merge(d, -1, (x, y) -> x + y == 0 ? null : x + y);
                }
            } else {
                long now = c.advance(randomStep(random, wheelSize), TimeUnit.NANOSECONDS);
                w.expire(now);
                while (!deadlines.isEmpty() && deadlines.firstKey() <= now) {
                    deadlines.pollFirstEntry();
                }
                deadlineOf.values().removeIf(d -> d <= now);
                if (!deadlines.isEmpty()) {
                    assertThat(w.nextDeadlineNanos()).as("no busy spin after expire, op %d", op).isGreaterThan(now);
                }
            }
            if (ids.size() > 2_000) {
                ids.subList(0, 1_000).clear();
            }
            assertThat(w.size()).isEqualTo(deadlineOf.size());
            if (deadlines.isEmpty()) {
                assertThat(w.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
            } else {
                assertThat(w.nextDeadlineNanos()).as("op %d", op).isLessThanOrEqualTo(deadlines.firstKey());
            }
        }
    }

    // ---- scale and allocation ------------------------------------------------------------------

    @Test
    void aMillionTimersScheduledAndCancelledThenAMillionScheduledAndExpired() {
        int n = 1_000_000;
        TimerWheel w = new TimerWheel(0, errors::add);
        int[] ran = new int[1];
        Runnable count = () -> ran[0]++;
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = w.schedule(deadlineOfIndex(i), count);
        }
        assertThat(w.size()).isEqualTo(n);
        int cancelled = 0;
        for (int i = n - 1; i >= 0; i--) {
            cancelled += w.cancel(ids[i]) ? 1 : 0;
        }
        assertThat(cancelled).isEqualTo(n);
        assertThat(w.size()).isZero();
        assertThat(w.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);

        for (int i = 0; i < n; i++) {
            w.schedule(deadlineOfIndex(i), count);
        }
        assertThat(w.size()).isEqualTo(n);
        int dueBy5s = 0;
        for (int i = 0; i < n; i++) {
            dueBy5s += deadlineOfIndex(i) <= 5_000 * MS ? 1 : 0;
        }
        assertThat(w.expire(5_000 * MS)).isEqualTo(dueBy5s);
        assertThat(w.size()).isEqualTo(n - dueBy5s);
        assertThat(w.expire(60_000 * MS)).isEqualTo(n - dueBy5s);
        assertThat(ran[0]).isEqualTo(n);
        assertThat(w.size()).isZero();
        assertThat(errors).isEmpty();
    }

    /** Spread over 20 s (about five revolutions of 4096 ms), sub-millisecond parts included. */
    private static long deadlineOfIndex(int i) {
        return (i * 7_919L) % 20_000L * MS + (i * 31L) % MS;
    }

    @Test
    void scheduleCancelAndExpireAllocateNothingOnceWarm() throws Exception {
        Method allocatedBytes = threadAllocatedBytes();
        assumeTrue(allocatedBytes != null, "this JVM does not count allocated bytes per thread");
        Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        Long tid = Thread.currentThread().threadId();

        TimerWheel w = new TimerWheel(0, 64, errors::add);
        Runnable noop = () -> { };
        long[] ids = new long[1_000];
        long[] now = {0};
        Runnable round = () -> {
            for (int i = 0; i < ids.length; i++) {
                ids[i] = w.schedule(now[0] + (i % 300) * MS + i, noop);
            }
            for (int i = 0; i < ids.length; i += 3) {
                w.cancel(ids[i]);
            }
            for (int i = 1; i < ids.length; i += 3) {
                w.reschedule(ids[i], now[0] + (i % 17) * MS);
            }
            for (int t = 0; t < 400; t++) {
                now[0] += MS;
                w.expire(now[0]);
                w.nextDeadlineNanos();
            }
        };
        for (int i = 0; i < 50; i++) {
            round.run(); // grow the arrays and let the JIT settle
        }
        long before = (Long) allocatedBytes.invoke(threads, tid);
        for (int i = 0; i < 50; i++) {
            round.run();
        }
        long allocated = (Long) allocatedBytes.invoke(threads, tid) - before;
        // 50 rounds x ~1,700 operations: one object per operation would be over a megabyte.
        assertThat(allocated).isLessThan(64 * 1024);
        assertThat(w.size()).isZero();
    }

    /**
     * HotSpot's {@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes(long)}, or null.
     * Reflective because the tests compile inside module dev.evloop.core, which does not read
     * jdk.management; at run time core reflection needs no read edge.
     */
    private static Method threadAllocatedBytes() {
        try {
            return Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    // ---- arguments -----------------------------------------------------------------------------

    @Test
    void misuseIsRejectedWithAMessage() {
        TimerWheel w = wheel(64);
        assertThatThrownBy(() -> w.schedule(0, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("task");
        assertThatThrownBy(() -> new TimerWheel(0, 100, errors::add))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100");
        assertThatThrownBy(() -> new TimerWheel(0, 32, errors::add))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32");
        assertThatThrownBy(() -> new TimerWheel(0, 64, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("errorHandler");
    }

    @Test
    void extremeDeadlinesAndAStartNearTheEndOfTheTimebase() {
        long start = Long.MAX_VALUE - 10 * MS;
        TimerWheel w = new TimerWheel(start, 64, errors::add);
        w.schedule(Long.MAX_VALUE, record("max"));
        w.schedule(Long.MIN_VALUE, record("min"));
        w.schedule(start + 1, record("start+1"));
        assertThat(w.nextDeadlineNanos()).isEqualTo(Long.MIN_VALUE);
        assertThat(w.expire(start)).isEqualTo(1);
        assertThat(w.nextDeadlineNanos()).isEqualTo(start + 1);
        assertThat(w.expire(Long.MAX_VALUE - 1)).isEqualTo(1);
        assertThat(w.nextDeadlineNanos()).isLessThanOrEqualTo(Long.MAX_VALUE);
        assertThat(w.expire(Long.MAX_VALUE)).isEqualTo(1);
        assertThat(fired).containsExactly("min", "start+1", "max");
        assertThat(w.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
    }

    // ---- property test against a reference model -----------------------------------------------

    /** The model's key: deadline, then schedule order. */
    private record Key(long deadline, long seq) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = Long.compare(deadline, o.deadline);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** A TreeMap keyed by (deadline, seq): obviously right, slow. */
    private static final class Model {
        final TreeMap<Key, Long> byKey = new TreeMap<>();
        final Map<Long, Key> keyOf = new HashMap<>();
        long seq;

        void schedule(long id, long deadline) {
            Key k = new Key(deadline, seq++);
            assertThat(keyOf.put(id, k)).as("id %x issued twice while pending", id).isNull();
            byKey.put(k, id);
        }

        boolean cancel(long id) {
            Key k = keyOf.remove(id);
            return k != null && byKey.remove(k) != null;
        }

        boolean reschedule(long id, long deadline) {
            if (!cancel(id)) {
                return false;
            }
            schedule(id, deadline);
            return true;
        }

        boolean isLive(long id, Key k) {
            return k.equals(keyOf.get(id));
        }
    }

    /** One expire in progress: the model's batch, consumed as the wheel's callbacks arrive. */
    private static final class Batch {
        final List<Map.Entry<Key, Long>> entries;
        int next;

        Batch(List<Map.Entry<Key, Long>> entries) {
            this.entries = entries;
        }
    }

    @ParameterizedTest(name = "seed {0}, {1} slots")
    @CsvSource({"1, 64", "2, 64", "3, 256", "4, 4096"})
    void firingSequenceMatchesTheReferenceModel(long seed, int wheelSize) {
        Random random = new Random(seed);
        long start = random.nextBoolean() ? 0 : -random.nextLong(1L << 50);
        ManualClock c = new ManualClock(start);
        TimerWheel w = new TimerWheel(start, wheelSize, errors::add);
        Model model = new Model();
        List<Long> issued = new ArrayList<>();
        Batch[] batch = new Batch[1];
        long[] callbacks = new long[1];

        class Actions {
            long schedule() {
                long deadline = c.nanoTime() + randomDelay(random, wheelSize);
                if (random.nextInt(10) == 0 && !model.byKey.isEmpty()) {
                    Key existing = model.byKey.ceilingKey(new Key(deadline, 0));
                    deadline = (existing != null ? existing : model.byKey.lastKey()).deadline(); // a tie
                }
                long[] self = new long[1];
                self[0] = w.schedule(deadline, () -> fire(self[0]));
                model.schedule(self[0], deadline);
                issued.add(self[0]);
                return self[0];
            }

            long pick() {
                return issued.isEmpty() ? TimerWheel.NO_TIMER : issued.get(issued.size() - 1 - random.nextInt(Math.min(issued.size(), 500)));
            }

            void cancel() {
                long id = pick();
                assertThat(w.cancel(id)).as("cancel(%x)", id).isEqualTo(model.cancel(id));
            }

            void reschedule() {
                long id = pick();
                long deadline = c.nanoTime() + randomDelay(random, wheelSize);
                assertThat(w.reschedule(id, deadline)).as("reschedule(%x)", id).isEqualTo(model.reschedule(id, deadline));
            }

            void fire(long id) {
                callbacks[0]++;
                Batch b = batch[0];
                assertThat(b).as("callback outside expire").isNotNull();
                while (b.next < b.entries.size()
                        && !model.isLive(b.entries.get(b.next).getValue(), b.entries.get(b.next).getKey())) {
                    b.next++; // cancelled or rescheduled by an earlier callback
                }
                assertThat(b.next).as("wheel ran %x but the model's batch is done", id).isLessThan(b.entries.size());
                Map.Entry<Key, Long> expected = b.entries.get(b.next++);
                assertThat(id).as("firing order").isEqualTo(expected.getValue());
                assertThat(expected.getKey().deadline()).isLessThanOrEqualTo(c.nanoTime());
                model.cancel(id);
                assertThat(w.isPending(id)).isFalse();
                // Callbacks act on the wheel too, to cover cancel / reschedule / schedule mid-batch.
                switch (random.nextInt(6)) {
                    case 0 -> schedule();
                    case 1 -> cancel();
                    case 2 -> reschedule();
                    case 3 -> assertThat(w.cancel(id)).isFalse();
                    default -> { }
                }
            }
        }
        Actions actions = new Actions();

        for (int op = 0; op < 30_000; op++) {
            int r = random.nextInt(100);
            if (r < 40) {
                actions.schedule();
            } else if (r < 52) {
                actions.cancel();
            } else if (r < 64) {
                actions.reschedule();
            } else {
                long now = c.advance(randomStep(random, wheelSize), TimeUnit.NANOSECONDS);
                // Copies: a TreeMap entry may take another key when the map later deletes a node.
                List<Map.Entry<Key, Long>> due = model.byKey.headMap(new Key(now, Long.MAX_VALUE)).entrySet().stream()
                        .map(e -> Map.entry(e.getKey(), e.getValue()))
                        .toList();
                batch[0] = new Batch(due);
                long before = callbacks[0];
                int ran = w.expire(now);
                Batch b = batch[0];
                batch[0] = null;
                assertThat(errors).as("op %d: assertions inside callbacks", op).isEmpty();
                assertThat(ran).isEqualTo(callbacks[0] - before);
                for (int k = b.next; k < due.size(); k++) {
                    assertThat(model.isLive(due.get(k).getValue(), due.get(k).getKey()))
                            .as("op %d: due timer %x (%s) did not run", op, due.get(k).getValue(), due.get(k).getKey()).isFalse();
                }
            }
            if (issued.size() > 4_000) {
                issued.subList(0, 2_000).clear();
            }
            assertThat(w.size()).as("op %d", op).isEqualTo(model.keyOf.size());
            long next = w.nextDeadlineNanos();
            if (model.byKey.isEmpty()) {
                assertThat(next).isEqualTo(Long.MAX_VALUE);
            } else {
                assertThat(next).as("op %d", op).isLessThanOrEqualTo(model.byKey.firstKey().deadline());
            }
        }
        assertThat(callbacks[0]).as("enough firings to mean something").isGreaterThan(5_000);
        assertThat(errors).isEmpty();
    }

    /** Deadlines relative to now: some past, most within a revolution, some several revolutions out. */
    private static long randomDelay(Random random, int wheelSize) {
        int r = random.nextInt(100);
        if (r < 15) {
            return -random.nextLong(3 * MS);                      // already due
        } else if (r < 30) {
            return random.nextLong(8) * MS;                       // on a tick boundary (ties)
        } else if (r < 85) {
            return random.nextLong(wheelSize * MS);               // this revolution
        } else {
            return random.nextLong(5L * wheelSize * MS);          // later revolutions
        }
    }

    /** Time steps: mostly sub-tick and a few ticks, sometimes more than a revolution. */
    private static long randomStep(Random random, int wheelSize) {
        int r = random.nextInt(100);
        if (r < 10) {
            return 0;
        } else if (r < 60) {
            return random.nextLong(2 * MS);
        } else if (r < 90) {
            return random.nextLong(20 * MS);
        } else if (r < 97) {
            return random.nextLong(wheelSize * MS);
        } else {
            return random.nextLong(4L * wheelSize * MS);
        }
    }
}
