package dev.evloop.cli;

import dev.evloop.poll.Backend;
import dev.evloop.poll.Pollers;
import picocli.CommandLine;

/** {@code --backend}: epoll, io_uring (or iouring), poll, kqueue, nio in any case, with a message naming the choices otherwise. */
final class BackendConverter implements CommandLine.ITypeConverter<Backend> {
    @Override
    public Backend convert(String value) {
        try {
            return Backend.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** {@code chosen}, or the default when null; a usage error if it cannot run here. */
    static Backend orDefault(Backend chosen, CommandLine cl) {
        Backend b = chosen != null ? chosen : Pollers.defaultBackend();
        b.unavailabilityCause().ifPresent(cause -> {
            throw new CommandLine.ParameterException(cl,
                    "backend " + b.name().toLowerCase() + " is unavailable here: " + cause);
        });
        return b;
    }
}
