package dev.evloop.poll;

class SelectorPollerTest extends PollerContract {
    @Override
    Backend backend() {
        return Backend.NIO;
    }
}
