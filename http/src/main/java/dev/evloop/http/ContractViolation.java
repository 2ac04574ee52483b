package dev.evloop.http;

/** The engine and the application's view of the sockets disagree (checking mode). */
public final class ContractViolation extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public ContractViolation(String message) {
        super(message);
    }
}
