package dev.evloop.net;

import dev.evloop.poll.Backend;

class NioTcpSocketTest extends TcpSocketContract {
    @Override
    Backend backend() {
        return Backend.NIO;
    }
}
