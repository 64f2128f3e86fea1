package vigil.daemon.pg;

import java.time.Duration;
import java.util.List;

/**
 * One external command that ran to its end or was killed at its timeout, or a step that vigil refused to run.
 * Invariant: neither {@code argv} nor {@code outputTail} contains a secret (the replication password is masked as
 * {@value CommandRunner#MASK}), so a result may be logged or shown as it is. {@link #ok()} is true exactly when
 * {@code failure} is {@link Failure#NONE}: a command that exited 0 can still have failed (pg_rewind's "no rewind
 * required" against a source whose control file lags behind its timeline, see {@link Rewind}).
 *
 * @param exitCode the process's exit status; {@value CommandRunner#TIMED_OUT} when vigil killed it at its
 *                 timeout or because the calling thread was interrupted, {@value CommandRunner#NOT_STARTED} when it
 *                 could not be started or vigil refused to start it
 * @param outputTail the last ~2 KiB of its combined stdout and stderr, or why vigil refused
 * @param failure what kind of failure this is, so that callers decide on a type and never on output text
 */
public record CommandResult(List<String> argv, int exitCode, Duration duration, String outputTail, Failure failure) {
    /** Why a step failed, as far as the driver can tell; the core decides what to do about each kind. */
    public enum Failure {
        /** It succeeded. */
        NONE,
        /** Killed at its own timeout. */
        TIMEOUT,
        /** The calling thread was interrupted (the daemon cancelled the action): the command was killed or not started. */
        CANCELLED,
        /** The other server could not be reached or was not ready (refused, timed out, starting up): retry later. */
        TRANSIENT,
        /** pg_rewind proved it cannot repair this divergence of one system (e.g. the target's WAL is gone): only a re-clone can. */
        REWIND_IMPOSSIBLE,
        /** A system identifier differs from the expected one, or a directory holds files that are not a cluster: refuse, nothing touched. */
        FOREIGN_SYSTEM,
        /** The data directory holds no cluster and the caller did not allow one to be created. */
        DATA_MISSING,
        /** Anything else; an operator has to look. */
        OTHER
    }

    public CommandResult {
        argv = List.copyOf(argv);
        if (failure == null) {
            throw new IllegalArgumentException("failure must not be null; use Failure.NONE for a success");
        }
    }

    /** A result classified by its exit code alone: 0 is a success, {@value CommandRunner#TIMED_OUT} a timeout, the rest OTHER. */
    public CommandResult(List<String> argv, int exitCode, Duration duration, String outputTail) {
        this(argv, exitCode, duration, outputTail, exitCode == 0 ? Failure.NONE
                : exitCode == CommandRunner.TIMED_OUT ? Failure.TIMEOUT : Failure.OTHER);
    }

    public boolean ok() {
        return failure == Failure.NONE;
    }

    /** The same result with another classification, and {@code note} (if not blank) appended to the output. */
    CommandResult as(Failure kind, String note) {
        String out = note == null || note.isBlank() ? outputTail : outputTail + (outputTail.isEmpty() ? "" : "\n") + "[vigil: " + note + "]";
        return new CommandResult(argv, exitCode, duration, out, kind);
    }

    /** A step that needed no command (e.g. initPrimary on a data directory that is already initialised). */
    static CommandResult nothingToDo(String why) {
        return new CommandResult(List.of(), 0, Duration.ZERO, why, Failure.NONE);
    }

    /** A step that failed inside vigil before or instead of running a command. */
    static CommandResult failed(List<String> argv, String why) {
        return failed(argv, Failure.OTHER, why);
    }

    /** A step that vigil refused to run, with the kind of refusal. */
    static CommandResult failed(List<String> argv, Failure kind, String why) {
        if (kind == Failure.NONE) {
            throw new IllegalArgumentException("a failed step needs a failure kind other than NONE");
        }
        return new CommandResult(argv, CommandRunner.NOT_STARTED, Duration.ZERO, why, kind);
    }
}
