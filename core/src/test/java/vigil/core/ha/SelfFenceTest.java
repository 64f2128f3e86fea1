package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vigil.core.election.Report.PgSafety;

/**
 * The self-fence: every state of the local PostgreSQL that is not proven unable to write (verified stopped, or in
 * recovery with no promotion under way) is fenced when this node may not be primary — not the leader, or a lease that
 * ends within {@code selfFenceMarginMs}. Only a supervisor that has not looked yet (boot grace) waits.
 */
class SelfFenceTest {

    @Test
    void aWritablePostgresOnANodeThatDoesNotLeadIsFenced() {
        HaDecision d = tick(probed(primary(PRIMARY_LSN)), followerOfNewPrimary("n1"), NOW);
        assertEquals(List.of(new PgAction.Fence()), d.actions());
        assertEquals(HaReason.SELF_FENCE, reason(d));
    }

    @Test
    void aLeaderThatLostItsLeaseFencesItsPrimaryAtOnce() {
        // n1 led (so no reclaim window applies) and is now a follower without a leader: its primary must go.
        HaDecision d = tick(led(probed(primary(PRIMARY_LSN))), restartedPrimary(), NOW);
        assertTrue(fences(d));
        assertEquals(HaReason.SELF_FENCE, reason(d));
    }

    @Test
    void theLeaderFencesItsPrimaryTheMarginBeforeItsLeaseEnds() {
        SupervisorState s = probed(primary(PRIMARY_LSN));
        HaDecision before = tick(s, clusterWithPrimary(), LEASE_UNTIL - MARGIN - 1);
        // No acknowledgement since NOW - 70: long in doubt, so frozen (Freezing), but not killed before the margin.
        assertEquals(List.of(new PgAction.Freeze(true)), before.actions());
        assertEquals(HaReason.LEASE_IN_DOUBT, reason(before));
        HaDecision within = tick(s, clusterWithPrimary(), LEASE_UNTIL - MARGIN);
        assertEquals(List.of(new PgAction.Fence()), within.actions());
        assertEquals(HaReason.SELF_FENCE, reason(within));
    }

    @Test
    void aHungPrimaryIsFencedWithoutALease() {
        // A SIGSTOPped or overloaded postmaster whose backends may still commit: HUNG proves nothing.
        HaDecision d = probe(probed(primary(PRIMARY_LSN)), followerOfNewPrimary("n1"), hung(), NOW);
        assertTrue(fences(d));
        assertEquals(HaReason.SELF_FENCE, reason(d));
    }

    @Test
    void aFailingPostgresNeverProvenAStandbyIsFenced() {
        // Authentication errors, too many clients, 57P03: the server runs, and nothing says it cannot write.
        SupervisorState booted = SupervisorState.boot(NOW, BOOT, HaDurable.INITIAL);
        HaDecision d = probe(booted, followerOfNewPrimary("n3"), failing(), NOW + 10);
        assertTrue(fences(d));
        assertEquals(HaReason.SELF_FENCE, reason(d));
    }

    @Test
    void anUnknownStateAfterAStartPrimaryIsFencedOnceTheLeaseIsGone() {
        SupervisorState starting = probe(probed(stoppedCluster()), clusterWithPrimary(), stoppedCluster(), NOW).next();
        assertEquals(new PgAction.StartPrimary(null), starting.inFlight());
        SupervisorState started = done(starting, clusterWithPrimary(), new PgAction.StartPrimary(null), Outcome.OK,
                NOW + 100).next();
        assertEquals(PgView.Health.UNKNOWN, started.view().health());
        HaDecision d = tick(started, followerOfNewPrimary("n1"), NOW + 200);
        assertTrue(fences(d));
        assertEquals(HaReason.SELF_FENCE, reason(d));
    }

    @Test
    void anUnknownStateAfterAPromoteIsFencedOnceTheLeaseIsGone() {
        SupervisorState promoting = running(probed(standby(1, PRIMARY_LSN, false, "n1")), new PgAction.Promote(null), NOW);
        SupervisorState promoted = done(promoting, promotingLeader(), new PgAction.Promote(null), Outcome.OK, NOW + 100)
                .next();
        assertEquals(PgView.Health.UNKNOWN, promoted.view().health());
        HaDecision d = tick(promoted, following("n2", null, 7).pg(primaryIs("n2")), NOW + 200);
        assertTrue(fences(d));
    }

    @Test
    void aPromoteCutShortByTheLeaseIsPreemptedByTheFence() {
        SupervisorState promoting = running(probed(standby(1, PRIMARY_LSN, false, "n1")), new PgAction.Promote(null), NOW);
        HaDecision d = tick(promoting, promotingLeader(), LEASE_UNTIL - MARGIN);
        assertEquals(List.of(new PgAction.Fence()), d.actions());
        assertNull(d.next().inFlight(), "the fence cancels the running Promote");
        assertTrue(d.next().work().fencing());
    }

    @Test
    void aStandbyWhoseProbeRacesAPromoteIsNotProvenSafe() {
        // The probe saw it in recovery while pg_promote was on its way: it may be writable by now.
        SupervisorState promoting = running(probed(standby(1, PRIMARY_LSN, false, "n1")), new PgAction.Promote(null), NOW);
        HaDecision d = probe(promoting, promotingLeader(), standby(1, PRIMARY_LSN, false, "n1"), NOW + 10);
        assertEquals(PgSafety.MAY_WRITE, d.next().local().knowledge());
        HaDecision lost = probe(promoting, following("n2", null, 7).pg(primaryIs("n2")),
                standby(1, PRIMARY_LSN, false, "n1"), NOW + 10);
        assertTrue(fences(lost));
    }

    @Test
    void aProvenStandbyIsNotFenced() {
        HaDecision d = tick(probed(standby(2, PRIMARY_LSN, true, "n2")), followerOfNewPrimary("n3"), NOW);
        assertFalse(fences(d));
        assertEquals(HaReason.STANDBY_HEALTHY, reason(d));
    }

    @Test
    void aVerifiedStoppedPostgresIsNotFenced() {
        HaDecision d = tick(probed(stoppedCluster()), following("n3", null, 6).pg(promotedN2()), NOW);
        assertFalse(fences(d));
        HaDecision boot = probe(SupervisorState.boot(NOW, BOOT, HaDurable.INITIAL), following("n3", null, 6).pg(promotedN2()),
                stoppedCluster(), NOW + 10);
        assertFalse(fences(boot));
        assertEquals(PgSafety.STOPPED, boot.next().local().knowledge());
    }

    @Test
    void aRestartedSupervisorWaitsForItsFirstProbeOnlyWithinTheBootGrace() {
        SupervisorState booted = SupervisorState.boot(NOW, BOOT, HaDurable.INITIAL);
        HaDecision early = tick(booted, followerOfNewPrimary("n3"), NOW + HaStep.FIRST_PROBE_GRACE_MS - 1);
        assertEquals(List.of(), early.actions(), "a healthy standby it has not looked at yet is not killed");
        HaDecision late = tick(booted, followerOfNewPrimary("n3"), NOW + HaStep.FIRST_PROBE_GRACE_MS);
        assertEquals(List.of(new PgAction.Fence()), late.actions(), "nothing proven after the grace: fenced");
        assertEquals(HaReason.SELF_FENCE, reason(late));
    }

    @Test
    void aFirstProbeShowingAWritableServerEndsTheGrace() {
        SupervisorState booted = SupervisorState.boot(NOW, BOOT, HaDurable.INITIAL);
        HaDecision d = probe(booted, followerOfNewPrimary("n1"), primary(PRIMARY_LSN), NOW + 10);
        assertTrue(fences(d));
    }

    @Test
    void aRunningFenceIsNotStartedAgain() {
        HaDecision first = tick(probed(primary(PRIMARY_LSN)), followerOfNewPrimary("n1"), NOW);
        HaDecision again = tick(first.next(), followerOfNewPrimary("n1"), NOW + 10);
        assertEquals(List.of(), again.actions());
    }

    @Test
    void aFenceThatCouldNotBeVerifiedIsRepeated() {
        SupervisorState fencing = tick(probed(primary(PRIMARY_LSN)), followerOfNewPrimary("n1"), NOW).next();
        HaDecision d = done(fencing, followerOfNewPrimary("n1"), new PgAction.Fence(),
                failed(Outcome.Failure.NOT_VERIFIED), NOW + 500);
        assertEquals(List.of(new PgAction.Fence()), d.actions());
        assertEquals(PgSafety.MAY_WRITE, d.next().local().knowledge());
    }

    @Test
    void aVerifiedFenceProvesPostgresStopped() {
        SupervisorState fencing = tick(probed(primary(PRIMARY_LSN)), followerOfNewPrimary("n1"), NOW).next();
        HaDecision d = done(fencing, followerOfNewPrimary("n1"), new PgAction.Fence(), Outcome.OK, NOW + 100);
        assertEquals(PgSafety.STOPPED, d.next().local().knowledge());
        assertEquals(PgView.Health.STOPPED, d.next().view().health());
        assertFalse(fences(d));
    }

    @ParameterizedTest
    @EnumSource(value = Outcome.Failure.class, names = {"TIMEOUT", "CANCELLED", "OTHER"})
    void aPromoteThatFailedMayStillCompleteSoAnInRecoveryAnswerProvesNothing(Outcome.Failure failure) {
        SupervisorState promoting = running(probed(standby(1, PRIMARY_LSN, false, "n1")), new PgAction.Promote(null), NOW);
        SupervisorState failedPromote = done(promoting, promotingLeader(), new PgAction.Promote(null), failed(failure),
                NOW + 100).next();
        HaDecision d = probe(failedPromote, promotingLeader(), standby(1, PRIMARY_LSN, false, "n1"), NOW + 110);
        assertEquals(PgSafety.MAY_WRITE, d.next().local().knowledge());
        HaDecision lost = tick(d.next(), following("n2", null, 7).pg(primaryIs("n2")), NOW + 120);
        assertTrue(fences(lost));
    }
}
