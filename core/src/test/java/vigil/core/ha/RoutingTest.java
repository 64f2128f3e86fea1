package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.PgRecord;

/**
 * {@link Routing}: what HAProxy's checks are told. Writes only where the leader's lease holds beyond the self-fence
 * margin and PostgreSQL runs as the recorded primary; reads where a standby runs on the cluster's timeline, within
 * the lag asked for.
 */
class RoutingTest {
    static SupervisorState primaryNode() {
        return led(probed(primary(PRIMARY_LSN)));
    }

    static Routing.Answer primaryCheck(SupervisorState s, Situation e, long now) {
        return Routing.primary(s, e.build(), ASYNC, now);
    }

    @Test
    void writesGoOnlyToTheLeaderWhoseLeaseHoldsBeyondTheFenceMargin() {
        Situation steady = clusterWithPrimary();
        Routing.Answer yes = primaryCheck(primaryNode(), steady, NOW);
        assertTrue(yes.ok(), yes.why());
        assertEquals("n1 leads term 5 with " + (LEASE_UNTIL - NOW) + " ms of lease; PostgreSQL here is the recorded"
                + " primary, running", yes.why());
        // The same node and PostgreSQL, its lease about to end: no, though pg_is_in_recovery() would still say primary.
        long late = LEASE_UNTIL - MARGIN;
        Routing.Answer doubt = primaryCheck(primaryNode(), steady, late);
        assertFalse(doubt.ok());
        assertEquals("this node's lease is not valid beyond the self-fence margin (" + MARGIN + " ms left, margin "
                + MARGIN + " ms)", doubt.why());
        assertTrue(primaryCheck(primaryNode(), steady, late - 1).ok(), "one millisecond earlier it still holds");
        assertEquals(new Routing.Answer(false, "this node does not lead (the leader is n2)"),
                primaryCheck(primaryNode(), following("n1", "n2", 6).pg(primaryIs("n1")), NOW));
        assertEquals(new Routing.Answer(false, "this node does not lead (no leader known)"),
                primaryCheck(primaryNode(), restartedPrimary(), NOW));
        assertEquals(new Routing.Answer(false, "the recorded primary is n2"),
                primaryCheck(primaryNode(), leading("n1", 5).pg(primaryIs("n2")), NOW));
        assertEquals(new Routing.Answer(false, "PostgreSQL here is not a running primary (up standby)"),
                primaryCheck(led(probed(standbyLagging(0))), steady, NOW));
        assertEquals(new Routing.Answer(false, "PostgreSQL here is not a running primary (hung)"),
                primaryCheck(led(probed(hung())), steady, NOW));
        Situation handing = steady.known("n2", 1, PRIMARY_LSN).known("n3", 1, PRIMARY_LSN);
        SupervisorState switching = Supervisor.decide(primaryNode(), handing.build(), ASYNC,
                new HaObservation.Switchover(NOW, "n2", "alice")).next();
        assertEquals(new Routing.Answer(false, "a switchover to n2 is under way"), primaryCheck(switching, handing, NOW));
        assertEquals(new Routing.Answer(false, "this node manages no PostgreSQL"), Routing.primary(null, steady.build(), ASYNC, NOW));
    }

    @Test
    void readsGoToAStandbyOnTheClustersTimelineWithinTheLagAskedFor() {
        Situation follower = following("n2", "n1", 5).pg(primaryIs("n1")).known("n1", 1, PRIMARY_LSN);
        SupervisorState behind = probed(standbyLagging(2 * MB));
        Routing.Answer any = Routing.replica(behind, follower.build(), NOW, null);
        assertTrue(any.ok(), any.why());
        assertEquals("a standby of n1, streaming, " + 2 * MB + " bytes behind", any.why());
        assertTrue(Routing.replica(behind, follower.build(), NOW, 2 * MB).ok(), "exactly at the limit");
        assertEquals(new Routing.Answer(false, 2 * MB + " bytes behind n1, more than " + MB),
                Routing.replica(behind, follower.build(), NOW, MB));
        Situation unheard = following("n2", "n1", 5).pg(primaryIs("n1"));
        assertEquals(new Routing.Answer(false, "lag unknown: no position of the primary n1 heard within a lease"),
                Routing.replica(behind, unheard.build(), NOW, MB));
        // The position is as old as the last word from the leader: a lease later, it says nothing any more.
        Situation cutOff = follower.heardAt(NOW - TIMING.leaseMs() - 1);
        assertEquals(new Routing.Answer(false, "lag unknown: no position of the primary n1 heard within a lease"),
                Routing.replica(behind, cutOff.build(), NOW, 2 * MB));
        assertTrue(Routing.replica(behind, follower.heardAt(NOW - TIMING.leaseMs()).build(), NOW, 2 * MB).ok());
        assertTrue(Routing.replica(behind, unheard.build(), NOW, null).ok(), "without a limit the lag does not matter");
        assertEquals(new Routing.Answer(false, "on timeline 1, the cluster's is 2"),
                Routing.replica(behind, followerOfNewPrimary("n3").build(), NOW, null));
        assertEquals(new Routing.Answer(false, "PostgreSQL here is not a running standby (up primary)"),
                Routing.replica(primaryNode(), clusterWithPrimary().build(), NOW, null));
        assertEquals(new Routing.Answer(false, "PostgreSQL here is not a running standby (stopped)"),
                Routing.replica(probed(stoppedCluster()), follower.build(), NOW, null));
    }

    @Test
    void syncIsAStandbyInTheSynchronousSet() {
        SupervisorState standby = probed(standbyLagging(0));
        Situation inSet = following("n2", "n1", 5).pg(new PgRecord("n1", SYSTEM, 1, null, List.of("n2"), null));
        Routing.Answer yes = Routing.sync(standby, inSet.build(), NOW);
        assertTrue(yes.ok(), yes.why());
        Situation outside = following("n3", "n1", 5).pg(new PgRecord("n1", SYSTEM, 1, null, List.of("n2"), null));
        assertEquals(new Routing.Answer(false, "not in the synchronous set (n2)"), Routing.sync(standby, outside.build(), NOW));
        assertEquals(new Routing.Answer(false, "not in the synchronous set (empty)"),
                Routing.sync(standby, following("n2", "n1", 5).pg(primaryIs("n1")).build(), NOW));
    }

    @Test
    void leaderAndHealth() {
        Routing.Answer leads = Routing.leader(clusterWithPrimary().build(), NOW);
        assertTrue(leads.ok(), leads.why());
        assertEquals(new Routing.Answer(false, "this node leads term 5 without a valid lease"),
                Routing.leader(clusterWithPrimary().build(), LEASE_UNTIL));
        assertFalse(Routing.leader(following("n2", "n1", 5).build(), NOW).ok());
        assertEquals(new Routing.Answer(true, "PostgreSQL here runs as a standby"), Routing.health(probed(standbyLagging(0))));
        assertEquals(new Routing.Answer(false, "PostgreSQL here is hung"), Routing.health(probed(hung())));
        assertTrue(Routing.health(null).ok(), "a witness answers while vigild runs");
    }
}
