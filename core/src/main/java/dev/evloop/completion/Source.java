package dev.evloop.completion;

import dev.evloop.poll.Pollable;
import dev.evloop.poll.Registration;
import java.util.ArrayDeque;

/**
 * What the engine keeps per socket or listener: the operations submitted and not finished, in
 * submission order, one queue per direction. Loop thread only.
 */
final class Source {
    /** The socket or listener: an {@link AsyncSocket} or an {@link AsyncListener}. */
    final Object owner;
    final Pollable pollable;
    /** Reads or accepts: served in order, one completion each. */
    final ArrayDeque<Operation> in = new ArrayDeque<>();
    /** The connect, then writes: served in order, so bytes go out in submission order. */
    final ArrayDeque<Operation> out = new ArrayDeque<>();
    /** The loop registration, made at the first operation that needs readiness; null before. */
    Registration registration;
    /** Set by a close operation: nothing more may be submitted. */
    boolean closed;
    /** Native engine: the close waiting for this source's operations still in the kernel. */
    Operation closing;

    Source(Object owner, Pollable pollable) {
        this.owner = owner;
        this.pollable = pollable;
    }

    boolean remove(Operation op) {
        return in.remove(op) || out.remove(op);
    }
}
