package dev.evloop.http.codec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Records parser events as strings. Adjacent body events are merged into one "body ..." entry,
 * since how the body is sliced depends on how the input was split; everything else must not.
 */
class Recorder implements Http1ResponseParser.Listener, Http1RequestParser.Listener {
    final List<String> events = new ArrayList<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    /** The buffer handed to parse; onBody must receive this very buffer (no copy). */
    ByteBuffer input;
    /** Set if onBody ever got another buffer than {@link #input}. */
    boolean copied;

    @Override
    public void onStatus(HttpVersion version, int code, String reason) {
        add("status " + version + " " + code + " [" + reason + "]");
    }

    @Override
    public void onRequestLine(String method, String target, HttpVersion version) {
        add("request " + method + " " + target + " " + version);
    }

    @Override
    public void onInterimResponse(int code) {
        add("interim " + code);
    }

    @Override
    public void onHeader(String name, String value) {
        add("header " + name + ": " + value);
    }

    @Override
    public void onHeadersComplete(BodyFraming framing, long contentLength) {
        add("headers-complete " + framing + " " + contentLength);
    }

    @Override
    public void onBody(ByteBuffer b) {
        if (input != null && b != input) copied = true;
        if (!b.hasRemaining()) throw new AssertionError("empty body event");
        while (b.hasRemaining()) body.write(b.get());
    }

    @Override
    public void onTrailer(String name, String value) {
        add("trailer " + name + ": " + value);
    }

    @Override
    public void onMessageComplete() {
        add("complete");
    }

    void add(String event) {
        flushBody();
        events.add(event);
    }

    List<String> finish() {
        flushBody();
        return events;
    }

    private void flushBody() {
        if (body.size() > 0) {
            events.add("body " + body.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
            body.reset();
        }
    }
}
