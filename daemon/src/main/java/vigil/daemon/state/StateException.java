package vigil.daemon.state;

/** The durable state cannot be read or written; the daemon must not go on guessing its term. */
public final class StateException extends Exception {
    public StateException(String message) {
        super(message);
    }
}
