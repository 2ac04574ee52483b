package dev.evloop.net;

import dev.evloop.poll.Backend;

class PollTcpSocketTest extends TcpSocketContract {
    @Override
    Backend backend() {
        return Backend.POLL;
    }
}
