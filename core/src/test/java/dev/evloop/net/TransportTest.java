package dev.evloop.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.evloop.poll.Backend;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TransportTest {
    @Test
    void forBackendPicksTheSocketsTheBackendCanWatch() {
        assertThat(Transport.forBackend(Backend.EPOLL)).isEqualTo(Transport.NATIVE);
        assertThat(Transport.forBackend(Backend.POLL)).isEqualTo(Transport.NATIVE);
        assertThat(Transport.forBackend(Backend.IO_URING)).isEqualTo(Transport.NATIVE);
        assertThat(Transport.forBackend(Backend.NIO)).isEqualTo(Transport.NIO);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void connectedPairIsConnectedBothWaysAndLeavesNoListener(Transport transport) throws IOException {
        int before = Descriptors.openCount();
        TcpSocket[] pair = transport.connectedPair(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        try (TcpSocket client = pair[0]; TcpSocket server = pair[1]) {
            assertThat(client.isConnected()).isTrue();
            assertThat(server.isConnected()).isTrue();
            assertThat(server.remoteAddress()).isEqualTo(client.localAddress());
            assertThat(client.remoteAddress()).isEqualTo(server.localAddress());
            // Two sockets, and the listener is gone.
            assertThat(Descriptors.openCount()).isEqualTo(before + 2);
            assertThat(client.write(ByteBuffer.wrap(new byte[] {42}))).isEqualTo(1);
        }
        assertThat(Descriptors.openCount()).isEqualTo(before);
    }

    @Test
    void nativeSocketsAreDescriptorsAndNioSocketsAreChannels() throws IOException {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        TcpSocket[] n = Transport.NATIVE.connectedPair(loopback);
        TcpSocket[] j = Transport.NIO.connectedPair(loopback);
        try (TcpSocket a = n[0]; TcpSocket b = n[1]; TcpSocket c = j[0]; TcpSocket d = j[1]) {
            assertThat(a.fd()).isNotNegative().isNotEqualTo(b.fd());
            assertThat(a.channel()).isNull();
            assertThat(c.fd()).isEqualTo(-1);
            assertThat(c.channel()).isNotNull().isNotSameAs(d.channel());
            assertThat(a.toString()).contains("native").contains("connected");
            assertThat(c.toString()).contains("nio").contains("connected");
        }
    }
}
