package vigil.core.ha;

/**
 * Why a new leader recorded itself as the primary in place of another ({@link FailOver}), as far as it can tell at
 * that moment. Only a label for the log and the metrics: every cause goes through the same proofs and checks, and
 * none of them changes what is decided. The first that applies is the cause.
 */
public enum PromotionCause {
    /** An operator's {@code vigilctl failover --to} this node. */
    ORDERED,
    /**
     * The primary, leading, named this node its successor as it resigned: a planned switchover (by an operator, a
     * schedule, {@code restart-pg --rolling} or {@code restart-daemon --switchover}).
     */
    SWITCHOVER,
    /**
     * The primary's vigild gave the primary role up and said so, or still answers: it was stopped, it fenced itself
     * when it lost the majority, or its PostgreSQL failed beyond {@code migration_threshold}. Its own log says which.
     */
    PRIMARY_STEPPED_DOWN,
    /** The primary's vigild went silent without a word: its host is down or cut off, or vigild was killed. */
    PRIMARY_UNREACHABLE;

    /** The word in logs and metric labels. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
