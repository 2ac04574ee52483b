package dev.evloop.websocket;

import dev.evloop.server.http.HttpService;
import dev.evloop.server.http.Request;
import dev.evloop.server.http.Responder;
import dev.evloop.server.http.Response;
import dev.evloop.websocket.codec.Handshake;
import dev.evloop.websocket.codec.PerMessageDeflate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The server side of the opening handshake (RFC 6455 §4.2) as an {@link HttpService} of evloop's
 * HTTP server: mount it on a path with {@link dev.evloop.server.http.Routes}. A valid upgrade
 * request gets {@code 101 Switching Protocols} and the connection becomes a {@link WebSocket}
 * whose listener the acceptor chose; anything else gets the error status RFC 6455 asks for.
 *
 * <ol>
 *   <li>Not GET, no {@code Upgrade: websocket}, no {@code Connection: upgrade}, or a {@code
 *       Sec-WebSocket-Key} that is not 16 bytes of base64: {@code 400} (§4.2.1).
 *   <li>{@code Sec-WebSocket-Version} other than 13: {@code 426} with {@code
 *       Sec-WebSocket-Version: 13} (§4.2.2).
 *   <li>The acceptor returns null: {@code 403}.
 *   <li>Otherwise: the first of the server's subprotocols the client offered, permessage-deflate
 *       if the configuration allows it and the client offered it acceptably (RFC 7692 §5), and
 *       {@code 101}.
 * </ol>
 */
public final class WebSocketService implements HttpService {
    private final WebSocketConfig config;
    private final Function<Request, WebSocketListener> acceptor;

    private WebSocketService(WebSocketConfig config, Function<Request, WebSocketListener> acceptor) {
        this.config = Objects.requireNonNull(config, "config");
        this.acceptor = Objects.requireNonNull(acceptor, "acceptor");
    }

    /**
     * @param acceptor called with each valid handshake request on the connection's loop thread;
     *     returns the session's listener, or null to refuse it with 403
     */
    public static WebSocketService of(WebSocketConfig config, Function<Request, WebSocketListener> acceptor) {
        return new WebSocketService(config, acceptor);
    }

    @Override
    public void serve(Request request, Responder responder) {
        String problem = problem(request);
        if (problem != null) {
            responder.respond(Response.text(400, problem + "\n"));
            return;
        }
        if (!"13".equals(trim(request.header("Sec-WebSocket-Version")))) {
            responder.respond(Response.text(426, "unsupported Sec-WebSocket-Version "
                    + request.header("Sec-WebSocket-Version") + "; this server speaks 13 (RFC 6455)\n")
                    .withHeader("Sec-WebSocket-Version", "13"));
            return;
        }
        WebSocketListener listener = acceptor.apply(request);
        if (listener == null) {
            responder.respond(Response.text(403, "WebSocket refused\n"));
            return;
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>(5);
        headers.add(Map.entry("Upgrade", "websocket"));
        headers.add(Map.entry("Connection", "Upgrade"));
        headers.add(Map.entry("Sec-WebSocket-Accept", Handshake.accept(trim(request.header("Sec-WebSocket-Key")))));
        String subprotocol = chooseSubprotocol(request);
        if (subprotocol != null) headers.add(Map.entry("Sec-WebSocket-Protocol", subprotocol));
        PerMessageDeflate.Params deflate = null;
        String extensions = "";
        if (config.permessageDeflate()) {
            Optional<PerMessageDeflate.Agreement> a = PerMessageDeflate.negotiate(
                    request.headerValues("Sec-WebSocket-Extensions"), config.noContextTakeover());
            if (a.isPresent()) {
                deflate = a.get().params();
                extensions = a.get().responseHeaderValue();
                headers.add(Map.entry("Sec-WebSocket-Extensions", extensions));
            }
        }
        responder.upgrade(headers, new ServerSession(listener, config, subprotocol, extensions, deflate));
    }

    /** What makes this request no WebSocket handshake, or null (RFC 6455 §4.2.1). */
    private static String problem(Request r) {
        if (!r.method().equals("GET")) return "a WebSocket handshake must be a GET, not " + r.method();
        if (!hasToken(r.headerValues("Upgrade"), "websocket")) return "missing Upgrade: websocket";
        if (!hasToken(r.headerValues("Connection"), "upgrade")) return "missing Connection: Upgrade";
        String key = trim(r.header("Sec-WebSocket-Key"));
        if (key == null || !Handshake.isValidKey(key)) {
            return "Sec-WebSocket-Key must be 16 bytes in base64, got " + key;
        }
        return null;
    }

    private String chooseSubprotocol(Request r) {
        if (config.subprotocols().isEmpty()) return null;
        List<String> offered = new ArrayList<>();
        for (String v : r.headerValues("Sec-WebSocket-Protocol")) {
            for (String p : v.split(",")) {
                if (!p.isBlank()) offered.add(p.trim());
            }
        }
        for (String mine : config.subprotocols()) {
            if (offered.contains(mine)) return mine;
        }
        return null;
    }

    /** True if one of the comma-separated tokens in {@code values} equals {@code token}, ignoring case (RFC 9110 §5.6.1). */
    static boolean hasToken(List<String> values, String token) {
        for (String v : values) {
            for (String t : v.split(",")) {
                if (t.trim().toLowerCase(Locale.ROOT).equals(token)) return true;
            }
        }
        return false;
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }
}
