package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.ASYNC;
import static vigil.core.ha.HaFixture.NOW;
import static vigil.core.ha.HaFixture.PRIMARY_LSN;
import static vigil.core.ha.HaFixture.TIMING;
import static vigil.core.ha.HaFixture.actionsOf;
import static vigil.core.ha.HaFixture.clusterWithPrimary;
import static vigil.core.ha.HaFixture.decide;
import static vigil.core.ha.HaFixture.fences;
import static vigil.core.ha.HaFixture.hung;
import static vigil.core.ha.HaFixture.led;
import static vigil.core.ha.HaFixture.primary;
import static vigil.core.ha.HaFixture.probe;
import static vigil.core.ha.HaFixture.probed;
import static vigil.core.ha.HaFixture.reason;
import static vigil.core.ha.HaFixture.stoppedCluster;
import static vigil.core.ha.HaFixture.tick;
import static vigil.core.ha.HaFixture.why;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The leader's PostgreSQL is frozen while its lease is in doubt. In the fixture the newest majority-acknowledged
 * heartbeat left at {@code NOW - 70}: doubt begins 375 ms later (two heartbeats and a half), the self-fence margin
 * (450 ms) is reached at {@code NOW - 70 + 1470 - 450}.
 */
class FreezingTest {
    static final long DOUBT_AT = NOW - 70 + 375;

    static SupervisorState servingPrimary() {
        return led(probed(primary(PRIMARY_LSN)));
    }

    static HaDecision frozen(HaDecision d, long at) {
        return decide(d.next(), clusterWithPrimary(), ASYNC, new HaObservation.Frozen(at, true, true, "reached"));
    }

    @Test
    void nothingIsFrozenWhileAMajorityKeepsAcknowledging() {
        HaDecision d = tick(servingPrimary(), clusterWithPrimary(), DOUBT_AT - 1);
        assertEquals(List.of(), actionsOf(d, PgAction.Freeze.class));
        assertEquals(HaReason.PRIMARY_HEALTHY, reason(d));
    }

    @Test
    void aLeaderWhoseLeaseFallsInDoubtFreezesItsPrimaryAtOnceAndSaysHowLongItHeardNothing() {
        HaDecision d = tick(servingPrimary(), clusterWithPrimary(), DOUBT_AT);
        assertEquals(List.of(new PgAction.Freeze(true)), actionsOf(d, PgAction.Freeze.class));
        assertEquals(HaReason.LEASE_IN_DOUBT, reason(d));
        assertTrue(why(d).detail().contains("in the last 375 ms"), why(d).detail());
        assertFalse(fences(d), "a freeze, not a kill: the lease is still valid");
        HaDecision again = tick(d.next(), clusterWithPrimary(), DOUBT_AT + 5);
        assertEquals(List.of(), again.actions(), "one request until it is answered");
    }

    @Test
    void aRenewedLeaseThawsItAndNothingElseIsAskedOfItMeanwhile() {
        HaDecision f = frozen(tick(servingPrimary(), clusterWithPrimary(), DOUBT_AT), DOUBT_AT + 3);
        HaDecision still = tick(f.next(), clusterWithPrimary(), DOUBT_AT + 200);
        assertEquals(List.of(), still.actions(), "frozen and in doubt: nothing is done");
        // An acknowledgement of a heartbeat sent at DOUBT_AT + 250 came back: the lease runs from there.
        var renewed = clusterWithPrimary().leaseUntil(DOUBT_AT + 250 + TIMING.leaderLeaseMs());
        HaDecision t = decide(still.next(), renewed, ASYNC, new HaObservation.Tick(DOUBT_AT + 252));
        assertEquals(List.of(new PgAction.Freeze(false)), actionsOf(t, PgAction.Freeze.class));
        assertEquals(HaReason.LEASE_RENEWED, reason(t));
        assertTrue(why(t).detail().contains("after 252 ms frozen"), why(t).detail());
    }

    @Test
    void aFrozenPrimaryWhoseLeaseReachesTheMarginIsKilledAsEver() {
        HaDecision f = frozen(tick(servingPrimary(), clusterWithPrimary(), DOUBT_AT), DOUBT_AT + 3);
        long margin = NOW - 70 + TIMING.leaderLeaseMs() - HaFixture.MARGIN;
        HaDecision d = tick(f.next(), clusterWithPrimary(), margin);
        assertTrue(fences(d), "the self-fence is never replaced by the freeze");
        assertEquals(HaReason.SELF_FENCE, reason(d));
        assertEquals(List.of(), actionsOf(d, PgAction.Freeze.class), "no thaw without a lease");
        HaDecision killed = decide(d.next(), clusterWithPrimary(), ASYNC,
                new HaObservation.ActionDone(margin + 30, new PgAction.Fence(), Outcome.OK));
        assertEquals(List.of(new PgAction.Freeze(false)), actionsOf(killed, PgAction.Freeze.class),
                "the emptied group is thawed once PostgreSQL is verified stopped");
    }

    @Test
    void aFrozenServersSilenceIsNotTakenForAHang() {
        HaDecision f = frozen(tick(servingPrimary(), clusterWithPrimary(), DOUBT_AT), DOUBT_AT + 3);
        HaDecision d = probe(f.next(), clusterWithPrimary(), hung(), DOUBT_AT + 500);
        assertFalse(fences(d), "a frozen primary is not restarted");
        assertEquals(List.of(), d.actions());
        assertEquals(primary(PRIMARY_LSN), d.next().view(), "the view before the freeze stands");
    }

    @Test
    void aStopSeenWhileFrozenIsBelievedAndThawsTheGroup() {
        HaDecision f = frozen(tick(servingPrimary(), clusterWithPrimary(), DOUBT_AT), DOUBT_AT + 3);
        HaDecision d = probe(f.next(), clusterWithPrimary(), stoppedCluster(), DOUBT_AT + 40);
        assertEquals(List.of(new PgAction.Freeze(false)), actionsOf(d, PgAction.Freeze.class),
                "nothing left to protect: a postmaster started later must not be born frozen");
    }

    @Test
    void aPlannedStopOfAFrozenPrimaryFencesIt() {
        HaDecision f = frozen(tick(servingPrimary(), clusterWithPrimary(), DOUBT_AT), DOUBT_AT + 3);
        HaDecision d = decide(f.next(), clusterWithPrimary(), ASYNC, new HaObservation.Stop(DOUBT_AT + 10));
        assertTrue(fences(d), "a frozen server cannot shut down cleanly");
        assertEquals(HaReason.PLANNED_STOP, reason(d));
    }

    @Test
    void withoutAFreezerTheNodeCarriesOnAsBeforeAndDoesNotAskAgain() {
        HaDecision asked = tick(servingPrimary(), clusterWithPrimary(), DOUBT_AT);
        HaDecision refused = decide(asked.next(), clusterWithPrimary(), ASYNC,
                new HaObservation.Frozen(DOUBT_AT + 1, true, false, "no cgroup to freeze"));
        HaDecision later = tick(refused.next(), clusterWithPrimary(), DOUBT_AT + 100);
        assertEquals(List.of(), actionsOf(later, PgAction.Freeze.class));
        assertTrue(later.next().freeze().unavailable());
    }

    @Test
    void aThawThatCouldNotBeWrittenRestartsThePrimaryInPlace() {
        HaDecision f = frozen(tick(servingPrimary(), clusterWithPrimary(), DOUBT_AT), DOUBT_AT + 3);
        var renewed = clusterWithPrimary().leaseUntil(DOUBT_AT + 250 + TIMING.leaderLeaseMs());
        HaDecision t = decide(f.next(), renewed, ASYNC, new HaObservation.Tick(DOUBT_AT + 252));
        HaDecision failed = decide(t.next(), renewed, ASYNC,
                new HaObservation.Frozen(DOUBT_AT + 253, false, false, "cannot write cgroup.freeze"));
        assertTrue(fences(failed), "a server that may stay frozen for good is killed");
        assertEquals(HaReason.PRIMARY_CRASHED_RESTART, reason(failed));
        assertEquals(List.of(DOUBT_AT + 253), failed.next().restarts(), "it counts toward the migration threshold");
        HaDecision killed = decide(failed.next(), renewed, ASYNC,
                new HaObservation.ActionDone(DOUBT_AT + 280, new PgAction.Fence(), Outcome.OK));
        assertTrue(killed.next().freeze().unavailable(), "freezing is given up until vigild restarts");
        assertFalse(killed.next().freeze().asked());
        assertEquals(List.of(), actionsOf(killed, PgAction.Freeze.class), "nothing left to thaw");
    }
}
