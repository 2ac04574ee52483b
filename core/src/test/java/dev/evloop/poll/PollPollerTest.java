package dev.evloop.poll;

class PollPollerTest extends PollerContract {
    @Override
    Backend backend() {
        return Backend.POLL;
    }
}
