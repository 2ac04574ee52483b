package dev.evloop.testing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.Arrays;

/**
 * One fuzz input split into the fuzzer's choices and the bytes under test. {@link FuzzedDataProvider}
 * takes numbers from the end of the input and byte arrays from the front, so a seed file is the
 * bytes under test followed by the choice bytes: the last byte is {@link #mode}, the one before it
 * the number of cuts (0..7), and before that two bytes per cut. A seed without choice bytes still
 * works: the choices then eat its last bytes. Shared by the fuzz targets of every module, so their
 * seeds are made the same way.
 *
 * @param mode eight flag bits, each target gives them its own meaning
 * @param cuts split points into {@link #bytes}, sorted, each in 0..bytes.length (repeats allowed:
 *     an empty piece)
 * @param bytes the input under test
 */
public record FuzzInput(int mode, int[] cuts, byte[] bytes) {
    public static final int MAX_CUTS = 7;

    public static FuzzInput read(FuzzedDataProvider data) {
        int mode = data.consumeInt(0, 255);
        int[] raw = new int[data.consumeInt(0, MAX_CUTS)];
        for (int i = 0; i < raw.length; i++) raw[i] = data.consumeInt(0, 0xFFFF);
        byte[] bytes = data.consumeRemainingAsBytes();
        int[] cuts = new int[raw.length];
        for (int i = 0; i < raw.length; i++) cuts[i] = raw[i] % (bytes.length + 1);
        Arrays.sort(cuts);
        return new FuzzInput(mode, cuts, bytes);
    }

    public boolean flag(int bit) {
        return (mode & (1 << bit)) != 0;
    }

    /** {@link #cuts} with the end of the input appended, as the last piece's end. */
    public int[] pieceEnds() {
        int[] ends = Arrays.copyOf(cuts, cuts.length + 1);
        ends[cuts.length] = bytes.length;
        return ends;
    }

    /** The same bytes in one piece. */
    public FuzzInput whole() {
        return new FuzzInput(mode, new int[0], bytes);
    }
}
