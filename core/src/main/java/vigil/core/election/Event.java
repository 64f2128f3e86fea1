package vigil.core.election;

/** Something worth one log line. Tests assert on these, never on the log text. */
public sealed interface Event {
    /**
     * @param leaseEndedAt for a leader stepping down: the instant (own clock) its lease ended; otherwise -1
     */
    record RoleChanged(Role from, Role to, long term, String leader, Reason reason, long leaseEndedAt) implements Event {}

    /** A leadership's first majority-acknowledged heartbeat: the lease is valid from {@code start}. */
    record LeaseAcquired(long term, long start, long until) implements Event {}
}
