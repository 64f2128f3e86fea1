package vigil.testkit;

/**
 * Outcome of a short command run by the rig. A command that hit its timeout was killed and
 * reports {@code timedOut}; its exit code is then meaningless (-1).
 */
public record ExecResult(int exitCode, String output, boolean timedOut) {

    public boolean ok() {
        return !timedOut && exitCode == 0;
    }

    /** Returns this result, or throws a {@link RigException} naming {@code what} when it failed. */
    public ExecResult orThrow(String what) {
        if (!ok()) {
            throw new RigException(what + " failed (" + (timedOut ? "timed out" : "exit " + exitCode) + "): "
                    + output.strip());
        }
        return this;
    }
}
