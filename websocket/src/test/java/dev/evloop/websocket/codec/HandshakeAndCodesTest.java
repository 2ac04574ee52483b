package dev.evloop.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HandshakeAndCodesTest {
    @Test
    void acceptOfTheRfcExampleKey() {
        // RFC 6455 §1.3 (and §4.2.2's description of the same computation)
        assertThat(Handshake.accept("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void newKeysAreValidAndDiffer() {
        SplittableRandom random = new SplittableRandom(5);
        String a = Handshake.newKey(random);
        String b = Handshake.newKey(random);
        assertThat(Handshake.isValidKey(a)).isTrue();
        assertThat(Base64.getDecoder().decode(a)).hasSize(16);
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void keyValidity() {
        assertThat(Handshake.isValidKey("dGhlIHNhbXBsZSBub25jZQ==")).isTrue();
        assertThat(Handshake.isValidKey(null)).isFalse();
        assertThat(Handshake.isValidKey("")).isFalse();
        assertThat(Handshake.isValidKey("dGhlIHNhbXBsZSBub25jZQ")).as("unpadded").isFalse();
        assertThat(Handshake.isValidKey("dGhlIHNhbXBsZSBub25jZXM=")).as("17 bytes").isFalse();
        assertThat(Handshake.isValidKey("dGhlIHNhbXBsZSBub25j!Q==")).as("not base64").isFalse();
        assertThat(Handshake.isValidKey(" dGhlIHNhbXBsZSBub25jZQ==")).isFalse();
    }

    @Test
    void closeCodesOnTheWire() {
        int[] valid = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999};
        int[] invalid = {-1, 0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535};
        for (int code : valid) {
            assertThat(CloseCodes.isValidOnWire(code)).as("%d", code).isTrue();
        }
        for (int code : invalid) {
            assertThat(CloseCodes.isValidOnWire(code)).as("%d", code).isFalse();
        }
    }

    @Test
    void opcodeNamesAndClasses() {
        assertThat(Opcode.name(Opcode.TEXT)).isEqualTo("TEXT");
        assertThat(Opcode.name(Opcode.PONG)).isEqualTo("PONG");
        assertThat(Opcode.name(0x3)).isEqualTo("0x3");
        assertThat(Opcode.name(0xB)).isEqualTo("0xB");
        assertThat(Opcode.isControl(Opcode.CLOSE)).isTrue();
        assertThat(Opcode.isControl(Opcode.PING)).isTrue();
        assertThat(Opcode.isControl(Opcode.BINARY)).isFalse();
        assertThat(Opcode.isControl(Opcode.CONTINUATION)).isFalse();
    }
}
