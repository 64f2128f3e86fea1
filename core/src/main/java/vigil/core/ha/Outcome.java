package vigil.core.ha;

/**
 * How an action ended, as far as the decisions care: success, or which kind of failure (what to do next depends on
 * it: a transient pg_rewind failure is retried, only a proven divergence leads to a re-clone, a foreign system is
 * never overwritten).
 */
public record Outcome(Failure failure, String detail) {
    public static final Outcome OK = new Outcome(Failure.NONE, "");

    public enum Failure {
        NONE,
        /** Worth retrying as it is: the source was unreachable, a command failed for a passing reason. */
        TRANSIENT,
        /** The action ran past its deadline and was cancelled. */
        TIMEOUT,
        /** Preempted (by a fence) or interrupted. */
        CANCELLED,
        /** pg_rewind cannot repair this divergence (no common ancestor, WAL gone): only a re-clone can. */
        REWIND_IMPOSSIBLE,
        /** The data belongs to another PostgreSQL system: never overwritten automatically. */
        FOREIGN_SYSTEM,
        /** The data directory holds no cluster and initialising one was not allowed. */
        DATA_MISSING,
        /** The fence could not verify that every process is gone before its deadline. */
        NOT_VERIFIED,
        /** Refused before it began (a required watchdog could not be armed, or did not cover it in time): nothing ran. */
        NOT_STARTED,
        /**
         * Withdrawn before it began because the lease guard fenced PostgreSQL meanwhile: nothing ran, and nothing is
         * wrong with PostgreSQL or the action; a primary start withdrawn so is neither backed off nor counted as a
         * restart (the fence's verdict decides what comes next).
         */
        PREEMPTED,
        /**
         * Refused before it began because the executor was busy (a fence still runs): nothing ran, and nothing is
         * wrong with PostgreSQL or the action; a primary start turned away so is not backed off.
         */
        BUSY,
        /** Anything else. */
        OTHER
    }

    public static Outcome failed(Failure f, String detail) {
        if (f == Failure.NONE) throw new IllegalArgumentException("a failure needs a kind");
        return new Outcome(f, detail);
    }

    public boolean ok() {
        return failure == Failure.NONE;
    }

    /** Refused or withdrawn before it began ({@code NOT_STARTED}, {@code BUSY}, {@code PREEMPTED}): nothing ran. */
    public boolean nothingRan() {
        return failure == Failure.NOT_STARTED || failure == Failure.BUSY || failure == Failure.PREEMPTED;
    }
}
