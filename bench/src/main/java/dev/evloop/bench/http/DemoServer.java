package dev.evloop.bench.http;

import dev.evloop.poll.Backend;
import dev.evloop.server.ServerConfig;
import dev.evloop.server.http.DemoRoutes;
import dev.evloop.server.http.HttpServer;
import java.net.InetSocketAddress;

/**
 * The one server of {@link HttpCompare}: evloop's {@link HttpServer} with {@link DemoRoutes} on
 * 127.0.0.1, one loop, epoll, on a port the kernel picks. Prints {@code port N} and serves until
 * its standard input closes (or it is killed).
 */
public final class DemoServer {
    private DemoServer() {}

    public static void main(String[] args) throws Exception {
        ServerConfig config = ServerConfig.builder()
                .address(new InetSocketAddress("127.0.0.1", 0))
                .loops(1)
                .backend(Backend.EPOLL)
                .build();
        try (HttpServer server = HttpServer.start(config, DemoRoutes.routes())) {
            System.out.println("port " + server.localAddress().getPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the harness closes our standard input
            }
        }
    }
}
