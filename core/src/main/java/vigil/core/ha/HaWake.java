package vigil.core.ha;

import vigil.core.election.ElectionState;
import vigil.core.election.ElectionWake;
import vigil.core.election.Role;

/**
 * The supervisor's timers, for {@link vigil.core.node.Wake}: every instant at which time alone changes what
 * {@link Supervisor#decide} does on a tick. Each rule that compares the clock has its instant here:
 * <ul>
 * <li>{@link HaStep}: a restart leaves the failure count {@code failure_timeout} after it; the lease's end (led since
 *     boot) and its self-fence margin; the grace for a first probe after start; the back-off of a failed action; the
 *     end of a restarted primary's reclaim window, less the margin; the next direct probe of a peer;</li>
 * <li>{@link Following}: a standby not streaming for {@code standby_stall}; the no-vote window on the leader;</li>
 * <li>{@link FailOver}: a fence of the old primary tried again; the positions settled three heartbeats after the
 *     election;</li>
 * <li>{@link EarlyCheck}: the leader (the recorded primary) silent long enough for a standby to check it;</li>
 * <li>{@link Leading}: a peer's probe answer too old for the re-check before pg_promote;</li>
 * <li>{@link SyncSet}: a synchronous set just applied is not changed again within a second;</li>
 * <li>{@link Freezing}: the lease falls in doubt (the newest majority acknowledgement grows too old);</li>
 * <li>{@link Switchover}: the target's time to catch up, and the successor's to take over, run out;</li>
 * <li>{@link OrderedFailover}: an operator's order lapses.</li>
 * </ul>
 * Waking early is harmless, so instants are given whether or not the rule that reads them is reached in this state.
 */
final class HaWake {
    private HaWake() {}

    static long at(SupervisorState s, ElectionState e, HaPolicy p, long after) {
        long at = Long.MAX_VALUE;
        for (long t : s.work().restarts()) at = ElectionWake.first(at, t + p.failureTimeoutMs(), after);
        if (s.local().stalledSince() >= 0) at = ElectionWake.first(at, s.local().stalledSince() + p.standbyStallMs(), after);
        at = ElectionWake.first(at, e.noVoteUntil(), after);
        if (s.work().retryAt() > 0) at = ElectionWake.first(at, s.work().retryAt(), after);
        at = ElectionWake.first(at, s.boot().at() + HaStep.FIRST_PROBE_GRACE_MS, after);
        if (s.durable().reclaimUntil() != 0) {
            at = ElectionWake.first(at, s.durable().reclaimUntil() - p.selfFenceMarginMs(), after);
        }
        if (e.role() == Role.LEADER && e.leadership() != null) {
            var l = e.leadership();
            if (l.leaseEstablished()) {
                at = ElectionWake.first(at, l.leaseUntil(), after);
                at = ElectionWake.first(at, l.leaseUntil() - p.selfFenceMarginMs(), after);
            }
            at = ElectionWake.first(at, l.electedAt() + 3 * e.electorate().timing().heartbeatMs(), after);
        }
        at = ElectionWake.first(at, s.probes().askedAt() + HaStep.PEER_PROBE_EVERY_MS, after);
        at = ElectionWake.first(at, EarlyCheck.from(e), after);
        if (s.probes().fenceAskedAt() != Long.MIN_VALUE) {
            at = ElectionWake.first(at, s.probes().fenceAskedAt() + FailOver.FENCE_RETRY_MS, after);
        }
        for (SupervisorState.PeerProbe a : s.probes().answers().values()) {
            at = ElectionWake.first(at, a.startedAt() + Leading.RECHECK_MS + 1, after);
        }
        at = ElectionWake.first(at, s.work().syncAppliedAt() + 1000, after);
        SupervisorState.Freeze f = s.freeze();
        if (!f.asked() && !f.pending() && !f.unavailable()) at = ElectionWake.first(at, Freezing.doubtAt(e), after);
        if (s.order() != null) at = ElectionWake.first(at, s.order().since() + OrderedFailover.ORDER_MS, after);
        SupervisorState.Handover h = s.handover();
        if (h != null) {
            if (h.stoppedAt() != 0) at = ElectionWake.first(at, h.stoppedAt() + Switchover.CATCH_UP_MS, after);
            if (h.releasingAt() != 0) at = ElectionWake.first(at, h.releasingAt() + Switchover.RELEASE_MS, after);
            if (h.stoppedAt() != 0 && h.releasingAt() == 0 && e.role() == Role.LEADER) {
                at = ElectionWake.first(at, Switchover.askAt(e), after);
            }
            if (s.work().inFlight() instanceof PgAction.StopFast) {
                at = ElectionWake.first(at, s.work().inFlightSince() + Switchover.STOP_MS, after);
            }
            if (h.resignedAt() != 0) {
                at = ElectionWake.first(at, h.resignedAt() + Switchover.HANDED_OVER_MS, after);
                at = ElectionWake.first(at, h.resignedAt() + Switchover.REJOIN_MS, after);
            }
        }
        return at;
    }
}
