package vigil.core.ha;

import vigil.core.election.ElectionState;
import vigil.core.election.Leadership;
import vigil.core.election.Report.PgSafety;
import vigil.core.election.Role;
import vigil.core.election.Timing;
import vigil.core.ha.SupervisorState.Freeze;

/**
 * The primary stops acknowledging commits as soon as its lease is in doubt, not only when the lease is about to end.
 *
 * <p>Why: a leader cut off from its peers keeps its lease until {@code lease × (1 − 2ρ)} after the last heartbeat a
 * majority acknowledged, and is killed (the self-fence) only the fence margin before that: with the shipped timing its
 * PostgreSQL kept acknowledging commits for about 1.05 s after the cut, every one of them lost at the failover. Here,
 * once no majority has acknowledged a heartbeat sent in the last {@link #doubtMs} (two heartbeats and a half: two lost
 * in a row), every process of the local PostgreSQL is frozen (the cgroup freezer): it commits nothing and answers
 * nobody. An acknowledgement that renews the lease thaws it, and it carries on where it stopped, with no restart and no
 * failover; if none comes, the self-fence kills it at the margin as before (a frozen process dies of SIGKILL).
 *
 * <p>Invariant: freezing only ever adds to the self-fence, never replaces it. A thaw is asked for only while the lease is
 * valid beyond the fence margin and no longer in doubt, or once PostgreSQL is known unable to write (verified stopped,
 * or a standby); no new action starts while it is frozen (one already running freezes with it and may time out), a
 * planned stop fences it, and its probes' silence is not taken for a hang (it is not restarted for it). A thaw that
 * cannot be written restarts it in place.
 */
final class Freezing {
    private Freezing() {
    }

    /** Doubt begins when the newest majority-acknowledged heartbeat is this old: two heartbeats lost, half of one late. */
    static long doubtMs(Timing t) {
        return 2 * t.heartbeatMs() + t.heartbeatMs() / 2;
    }

    /** The instant this leader's lease falls in doubt, as things stand (Long.MAX_VALUE: not a leader with a lease). */
    static long doubtAt(ElectionState e) {
        Leadership l = e.leadership();
        if (e.role() != Role.LEADER || l == null || !l.leaseEstablished()) return Long.MAX_VALUE;
        return l.leaseStart() + doubtMs(e.electorate().timing());
    }

    /**
     * Freezes or thaws as the lease requires; true when PostgreSQL is (being) frozen and stays so, or a thaw was just
     * asked for: nothing else is decided this time.
     */
    static boolean decide(HaStep s) {
        Freeze f = s.freeze;
        if (f.pending()) return f.asked();
        boolean doubt = s.now >= doubtAt(s.e);
        if (!f.asked()) {
            if (f.unavailable() || s.knowledge != PgSafety.MAY_WRITE || s.fencing || !s.leaseOk() || !doubt) return false;
            s.actions.add(new PgAction.Freeze(true));
            s.freeze = new Freeze(true, true, s.now, false, false);
            s.why = new Why(HaReason.LEASE_IN_DOUBT, null, "no majority acknowledged a heartbeat sent in the last "
                    + (s.now - s.e.leadership().leaseStart()) + " ms: freezing PostgreSQL until one does (lease ends in "
                    + s.e.leaseRemaining(s.now) + " ms)");
            return true;
        }
        boolean harmless = s.knowledge != PgSafety.MAY_WRITE;
        if (f.thawFailed()) return thawFailed(s, harmless);
        boolean renewed = s.leaseOk() && !doubt;
        if (!renewed && !harmless) return true;
        s.actions.add(new PgAction.Freeze(false));
        s.freeze = new Freeze(false, true, f.askedAt(), false, false);
        s.why = new Why(HaReason.LEASE_RENEWED, null, renewed
                ? "a majority acknowledged again after " + (s.now - f.askedAt()) + " ms frozen: PostgreSQL thawed"
                : "PostgreSQL cannot write (" + s.knowledge + "): its group thawed");
        return true; // the thaw alone, with its own reason; the next decision (at once) carries on
    }

    /**
     * A thaw that could not be written leaves a server that may be frozen for good: it is restarted in place (killed,
     * then started; counted toward the migration threshold like a crash), and freezing is given up until vigild
     * restarts. Once nothing in the group can write, there is nothing left to thaw.
     */
    private static boolean thawFailed(HaStep s, boolean harmless) {
        if (harmless) {
            s.freeze = new Freeze(false, false, 0, true, false);
            return false;
        }
        if (s.fencing) return true;
        if (s.restarts.size() >= s.p.migrationThreshold()) {
            s.standDown(HaReason.MIGRATION_THRESHOLD_REACHED, "PostgreSQL could not be thawed, and "
                    + s.restarts.size() + " restarts within failure_timeout");
            return true;
        }
        s.restarts.add(s.now);
        s.fenceToRestart(HaReason.PRIMARY_CRASHED_RESTART, "PostgreSQL could not be thawed: killed, then restarted in place");
        return true;
    }

    /** The driver's answer. */
    static void answered(HaStep s, HaObservation.Frozen o) {
        Freeze f = s.freeze;
        if (o.frozen()) {
            // Not written (no cgroup, or a write error): the node carries on without freezing until vigild restarts.
            s.freeze = o.ok() ? new Freeze(true, false, f.askedAt(), false, false) : new Freeze(false, false, 0, true, false);
        } else {
            s.freeze = o.ok() ? new Freeze(false, false, 0, f.unavailable(), false)
                    : new Freeze(true, false, f.askedAt(), false, true);
        }
    }
}
