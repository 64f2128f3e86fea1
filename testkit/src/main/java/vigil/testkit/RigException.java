package vigil.testkit;

/** A rig operation (namespace setup, process control, cluster query) could not be done. */
public class RigException extends RuntimeException {
    public RigException(String message) {
        super(message);
    }

    public RigException(String message, Throwable cause) {
        super(message, cause);
    }
}
