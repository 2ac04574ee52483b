package dev.evloop.http;

import dev.evloop.http.codec.Http1RequestEncoder;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Header fields in the order they were added or received; names compare case-insensitively
 * (RFC 9110 §5.1). Immutable once built; {@link Builder} makes one.
 */
public final class HttpHeaders implements Iterable<Map.Entry<String, String>> {
    private static final HttpHeaders EMPTY = new HttpHeaders(List.of());

    /** Name, value, name, value, ... */
    private final List<String> fields;

    private HttpHeaders(List<String> fields) {
        this.fields = fields;
    }

    public static HttpHeaders empty() {
        return EMPTY;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The first value of {@code name}. */
    public Optional<String> first(String name) {
        for (int i = 0; i < fields.size(); i += 2) {
            if (fields.get(i).equalsIgnoreCase(name)) return Optional.of(fields.get(i + 1));
        }
        return Optional.empty();
    }

    /** Every value of {@code name}, in order. */
    public List<String> all(String name) {
        List<String> out = new ArrayList<>(2);
        for (int i = 0; i < fields.size(); i += 2) {
            if (fields.get(i).equalsIgnoreCase(name)) out.add(fields.get(i + 1));
        }
        return out;
    }

    public boolean contains(String name) {
        return first(name).isPresent();
    }

    public int size() {
        return fields.size() / 2;
    }

    public String name(int index) {
        return fields.get(2 * index);
    }

    public String value(int index) {
        return fields.get(2 * index + 1);
    }

    /** The fields as name/value entries, in order. */
    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
                return i < fields.size();
            }

            @Override
            public Map.Entry<String, String> next() {
                if (!hasNext()) throw new java.util.NoSuchElementException();
                Map.Entry<String, String> e = new AbstractMap.SimpleImmutableEntry<>(fields.get(i), fields.get(i + 1));
                i += 2;
                return e;
            }
        };
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < fields.size(); i += 2) {
            if (i > 0) b.append(", ");
            b.append(fields.get(i)).append(": ").append(fields.get(i + 1));
        }
        return b.append('}').toString();
    }

    /** A builder holding these fields, to change a copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.fields.addAll(fields);
        return b;
    }

    /** Collects fields; {@link #build} freezes them. */
    public static final class Builder {
        private final List<String> fields = new ArrayList<>(16);
        /** What {@link #build} returned, until the next change: a head is built more than once. */
        private HttpHeaders built;

        private Builder() {}

        /** @throws IllegalArgumentException for a name that is not a token or a value with CR, LF or NUL */
        public Builder add(String name, String value) {
            Http1RequestEncoder.checkHeader(name, value); // one rule for the whole module
            built = null;
            fields.add(name);
            fields.add(value.strip());
            return this;
        }

        /** Adds a field received from a peer (already validated by the parser). */
        Builder addReceived(String name, String value) {
            built = null;
            fields.add(name);
            fields.add(value);
            return this;
        }

        /** Replaces every field named {@code name} with one. */
        public Builder set(String name, String value) {
            remove(name);
            return add(name, value);
        }

        public Builder remove(String name) {
            built = null;
            for (int i = fields.size() - 2; i >= 0; i -= 2) {
                if (fields.get(i).equalsIgnoreCase(name)) {
                    fields.remove(i + 1);
                    fields.remove(i);
                }
            }
            return this;
        }

        public HttpHeaders build() {
            if (built == null) {
                built = fields.isEmpty() ? EMPTY : new HttpHeaders(Collections.unmodifiableList(new ArrayList<>(fields)));
            }
            return built;
        }
    }
}
