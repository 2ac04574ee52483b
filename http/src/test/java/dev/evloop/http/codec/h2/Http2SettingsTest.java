package dev.evloop.http.codec.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class Http2SettingsTest {

    @Test
    void valuesArePresentOnlyOnceSet() {
        Http2Settings s = new Http2Settings();
        assertThat(s.count()).isZero();
        assertThat(s.has(Http2Settings.MAX_FRAME_SIZE)).isFalse();
        assertThat(s.get(Http2Settings.MAX_FRAME_SIZE, 16_384)).isEqualTo(16_384);
        s.set(Http2Settings.MAX_FRAME_SIZE, 32_768).set(Http2Settings.HEADER_TABLE_SIZE, 0);
        assertThat(s.count()).isEqualTo(2);
        assertThat(s.get(Http2Settings.MAX_FRAME_SIZE, 0)).isEqualTo(32_768);
        assertThat(s).hasToString("{HEADER_TABLE_SIZE=0, MAX_FRAME_SIZE=32768}");
        assertThat(s.has(0)).isFalse();
        assertThat(s.get(99, -1)).isEqualTo(-1);
        s.clear();
        assertThat(s.count()).isZero();
        assertThat(s).hasToString("{}");
    }

    @Test
    void outOfRangeValuesAreRefusedAsTheReaderRefusesThem() {
        Http2Settings s = new Http2Settings();
        assertThatThrownBy(() -> s.set(Http2Settings.ENABLE_PUSH, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SETTINGS_ENABLE_PUSH 2 must be 0 or 1");
        assertThatThrownBy(() -> s.set(Http2Settings.INITIAL_WINDOW_SIZE, 1L << 31))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SETTINGS_INITIAL_WINDOW_SIZE");
        assertThatThrownBy(() -> s.set(Http2Settings.MAX_FRAME_SIZE, 16_383))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16384..16777215");
        assertThatThrownBy(() -> s.set(Http2Settings.HEADER_TABLE_SIZE, 1L << 32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a 32-bit unsigned value");
        assertThatThrownBy(() -> s.set(7, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown SETTINGS id 7");
        assertThat(s.count()).isZero();
        s.set(Http2Settings.ENABLE_PUSH, 1).set(Http2Settings.INITIAL_WINDOW_SIZE, Integer.MAX_VALUE);
        assertThat(s.count()).isEqualTo(2);
    }
}
