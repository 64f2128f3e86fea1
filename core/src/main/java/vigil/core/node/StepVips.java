package vigil.core.node;

import vigil.core.election.Report.PgSafety;
import vigil.core.election.Role;
import vigil.core.ha.PgAction;
import vigil.core.ha.PgView;

/**
 * The VIPs' part of a {@link NodeStep}: those that follow the primary are held only while this leader's PostgreSQL runs
 * as the primary with nothing under way that stops it and the lease stays valid beyond the self-fence margin; those
 * placed by checks follow the leader's grant ({@link TrackedPlacement}). A release goes before every other effect
 * ({@code urgent}): no client reaches a PostgreSQL being stopped.
 */
final class StepVips {
    private StepVips() {}

    /**
     * The VIPs follow the primary ({@link VipPlacement}): held while this leader's PostgreSQL runs as the primary
     * with nothing under way that stops it, and the lease stays valid beyond the self-fence margin.
     */
    static void placeVips(NodeStep s) {
        if (!s.cfg.vips() || s.supervisor == null) return;
        long margin = s.cfg.policy().selfFenceMarginMs();
        PgView v = s.supervisor.local().view();
        Executor.Running r = s.executor.running();
        String why = null;
        if (s.stopping) why = "vigild is stopping";
        else if (s.election.role() != Role.LEADER) why = "this node no longer leads";
        else if (!s.election.holdsLease(s.now + margin)) why = "the lease ends within the self-fence margin of " + margin + " ms";
        else if (s.supervisor.restartsPrimaryInPlace()) {
            // A crashed or hung primary restarted in place: as in a switchover, VIPs claimed and announced stay,
            // so that clients are refused at once by the stopped server, and reach it the moment it answers,
            // instead of sending into the void until they are claimed again. Nothing is lost by it: the server
            // that comes back is this one, with everything it acknowledged. A claim under way, VIPs found at
            // start or a release go the usual way (released); none is claimed meanwhile.
            if (s.vips.held() == VipState.Held.UP) return;
            why = "PostgreSQL is being restarted in place";
        }
        else if (s.executor.fence() != null) why = "PostgreSQL is being fenced";
        else if (s.supervisor.handover() != null && s.supervisor.handover().keepsVips()) {
            // A switchover stops PostgreSQL: the VIPs stay until the target has everything, so that clients are
            // refused at once by the stopped server instead of sending into the void (dropped at this host once
            // the address is gone, a connection attempt waits for its own timeout). No writes: nothing runs.
            if (s.vips.mayBeHeld()) return;
            why = "a switchover is under way";
        }
        else if (v.health() == PgView.Health.UNKNOWN && s.supervisor.local().knowledge() == PgSafety.MAY_WRITE) {
            // Not probed since the last action ended (a promotion, a reload): the next probe, asked for at once,
            // tells. Releasing now would drop a new primary's VIP right after claiming it.
            return;
        } else if (v.health() != PgView.Health.UP || v.role() != PgView.Role.PRIMARY) {
            why = "PostgreSQL is not a running primary (" + v.health() + (v.role() == null ? "" : " " + v.role()) + ")";
        } else if (r != null && stopsServer(r.action())) why = "action " + r.action().kind() + " is under way";
        boolean precheck = !s.stopping && s.election.holdsLease(s.now + margin);
        long leaderTerm = s.election.role() == Role.LEADER ? s.election.term() : 0;
        VipPlacement.Placed p = VipPlacement.place(s.vips,
                new VipPlacement.Want(why == null, precheck, why, leaderTerm, keepsFoundVips(s, margin)), s.now);
        s.vips = p.next();
        s.urgent.addAll(0, p.urgent()); // the VIPs go first: no client reaches a PostgreSQL being stopped
        s.effects.addAll(p.effects());
        if (p.note() != null) s.notes.add(p.note());
    }

    /**
     * VIPs found on this host at start stay while this node reclaims the primary that kept serving while its vigild
     * restarted: it is the recorded primary, has not led since it started, and its PostgreSQL answers as writable
     * within the reclaim window ({@link vigil.core.ha.SupervisorState#reclaiming}) or, not probed yet, within
     * the first probe's grace (after it, a node that has not seen its PostgreSQL fences it, and the VIPs go first).
     * Never while a fence is under way. They are then where that PostgreSQL's clients expect them.
     */
    static boolean keepsFoundVips(NodeStep s, long margin) {
        if (s.vips.held() != VipState.Held.FOUND || s.stopping || s.executor.fence() != null) return false;
        String self = s.cfg.electorate().self();
        String primary = s.election.durable().record().pg().primary();
        if (!self.equals(primary) || s.supervisor.boot().ledSinceBoot()) return false;
        if (!s.supervisor.local().probed()) return s.supervisor.awaitingFirstProbe(s.now);
        return s.supervisor.reclaiming(self, primary, s.now, margin);
    }

    /**
     * The VIPs placed by checks ({@link TrackedPlacement}): the leader chooses their holder; every data node holds
     * them while its checks pass and its grant (or, for the leader, its lease) lasts beyond the self-fence margin.
     */
    static void placeTracked(NodeStep s) {
        if (!s.cfg.tracked() || s.supervisor == null) return;
        long margin = s.cfg.policyMargin();
        TrackedPlacement.Chosen c = TrackedPlacement.choose(s.tracked.grantor(), s.tracked, s.election, s.leaving(), s.now, margin);
        s.tracked = s.tracked.with(c.next());
        if (c.note() != null) s.notes.add(c.note());
        VipPlacement.Placed p = VipPlacement.place(VipGroup.TRACKED, s.tracked.held(),
                TrackedPlacement.want(s.tracked, s.election, s.leaving(), s.now, margin), s.now);
        s.tracked = s.tracked.with(p.next());
        s.urgent.addAll(0, p.urgent());
        s.effects.addAll(p.effects());
        if (p.note() != null) s.notes.add(p.note());
        long at = TrackedPlacement.guardAt(s.tracked, s.election, margin);
        if (at != s.tracked.guardAt()) {
            s.effects.add(new Effect.VipDownAt(VipGroup.TRACKED, at));
            s.tracked = s.tracked.guardAt(at);
        }
    }

    /** Whether {@code a} stops, restarts or demotes the server (a checkpoint, a reload, a sync change do not). */
    static boolean stopsServer(PgAction a) {
        return !(a.makesWritable() || a instanceof PgAction.Checkpoint || a instanceof PgAction.SetSyncStandbys
                || a instanceof PgAction.Repoint || a instanceof PgAction.DiscardSetAside);
    }
}
