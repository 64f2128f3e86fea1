package vigil.core.election;

/**
 * Election timing, all in milliseconds of a node's own monotonic clock.
 *
 * <p>Safety rests on one inequality: a follower that acknowledged a heartbeat refuses to vote for {@code leaseMs}
 * on its clock, while the leader trusts the acknowledgement only for {@code leaseMs * (1 - 2 * drift)} on its own.
 * With clock rates within {@code 1 ± drift} the leader's lease therefore ends, in real time, before any voter of the
 * acknowledging majority can help elect somebody else.
 *
 * @param heartbeatMs       interval between leader heartbeats
 * @param leaseMs           lease length L; must exceed three heartbeats so one lost heartbeat does not cost the lease
 * @param drift             clock-rate bound ρ, in [0, 0.1)
 * @param staggerMs         delay between candidates of consecutive rank, so the best one usually stands alone
 * @param electionTimeoutMs how long a (pre-)candidacy waits for a majority before giving up
 */
public record Timing(long heartbeatMs, long leaseMs, double drift, long staggerMs, long electionTimeoutMs) {
    public Timing {
        if (heartbeatMs <= 0) throw new IllegalArgumentException("heartbeatMs must be > 0");
        if (leaseMs <= 3 * heartbeatMs) throw new IllegalArgumentException("leaseMs must be > 3 x heartbeatMs");
        if (drift < 0 || drift >= 0.1) throw new IllegalArgumentException("drift must be in [0, 0.1)");
        if (staggerMs < 0 || electionTimeoutMs <= 0) throw new IllegalArgumentException("bad stagger/timeout");
    }

    /**
     * Defaults derived from heartbeat and lease: stagger one heartbeat; a candidacy times out after three
     * heartbeats but never under a second, because while a member vanishes the transport can hold messages between
     * the survivors for several hundred milliseconds (reconnects to the dead host), longer than a LAN round trip.
     */
    public static Timing of(long heartbeatMs, long leaseMs, double drift) {
        return new Timing(heartbeatMs, leaseMs, drift, heartbeatMs, Math.max(3 * heartbeatMs, 1000));
    }

    /** How long a majority acknowledgement keeps the leader's lease valid on the leader's own clock. */
    public long leaderLeaseMs() {
        return (long) Math.floor(leaseMs * (1 - 2 * drift));
    }
}
