package dev.evloop.server.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EchoHandlerLimitsTest {
    @Test
    void theInputAConnectionMustHoldIsOneWholeMessageAndNeverOverflows() {
        assertThat(EchoHandler.bufferedInputFor(0)).isEqualTo(4);
        assertThat(EchoHandler.bufferedInputFor(100)).isEqualTo(104);
        assertThat(EchoHandler.bufferedInputFor(Integer.MAX_VALUE - 4)).isEqualTo(Integer.MAX_VALUE);
        assertThat(EchoHandler.bufferedInputFor(Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void aNegativeMaximumIsRefusedByName() {
        assertThatThrownBy(() -> new EchoHandler(-1)).hasMessageContaining("maxMessage must not be negative: -1");
    }
}
