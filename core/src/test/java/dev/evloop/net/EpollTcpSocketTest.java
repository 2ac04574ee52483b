package dev.evloop.net;

import dev.evloop.poll.Backend;

class EpollTcpSocketTest extends TcpSocketContract {
    @Override
    Backend backend() {
        return Backend.EPOLL;
    }
}
