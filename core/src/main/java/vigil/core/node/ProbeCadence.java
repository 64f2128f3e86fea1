package vigil.core.node;

import vigil.core.election.ElectionState;
import vigil.core.election.Leadership;
import vigil.core.election.Role;
import vigil.core.election.Timing;
import vigil.core.ha.HaReason;
import vigil.core.ha.PgView;
import vigil.core.ha.SupervisorState;

/**
 * How often the driver probes the local PostgreSQL: every {@code probe_interval} while anything moves, and
 * {@link #STEADY_FACTOR} times as seldom (at most {@link #STEADY_CAP_MS}, never more often than configured) while the
 * node is steady and its PostgreSQL's position stands still (an idle cluster; {@link #SYNC_STEADY_FACTOR} and
 * {@link #SYNC_STEADY_CAP_MS} in synchronous mode). The probe is the largest cost of an
 * idle node with PostgreSQL (a query, its thread's wake-up and the loop's), and a steady node learns nothing from it
 * that cannot wait.
 *
 * <p>Nothing of the one-writer protocol rests on the probe's rate: a leader's writes are bounded by its lease, the
 * lease guard and the watchdog, none of which waits for a probe, and a postmaster that vigild started is seen to exit
 * at once (it is vigild's child). What a slower probe delays is what only a probe can see: a server that hangs, a
 * position that moved. So steady means that nothing of the kind is under way or in doubt: a leader whose newest
 * majority-acknowledged heartbeat is at most two heartbeats old, or a follower that heard its leader within two
 * heartbeats (past that, a failover may come, and the positions that decide it must be fresh); PostgreSQL healthy
 * (a running primary on the leader, a streaming standby elsewhere); no action, fence, freeze, switchover, failover
 * order, stop or restart of vigild under way; and the position did not move between the last two probes. The first
 * decision that is not steady makes the driver probe at once; a probe that shows the position moved sets the full
 * rate for the next.
 */
public final class ProbeCadence {
    static final long STEADY_FACTOR = 10;
    static final long STEADY_CAP_MS = 1_000;
    /**
     * In synchronous mode the leader keeps a standby in the synchronous set only while its reported position is within
     * max_lag of the primary's: a position reported up to a second late when writes resume took standbys out of the set
     * and back (the simulator's synchronous schedules: 4.5 times the set changes of the 400 ms rate), so there the
     * steady rate stays at four intervals, at most half a second.
     */
    static final long SYNC_STEADY_FACTOR = 4;
    static final long SYNC_STEADY_CAP_MS = 500;

    private ProbeCadence() {}

    /**
     * The interval until the next probe, given the configured one: the steady rate (of {@code synchronous} mode or
     * not) only for a node that is {@code steady} and whose probe showed PostgreSQL at the position of the probe before
     * ({@code moved} false).
     * While writes flow, positions move, and a failover's standing order (Standing#rank) is computed from the
     * positions last reported before the leader vanished: reported a steady interval late, two standbys could each
     * find the other behind and stand at the same instant (the simulator found that split vote: seed 94 of
     * aCrashedLeaderIsReplacedInOneElectionRound).
     */
    public static long intervalMs(boolean steady, boolean moved, long configuredMs, boolean synchronous) {
        if (!steady || moved) return configuredMs;
        long factor = synchronous ? SYNC_STEADY_FACTOR : STEADY_FACTOR;
        long cap = synchronous ? SYNC_STEADY_CAP_MS : STEADY_CAP_MS;
        return Math.max(configuredMs, Math.min(factor * configuredMs, cap));
    }

    /** Whether a node in state {@code s} at {@code now} (own clock) may be probed at the steady rate. */
    public static boolean steady(NodeState s, long now) {
        SupervisorState sup = s.supervisor();
        if (sup == null || s.stopping() || s.halted() || s.restart() != null) return false;
        return leaderSteady(s.election(), now) && pgSteady(sup);
    }

    static boolean leaderSteady(ElectionState e, long now) {
        Timing t = e.electorate().timing();
        long recent = 2 * t.heartbeatMs();
        if (e.role() == Role.LEADER) {
            Leadership l = e.leadership();
            return l != null && l.leaseEstablished() && e.holdsLease(now) && now - l.leaseStart() <= recent;
        }
        return e.role() == Role.FOLLOWER && e.leader() != null && now - e.leaderContactAt() <= recent;
    }

    static boolean pgSteady(SupervisorState sup) {
        SupervisorState.Work w = sup.work();
        if (w.inFlight() != null || w.fencing() || w.stopping() || w.checkpointPending() || w.startAfterFence()
                || sup.handover() != null || sup.order() != null || sup.freeze().asked() || sup.freeze().pending()
                || sup.local().stalledSince() >= 0) {
            return false;
        }
        PgView v = sup.view();
        HaReason why = sup.reason();
        return v.health() == PgView.Health.UP && (why == HaReason.PRIMARY_HEALTHY && v.writable()
                || why == HaReason.STANDBY_HEALTHY && v.streaming());
    }
}
