package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.Candidacy;
import vigil.core.election.PgRecord;
import vigil.core.election.Report.PgSafety;

/**
 * The supervisor's everyday rules: a leader keeps its primary healthy (restart in place up to the migration
 * threshold, promote once its record is committed and the positions settled), candidacy follows lag, and a planned
 * stop shuts PostgreSQL down cleanly (fenced if that fails or the lease ends). The safety rules have their own
 * classes: {@link SelfFenceTest}, {@link ReclaimWindowTest}, {@link FailOverTest}, {@link DataSafetyTest},
 * {@link RejoinTest}, {@link SyncSetTest}.
 */
class SupervisorTest {

    @Test
    void aHealthyPrimaryLeaderDoesNothing() {
        HaDecision d = tick(probed(primary(PRIMARY_LSN)), clusterWithPrimary(), NOW);
        assertEquals(List.of(), d.actions());
        assertEquals(HaReason.PRIMARY_HEALTHY, reason(d));
    }

    @Test
    void aLeaderNeverKeepsAWritablePostgresTheRecordDoesNotName() {
        HaDecision d = tick(probed(primary(PRIMARY_LSN)), newLeaderAfterPrimaryLost(), NOW);
        assertEquals(List.of(new PgAction.Fence()), d.actions());
        assertEquals(HaReason.SELF_FENCE, reason(d));
    }

    @Test
    void aCrashedPrimaryIsRestartedInPlaceUntilTheMigrationThreshold() {
        SupervisorState s = probed(primary(PRIMARY_LSN));
        for (int i = 0; i < ASYNC.migrationThreshold(); i++) {
            long t = NOW + 10 * i;
            s = probe(s, clusterWithPrimary(), primary(PRIMARY_LSN), t).next(); // it ran...
            HaDecision crash = probe(s, clusterWithPrimary(), stoppedCluster(), t + 1); // ...and died
            assertEquals(List.of(new PgAction.StartPrimary(null)), crash.actions(), "restart " + (i + 1));
            assertEquals(HaReason.PRIMARY_CRASHED_RESTART, reason(crash));
            s = done(crash.next(), clusterWithPrimary(), new PgAction.StartPrimary(null), Outcome.OK, t + 2).next();
        }
        s = probe(s, clusterWithPrimary(), primary(PRIMARY_LSN), NOW + 100).next();
        HaDecision giveUp = probe(s, clusterWithPrimary(), stoppedCluster(), NOW + 101);
        assertEquals(List.of(), giveUp.actions());
        assertEquals(HaReason.MIGRATION_THRESHOLD_REACHED, reason(giveUp), giveUp.toString());
        assertTrue(resigns(giveUp));
        assertFalse(candidacy(giveUp).eligible());
    }

    /** {@code vigilctl cleanup}: past migration_threshold, the operator's reset lets the primary restart in place again. */
    @Test
    void aCleanupForgetsTheRestartsSoThePrimaryIsRestartedAgain() {
        SupervisorState s = probed(primary(PRIMARY_LSN));
        s = new SupervisorState(s.local(), new SupervisorState.Work(null, 0, false, List.of(NOW - 3, NOW - 2, NOW - 1),
                2, 0, false, false, false, null, null, 0), s.rejoin(), s.probes(), s.durable(), s.boot(), null);
        HaDecision giveUp = probe(s, clusterWithPrimary(), stoppedCluster(), NOW);
        assertEquals(HaReason.MIGRATION_THRESHOLD_REACHED, reason(giveUp), "the state this test starts from");
        assertFalse(candidacy(giveUp).eligible());

        HaDecision cleaned = decide(s, clusterWithPrimary(), ASYNC, new HaObservation.Cleanup(NOW, "alice"));
        assertEquals(List.of(), cleaned.next().work().restarts());
        assertEquals(0, cleaned.next().work().failedActions());
        assertEquals(0, cleaned.next().work().retryAt());
        HaDecision restart = probe(cleaned.next(), clusterWithPrimary(), stoppedCluster(), NOW + 1);
        assertEquals(List.of(new PgAction.StartPrimary(null)), restart.actions());
        assertEquals(HaReason.PRIMARY_CRASHED_RESTART, reason(restart));
        assertTrue(candidacy(restart).eligible(), "its candidacy is back");

        SupervisorState backedOff = new SupervisorState(s.local(), new SupervisorState.Work(null, 0, false, List.of(),
                4, NOW + 5_000, false, false, false, null, null, 0), s.rejoin(), s.probes(), s.durable(), s.boot(), null);
        assertEquals(0, decide(backedOff, clusterWithPrimary(), ASYNC, new HaObservation.Cleanup(NOW, "alice")).next()
                .work().retryAt(), "the failed actions' back-off is forgotten too");
    }

    @Test
    void restartsOlderThanTheFailureTimeoutNoLongerCount() {
        SupervisorState s = probed(primary(PRIMARY_LSN));
        SupervisorState crashed = new SupervisorState(s.local(), new SupervisorState.Work(null, 0, false,
                List.of(NOW - 70_000, NOW - 65_000, NOW - 61_000), 0, 0, false, false, false, null, null, 0),
                s.rejoin(), s.probes(), s.durable(), s.boot(), null);
        HaDecision d = probe(crashed, clusterWithPrimary(), stoppedCluster(), NOW);
        assertEquals(HaReason.PRIMARY_CRASHED_RESTART, reason(d));
        assertEquals(List.of(NOW), d.next().restarts());
    }

    @Test
    void theFirstStartIsNotACrash() {
        HaDecision d = tick(probed(stoppedCluster()), clusterWithPrimary(), NOW);
        assertEquals(HaReason.START_PRIMARY, reason(d));
        assertTrue(d.next().restarts().isEmpty());
    }

    @Test
    void aHungPrimaryIsKilledThenRestartedInPlace() {
        HaDecision kill = probe(probed(primary(PRIMARY_LSN)), clusterWithPrimary(), hung(), NOW);
        assertEquals(List.of(new PgAction.Fence()), kill.actions());
        assertEquals(HaReason.PRIMARY_CRASHED_RESTART, reason(kill));
        HaDecision start = done(kill.next(), clusterWithPrimary(), new PgAction.Fence(), Outcome.OK, NOW + 100);
        assertEquals(List.of(new PgAction.StartPrimary(null)), start.actions());
        assertEquals(List.of(NOW), start.next().restarts(), "counted once");
    }

    /**
     * A start that failed counts toward the migration threshold; one that a fence cancelled does not: on a flapping
     * link the lease guard's report of a self-fence came just after a renewed lease had started PostgreSQL again, and
     * three such cancellations handed the primary role over although PostgreSQL never failed.
     */
    @Test
    void aStartThatFailedCountsButOneAFenceCancelledDoesNot() {
        SupervisorState starting = running(probed(stoppedCluster()), new PgAction.StartPrimary(null), NOW);
        HaDecision timedOut = done(starting, clusterWithPrimary(), new PgAction.StartPrimary(null),
                failed(Outcome.Failure.TIMEOUT), NOW + 10);
        assertEquals(List.of(NOW + 10), timedOut.next().restarts());
        HaDecision cancelled = done(starting, clusterWithPrimary(), new PgAction.StartPrimary(null),
                failed(Outcome.Failure.CANCELLED), NOW + 10);
        assertEquals(List.of(), cancelled.next().restarts());
        // ... nor is it backed off: the next probe that finds PostgreSQL stopped starts it again at once.
        HaDecision again = probe(cancelled.next(), clusterWithPrimary(), stoppedCluster(), NOW + 20);
        assertEquals(List.of(new PgAction.StartPrimary(null)), again.actions(), String.valueOf(reason(again)));
        HaDecision backedOff = probe(timedOut.next(), clusterWithPrimary(), stoppedCluster(), NOW + 20);
        assertEquals(List.of(), backedOff.actions(), "a start that failed waits its back-off");
        HaDecision turnedAway = done(starting, clusterWithPrimary(), new PgAction.StartPrimary(null),
                failed(Outcome.Failure.BUSY), NOW + 10);
        assertEquals(List.of(), turnedAway.next().restarts(), "turned away while a fence ran: nothing ran");
        assertEquals(List.of(new PgAction.StartPrimary(null)),
                probe(turnedAway.next(), clusterWithPrimary(), stoppedCluster(), NOW + 20).actions(), "and no back-off");
        HaDecision withdrawn = done(starting, clusterWithPrimary(), new PgAction.StartPrimary(null),
                failed(Outcome.Failure.PREEMPTED), NOW + 10);
        assertEquals(List.of(), withdrawn.next().restarts(), "withdrawn by the lease guard's fence: nothing ran");
        assertEquals(List.of(new PgAction.StartPrimary(null)),
                probe(withdrawn.next(), clusterWithPrimary(), stoppedCluster(), NOW + 20).actions(), "and no back-off");
        // Any other action turned away keeps its back-off: it keeps the view, so without one it would be decided
        // again in the very step that refused it, without end (a review found the stack overflow that made).
        PgAction sync = new PgAction.SetSyncStandbys(List.of("n2"), 1);
        SupervisorState syncing = running(probed(primary(PRIMARY_LSN)), sync, NOW);
        HaDecision busy = done(syncing, clusterWithPrimary(), sync, failed(Outcome.Failure.BUSY), NOW + 10);
        assertTrue(busy.next().work().retryAt() > NOW + 10, "backed off: " + busy.next().work());
    }

    @Test
    void aHungPrimaryBeyondTheThresholdIsFencedThenResigns() {
        SupervisorState s = probed(primary(PRIMARY_LSN));
        s = new SupervisorState(s.local(), new SupervisorState.Work(null, 0, false, List.of(NOW - 3, NOW - 2, NOW - 1),
                0, 0, false, false, false, null, null, 0), s.rejoin(), s.probes(), s.durable(), s.boot(), null);
        HaDecision giveUp = probe(s, clusterWithPrimary(), hung(), NOW);
        // Leadership is given up only once PostgreSQL cannot write: the next leader then needs no proof from us.
        assertEquals(List.of(new PgAction.Fence()), giveUp.actions());
        assertEquals(HaReason.MIGRATION_THRESHOLD_REACHED, reason(giveUp));
        assertFalse(resigns(giveUp), "not while the hung server may still write");
        SupervisorState fenced = done(giveUp.next(), clusterWithPrimary(), new PgAction.Fence(), Outcome.OK, NOW + 20).next();
        HaDecision resign = probe(fenced, clusterWithPrimary(), stoppedCluster(), NOW + 30);
        assertEquals(HaReason.MIGRATION_THRESHOLD_REACHED, reason(resign));
        assertTrue(resigns(resign));
        assertEquals(List.of(), resign.actions(), "not restarted");
    }

    @Test
    void aFailingPrimaryIsGivenTimeNotRestarted() {
        HaDecision d = probe(probed(primary(PRIMARY_LSN)), clusterWithPrimary(), failing(), NOW);
        assertEquals(List.of(), d.actions());
        assertEquals(HaReason.PRIMARY_FAILING, reason(d));
    }

    @Test
    void theRecordedPrimaryActsOnlyOnceItsRecordIsCommitted() {
        Situation pending = leading("n2", 6).pg(primaryIs("n2")).acked("n3").uncommitted();
        HaDecision promote = tick(probed(standby(1, PRIMARY_LSN, false, "n1")), pending, NOW);
        assertEquals(List.of(), promote.actions());
        assertEquals(HaReason.WAITING, reason(promote));
        HaDecision start = tick(probed(stoppedCluster()), clusterWithPrimary().uncommitted(), NOW);
        assertEquals(List.of(), start.actions());
    }

    @Test
    void aNewLeaderWaitsForThePositionsOfItsPeersBeforePromoting() {
        long heartbeat = TIMING.heartbeatMs();
        Situation fresh = leading("n2", 6).pg(primaryIs("n2")).electedAt(NOW);
        HaDecision early = tick(probed(standby(1, PRIMARY_LSN, false, "n1")), fresh, NOW + 10);
        assertEquals(List.of(), early.actions(), "neither n1 nor n3 has reported its position yet");
        HaDecision answered = tick(probed(standby(1, PRIMARY_LSN, false, "n1")),
                leading("n2", 6).pg(primaryIs("n2")).electedAt(NOW).acked("n1", "n3"), NOW + 10);
        assertEquals(List.of(new PgAction.Promote(null)), answered.actions());
        HaDecision later = tick(probed(standby(1, PRIMARY_LSN, false, "n1")), fresh, NOW + 3 * heartbeat);
        assertEquals(List.of(new PgAction.Promote(null)), later.actions());
    }

    @Test
    void theRecordedPrimaryStandsDownForAStandbyAheadOfIt() {
        Situation e = leading("n2", 6).pg(primaryIs("n2")).acked("n3").known("n3", 1, PRIMARY_LSN + 1);
        HaDecision d = tick(probed(standby(1, PRIMARY_LSN, false, "n1")), e, NOW);
        assertEquals(List.of(), d.actions());
        assertTrue(resigns(d));
        assertEquals(new Why(HaReason.PEER_AHEAD, "n3", why(d).detail()), why(d));
    }

    /**
     * The recorded primary's server hangs while still a standby, before pg_promote: killed, it is started again as a
     * standby of nobody and promoted from there, never started as a primary on the timeline it replays (that would
     * write on the former primary's timeline, a divergence pg_rewind could not see). Found by a review.
     */
    @Test
    void aRecordedPrimaryKilledBeforeItsPromotionStartsAsAStandbyOfNobodyNotAsAPrimary() {
        HaDecision fence = tick(probed(hung()), promotingLeader(), NOW);
        assertTrue(fence.actions().contains(new PgAction.Fence()), "the hung server is killed: " + fence.actions());
        HaDecision fenced = done(fence.next(), promotingLeader(), new PgAction.Fence(), Outcome.OK, NOW + 40);
        assertEquals(List.of(), fenced.actions(), "whether the promotion ran is read from the control file first");
        assertEquals(new Why(HaReason.PROMOTING, "n1", "PostgreSQL was killed before its promotion was seen: reading"
                + " its control file"), why(fenced));
        PgView inRecovery = stoppedCluster().withPosition(new PgView.Position(1, PRIMARY_LSN - MB, false));
        HaDecision read = probe(fenced.next(), promotingLeader(), inRecovery, NOW + 60);
        assertEquals(List.of(new PgAction.StartStandby(null)), read.actions());
        assertEquals(new Why(HaReason.PROMOTING, "n1", "PostgreSQL stopped before its promotion: started again as a"
                + " standby of nobody, to be promoted"), why(read));
        // had the promotion run (its control file says "in production"), it restarts in place as the primary
        PgView promoted = stoppedFormerPrimary().withPosition(new PgView.Position(2, PRIMARY_LSN, false));
        assertEquals(List.of(new PgAction.StartPrimary(null)),
                probe(fenced.next(), promotingLeader(), promoted, NOW + 60).actions());
        // a crash instead: the driver's quick view (the position it last answered with; it last ran as a standby)
        SupervisorState standby = probed(standby(1, PRIMARY_LSN, false, null));
        PgView crashed = stoppedCluster().withPosition(new PgView.Position(1, PRIMARY_LSN, false));
        HaDecision restart = probe(standby, promotingLeader(), crashed, NOW);
        assertEquals(List.of(new PgAction.StartStandby(null)), restart.actions());
        // started as a standby, it is promoted with every check (here: the former primary's re-check first)
        HaDecision again = probe(restart.next(), promotingLeader(), standby(1, PRIMARY_LSN, false, null), NOW + 300);
        assertFalse(again.actions().stream().anyMatch(a -> a instanceof PgAction.StartPrimary), again.actions().toString());
    }

    /** Crashes of the recorded primary before its promotion count toward migration_threshold as a primary's do. */
    @Test
    void crashesBeforeThePromotionCountTowardTheMigrationThreshold() {
        PgView crashed = stoppedCluster().withPosition(new PgView.Position(1, PRIMARY_LSN, false));
        SupervisorState s = probed(standby(1, PRIMARY_LSN, false, null));
        for (int i = 0; i < ASYNC.migrationThreshold(); i++) {
            long t = NOW + i * 150L; // within the fixture's lease
            HaDecision restart = probe(s, promotingLeader(), crashed, t);
            assertEquals(List.of(new PgAction.StartStandby(null)), restart.actions(), "crash " + (i + 1));
            SupervisorState started = done(restart.next(), promotingLeader(), new PgAction.StartStandby(null),
                    Outcome.OK, t + 50).next();
            s = probe(started, promotingLeader(), standby(1, PRIMARY_LSN, false, null), t + 100).next();
        }
        HaDecision last = probe(s, promotingLeader(), crashed, NOW + ASYNC.migrationThreshold() * 150L);
        assertEquals(HaReason.MIGRATION_THRESHOLD_REACHED, reason(last), why(last).toString());
    }

    @Test
    void afterPromotionTheLeaderRecordsItsTimelineAndForkThenCheckpoints() {
        PgRecord.Fork fork = new PgRecord.Fork(1, FORK_LSN);
        PgView promoted = PgView.primary(2, PRIMARY_LSN).withSystemId(SYSTEM)
                .withReplication(new PgView.Replication(false, null, fork, null));
        SupervisorState s = done(running(probed(standby(1, PRIMARY_LSN, false, "n1")), new PgAction.Promote(null), NOW),
                promotingLeader(), new PgAction.Promote(null), Outcome.OK, NOW + 50).next();
        HaDecision d = probe(s, promotingLeader(), promoted, NOW + 60);
        assertEquals(new PgRecord("n2", SYSTEM, 2, fork, List.of(), null), recorded(d));
        assertEquals(new Why(HaReason.PROMOTED, "n1", why(d).detail()), why(d));
        Situation recorded = leading("n2", 6).pg(new PgRecord("n2", SYSTEM, 2, fork, List.of(), null)).acked("n3");
        HaDecision checkpoint = probe(d.next(), recorded, promoted, NOW + 70);
        assertEquals(List.of(new PgAction.Checkpoint()), checkpoint.actions());
    }

    @Test
    void candidacyFollowsLagBehindThePrimarysLastPosition() {
        Situation e = following("n3", "n1", 5).pg(primaryIs("n1")).known("n1", 1, PRIMARY_LSN);
        Candidacy close = candidacy(tick(probed(standbyLagging(MAX_LAG)), e, NOW));
        assertEquals(new Candidacy(true, 1, PRIMARY_LSN - MAX_LAG), close);
        Candidacy far = candidacy(tick(probed(standbyLagging(MAX_LAG + 1)), e, NOW));
        assertEquals(new Candidacy(false, 1, PRIMARY_LSN - MAX_LAG - 1), far, "not eligible, position still told");
    }

    @Test
    void aStoppedRecordedPrimaryIsACandidateAtAPositionNotKnownExactly() {
        HaDecision d = tick(probed(stoppedCluster()), restartedPrimary(), NOW);
        Candidacy c = candidacy(d);
        assertTrue(c.eligible());
        assertFalse(c.known(), "a lower bound from the control file, not its durable end");
    }

    // ---- planned stop --------------------------------------------------------------------------------------

    static HaDecision stop(SupervisorState s, Situation e, long at) {
        return decide(s, e, ASYNC, new HaObservation.Stop(at));
    }

    @Test
    void aPlannedStopShutsPostgresDownCleanlyFirst() {
        HaDecision d = stop(probed(primary(PRIMARY_LSN)), clusterWithPrimary(), NOW);
        assertEquals(List.of(new PgAction.StopFast()), d.actions());
        assertEquals(HaReason.PLANNED_STOP, reason(d));
        assertFalse(candidacy(d).eligible());
    }

    @Test
    void aPlannedStopFencesWhenTheCleanShutdownFails() {
        SupervisorState stopping = stop(probed(primary(PRIMARY_LSN)), clusterWithPrimary(), NOW).next();
        HaDecision d = done(stopping, clusterWithPrimary(), new PgAction.StopFast(), failed(Outcome.Failure.TIMEOUT),
                NOW + 100);
        assertEquals(List.of(new PgAction.Fence()), d.actions());
        assertEquals(HaReason.PLANNED_STOP, reason(d));
    }

    @Test
    void aPlannedStopFencesWhenTheLeaseEndsFirst() {
        SupervisorState stopping = stop(probed(primary(PRIMARY_LSN)), clusterWithPrimary(), NOW).next();
        assertEquals(List.of(), tick(stopping, clusterWithPrimary(), NOW + 100).actions(),
                "the clean shutdown is given its time");
        HaDecision d = tick(stopping, clusterWithPrimary(), LEASE_UNTIL - MARGIN);
        assertEquals(List.of(new PgAction.Fence()), d.actions());
        assertEquals(HaReason.SELF_FENCE, reason(d));
        assertNull(d.next().inFlight(), "the StopFast is cancelled");
    }

    @Test
    void aPlannedStopOfAHungPostgresFencesAtOnce() {
        SupervisorState s = probe(probed(primary(PRIMARY_LSN)), clusterWithPrimary(), primary(PRIMARY_LSN), NOW).next();
        s = new SupervisorState(new SupervisorState.Local(hung(), PgSafety.MAY_WRITE, -1, true, false, true,
                s.local().lastPosition()), s.work(), s.rejoin(), s.probes(), s.durable(), s.boot(), null);
        HaDecision d = stop(s, clusterWithPrimary(), NOW + 10);
        assertEquals(List.of(new PgAction.Fence()), d.actions());
    }

    @Test
    void aPlannedStopEndsWithPostgresVerifiedStoppedAndStartsNothing() {
        List<HaDecision> steps = chain(probed(primary(PRIMARY_LSN)), clusterWithPrimary(),
                new HaObservation.Stop(NOW),
                new HaObservation.ActionDone(NOW + 100, new PgAction.StopFast(), Outcome.OK),
                new HaObservation.Probed(NOW + 110, stoppedCluster()),
                new HaObservation.Tick(NOW + 200));
        assertEquals(PgSafety.STOPPED, steps.get(2).next().local().knowledge());
        assertEquals(List.of(), steps.get(2).actions(), "a stopped recorded primary is not started while stopping");
        assertEquals(List.of(), steps.get(3).actions());
    }
}
