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
     * The primary, leading, named this node its successor as it resigned, and this node won the campaign that began:
     * a planned switchover (by an operator, a schedule, {@code restart-pg --rolling} or {@code restart-daemon
     * --switchover}). A successor that needed a second campaign (a lost message) stood on its own by then: its
     * promotion counts as {@link #PRIMARY_STEPPED_DOWN}.
     */
    SWITCHOVER,
    /**
     * The primary's vigild gave the primary role up and said so, or answers this leader: it was stopped, its
     * PostgreSQL failed beyond {@code migration_threshold}, or it lost its lease (a stall, a cut) and is heard from
     * again before the promotion is recorded. Its own log says which.
     */
    PRIMARY_STEPPED_DOWN,
    /**
     * The primary's vigild is silent and said no goodbye: its host is down or cut off from this side, or vigild was
     * killed.
     */
    PRIMARY_UNREACHABLE;

    /** The word in logs and metric labels. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
