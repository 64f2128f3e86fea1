package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.PgRecord;

/** {@link Restart}: a standby restarted on request (clean stop, then the ordinary start); anything else refused. */
class RestartTest {
    static Situation follower() {
        return following("n2", "n1", 5).pg(primaryIs("n1")).ledIn("n1", 5).known("n1", 1, PRIMARY_LSN);
    }

    static HaObservation ask() {
        return new HaObservation.RestartPg(NOW, "alice");
    }

    @Test
    void aStandbyStopsCleanlyThenStartsAgainAsAStandbyWithoutCountingACrash() {
        SupervisorState standby = probed(standbyLagging(0));
        assertNull(Restart.refusal(standby, follower().build(), ASYNC, NOW));
        HaDecision asked = decide(standby, follower(), ASYNC, ask());
        assertEquals(List.of(new PgAction.StopFast()), asked.actions());
        assertEquals(new Why(HaReason.RESTART_REQUESTED, null, "asked by alice: clean shutdown, then started again as a"
                + " standby of n1"), why(asked));
        HaDecision stopped = done(asked.next(), follower(), new PgAction.StopFast(), Outcome.OK, NOW + 120);
        PgView controlFile = stoppedCluster().withPosition(new PgView.Position(1, PRIMARY_LSN - MB, false));
        HaDecision started = probe(stopped.next(), follower(), controlFile, NOW + 130);
        assertEquals(List.of(new PgAction.StartStandby("n1")), started.actions(), "the ordinary start, no rewind");
        assertEquals(HaReason.FOLLOW_PRIMARY, reason(started));
        assertTrue(started.next().restarts().isEmpty(), "no restart counted against migration_threshold");
    }

    @Test
    void onlyARunningStandbyOutsideMaintenanceIsRestarted() {
        assertEquals("PostgreSQL on n1 is the primary: hand the role to a standby first (vigilctl switchover), or restart"
                        + " every node with vigilctl restart-pg --rolling",
                Restart.refusal(led(probed(primary(PRIMARY_LSN))), clusterWithPrimary().build(), ASYNC, NOW));
        assertEquals("PostgreSQL on n2 is not a running standby (STOPPED): nothing to restart",
                Restart.refusal(probed(stoppedCluster()), follower().build(), ASYNC, NOW));
        Situation paused = following("n2", "n1", 5).pg(primaryIs("n1").withPaused(new PgRecord.Paused("bob", "noon", 5)));
        assertTrue(Restart.refusal(probed(standbyLagging(0)), paused.build(), ASYNC, NOW)
                .startsWith("the cluster is in maintenance mode (paused by bob at noon"), "the operator restarts by hand");
        SupervisorState busy = decide(probed(standbyLagging(0)), follower(), ASYNC, ask()).next();
        assertEquals("a PostgreSQL action is under way (StopFast); try again", Restart.refusal(busy, follower().build(), ASYNC, NOW));
        HaDecision refused = decide(led(probed(primary(PRIMARY_LSN))), clusterWithPrimary(), ASYNC, ask());
        assertEquals(List.of(), refused.actions(), "a refused restart does nothing, whoever passes it on");
    }
}
