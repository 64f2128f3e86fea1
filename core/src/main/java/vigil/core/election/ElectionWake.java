package vigil.core.election;

/**
 * When the election next needs the clock: the earliest instant at which a tick ({@link Observation.Tick}) could
 * change an {@link ElectionState} that no message reaches first. Each rule of {@code Election}'s tick has its
 * instant here, and nowhere else is the election moved by time alone:
 * <ul>
 * <li>a leader sends its next heartbeat one interval after the last, and steps down at the end of its lease (or, with
 *     none established, one lease after it was elected);</li>
 * <li>a (pre-)campaign ends after the election timeout;</li>
 * <li>a follower that may lead stands once its no-vote window and its rank's stagger are over, and not before its
 *     back-off ({@code notBefore});</li>
 * <li>pre-votes held back at the end of the no-vote window are answered when it ends (at once by a leader).</li>
 * </ul>
 * The simulator checks the claim on every schedule: a tick before this instant must change nothing.
 *
 * <p>{@code after}: instants at or before it are left out. A caller that has just ticked passes its clock: every rule
 * with an instant already past was tried by that tick, and what it did not act on then only an input can change
 * (each time-dependent part of a rule has its own instant here). Otherwise {@link Long#MIN_VALUE}.
 */
public final class ElectionWake {
    private ElectionWake() {}

    /** Long.MAX_VALUE when only a message can move this state; an instant in the past means at once. */
    public static long at(ElectionState s, long after) {
        Timing t = s.electorate().timing();
        long at = Long.MAX_VALUE;
        if (!s.deferred().isEmpty()) {
            at = first(at, s.role() == Role.LEADER ? after + 1 : s.leaderContactAt() + t.leaseMs(), after);
        }
        switch (s.role()) {
            case LEADER -> {
                Leadership l = s.leadership();
                at = first(first(at, l.stepDownAt(t), after), l.lastSentAt() + t.heartbeatMs(), after);
            }
            case CANDIDATE -> at = first(at, s.campaign().startedAt() + t.electionTimeoutMs(), after);
            case FOLLOWER -> {
                if (s.campaign() != null) {
                    at = first(at, s.campaign().startedAt() + t.electionTimeoutMs(), after);
                } else if (s.electorate().me().canLead() && s.own().eligible()) {
                    int rank = s.order() != null ? 0 : Standing.rank(s.electorate(), s.lastLeader(), s.own(), s.known());
                    at = first(at, Math.max(s.notBefore(), s.leaderContactAt() + t.leaseMs() + rank * t.staggerMs()),
                            after);
                }
            }
        }
        return at;
    }

    /** The earlier of {@code at} and {@code instant}, leaving out an instant at or before {@code after}. */
    public static long first(long at, long instant, long after) {
        return instant > after && instant < at ? instant : at;
    }
}
