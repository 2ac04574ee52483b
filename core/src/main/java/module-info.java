/**
 * evloop core: the os bindings (java.lang.foreign), the pollers, the event loop and TCP sockets.
 *
 * <p>Native access must be granted to this module ({@code --enable-native-access=dev.evloop.core}).
 */
module dev.evloop.core {
    exports dev.evloop.os;
    exports dev.evloop.poll;
    exports dev.evloop.uring;
    exports dev.evloop.loop;
    exports dev.evloop.net;
    exports dev.evloop.completion;
}
