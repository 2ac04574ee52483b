package dev.evloop.http.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.evloop.testing.FuzzInput;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link Http1RequestParser}, which reads strangers' bytes in the server, with arbitrary
 * bytes in arbitrary pieces. Without {@code JAZZER_FUZZ} this runs the seeds and past findings
 * under {@code src/test/resources/dev/evloop/http/codec/Http1RequestParserFuzzTestInputs/}; with
 * it ({@code scripts/fuzz request SECONDS}) it fuzzes. Input layout: {@link FuzzInput}; mode bits:
 * {@link MessageFuzzing}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http1RequestParserFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void requests(FuzzedDataProvider data) {
        FuzzInput in = FuzzInput.read(data);
        ParserLimits limits = MessageFuzzing.limits(in);
        List<String> whole = MessageFuzzing.requests(in.whole(), limits, false);
        MessageFuzzing.checkEvents(whole, limits);
        List<String> split = MessageFuzzing.requests(in, limits, in.flag(7));
        MessageFuzzing.checkEvents(split, limits);
        MessageFuzzing.assertSameOutcome(whole, split);
    }
}
