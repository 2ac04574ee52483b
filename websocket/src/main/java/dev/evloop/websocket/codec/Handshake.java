package dev.evloop.websocket.codec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.random.RandomGenerator;

/** The opening handshake's arithmetic (RFC 6455 §4.2.2 / §4.1). */
public final class Handshake {
    /** RFC 6455 §1.3: the GUID the server appends to the client's key. */
    public static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private Handshake() {}

    /**
     * A {@code Sec-WebSocket-Key}: base64 of 16 random bytes (RFC 6455 §4.1 item 7). The key only
     * proves the server understood the WebSocket handshake; §10.3's "strong source of entropy"
     * concerns the masking keys, so any generator the caller trusts will do here.
     */
    public static String newKey(RandomGenerator random) {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        return Base64.getEncoder().encodeToString(nonce);
    }

    /** {@code Sec-WebSocket-Accept}: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2 item 5.4). */
    public static String accept(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest = sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-1 (MessageDigest's class documentation).
            throw new AssertionError("SHA-1 unavailable", e);
        }
    }

    /**
     * Whether a received {@code Sec-WebSocket-Key} is valid: base64 decoding to exactly 16 bytes
     * (RFC 6455 §4.2.1 item 4), i.e. 24 characters with padding; a server answers anything else
     * with 400 (§4.2.1).
     */
    public static boolean isValidKey(String key) {
        if (key == null || key.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
