package dev.evloop.server;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Test helpers for the echo protocol, over plain blocking JDK sockets: an independent peer. */
final class Frames {
    private Frames() {}

    static byte[] payload(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
        return b;
    }

    static byte[] frame(byte[] payload) {
        return ByteBuffer.allocate(4 + payload.length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(payload.length).put(payload).array();
    }

    static byte[] header(int length) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(length).array();
    }

    static void send(Socket s, byte[] bytes) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    /** Reads one echoed frame; the socket's SO_TIMEOUT bounds the wait. */
    static byte[] receive(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] h = new byte[4];
        in.readFully(h);
        int len = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).getInt();
        byte[] p = new byte[len];
        in.readFully(p);
        return p;
    }

    /** True once the server closed the connection (EOF or reset), within the socket's timeout. */
    static boolean closedByPeer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            while (true) {
                int b = in.read();
                if (b < 0) return true;
            }
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }
}
