package vigil.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.node.NodeFixture.*;

import org.junit.jupiter.api.Test;
import vigil.core.election.Electorate;
import vigil.core.election.Leadership;
import vigil.core.ha.HaPolicy;
import vigil.core.ha.HaReason;

/**
 * When a leader's acknowledgements may wait for its next wake ({@link AckDeferral}): only while nothing waits for
 * them — a steady leader with a committed record and a healthy primary, its next wake within a heartbeat and its lease
 * guard far beyond it.
 */
class AckDeferralTest {
    static final NodeConfig N1 = config("n1", WatchdogConfig.OFF);
    static final long HEARTBEAT = TIMING.heartbeatMs();

    static NodeState steadyLeader() {
        NodeState s = Node.decide(N1, primaryLeader(off()), new Input.Tick(NOW)).next();
        assertEquals(HaReason.PRIMARY_HEALTHY, s.supervisor().reason());
        return s;
    }

    @Test
    void aSteadyLeaderWhoseNextWakeIsWithinAHeartbeatLetsAcknowledgementsWait() {
        assertTrue(AckDeferral.allowed(N1, steadyLeader(), NOW, NOW + HEARTBEAT));
        assertFalse(AckDeferral.allowed(N1, steadyLeader(), NOW, NOW + HEARTBEAT + 1), "the loop would sleep longer than a heartbeat");
    }

    @Test
    void aLeaseRenewedMoreThanTwoHeartbeatsAgoIsReadAtOnce() {
        // the newest majority-acknowledged heartbeat left at NOW - 70
        long late = NOW - 70 + 2 * HEARTBEAT + 1;
        assertFalse(AckDeferral.allowed(N1, steadyLeader(), late, late + 10));
    }

    @Test
    void aRecordNotYetCommittedIsReadAtOnce() {
        NodeState s = steadyLeader();
        Leadership l = s.election().leadership();
        Leadership uncommitted = new Leadership(l.term(), l.electedAt(), l.seq(), l.lastSentAt(), l.sentAt(), l.acked(),
                l.leaseStart(), l.leaseUntil(), l.seq() + 1, false);
        var e = s.election();
        var withPending = new vigil.core.election.ElectionState(e.electorate(), e.durable(), e.role(), e.leader(),
                e.lastLeader(), e.leaderContactAt(), e.notBefore(), e.attempts(), e.campaign(), uncommitted, e.own(),
                e.known(), e.ownReport(), e.reports(), e.deferred(), e.order(), e.votedAt(), e.streamsFrom());
        NodeState pending = new NodeState(withPending, s.supervisor(), s.executor(), s.watchdog(), false, false);
        assertFalse(AckDeferral.allowed(N1, pending, NOW, NOW + 10), "a promotion or a restart waits for that commit");
    }

    @Test
    void aFollowerOrAStoppingLeaderNeverDefers() {
        NodeConfig n3 = config("n3", WatchdogConfig.OFF);
        NodeState standby = Node.decide(n3, healthyStandby(off()), new Input.Tick(NOW)).next();
        assertFalse(AckDeferral.allowed(n3, standby, NOW, NOW + 10));
        NodeState s = steadyLeader();
        NodeState stopping = new NodeState(s.election(), s.supervisor(), s.executor(), s.watchdog(), true, false);
        assertFalse(AckDeferral.allowed(N1, stopping, NOW, NOW + 10));
    }

    @Test
    void aPrimaryThatIsNotHealthyIsReadAtOnce() {
        NodeState s = Node.decide(N1, node(leader("n1", 5, primaryIs("n1")), seeing(stopped()), off()),
                new Input.Tick(NOW)).next();
        assertFalse(AckDeferral.allowed(N1, s, NOW, NOW + 10), "a start is under way or due: " + s.supervisor().why());
    }

    @Test
    void aLeaseGuardWithinTwoHeartbeatsOfTheWakeIsRaced() {
        // a self-fence margin of 1,100 ms: the guard stands at LEASE_UNTIL - 1,100 = NOW + 300
        HaPolicy wide = new HaPolicy(POLICY.maxLagBytes(), false, 3, 60_000, false, 1_100, 9_000, 5_000);
        NodeConfig c = new NodeConfig(new Electorate("n1", THREE, TIMING), wide, WatchdogConfig.OFF, ActionLimits.DEFAULT);
        NodeState s = steadyLeader();
        assertTrue(AckDeferral.allowed(c, s, NOW, NOW - 1), "the guard lies 301 ms beyond a wake due now");
        assertFalse(AckDeferral.allowed(c, s, NOW, NOW), "300 ms: a renewal read at the wake could come after the guard");
    }
}
