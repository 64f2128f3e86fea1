package vigil.core.ha;

import vigil.core.election.ElectionState;

/**
 * An operator's restart of this node's standby ({@code vigilctl restart-pg}, one step of a rolling restart for a
 * PostgreSQL minor update): a clean shutdown, after which the ordinary rule of {@link Following} starts it again as a
 * standby of the recorded primary (the stop is this supervisor's own, so it counts as no crash and no restart against
 * migration_threshold). Only a running standby is restarted: the primary is switched over first (a restart in place
 * would stop every write), and nothing is done in maintenance mode, where the operator restarts by hand.
 */
final class Restart {
    private Restart() {}

    /** Why this node would not restart its PostgreSQL now, or null. */
    static String refusal(HaStep s) {
        if (s.stopping) return "vigild is stopping";
        if (s.pg.paused() != null) {
            return "the cluster is in maintenance mode (" + s.pg.paused() + "): restart PostgreSQL by hand, or vigilctl"
                    + " resume first";
        }
        if (s.view.writable() || s.me.equals(s.pg.primary())) {
            return "PostgreSQL on " + s.me + " is the primary: hand the role to a standby first (vigilctl switchover),"
                    + " or restart every node with vigilctl restart-pg --rolling";
        }
        if (!s.view.isStandby()) {
            return "PostgreSQL on " + s.me + " is not a running standby (" + s.view.health() + "): nothing to restart";
        }
        if (s.fencing || s.inFlight != null) {
            return "a PostgreSQL action is under way (" + (s.fencing ? "fence" : s.inFlight.kind()) + "); try again";
        }
        if (s.freeze.asked() || s.freeze.pending()) return "PostgreSQL is frozen: the lease is in doubt";
        return null;
    }

    /** {@link #refusal} from outside the step (the daemon asks before it passes the request on). */
    static String refusal(SupervisorState s, ElectionState e, HaPolicy p, long now) {
        return refusal(new HaStep(s, e, p, now));
    }

    /** The restart asked for: the clean shutdown, when allowed (the caller was told why not by {@link #refusal}). */
    static void begin(HaStep s, HaObservation.RestartPg r) {
        if (refusal(s) != null) return;
        s.act(new PgAction.StopFast(), new Why(HaReason.RESTART_REQUESTED, null, "asked by " + r.operator()
                + ": clean shutdown, then started again as a standby of " + s.pg.primary()));
    }
}
