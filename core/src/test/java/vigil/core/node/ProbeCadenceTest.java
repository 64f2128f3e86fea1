package vigil.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.node.NodeFixture.*;

import org.junit.jupiter.api.Test;
import vigil.core.ha.HaReason;
import vigil.core.ha.PgView;

/**
 * The probe's rate ({@link ProbeCadence}): fewer probes only for a node that is steady after its step — a leader
 * whose lease was renewed within two heartbeats, or a follower that heard its leader within two, with PostgreSQL
 * healthy and nothing under way — and every probe interval as soon as any of that is not so.
 */
class ProbeCadenceTest {
    static final NodeConfig N1 = config("n1", WatchdogConfig.OFF);
    static final NodeConfig N3 = config("n3", WatchdogConfig.OFF);

    /** The state after one step at {@code NOW}: the supervisor has said why it does what it does. */
    static NodeState stepped(NodeConfig c, NodeState s) {
        return Node.decide(c, s, new Input.Tick(NOW)).next();
    }

    @Test
    void theSteadyRateIsTenIntervalsAtMostASecondNeverFasterThanConfigured() {
        assertEquals(100, ProbeCadence.intervalMs(false, false, 100, false));
        assertEquals(1_000, ProbeCadence.intervalMs(true, false, 100, false));
        assertEquals(500, ProbeCadence.intervalMs(true, false, 50, false));
        assertEquals(1_000, ProbeCadence.intervalMs(true, false, 200, false));
        assertEquals(2_000, ProbeCadence.intervalMs(true, false, 2_000, false));
    }

    @Test
    void inSynchronousModeTheSteadyRateIsFourIntervalsAtMostHalfASecond() {
        assertEquals(100, ProbeCadence.intervalMs(false, false, 100, true));
        assertEquals(400, ProbeCadence.intervalMs(true, false, 100, true));
        assertEquals(500, ProbeCadence.intervalMs(true, false, 200, true));
        assertEquals(1_000, ProbeCadence.intervalMs(true, false, 1_000, true));
        assertEquals(100, ProbeCadence.intervalMs(true, true, 100, true));
    }

    @Test
    void aPositionThatMovedIsProbedAtTheFullRateEvenWhenSteady() {
        assertEquals(100, ProbeCadence.intervalMs(true, true, 100, false), "writes flow: a failover ranks by fresh positions");
    }

    @Test
    void aLeaderWithAFreshLeaseAndAWritablePrimaryIsSteadyUntilItsNewestAckIsTwoHeartbeatsOld() {
        NodeState s = stepped(N1, primaryLeader(off()));
        assertEquals(HaReason.PRIMARY_HEALTHY, s.supervisor().reason());
        assertTrue(ProbeCadence.steady(s, NOW));
        // the newest majority-acknowledged heartbeat was sent at NOW - 70
        assertTrue(ProbeCadence.steady(s, NOW - 70 + 2 * TIMING.heartbeatMs()));
        assertFalse(ProbeCadence.steady(s, NOW - 70 + 2 * TIMING.heartbeatMs() + 1));
    }

    @Test
    void aFollowerWithAStreamingStandbyIsSteadyUntilItsLeaderIsSilentForTwoHeartbeats() {
        NodeState s = stepped(N3, healthyStandby(off()));
        assertEquals(HaReason.STANDBY_HEALTHY, s.supervisor().reason());
        assertTrue(ProbeCadence.steady(s, NOW));
        // the leader's heartbeat arrived at NOW - 50: past two heartbeats a failover may come, positions must be fresh
        assertFalse(ProbeCadence.steady(s, NOW - 50 + 2 * TIMING.heartbeatMs() + 1));
    }

    @Test
    void aStandbyThatDoesNotStreamOrAStoppedServerIsNotSteady() {
        NodeState detached = stepped(N3, node(follower("n3", "n2", 6, primaryIs("n2")),
                seeing(PgView.standby(1, LSN, false, "n2").withSystemId(SYSTEM)), off()));
        assertFalse(ProbeCadence.steady(detached, NOW));
        NodeState stopped = stepped(N3, node(follower("n3", "n2", 6, primaryIs("n2")), seeing(stopped()), off()));
        assertFalse(ProbeCadence.steady(stopped, NOW));
    }

    @Test
    void anActionUnderWayOrAStopIsNotSteady() {
        NodeState promoting = stepped(config("n2", WatchdogConfig.OFF), aboutToPromote(off()));
        assertTrue(promoting.supervisor().inFlight() != null || promoting.supervisor().work().fencing()
                || promoting.supervisor().reason() != HaReason.PRIMARY_HEALTHY, "the promotion is under way");
        assertFalse(ProbeCadence.steady(promoting, NOW));
        NodeState s = stepped(N1, primaryLeader(off()));
        NodeState stopping = new NodeState(s.election(), s.supervisor(), s.executor(), s.watchdog(), true, false);
        assertFalse(ProbeCadence.steady(stopping, NOW));
    }
}
