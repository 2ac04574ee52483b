package dev.evloop.bench.ws;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;

/**
 * A WebSocket echo server on Netty 4.1's native epoll transport, the third peer of
 * {@link WsCompare}, configured as {@code dev.evloop.bench.echo.NettyEchoServer} is: one
 * {@link EpollEventLoopGroup} of one thread for accepting and serving, Netty's defaults otherwise
 * (edge-triggered epoll, pooled direct buffers, TCP_NODELAY on).
 *
 * <p>Pipeline: {@link HttpServerCodec} and an {@link HttpObjectAggregator} for the opening
 * handshake, then {@link WebSocketServerProtocolHandler} (path {@code /}, no extensions, so no
 * permessage-deflate; frames up to {@link JettyWsEchoServer#MAX_MESSAGE}; it answers pings and
 * the closing handshake), then {@link Echo}: every data frame (text, binary, continuation) is
 * written back as it came, its buffer handed on without a copy, with one flush per read batch.
 * Frames are echoed one by one, so a fragmented message comes back in the same fragments.
 *
 * <p>Usage: {@code NettyWsEchoServer [PORT]} (0 picks a free one). Prints {@code listening PORT}.
 */
public final class NettyWsEchoServer {
    private NettyWsEchoServer() {}

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        if (!Epoll.isAvailable()) {
            System.err.println("netty-ws-echo: the native epoll transport is unavailable: " + Epoll.unavailabilityCause());
            System.exit(2);
        }
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/")
                .allowExtensions(false)
                .maxFramePayloadLength(JettyWsEchoServer.MAX_MESSAGE)
                .build();
        EventLoopGroup group = new EpollEventLoopGroup(1);
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group, group)
                    .channel(EpollServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 << 10),
                                    new WebSocketServerProtocolHandler(ws), Echo.INSTANCE);
                        }
                    });
            Channel server = b.bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            System.out.println("listening " + ((InetSocketAddress) server.localAddress()).getPort());
            System.out.flush();
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** Writes each data frame back and flushes once per read batch. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof WebSocketFrame) {
                ctx.write(msg, ctx.voidPromise()); // released once written
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
