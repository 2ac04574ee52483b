package dev.evloop.testing;

import dev.evloop.poll.Backend;
import org.junit.jupiter.api.Assumptions;

/** Tests that run on every backend skip, reported as skipped, the ones this machine lacks (kqueue on Linux). */
public final class Backends {
    private Backends() {}

    /** Aborts the test (skipped, with the cause) if {@code backend} cannot be used here. */
    public static void assumeAvailable(Backend backend) {
        Assumptions.assumeTrue(backend.isAvailable(),
                () -> backend + " unavailable here: " + backend.unavailabilityCause().orElse(""));
    }
}
