package dev.evloop.poll;

class EpollPollerTest extends PollerContract {
    @Override
    Backend backend() {
        return Backend.EPOLL;
    }
}
