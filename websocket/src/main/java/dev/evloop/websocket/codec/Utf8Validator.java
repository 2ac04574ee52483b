package dev.evloop.websocket.codec;

import java.nio.ByteBuffer;

/**
 * Incremental UTF-8 validator (RFC 3629; rejects overlongs, surrogates, > U+10FFFF), usable
 * across fragment boundaries.
 *
 * <p>It follows the table of well-formed byte sequences in RFC 3629 §4 (also The Unicode
 * Standard, table 3-7): after a lead byte, the next byte's range is narrowed where the lead alone
 * would allow an overlong form (E0, F0), a surrogate (ED) or a code point above U+10FFFF (F4);
 * every later continuation byte is 80..BF. So a bad sequence is refused at its first byte that
 * cannot continue any valid character, which is what RFC 6455 §8.1 asks of text frames ("fail
 * fast"). Runs of ASCII are skipped eight bytes at a time.
 */
public final class Utf8Validator {
    /** Continuation bytes still expected for the current character; 0 on a character boundary. */
    private int pending;
    /** Range allowed for the next byte when pending > 0. */
    private int lower = 0x80;
    private int upper = 0xBF;
    private boolean failed;

    public Utf8Validator() {}

    /**
     * Feeds bytes [position, limit) without moving the position; false as soon as the input can
     * no longer be valid UTF-8 (also mid-sequence, so bad text fails fast, per RFC 6455 §8.1).
     * Once false, it stays false until {@link #reset}.
     */
    public boolean feed(ByteBuffer bytes) {
        if (failed) {
            return false;
        }
        int i = bytes.position();
        int end = bytes.limit();
        int need = pending;
        int lo = lower;
        int hi = upper;
        while (i < end) {
            if (need == 0) {
                // The high bit of every byte of an ASCII run is clear, whatever the byte order.
                while (i <= end - 8 && (bytes.getLong(i) & 0x8080_8080_8080_8080L) == 0) {
                    i += 8;
                }
                if (i == end) {
                    break;
                }
                int b = bytes.get(i++) & 0xFF;
                if (b < 0x80) {
                    continue;
                }
                if (b >= 0xC2 && b <= 0xDF) {
                    need = 1;
                    lo = 0x80;
                    hi = 0xBF;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    need = 2;
                    lo = b == 0xE0 ? 0xA0 : 0x80; // E0 80..9F would be overlong
                    hi = b == 0xED ? 0x9F : 0xBF; // ED A0..BF would be a surrogate
                } else if (b >= 0xF0 && b <= 0xF4) {
                    need = 3;
                    lo = b == 0xF0 ? 0x90 : 0x80; // F0 80..8F would be overlong
                    hi = b == 0xF4 ? 0x8F : 0xBF; // F4 90.. would be above U+10FFFF
                } else {
                    // 80..BF without a lead, C0/C1 (always overlong), F5..FF (never used)
                    failed = true;
                    return false;
                }
            } else {
                int b = bytes.get(i++) & 0xFF;
                if (b < lo || b > hi) {
                    failed = true;
                    return false;
                }
                need--;
                lo = 0x80;
                hi = 0xBF;
            }
        }
        pending = need;
        lower = lo;
        upper = hi;
        return true;
    }

    /** True when the bytes so far end on a character boundary (call at the end of a message). */
    public boolean isComplete() {
        return !failed && pending == 0;
    }

    public void reset() {
        pending = 0;
        lower = 0x80;
        upper = 0xBF;
        failed = false;
    }
}
