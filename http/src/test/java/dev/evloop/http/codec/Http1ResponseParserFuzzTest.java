package dev.evloop.http.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.evloop.testing.FuzzInput;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link Http1ResponseParser} with arbitrary bytes in arbitrary pieces. Without
 * {@code JAZZER_FUZZ} this runs the seeds and past findings under
 * {@code src/test/resources/dev/evloop/http/codec/Http1ResponseParserFuzzTestInputs/}; with it
 * ({@code scripts/fuzz response SECONDS}) it fuzzes. Input layout: {@link FuzzInput}; mode bits:
 * {@link MessageFuzzing}, and bits 5..6 pick the request methods the responses answer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http1ResponseParserFuzzTest {
    private static final String[][] METHODS = {
        {"GET", "GET", "GET"}, {"HEAD", "GET", "GET"}, {"CONNECT", "GET"}, {"POST", "HEAD", "GET"},
    };

    @FuzzTest(maxDuration = "10s")
    void responses(FuzzedDataProvider data) {
        FuzzInput in = FuzzInput.read(data);
        ParserLimits limits = MessageFuzzing.limits(in);
        String[] methods = METHODS[(in.mode() >> 5) & 3];
        List<String> whole = MessageFuzzing.responses(in.whole(), limits, methods, false);
        MessageFuzzing.checkEvents(whole, limits);
        List<String> split = MessageFuzzing.responses(in, limits, methods, in.flag(7));
        MessageFuzzing.checkEvents(split, limits);
        MessageFuzzing.assertSameOutcome(whole, split);
    }
}
