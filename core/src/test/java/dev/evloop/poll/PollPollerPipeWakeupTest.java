package dev.evloop.poll;

import java.io.IOException;
import org.junit.jupiter.api.Timeout;

/** The poller contract on poll(2) with the wakeup macOS gets: a pipe made with pipe and fcntl. */
@Timeout(60)
class PollPollerPipeWakeupTest extends PollerContract {
    @Override
    Backend backend() {
        return Backend.POLL;
    }

    @Override
    Poller openPoller() throws IOException {
        return new PollPoller(new EventFd(EventFd.Kind.PIPE));
    }
}
