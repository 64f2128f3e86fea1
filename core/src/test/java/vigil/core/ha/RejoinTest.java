package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rejoining the primary: an empty data directory is cloned; a node whose history may have forked (it was writable,
 * its control file says it ran as a primary, it is past the recorded fork) rewinds; a transient pg_rewind failure is
 * retried and only a proven divergence leads to a re-clone; another system is never copied over; and nothing moves
 * while the recorded primary is not promoted yet.
 */
class RejoinTest {
    static final PgAction REWIND = new PgAction.Rewind("n2", SYSTEM);
    static final PgAction CLONE = new PgAction.Clone("n2", SYSTEM);

    /** n3, after a failover to n2: stopped, its need to rewind on disk (it was writable, or past the fork). */
    static SupervisorState mustRewind() {
        return withDurable(probed(stoppedCluster()), new HaDurable(true, "", 0));
    }

    /** The rewind ended with {@code outcome}; then a new probe, once the back-off is over, shows it stopped again. */
    static HaDecision rewindEndedThenProbed(SupervisorState rewinding, Outcome outcome) {
        SupervisorState after = done(rewinding, followerOfNewPrimary("n3"), REWIND, outcome, NOW + 1_000).next();
        long at = after.work().retryAt();
        return probe(after, followerOfNewPrimary("n3").heardAt(at - 50), stoppedCluster(), at);
    }

    @Test
    void anEmptyDataDirectoryIsCloned() {
        HaDecision d = tick(probed(emptyDataDir()), followerOfNewPrimary("n3"), NOW);
        assertEquals(List.of(CLONE), d.actions());
        assertEquals(HaReason.CLONE, reason(d));
    }

    @Test
    void aNodeThatWasWritableRewindsInsteadOfStartingAsAStandby() {
        HaDecision d = tick(mustRewind(), followerOfNewPrimary("n3"), NOW);
        assertEquals(List.of(REWIND), d.actions());
        assertEquals(new Why(HaReason.REWIND, "n2", why(d).detail()), why(d));
    }

    @Test
    void aStoppedClusterThatLastRanAsPrimaryRewinds() {
        HaDecision d = probe(probed(stoppedCluster()), followerOfNewPrimary("n3"), stoppedFormerPrimary(), NOW);
        assertEquals(List.of(REWIND), d.actions());
        assertTrue(d.persist().needsRewind());
    }

    @Test
    void aCleanStoppedStandbyStartsAsAStandbyWithoutCopying() {
        PgView stopped = stoppedCluster().withPosition(new PgView.Position(2, PRIMARY_LSN, true));
        HaDecision d = tick(probed(stopped), followerOfNewPrimary("n3"), NOW);
        assertEquals(List.of(new PgAction.StartStandby("n2")), d.actions());
    }

    /**
     * A hung standby on the old timeline, past the fork, is killed: the fence's end says only that nothing runs. It
     * starts nothing until a probe has read which timeline the data directory is on (found by the simulator once its
     * probe of a stopped cluster went through the driver's stages: seed 1347, a hot standby serving lost commits).
     */
    @Test
    void aStandbyKilledWhileHungStartsNothingUntilItsTimelineIsRead() {
        HaDecision fence = tick(probed(hung()), followerOfNewPrimary("n3"), NOW);
        assertEquals(List.of(new PgAction.Fence()), fence.actions());
        HaDecision fenced = done(fence.next(), followerOfNewPrimary("n3"), new PgAction.Fence(), Outcome.OK, NOW + 40);
        assertEquals(List.of(), fenced.actions());
        assertEquals(new Why(HaReason.WAITING, "n2", "the stopped cluster's timeline is not read yet"), why(fenced));
        PgView controlFile = stoppedCluster().withPosition(new PgView.Position(1, FORK_LSN - MB, false));
        HaDecision read = probe(fenced.next(), followerOfNewPrimary("n3"), controlFile, NOW + 60);
        assertEquals(List.of(REWIND), read.actions(), "on timeline 1, the primary on 2: pg_rewind decides");
    }

    @ParameterizedTest
    @EnumSource(value = Outcome.Failure.class, names = {"TRANSIENT", "TIMEOUT", "CANCELLED", "OTHER"})
    void aRewindThatFailedForAPassingReasonIsRetriedNeverCloned(Outcome.Failure failure) {
        SupervisorState s = tick(mustRewind(), followerOfNewPrimary("n3"), NOW).next();
        for (int attempt = 2; attempt <= 6; attempt++) {
            HaDecision retry = rewindEndedThenProbed(s, failed(failure));
            assertEquals(List.of(REWIND), retry.actions(), "attempt " + attempt);
            assertEquals(new Why(HaReason.REWIND_RETRY, "n2", why(retry).detail()), why(retry));
            s = retry.next();
        }
    }

    @Test
    void aRewindThatCannotWorkLeadsToAReclone() {
        SupervisorState rewinding = tick(mustRewind(), followerOfNewPrimary("n3"), NOW).next();
        HaDecision d = rewindEndedThenProbed(rewinding, failed(Outcome.Failure.REWIND_IMPOSSIBLE));
        assertEquals(List.of(CLONE), d.actions());
        assertEquals(new Why(HaReason.RECLONE, "n2", why(d).detail()), why(d));
    }

    @Test
    void anotherSystemReportedByARewindStopsEveryAttemptFromThatPrimary() {
        SupervisorState rewinding = tick(mustRewind(), followerOfNewPrimary("n3"), NOW).next();
        HaDecision d = rewindEndedThenProbed(rewinding, failed(Outcome.Failure.FOREIGN_SYSTEM));
        assertEquals(List.of(), d.actions());
        assertEquals(new Why(HaReason.SYSTEM_ID_MISMATCH, "n2", why(d).detail()), why(d));
        HaDecision later = probe(d.next(), followerOfNewPrimary("n3").heardAt(NOW + 599_950), stoppedCluster(), NOW + 600_000);
        assertEquals(List.of(), later.actions(), "not retried, not cloned");
        // Once the record names another primary, rejoining it is tried again.
        Situation otherPrimary = following("n3", "n1", 7).pg(primaryIs("n1")).ledIn("n1", 7).heardAt(NOW + 599_960);
        HaDecision next = probe(d.next(), otherPrimary, stoppedCluster(), NOW + 600_010);
        assertEquals(List.of(new PgAction.Rewind("n1", SYSTEM)), next.actions());
    }

    @Test
    void anotherSystemReportedByACloneStopsEveryAttemptFromThatPrimary() {
        SupervisorState cloning = tick(probed(emptyDataDir()), followerOfNewPrimary("n3"), NOW).next();
        SupervisorState after = done(cloning, followerOfNewPrimary("n3"), CLONE, failed(Outcome.Failure.FOREIGN_SYSTEM),
                NOW + 1_000).next();
        HaDecision d = probe(after, followerOfNewPrimary("n3"), emptyDataDir(), NOW + 600_000);
        assertEquals(List.of(), d.actions());
        assertEquals(HaReason.SYSTEM_ID_MISMATCH, reason(d));
    }

    @Test
    void aSuccessfulRewindOrCloneClearsTheNeedOnDisk() {
        SupervisorState rewinding = tick(mustRewind(), followerOfNewPrimary("n3"), NOW).next();
        HaDecision rewound = done(rewinding, followerOfNewPrimary("n3"), REWIND, Outcome.OK, NOW + 1_000);
        assertFalse(rewound.persist().needsRewind());
        SupervisorState recloning = running(mustRewind(), CLONE, NOW);
        HaDecision cloned = done(recloning, followerOfNewPrimary("n3"), CLONE, Outcome.OK, NOW + 1_000);
        assertFalse(cloned.persist().needsRewind());
    }

    @Test
    void aCopyLeftOnAnOlderTimelineByANoOpRewindStartsInsteadOfRewindingAgain() {
        // stopped before the fork: pg_rewind has nothing to do ("no rewind required") and leaves timeline 1 in the
        // control file; recovery follows the primary's timeline 2 from there. Rewinding again would loop forever.
        PgView onOldTimeline = stoppedCluster().withPosition(new PgView.Position(1, PRIMARY_LSN - 100, true));
        HaDecision first = tick(probed(onOldTimeline), followerOfNewPrimary("n3"), NOW);
        assertEquals(List.of(REWIND), first.actions(), "another timeline: pg_rewind decides");
        SupervisorState rewound = done(first.next(), followerOfNewPrimary("n3"), REWIND, Outcome.OK, NOW + 1_000).next();
        HaDecision after = probe(rewound, followerOfNewPrimary("n3"), onOldTimeline, NOW + 1_100);
        assertEquals(List.of(new PgAction.StartStandby("n2")), after.actions());
    }

    @Test
    void aFailedRewindKeepsTheNeedOnDisk() {
        SupervisorState rewinding = tick(mustRewind(), followerOfNewPrimary("n3"), NOW).next();
        HaDecision d = done(rewinding, followerOfNewPrimary("n3"), REWIND, failed(Outcome.Failure.TRANSIENT), NOW + 1_000);
        assertTrue(d.next().durable().needsRewind());
    }

    @Test
    void nothingIsRepointedStartedOrRewoundWhileTheNewPrimaryIsNotPromoted() {
        Situation e = following("n3", "n2", 6).pg(primaryIs("n2").withPrimary("n2", "n1")).ledIn("n1", 5);
        for (SupervisorState s : List.of(mustRewind(), probed(emptyDataDir()), probed(stoppedFormerPrimary()),
                probed(standby(1, PRIMARY_LSN, true, "n1")))) {
            HaDecision d = tick(s, e, NOW);
            assertEquals(List.of(), d.actions(), "with " + s.view());
            assertEquals(new Why(HaReason.FOLLOW_PRIMARY, "n2", why(d).detail()), why(d));
        }
    }

    @Test
    void aRunningStandbyPastTheForkIsStoppedForARewind() {
        HaDecision d = tick(probed(standby(1, FORK_LSN + 1, true, "n1")), followerOfNewPrimary("n3"), NOW);
        assertEquals(List.of(new PgAction.StopFast()), d.actions());
        assertEquals(new Why(HaReason.REWIND, "n2", why(d).detail()), why(d));
        assertTrue(d.persist().needsRewind());
    }

    @Test
    void aRunningStandbyAtOrBeforeTheForkIsRepointed() {
        for (long lsn : new long[] {FORK_LSN - 1, FORK_LSN}) {
            HaDecision d = tick(probed(standby(1, lsn, true, "n1")), followerOfNewPrimary("n3"), NOW);
            assertEquals(List.of(new PgAction.Repoint("n2")), d.actions(), "at " + lsn + ": re-pointed without a restart");
            assertEquals(HaReason.FOLLOW_PRIMARY, reason(d));
            assertTrue(d.persist() == null || !d.persist().needsRewind());
        }
    }

    @Test
    void aRunningStandbyOnATimelineTheRecordDoesNotKnowIsStoppedForARewind() {
        HaDecision d = tick(probed(standby(3, PRIMARY_LSN, true, "n1")), followerOfNewPrimary("n3"), NOW);
        assertEquals(List.of(new PgAction.StopFast()), d.actions());
        assertTrue(d.persist().needsRewind());
    }

    @Test
    void aStandbyStreamingFromThePrimaryIsHealthy() {
        HaDecision d = tick(probed(standby(2, PRIMARY_LSN, true, "n2")), followerOfNewPrimary("n3"), NOW);
        assertEquals(List.of(), d.actions());
        assertEquals(HaReason.STANDBY_HEALTHY, reason(d));
    }

    @Test
    void aStallWithoutALeadingPrimaryTriggersNoRewind() {
        // n3 follows n1, recorded primary on timeline 2 with no fork known, but n2 leads: n1 may simply be gone.
        Situation e = following("n3", "n2", 6).pg(new vigil.core.election.PgRecord("n1", SYSTEM, 2, null, List.of(), null));
        SupervisorState stalled = probe(probed(standby(2, PRIMARY_LSN, false, "n1")), e,
                standby(2, PRIMARY_LSN, false, "n1"), NOW).next();
        HaDecision later = probe(stalled, e, standby(2, PRIMARY_LSN, false, "n1"), NOW + 60_000);
        assertEquals(List.of(), later.actions());
        assertEquals(HaReason.STANDBY_STALLED, reason(later));
    }

    static final String WAL_GONE = "58P01: requested WAL segment 000000020000000000000003 has already been removed";

    /** {@code v} carrying the upstream's answer that the WAL it needs is removed. */
    static PgView walGone(PgView v, String answer) {
        return v.withReplication(v.replication().withWalGone(answer));
    }

    /** A standby not yet consistent (PostgreSQL refuses connections), its replay at {@code lsn}, waiting for WAL from n2. */
    static PgView recovering(long lsn) {
        return new PgView(PgView.Health.FAILING, null, new PgView.Position(1, lsn, false),
                new PgView.Replication(false, "n2", null, null), PgView.Disk.CLUSTER);
    }

    /**
     * A rewound old primary must replay from before the fork; PostgreSQL refuses connections until it is consistent
     * (FAILING). When its primary removed the WAL its replay waits for, it would stay so for ever (STANDBY_FAILING):
     * after standby_stall on the same segment with that answer it is stopped to be copied anew. A replay that moves on
     * to another segment starts the stall again, and without the answer it only reports that it fails.
     */
    @Test
    void aStandbyNotYetConsistentWhoseWalThePrimaryRemovedIsCopiedAnew() {
        long stallMs = ASYNC.standbyStallMs();
        PgView waiting = walGone(recovering(3L << 24), WAL_GONE);
        // Seen as a standby before (as after the start that followed its rewind): PostgreSQL is known not to write.
        SupervisorState first = probe(probed(standby(1, 3L << 24, false, "n2")), followerOfNewPrimary("n3"), waiting, NOW).next();
        HaDecision early = probe(first, followerOfNewPrimary("n3").heardAt(NOW + stallMs - 60), waiting, NOW + stallMs - 10);
        assertEquals(List.of(), early.actions(), "not before standby_stall");
        assertEquals(new Why(HaReason.STANDBY_FAILING, "n2", "n2 removed WAL it needs: " + WAL_GONE), why(early));

        HaDecision unknown = probe(first, followerOfNewPrimary("n3").heardAt(NOW + stallMs - 50), recovering(3L << 24),
                NOW + stallMs);
        assertEquals(List.of(), unknown.actions(), "without the primary's answer nothing is concluded");
        assertEquals(HaReason.STANDBY_FAILING, reason(unknown));

        SupervisorState moved = probe(first, followerOfNewPrimary("n3").heardAt(NOW + stallMs - 60),
                walGone(recovering(4L << 24), WAL_GONE), NOW + stallMs - 10).next();
        HaDecision still = probe(moved, followerOfNewPrimary("n3").heardAt(NOW + stallMs - 50),
                walGone(recovering(4L << 24), WAL_GONE), NOW + stallMs);
        assertEquals(List.of(), still.actions(), "its replay moved on a moment ago: the stall starts again");

        // Waiting for WAL from n1, no longer the primary: it cannot be re-pointed by a reload, so it is stopped.
        PgView elsewhere = new PgView(PgView.Health.FAILING, null, new PgView.Position(1, 3L << 24, false),
                new PgView.Replication(false, "n1", null, null), PgView.Disk.CLUSTER);
        SupervisorState other = probe(probed(standby(1, 3L << 24, false, "n1")), followerOfNewPrimary("n3"), elsewhere, NOW).next();
        HaDecision repoint = probe(other, followerOfNewPrimary("n3").heardAt(NOW + stallMs - 50), elsewhere, NOW + stallMs);
        assertEquals(List.of(new PgAction.StopFast()), repoint.actions());
        assertEquals(HaReason.FOLLOW_PRIMARY, reason(repoint));

        // A probe in between that said nothing of replay (FAILING, no reading) neither ends nor restarts the stall.
        SupervisorState between = probe(first, followerOfNewPrimary("n3").heardAt(NOW + stallMs / 2 - 10), PgView.failing(),
                NOW + stallMs / 2).next();
        assertEquals(List.of(new PgAction.StopFast()), probe(between, followerOfNewPrimary("n3").heardAt(NOW + stallMs - 50),
                waiting, NOW + stallMs).actions());

        HaDecision stop = probe(first, followerOfNewPrimary("n3").heardAt(NOW + stallMs - 50), waiting, NOW + stallMs);
        assertEquals(List.of(new PgAction.StopFast()), stop.actions());
        assertEquals(new Why(HaReason.RECLONE, "n2", "not yet consistent, its replay waiting for WAL, for " + stallMs
                + " ms and n2 removed WAL this standby needs: " + WAL_GONE + "; stopped to be copied anew"), why(stop));
    }

    /**
     * A standby away for longer than the primary keeps WAL for it (its slot invalidated past max_slot_wal_keep_size):
     * once it has not streamed for standby_stall and the primary answered that the WAL is removed, it is stopped and
     * copied anew, the cause named; before the stall time it waits, and without that answer it only reports the stall.
     */
    @Test
    void aStandbyWhoseWalThePrimaryRemovedIsStoppedThenCopiedAnew() {
        String answer = WAL_GONE;
        PgView stalled = standby(2, PRIMARY_LSN, false, "n2");
        PgView gone = walGone(stalled, answer);
        long stallMs = ASYNC.standbyStallMs();
        SupervisorState first = probe(probed(gone), followerOfNewPrimary("n3"), gone, NOW).next();
        HaDecision early = probe(first, followerOfNewPrimary("n3").heardAt(NOW + stallMs - 60), gone, NOW + stallMs - 10);
        assertEquals(List.of(), early.actions(), "not before standby_stall");

        HaDecision unknown = probe(first, followerOfNewPrimary("n3").heardAt(NOW + stallMs - 50), stalled, NOW + stallMs);
        assertEquals(List.of(), unknown.actions(), "a stall alone proves nothing about the WAL");
        assertEquals(HaReason.STANDBY_STALLED, reason(unknown));

        HaDecision stop = probe(first, followerOfNewPrimary("n3").heardAt(NOW + stallMs - 50), gone, NOW + stallMs);
        assertEquals(List.of(new PgAction.StopFast()), stop.actions());
        assertEquals(new Why(HaReason.RECLONE, "n2", "not streaming for " + stallMs + " ms and n2 removed WAL this"
                + " standby needs: " + answer + "; stopped to be copied anew"), why(stop));
        SupervisorState stopped = done(stop.next(), followerOfNewPrimary("n3").heardAt(NOW + stallMs + 100),
                new PgAction.StopFast(), Outcome.OK, NOW + stallMs + 150).next();
        PgView down = stoppedCluster().withPosition(new PgView.Position(2, PRIMARY_LSN, true));
        HaDecision clone = probe(stopped, followerOfNewPrimary("n3").heardAt(NOW + stallMs + 150), down, NOW + stallMs + 200);
        assertEquals(List.of(CLONE), clone.actions(), "a clean standby on the primary's timeline, copied anyway");
        assertEquals(new Why(HaReason.RECLONE, "n2", "n2 removed WAL this standby needs: " + answer
                + "; the old data directory is kept aside"), why(clone));
        HaDecision cloned = done(clone.next(), followerOfNewPrimary("n3").heardAt(NOW + stallMs + 900), CLONE, Outcome.OK,
                NOW + stallMs + 950);
        HaDecision start = probe(cloned.next(), followerOfNewPrimary("n3").heardAt(NOW + stallMs + 950), down,
                NOW + stallMs + 1_000);
        assertEquals(List.of(new PgAction.StartStandby("n2")), start.actions(), "copied once: then it starts");
    }

    /** The re-clone is owed to the primary that answered: once another one is recorded, it is not copied from. */
    @Test
    void aRecloneOwedToOnePrimaryIsNotCarriedOverToTheNext() {
        String answer = WAL_GONE;
        PgView stalled = standby(2, PRIMARY_LSN, false, "n2");
        PgView gone = walGone(stalled, answer);
        long stallMs = ASYNC.standbyStallMs();
        SupervisorState first = probe(probed(gone), followerOfNewPrimary("n3"), gone, NOW).next();
        HaDecision stop = probe(first, followerOfNewPrimary("n3").heardAt(NOW + stallMs - 50), gone, NOW + stallMs);
        assertEquals(List.of(new PgAction.StopFast()), stop.actions());
        SupervisorState stopped = done(stop.next(), followerOfNewPrimary("n3").heardAt(NOW + stallMs + 100),
                new PgAction.StopFast(), Outcome.OK, NOW + stallMs + 150).next();
        PgView down = stoppedCluster().withPosition(new PgView.Position(2, PRIMARY_LSN, true));
        Situation n4Leads = following("n3", "n4", 7).pg(new vigil.core.election.PgRecord("n4", SYSTEM, 2,
                promotedN2().fork(), List.of(), null)).ledIn("n4", 7).heardAt(NOW + stallMs + 150);
        HaDecision next = probe(stopped, n4Leads, down, NOW + stallMs + 200);
        assertEquals(List.of(new PgAction.StartStandby("n4")), next.actions(), "n4 may still have the WAL: " + why(next));
    }

    /**
     * A stall on a timeline whose fork the record does not know would be rewound; when the primary answered that the
     * WAL is removed, a rewind cannot help (it would start, stall and rewind again): the copy comes first.
     */
    @Test
    void removedWalWinsOverTheRewindOfAnUnknownFork() {
        Situation e = following("n3", "n2", 6).pg(new vigil.core.election.PgRecord("n2", SYSTEM, 2, null, List.of(), null))
                .ledIn("n2", 6);
        PgView gone = walGone(standby(2, PRIMARY_LSN, false, "n2"), "58P01: gone");
        long stallMs = ASYNC.standbyStallMs();
        SupervisorState first = probe(probed(gone), e.heardAt(NOW), gone, NOW).next();
        HaDecision stop = probe(first, e.heardAt(NOW + stallMs - 50), gone, NOW + stallMs);
        assertEquals(List.of(new PgAction.StopFast()), stop.actions());
        assertEquals(HaReason.RECLONE, reason(stop));
        assertFalse(stop.persist() != null && stop.persist().needsRewind(), "no rewind owed");
    }

    /**
     * A copy of the primary that was replaced while the copy ran (found by the simulator, seed 1647) proves nothing
     * about the new primary's history: the timelines decide, and the copy on the old one is rewound, not started.
     */
    @Test
    void aCopyOfAPrimaryReplacedMeanwhileIsRewoundNotStarted() {
        SupervisorState cloning = tick(probed(emptyDataDir()), followerOfNewPrimary("n3"), NOW).next();
        Situation n4Leads = following("n3", "n4", 7).pg(new vigil.core.election.PgRecord("n4", SYSTEM, 3,
                new vigil.core.election.PgRecord.Fork(2, PRIMARY_LSN - MB), List.of(), null)).ledIn("n4", 7);
        SupervisorState cloned = done(cloning, n4Leads.heardAt(NOW + 900), CLONE, Outcome.OK, NOW + 950).next();
        PgView copyOfN2 = stoppedCluster().withPosition(new PgView.Position(2, PRIMARY_LSN, true));
        HaDecision next = probe(cloned, n4Leads.heardAt(NOW + 950), copyOfN2, NOW + 1_000);
        assertEquals(List.of(new PgAction.Rewind("n4", SYSTEM)), next.actions(), String.valueOf(why(next)));
    }
}
