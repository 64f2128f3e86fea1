package vigil.protocol.peer;

/** A peer frame that must not be trusted; the message says why, for the log. */
public final class BadFrameException extends Exception {
    public BadFrameException(String message) {
        super(message);
    }
}
