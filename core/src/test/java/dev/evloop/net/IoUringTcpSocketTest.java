package dev.evloop.net;

import dev.evloop.poll.Backend;
import org.junit.jupiter.api.Timeout;

/** The socket contract with io_uring as the poller (epoll when io_uring is unavailable here). */
@Timeout(60)
class IoUringTcpSocketTest extends TcpSocketContract {
    @Override
    Backend backend() {
        return Backend.IO_URING;
    }
}
