package vigil.core.node;

import vigil.core.election.ElectionState;
import vigil.core.election.Role;

/**
 * Whether a leader's loop may leave the heartbeat acknowledgements that arrive now unread until its next wake, instead
 * of waking for each. In a 3-node cluster they are two per heartbeat, about half of an idle leader's wake-ups with
 * PostgreSQL (the probe's answers are most of the rest) and two thirds without, and on this kind of virtual machine
 * every wake-up of a thread costs 30 to 200 µs of CPU (docs/benchmarks.md, "Idle"). The loop wakes within a heartbeat
 * anyway, to send the next one; it reads the acknowledgements that waited first, each decided as if it had just
 * arrived: stamped with the loop's clock as it takes it (the daemon's {@code NodeLoop}; the simulator does the same).
 *
 * <p>Safe by construction: a lease runs from the send time of the newest heartbeat a majority acknowledged, never from
 * the instant an acknowledgement is read, so reading one later never lengthens a lease; for a moment the leader
 * believes it shorter than it is. The conditions are for timeliness: an acknowledgement may wait only when nothing
 * waits for it.
 * <ul>
 * <li>This node leads with an established lease renewed within two heartbeats and a committed record: no promotion,
 *     start or restart of vigild waits for a majority's acknowledgement of a new record.</li>
 * <li>Its PostgreSQL (if supervised) is steady ({@link ProbeCadence#steady}): healthy, with no action, fence, freeze,
 *     switchover, failover order, stop or restart under way.</li>
 * <li>The next wake is at most one heartbeat away, and the lease guard's instant (the lease's end less the self-fence
 *     margin) lies more than two heartbeats beyond it: a renewal read at that wake comes long before the guard, a
 *     thread of its own, could fence (bin/bench flapping found what a renewal read after the guard fired does).</li>
 * </ul>
 * What does wait, up to one heartbeat: the leader's reaction to what a standby reports in its acknowledgement (a
 * standby that caught up joining the synchronous set, a VIP placed by checks leaving a holder whose checks fail, a
 * standby's new position). Once a report has made the state unsteady, every acknowledgement wakes the loop again.
 * The daemon's loop reads the peer datagram socket itself and leaves it unread meanwhile, so any other message that
 * came by datagram alone (from a peer outside the JGroups view) waits as well, up to the same heartbeat; the simulator
 * holds every message that arrives meanwhile.
 */
public final class AckDeferral {
    private AckDeferral() {}

    /** Whether acknowledgements arriving after a decision that left {@code s} at {@code now} may wait until {@code wakeAt}. */
    public static boolean allowed(NodeConfig cfg, NodeState s, long now, long wakeAt) {
        ElectionState e = s.election();
        if (e.role() != Role.LEADER || s.stopping() || s.halted() || s.restart() != null || !e.recordCommitted()) {
            return false;
        }
        if (!ProbeCadence.leaderSteady(e, now)) return false;
        if (s.supervisor() != null && !ProbeCadence.pgSteady(s.supervisor())) return false;
        long heartbeat = e.electorate().timing().heartbeatMs();
        if (wakeAt - now > heartbeat) return false;
        return e.leadership().leaseUntil() - cfg.policyMargin() - wakeAt > 2 * heartbeat;
    }
}
