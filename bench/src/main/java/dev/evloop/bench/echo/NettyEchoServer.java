package dev.evloop.bench.echo;

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
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.internal.PlatformDependent;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;

/**
 * The length-prefixed echo service (a 4-byte little-endian length, then that many bytes, sent
 * back unchanged) on Netty 4.1's native epoll transport: the peer evloop's echo server is
 * measured against in {@link EchoCompare}.
 *
 * <p>The configuration is the ordinary one for a Netty echo, nothing tuned either way:
 * <ol>
 *   <li>one {@link EpollEventLoopGroup} of one thread, used as both boss and worker group, so the
 *       whole server runs on one loop thread as evloop's {@code --loops 1} does;
 *   <li>Netty's defaults otherwise: edge-triggered epoll, the pooled direct allocator, the
 *       adaptive receive buffer, 16 reads per wake-up, SO_BACKLOG from {@code somaxconn}, leak
 *       detection at its default (SIMPLE, sampling); TCP_NODELAY is Netty's default (on);
 *   <li>{@link LengthFieldBasedFrameDecoder} cuts frames (little-endian, 4-byte length at offset 0,
 *       no adjustment, nothing stripped, at most 1 MiB + 4 bytes), each a retained slice of the
 *       cumulation, so nothing is copied;
 *   <li>{@link Echo} writes each frame back as it arrives and flushes once per read batch
 *       ({@code channelReadComplete}): one {@code writev} for all the frames of one read, as a
 *       fair Netty echo does.
 * </ol>
 *
 * <p>Usage: {@code NettyEchoServer PORT} (0 picks a free one). Prints {@code listening PORT} once
 * bound, then serves until the process is killed. Refuses to start if the native transport is
 * unavailable (rather than silently measuring NIO).
 */
public final class NettyEchoServer {
    /** The echo service's largest payload, as evloop's {@code --max-message} default: 1 MiB. */
    static final int MAX_MESSAGE = 1 << 20;
    static final int HEADER = 4;

    private NettyEchoServer() {}

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7000;
        if (!Epoll.isAvailable()) {
            System.err.println("netty-echo: the native epoll transport is unavailable: " + Epoll.unavailabilityCause());
            System.exit(2);
        }
        // Which buffer paths Netty took: with sun.misc.Unsafe (its usual, faster ones) or without.
        io.netty.util.Version epoll = io.netty.util.Version.identify().get("netty-transport-native-epoll");
        System.err.println("netty-echo: netty-transport-native-epoll " + (epoll == null ? "?" : epoll.artifactVersion())
                + ", unsafe " + (PlatformDependent.hasUnsafe() ? "available"
                        : "unavailable (" + PlatformDependent.getUnsafeUnavailabilityCause() + ")")
                + ", direct buffers without cleaner " + PlatformDependent.useDirectBufferNoCleaner());

        EventLoopGroup group = new EpollEventLoopGroup(1);
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group, group)
                    .channel(EpollServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(
                                    new LengthFieldBasedFrameDecoder(ByteOrder.LITTLE_ENDIAN, MAX_MESSAGE + HEADER,
                                            0, HEADER, 0, 0, true),
                                    Echo.INSTANCE);
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

    /** Writes each frame back (the frame, length prefix included, is the message) and flushes once per read batch. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise()); // the decoder's retained slice; released once written
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a too-long frame or a reset: this connection only
        }
    }
}
