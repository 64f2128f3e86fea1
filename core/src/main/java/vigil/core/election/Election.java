package vigil.core.election;

/**
 * Leased leader election: the pure decider. {@code decide(state, observation)} returns the next state, the
 * actions for the driver and the events to log. No IO, no clock, no randomness: the same inputs give the same
 * outputs, which is what lets the simulator replay a failing schedule by its seed.
 *
 * <p>The promise it keeps: at no real instant do two nodes each hold a lease they believe valid. A follower that
 * acknowledged a heartbeat grants no vote for a whole lease on its own clock; the leader trusts a majority
 * acknowledgement only for {@link Timing#leaderLeaseMs()} from the heartbeat's send time. Any majority electing a
 * new leader contains a node of the majority that renewed the old lease, so the old lease is over before the new
 * leader exists. Terms are persisted before they are used, and one vote is cast per term.
 */
public final class Election {
    private Election() {}

    public static Decision decide(ElectionState state, Observation observation) {
        ElectionStep step = new ElectionStep(state, observation.now());
        if (observation instanceof Observation.Tick) {
            step.tick();
        } else if (observation instanceof Observation.Received r) {
            step.receive(r.from(), r.message());
        } else if (observation instanceof Observation.CandidacyChanged c) {
            step.own = c.candidacy();
            step.streamsFrom = c.streamsFrom();
        } else if (observation instanceof Observation.Ordered o) {
            step.ordered(o.order());
        } else if (observation instanceof Observation.ReportChanged c) {
            step.ownReport = c.report();
        } else if (observation instanceof Observation.Resign r) {
            step.resign(r.successor());
        } else if (observation instanceof Observation.HeartbeatNow) {
            if (step.role == Role.LEADER) step.sendHeartbeat();
        } else if (observation instanceof Observation.RecordUpdate u) {
            step.updateRecord(u);
        } else if (observation instanceof Observation.WatchdogWithdrawn w) {
            step.unwatch(w.withdrawn());
        }
        return step.finish();
    }
}
