package dev.evloop.http.codec.hpack;

/**
 * The dynamic table of RFC 7541 §2.3.2 and §4: a FIFO of fields, newest at index 1, evicting the
 * oldest until the size (name + value + 32 octets per entry, §4.1) fits the capacity. Names and
 * values are ISO-8859-1 strings, so one char is one octet.
 */
final class DynamicTable {
    static final int ENTRY_OVERHEAD = 32;

    // Ring buffer: the newest entry is at head - 1, the oldest at head - length (mod capacity).
    private String[] names = new String[16];
    private String[] values = new String[16];
    private int head;
    private int length;
    private long size;
    private int capacity;

    DynamicTable(int capacity) {
        this.capacity = capacity;
    }

    static long entrySize(String name, String value) {
        return (long) name.length() + value.length() + ENTRY_OVERHEAD;
    }

    int length() {
        return length;
    }

    long size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    /** @param index 1 for the newest entry, {@link #length()} for the oldest */
    String name(int index) {
        return names[slot(index)];
    }

    String value(int index) {
        return values[slot(index)];
    }

    private int slot(int index) {
        if (index < 1 || index > length) throw new IndexOutOfBoundsException(index);
        int s = head - index;
        return s < 0 ? s + names.length : s;
    }

    /** §4.3: evict until the new capacity holds what is left. */
    void setCapacity(int capacity) {
        this.capacity = capacity;
        evictTo(capacity);
    }

    /** §4.4: an entry larger than the capacity empties the table and is not added. */
    void add(String name, String value) {
        long entry = entrySize(name, value);
        if (entry > capacity) {
            evictTo(0);
            return;
        }
        evictTo(capacity - entry);
        if (length == names.length) grow();
        names[head] = name;
        values[head] = value;
        head = (head + 1) % names.length;
        length++;
        size += entry;
    }

    private void evictTo(long target) {
        while (size > target) {
            int oldest = slot(length);
            size -= entrySize(names[oldest], values[oldest]);
            names[oldest] = null;
            values[oldest] = null;
            length--;
        }
    }

    private void grow() {
        String[] n = new String[names.length * 2];
        String[] v = new String[values.length * 2];
        for (int i = length; i >= 1; i--) {
            n[length - i] = name(i);
            v[length - i] = value(i);
        }
        names = n;
        values = v;
        head = length;
    }
}
