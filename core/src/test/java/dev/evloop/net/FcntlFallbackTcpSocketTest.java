package dev.evloop.net;

import dev.evloop.poll.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * The whole socket contract on the poll(2) backend with every socket opened and accepted the way
 * macOS must (socket / accept, then fcntl), as far as Linux can run it.
 */
@Timeout(60)
class FcntlFallbackTcpSocketTest extends TcpSocketContract {
    @BeforeAll
    static void force() {
        NativeSockets.forceFcntlFallback = true;
    }

    @AfterAll
    static void restore() {
        NativeSockets.forceFcntlFallback = false;
    }

    @Override
    Backend backend() {
        return Backend.POLL;
    }
}
