package dev.evloop.websocket.codec;

/**
 * Close status codes (RFC 6455 §7.4.1, IANA "WebSocket Close Code Number Registry") and which of
 * them may appear in a CLOSE frame.
 *
 * <p>{@link #isValidOnWire} decides what a received CLOSE frame may carry and what we may send:
 * <ol>
 *   <li>below 1000: never used (§7.4.2);</li>
 *   <li>1000-1003 and 1007-1011: defined by RFC 6455 §7.4.1;</li>
 *   <li>1012 (Service Restart), 1013 (Try Again Later), 1014 (Bad Gateway): registered with IANA
 *       after RFC 6455, so valid on the wire;</li>
 *   <li>1004 (reserved), 1005 (No Status Rcvd), 1006 (Abnormal Closure), 1015 (TLS handshake):
 *       §7.4.1 says these MUST NOT be set in a Close frame; 1005 and 1006 exist only as what the
 *       application is told when the frame had no code or there was no frame;</li>
 *   <li>1016-2999: reserved for this and future revisions of the protocol (§7.4.2), invalid until
 *       registered;</li>
 *   <li>3000-3999 (IANA-registered, for libraries and frameworks) and 4000-4999 (private use):
 *       valid;</li>
 *   <li>5000 and above: outside every range of §7.4.2, invalid.</li>
 * </ol>
 */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int PROTOCOL_ERROR = 1002;
    public static final int UNSUPPORTED_DATA = 1003;
    public static final int NO_STATUS = 1005;
    public static final int ABNORMAL = 1006;
    public static final int INVALID_PAYLOAD = 1007;
    public static final int POLICY_VIOLATION = 1008;
    public static final int MESSAGE_TOO_BIG = 1009;
    public static final int MANDATORY_EXTENSION = 1010;
    public static final int INTERNAL_ERROR = 1011;
    public static final int SERVICE_RESTART = 1012;
    public static final int TRY_AGAIN_LATER = 1013;
    public static final int BAD_GATEWAY = 1014;
    public static final int TLS_HANDSHAKE = 1015;

    private CloseCodes() {}

    /** Whether {@code code} may be carried by a CLOSE frame; see the class comment for the ranges. */
    public static boolean isValidOnWire(int code) {
        if (code >= 1000 && code <= 1003) {
            return true;
        }
        if (code >= 1007 && code <= 1014) {
            return true;
        }
        return code >= 3000 && code <= 4999;
    }
}
