package dev.evloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EchoPatternTest {

    private static byte[] frame(EchoPattern p, int id, long seq) {
        byte[] b = new byte[p.frameLength()];
        p.copy(id, seq, 0, b, 0, b.length);
        return b;
    }

    @Test
    void aFrameIsTheLittleEndianLengthThenThePayload() {
        EchoPattern p = new EchoPattern(0x01_02_03);
        byte[] f = frame(p, 0, 0);
        assertThat(Arrays.copyOf(f, 4)).containsExactly(3, 2, 1, 0);
        assertThat(f).hasSize(4 + 0x01_02_03);
    }

    @Test
    void piecesCopiedAtAnySplitMakeTheSameFrame() {
        EchoPattern p = new EchoPattern(100);
        byte[] whole = frame(p, 7, 42);
        for (int split = 0; split <= whole.length; split++) {
            byte[] pieces = new byte[whole.length];
            p.copy(7, 42, 0, pieces, 0, split);
            p.copy(7, 42, split, pieces, split, whole.length - split);
            assertThat(pieces).as("split at %d", split).isEqualTo(whole);
            assertThat(p.matches(7, 42, 0, whole, 0, split)).isTrue();
            assertThat(p.matches(7, 42, split, whole, split, whole.length - split)).isTrue();
        }
    }

    @Test
    void payloadsDifferPerConnectionAndPerMessage() {
        EchoPattern p = new EchoPattern(32);
        byte[] f = frame(p, 1, 5);
        assertThat(frame(p, 1, 6)).isNotEqualTo(f);
        assertThat(frame(p, 2, 5)).isNotEqualTo(f);
        assertThat(p.matches(1, 6, 0, f, 0, f.length)).isFalse();
        assertThat(p.matches(1, 5, 0, f, 0, f.length)).isTrue();
    }

    @Test
    void oneFlippedByteAnywhereIsAMismatch() {
        EchoPattern p = new EchoPattern(16);
        for (int i = 0; i < p.frameLength(); i++) {
            byte[] f = frame(p, 3, 9);
            f[i] ^= 1;
            assertThat(p.matches(3, 9, 0, f, 0, f.length)).as("byte %d flipped", i).isFalse();
        }
    }
}
