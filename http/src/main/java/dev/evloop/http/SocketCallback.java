package dev.evloop.http;

/**
 * The engine tells the application what to watch (libcurl's CURLMOPT_SOCKETFUNCTION). Only
 * changes are reported: the same action is never announced twice in a row for a socket.
 */
@FunctionalInterface
public interface SocketCallback {
    /**
     * @param socket the socket
     * @param action what to watch from now on, or REMOVE
     * @param socketData what the application attached with {@link HttpEngine#assign} (null until then)
     */
    void onSocket(SocketHandle socket, SocketAction action, Object socketData);
}
