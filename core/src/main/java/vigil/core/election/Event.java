package vigil.core.election;

/** Something worth one log line. Tests assert on these, never on the log text. */
public sealed interface Event {
    /**
     * @param leaseEndedAt for a leader stepping down: the instant (own clock) its lease ended; otherwise -1
     */
    record RoleChanged(Role from, Role to, long term, String leader, Reason reason, long leaseEndedAt) implements Event {}

    /** A leadership's first majority-acknowledged heartbeat: the lease is valid from {@code start}. */
    record LeaseAcquired(long term, long start, long until) implements Event {}

    /**
     * This voter refused its vote to {@code candidate} for {@code term}; {@code why} names the rule and its cause (whose
     * position, which record, which window). Real votes only: pre-votes bind nothing and repeat while a node is cut off.
     */
    record VoteRefused(long term, String candidate, String why) implements Event {}
}
