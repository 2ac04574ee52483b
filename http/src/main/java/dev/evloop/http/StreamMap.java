package dev.evloop.http;

import java.util.ArrayList;
import java.util.List;

/**
 * HTTP/2 streams by id: open addressing with linear probing and backward-shift deletion, so a
 * lookup per frame neither boxes the id nor allocates. Ids are positive (RFC 9113 §5.1.1); 0
 * marks an empty slot. Engine thread only.
 */
final class StreamMap {
    private int[] keys = new int[16];
    private Http2Stream[] values = new Http2Stream[16];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    Http2Stream get(int id) {
        int mask = keys.length - 1;
        for (int i = mix(id) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == id) return values[i];
            if (k == 0) return null;
        }
    }

    void put(int id, Http2Stream s) {
        if (id <= 0) throw new IllegalArgumentException("stream id must be positive: " + id);
        if ((size + 1) * 2 > keys.length) grow();
        int mask = keys.length - 1;
        int i = mix(id) & mask;
        while (keys[i] != 0 && keys[i] != id) i = (i + 1) & mask;
        if (keys[i] == 0) size++;
        keys[i] = id;
        values[i] = s;
    }

    /** Removes {@code id}; the removed stream or null. */
    Http2Stream remove(int id) {
        int mask = keys.length - 1;
        int i = mix(id) & mask;
        while (keys[i] != id) {
            if (keys[i] == 0) return null;
            i = (i + 1) & mask;
        }
        Http2Stream removed = values[i];
        size--;
        // Backward shift: move later entries of the probe run into the hole (Knuth 6.4, algorithm R).
        for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int home = mix(keys[j]) & mask;
            if (((j - home) & mask) >= ((j - i) & mask)) {
                keys[i] = keys[j];
                values[i] = values[j];
                i = j;
            }
        }
        keys[i] = 0;
        values[i] = null;
        return removed;
    }

    /** Slots to walk with {@link #at}: the capacity. */
    int capacity() {
        return keys.length;
    }

    /** The stream in slot {@code i}, or null. Do not change the map while walking it. */
    Http2Stream at(int i) {
        return values[i];
    }

    /** A copy of the streams, for walks that change the map. */
    List<Http2Stream> snapshot() {
        List<Http2Stream> l = new ArrayList<>(size);
        for (Http2Stream s : values) if (s != null) l.add(s);
        return l;
    }

    private void grow() {
        int[] oldKeys = keys;
        Http2Stream[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new Http2Stream[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) if (oldKeys[i] != 0) put(oldKeys[i], oldValues[i]);
    }

    /** Ids go up by 2: spread them so runs stay short. */
    private static int mix(int id) {
        return (id >>> 1) * 0x9E3779B9 >>> 16 ^ (id >>> 1);
    }
}
