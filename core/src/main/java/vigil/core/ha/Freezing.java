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
 * valid beyond the fence margin and no longer in doubt, or once PostgreSQL is verified not writable; nothing else is
 * asked of a frozen server (no action starts, a planned stop fences it), and its probes' silence is not taken for a
 * hang (it is not restarted for it).
 */
final class Freezing {
    /** How soon a thaw that could not be written is tried again. */
    static final long RETRY_MS = 100;

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
            s.freeze = new Freeze(true, true, s.now, false, 0);
            s.why = new Why(HaReason.LEASE_IN_DOUBT, null, "no majority acknowledged a heartbeat sent in the last "
                    + (s.now - s.e.leadership().leaseStart()) + " ms: PostgreSQL frozen until one does (lease ends in "
                    + s.e.leaseRemaining(s.now) + " ms)");
            return true;
        }
        boolean renewed = s.leaseOk() && !doubt;
        boolean harmless = s.knowledge != PgSafety.MAY_WRITE;
        if (!renewed && !harmless) return true;
        if (s.now < f.retryAt()) return !harmless;
        s.actions.add(new PgAction.Freeze(false));
        s.freeze = new Freeze(false, true, f.askedAt(), false, 0);
        s.why = new Why(HaReason.LEASE_RENEWED, null, renewed
                ? "a majority acknowledged again after " + (s.now - f.askedAt()) + " ms frozen: PostgreSQL thawed"
                : "PostgreSQL cannot write (" + s.knowledge + "): its group thawed");
        return true; // the thaw alone, with its own reason; the next decision (at once) carries on
    }

    /** The driver's answer. */
    static void answered(HaStep s, HaObservation.Frozen o) {
        Freeze f = s.freeze;
        if (o.frozen()) {
            // Not written (no cgroup): the node carries on without freezing, as before this existed.
            s.freeze = o.ok() ? new Freeze(true, false, f.askedAt(), false, 0) : new Freeze(false, false, 0, true, 0);
        } else {
            s.freeze = o.ok() ? new Freeze(false, false, 0, f.unavailable(), 0)
                    : new Freeze(true, false, f.askedAt(), false, s.now + RETRY_MS);
        }
    }
}
