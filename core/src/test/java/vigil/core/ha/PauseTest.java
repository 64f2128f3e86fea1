package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.PgRecord;

/** Maintenance mode: nothing is decided but the self-fence; the record carries it, so every leader honours it. */
class PauseTest {
    static final PgRecord.Paused BY_ALICE = new PgRecord.Paused("alice", "2026-12-01T22:00:00Z", 5);

    @Test
    void aPausedLeaderDoesNotRestartItsCrashedPrimaryAndDoesOnResume() {
        Situation paused = leading("n1", 5).pg(primaryIs("n1").withPaused(BY_ALICE)).acked("n2", "n3");
        // The primary's PostgreSQL crashed: it had run under this process, and a probe shows it stopped.
        HaDecision d = probe(led(probed(primary(PRIMARY_LSN))), paused, stoppedCluster(), NOW + 10);
        assertEquals(List.of(), d.actions(), "maintenance: nothing restarts it");
        assertEquals(HaReason.PAUSED, reason(d));
        assertEquals("maintenance mode, paused by alice at 2026-12-01T22:00:00Z (recorded in term 5): no automatic"
                + " failover, restart or rejoin until vigilctl resume", why(d).detail());
        HaDecision resumed = tick(d.next(), clusterWithPrimary(), NOW + 20);
        assertEquals(1, actionsOf(resumed, PgAction.StartPrimary.class).size(), "resumed: restarted in place");
    }

    @Test
    void aPausedNewLeaderDoesNotFailOver() {
        Situation paused = newLeaderAfterPrimaryLost().pg(primaryIs("n1").withPaused(BY_ALICE));
        HaDecision d = tick(probed(standbyLagging(0)), paused, NOW);
        assertEquals(List.of(), d.actions(), "no probe, no fence agent, no promotion");
        assertNull(recorded(d), "no new primary recorded");
        assertEquals(HaReason.PAUSED, reason(d));
        HaDecision resumed = tick(probed(standbyLagging(0)), newLeaderAfterPrimaryLost(), NOW);
        assertEquals(HaReason.PROBING_OLD_PRIMARY, reason(resumed), "without the pause it goes on with the failover");
    }

    @Test
    void theSelfFenceStaysArmed() {
        Situation lost = leading("n1", 5).pg(primaryIs("n1").withPaused(BY_ALICE)).leaseUntil(NOW - 1);
        HaDecision d = tick(led(probed(primary(PRIMARY_LSN))), lost, NOW);
        assertTrue(fences(d), "a primary without a lease is killed, maintenance or not");
        assertEquals(HaReason.SELF_FENCE, reason(d));
    }

    @Test
    void onlyTheLeaderWritesItIntoTheRecord() {
        HaDecision leader = decide(led(probed(primary(PRIMARY_LSN))), clusterWithPrimary(), ASYNC,
                new HaObservation.Pause(NOW, true, "alice", "2026-12-01T22:00:00Z"));
        assertEquals(BY_ALICE, recorded(leader).paused());
        HaDecision resume = decide(led(probed(primary(PRIMARY_LSN))), clusterWithPrimary().pg(primaryIs("n1").withPaused(BY_ALICE)),
                ASYNC, new HaObservation.Pause(NOW, false, "alice", "2026-12-01T22:05:00Z"));
        assertNull(recorded(resume).paused());
        HaDecision follower = decide(probed(standbyLagging(0)), following("n2", "n1", 5).pg(primaryIs("n1")), ASYNC,
                new HaObservation.Pause(NOW, true, "alice", "2026-12-01T22:00:00Z"));
        assertNull(recorded(follower));
    }

    @Test
    void aSwitchoverIsRefusedWhilePaused() {
        Situation paused = clusterWithPrimary().pg(primaryIs("n1").withPaused(BY_ALICE)).known("n2", 1, PRIMARY_LSN);
        assertEquals("the cluster is in maintenance mode (" + BY_ALICE + "): vigilctl resume first",
                Switchover.refusal(led(probed(primary(PRIMARY_LSN))), paused.build(), ASYNC, "n2", NOW).refusal());
    }
}
