package vigil.daemon.peer;

/** The peer transport could not be set up (bad key file, port in use, unresolvable address, ...). */
public final class PeerChannelException extends Exception {
    private static final long serialVersionUID = 1L;

    public PeerChannelException(String message) {
        super(message);
    }

    public PeerChannelException(String message, Throwable cause) {
        super(message, cause);
    }
}
