package dev.evloop.cli;

import dev.evloop.http.HttpVersionPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --http2} and {@code --http1.1}, as curl names them, shared by {@code get} and {@code bench}. */
final class VersionOptions {
    @Option(names = "--http2",
            description = "HTTP/2: with prior knowledge for http:// URLs (h2c, RFC 9113 §3.3); through ALPN for https://, "
                    + "which is the default there anyway.")
    boolean http2;

    @Option(names = "--http1.1", description = "HTTP/1.1 only, https:// included.")
    boolean http11;

    /** The engine's policy; a usage error if both flags are given. */
    HttpVersionPolicy policy(CommandLine cl) {
        if (http2 && http11) throw new CommandLine.ParameterException(cl, "--http2 and --http1.1 exclude each other");
        if (http2) return HttpVersionPolicy.HTTP_2_PRIOR_KNOWLEDGE;
        if (http11) return HttpVersionPolicy.HTTP_1_1;
        return HttpVersionPolicy.HTTP_2_TLS;
    }
}
