package dev.evloop.server.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A route table: picks the service for a request by its {@linkplain Request#path() path}, for
 * any method. Immutable once built; safe to share between connections and loops.
 *
 * <p>Matching, in order:
 * <ol>
 *   <li>an exact path ({@link Builder#exact});
 *   <li>the longest matching prefix ({@link Builder#prefix}), e.g. {@code /bytes/} for
 *       {@code /bytes/100}; the service reads the rest with {@link #rest};
 *   <li>else the not-found service, by default a {@code 404} with a short text body.
 * </ol>
 */
public final class Routes implements HttpService {
    private static final HttpService NOT_FOUND = HttpService.of(r -> Response.text(404, "Not Found\n"));

    private final Map<String, HttpService> exact;
    /** Longest first, so the first match is the longest. */
    private final List<Map.Entry<String, HttpService>> prefixes;
    private final HttpService notFound;

    private Routes(Builder b) {
        this.exact = Map.copyOf(b.exact);
        List<Map.Entry<String, HttpService>> p = new ArrayList<>(b.prefixes.entrySet());
        p.sort(Comparator.comparingInt((Map.Entry<String, HttpService> e) -> e.getKey().length()).reversed());
        this.prefixes = List.copyOf(p);
        this.notFound = b.notFound;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The service for {@code path}: exact, longest prefix, or not found. */
    public HttpService route(String path) {
        HttpService s = exact.get(path);
        if (s != null) return s;
        for (Map.Entry<String, HttpService> e : prefixes) {
            if (path.startsWith(e.getKey())) return e.getValue();
        }
        return notFound;
    }

    @Override
    public void serve(Request request, Responder responder) throws Exception {
        route(request.path()).serve(request, responder);
    }

    /** What follows {@code prefix} in the request's path: {@code "100"} for /bytes/100 and "/bytes/". */
    public static String rest(Request request, String prefix) {
        String path = request.path();
        if (!path.startsWith(prefix)) {
            throw new IllegalArgumentException("path " + path + " does not start with " + prefix);
        }
        return path.substring(prefix.length());
    }

    public static final class Builder {
        private final Map<String, HttpService> exact = new HashMap<>();
        private final Map<String, HttpService> prefixes = new HashMap<>();
        private HttpService notFound = NOT_FOUND;

        private Builder() {}

        /** Routes exactly {@code path} to {@code service}. */
        public Builder exact(String path, HttpService service) {
            put(exact, path, service, "exact route");
            return this;
        }

        /** Routes every path starting with {@code prefix} to {@code service} (longest prefix wins). */
        public Builder prefix(String prefix, HttpService service) {
            put(prefixes, prefix, service, "prefix route");
            return this;
        }

        /** What answers a path no route matches (default: 404). */
        public Builder notFound(HttpService service) {
            this.notFound = Objects.requireNonNull(service, "service");
            return this;
        }

        public Routes build() {
            return new Routes(this);
        }

        private static void put(Map<String, HttpService> map, String path, HttpService service, String what) {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(service, "service");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException(what + " \"" + path + "\" must start with /");
            }
            if (map.putIfAbsent(path, service) != null) {
                throw new IllegalArgumentException(what + " \"" + path + "\" is already defined");
            }
        }
    }
}
