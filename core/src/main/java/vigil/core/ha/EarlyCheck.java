package vigil.core.ha;

import vigil.core.election.ElectionState;
import vigil.core.election.Role;
import vigil.core.ha.SupervisorState.PeerProbe;

/**
 * The check of a silent primary, made before the election instead of after it (issue 8: overlap the work after the
 * lease). A new leader whose record names another primary asks that primary's PostgreSQL directly before it records
 * a promotion ({@link FailOver}). When an armed watchdog is the proof, the answer is only the check that it does not
 * answer as writable, asked with the short deadline; a dead host, the usual case, answers nothing, so the check cost
 * its whole deadline (80 ms, and the loop's turn after it) between the election and the record.
 *
 * <p>So a standby that could be elected asks while it waits out its no-vote window: once the leader that is also the
 * recorded primary has been silent for {@link #SILENT_HEARTBEATS} heartbeats, every {@link HaStep#PEER_PROBE_EVERY_MS},
 * until one re-check window past the end of its no-vote window. Elected, it counts such an answer ({@link #counts})
 * only as that check, and only when it proves nothing:
 * <ul>
 * <li>a timeout or a refusal ({@link PeerPg#UNKNOWN}): the promotion it allows needs another proof anyway;</li>
 * <li>started within {@link Leading#RECHECK_MS}, as the re-check before pg_promote already allows, and after the
 *     silence began: no later than the lease less two heartbeats before the election (a node stands only once its
 *     no-vote window, a lease from its last contact, has passed), so an answer from before, this node's own probe in
 *     an earlier leadership among them, never counts whatever the timing;</li>
 * <li>while another proof holds, that is while the check is asked with its short deadline
 *     ({@link FailOver#checkDeadline}).</li>
 * </ul>
 * Anything else is asked again after the election, as before: a WRITABLE answer from before the old lease ended is
 * no news (it may still have held its lease then), and an "in recovery" from then says nothing of now (its own
 * leadership could have promoted it since), so neither stops nor allows anything. What an early timeout cannot see
 * that a later one would: a server unreachable then and reachable and writable at the election. It is writable then
 * only if the proof (the watchdog) was false, the case the check guards against (the durable withdrawal of
 * announcements closes the one way known to make it false, docs/architecture.md step 3); the check's 80 ms deadline
 * already leaves such a server unseen when it is slow.
 *
 * <p>Asked quietly: a follower's reason stays what it was, and the driver logs a probe's answer only when it changes.
 * The probes share one rate ({@link HaStep#PEER_PROBE_EVERY_MS}) across roles: when an early answer does not count, the
 * new leader's own question may wait up to that long after its election.
 */
final class EarlyCheck {
    private EarlyCheck() {}

    /** Heartbeats of silence from the leader (also the recorded primary) before a standby checks its PostgreSQL. */
    static final int SILENT_HEARTBEATS = 2;

    /** A follower (or candidate) that could be elected asks the silent primary's PostgreSQL the check's question. */
    static void ask(HaStep s) {
        String primary = s.pg.primary();
        ElectionState e = s.e;
        if (primary == null || primary.equals(s.me) || e.role() == Role.LEADER || !e.own().eligible()) return;
        if (!primary.equals(e.leader()) && !primary.equals(e.lastLeader())) return;
        if (s.now < from(e) || s.now >= e.noVoteUntil() + Leading.RECHECK_MS) return;
        if (e.watchdogOf(primary) <= 0) return; // no other proof: its answer may be the proof, asked once elected
        s.probeQuietly(primary, PgAction.ProbePeer.CHECK_DEADLINE_MS);
    }

    /** When a follower's first early check is due, if its leader stays silent (a wake-up; harmless when early). */
    static long from(ElectionState e) {
        return e.role() == Role.LEADER ? Long.MAX_VALUE
                : e.leaderContactAt() + SILENT_HEARTBEATS * e.electorate().timing().heartbeatMs();
    }

    /** An answer asked before this leadership that stands as the check of {@code old} (never as a proof). */
    static boolean counts(HaStep s, String old, PeerProbe answer) {
        var timing = s.e.electorate().timing();
        long silentSince = s.e.leadership().electedAt() - timing.leaseMs() + SILENT_HEARTBEATS * timing.heartbeatMs();
        return answer.result() == PeerPg.UNKNOWN && answer.startedAt() >= s.now - Leading.RECHECK_MS
                && answer.startedAt() >= silentSince
                && FailOver.checkDeadline(s, old) == PgAction.ProbePeer.CHECK_DEADLINE_MS;
    }
}
