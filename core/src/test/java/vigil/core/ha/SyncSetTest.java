package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vigil.core.election.Voter;

/**
 * Synchronous mode ({@link SyncSet}): PostgreSQL waits for {@code ANY k} standbys with k = max(1, min(N − quorum,
 * standbys)); the set is never empty; a standby is in the record before PostgreSQL counts on it and leaves the record
 * only once the probe shows PostgreSQL no longer does; a lagging member stays until it is twice max_lag behind; a new
 * primary starts or is promoted with its synchronous names already set.
 */
class SyncSetTest {
    static final List<Voter> FIVE = voters(5, 0);

    static List<Voter> voters(int data, int witnesses) {
        List<Voter> v = new ArrayList<>();
        for (int i = 1; i <= data; i++) v.add(Voter.data("n" + i));
        for (int i = 1; i <= witnesses; i++) v.add(Voter.witness("w" + i));
        return v;
    }

    /**
     * n1 leads {@code voters} and is the recorded primary at {@link HaFixture#PRIMARY_LSN}, the record's synchronous
     * set being {@code recordedSync}; every other data node acknowledges, caught up.
     */
    static Situation syncPrimary(List<Voter> voters, List<String> recordedSync) {
        Situation e = leading("n1", 5).voters(voters).pg(primaryIs("n1").withSync(recordedSync));
        for (Voter v : voters) {
            if (v.canLead() && !v.name().equals("n1")) e.acked(v.name()).known(v.name(), 1, PRIMARY_LSN);
        }
        return e;
    }

    static HaDecision probeSync(Situation e, String effective) {
        return decide(probed(primaryWithSync(PRIMARY_LSN, effective)), e, SYNC,
                new HaObservation.Probed(NOW, primaryWithSync(PRIMARY_LSN, effective)));
    }

    static Stream<Arguments> electorates() {
        return Stream.of(
                Arguments.of(Named.of("2 data: N - quorum is 0, still 1", voters(2, 0)), 1),
                Arguments.of(Named.of("3 data: quorum 2", voters(3, 0)), 1),
                Arguments.of(Named.of("2 data + 1 witness: one standby", voters(2, 1)), 1),
                Arguments.of(Named.of("5 data: quorum 3, 2 of 4 standbys", voters(5, 0)), 2),
                Arguments.of(Named.of("4 data + 1 witness: 2 of 3 standbys", voters(4, 1)), 2),
                Arguments.of(Named.of("3 data + 2 witnesses: both standbys", voters(3, 2)), 2));
    }

    @ParameterizedTest(name = "{0}: k = {1}")
    @MethodSource("electorates")
    void kIsNMinusQuorumAtLeastOneAtMostTheStandbys(List<Voter> voters, int k) {
        List<String> others = voters.stream().filter(Voter::canLead).map(Voter::name).filter(n -> !n.equals("n1")).toList();
        HaDecision d = probeSync(syncPrimary(voters, others), null);
        assertEquals(List.of(new PgAction.SetSyncStandbys(others, k)), d.actions());
    }

    @Test
    void aPartialSetStillHoldsKNames() {
        // Five nodes, only n2 caught up: ANY 1 would let a majority without n2 elect a standby lacking commits.
        Situation e = leading("n1", 5).voters(FIVE).pg(primaryIs("n1")).acked("n2").known("n2", 1, PRIMARY_LSN);
        HaDecision d = probeSync(e, null);
        assertEquals(List.of("n2", "n3"), recorded(d).sync());
        HaDecision apply = probeSync(leading("n1", 5).voters(FIVE).pg(primaryIs("n1").withSync(List.of("n2", "n3")))
                .acked("n2").known("n2", 1, PRIMARY_LSN), null);
        assertEquals(List.of(new PgAction.SetSyncStandbys(List.of("n2", "n3"), 2)), apply.actions());
    }

    @Test
    void theSetIsNeverEmptyEvenWithNoStandbyInSight() {
        Situation silent = leading("n1", 5).pg(primaryIs("n1"));
        HaDecision d = probeSync(silent, null);
        assertEquals(List.of("n2"), recorded(d).sync(), "recorded, so commits wait for it");
        HaDecision apply = probeSync(leading("n1", 5).pg(primaryIs("n1").withSync(List.of("n2"))), null);
        assertEquals(List.of(new PgAction.SetSyncStandbys(List.of("n2"), 1)), apply.actions());
    }

    @Test
    void aSilentMemberIsKeptRatherThanLeavingTheSetEmpty() {
        Situation silent = leading("n1", 5).pg(primaryIs("n1").withSync(List.of("n3")));
        HaDecision d = probeSync(silent, SyncSet.format(List.of("n3"), 1));
        assertEquals(List.of(), d.actions());
        assertNull(recorded(d));
        assertEquals(HaReason.PRIMARY_HEALTHY, reason(d));
    }

    @Test
    void aStandbyIsRecordedBeforePostgresCountsOnIt() {
        HaDecision d = probeSync(syncPrimary(THREE, List.of("n2")), SyncSet.format(List.of("n2"), 1));
        assertEquals(List.of("n2", "n3"), recorded(d).sync());
        assertEquals(List.of(), d.actions(), "PostgreSQL is told only once the record holds it");
        HaDecision uncommitted = probeSync(syncPrimary(THREE, List.of("n2", "n3")).uncommitted(),
                SyncSet.format(List.of("n2"), 1));
        assertEquals(List.of(), uncommitted.actions(), "and once that record is committed");
        HaDecision committed = probeSync(syncPrimary(THREE, List.of("n2", "n3")), SyncSet.format(List.of("n2"), 1));
        assertEquals(List.of(new PgAction.SetSyncStandbys(List.of("n2", "n3"), 1)), committed.actions());
    }

    @Test
    void aMemberLeavesTheRecordOnlyOncePostgresShowsItGone() {
        // n3 went silent: PostgreSQL stops waiting for it first, the record drops it after the probe confirms.
        Situation e = leading("n1", 5).pg(primaryIs("n1").withSync(List.of("n2", "n3"))).acked("n2")
                .known("n2", 1, PRIMARY_LSN);
        HaDecision apply = probeSync(e, SyncSet.format(List.of("n2", "n3"), 1));
        assertEquals(List.of(new PgAction.SetSyncStandbys(List.of("n2"), 1)), apply.actions());
        assertNull(recorded(apply));
        HaDecision confirmed = probeSync(e, SyncSet.format(List.of("n2"), 1));
        assertEquals(List.of("n2"), recorded(confirmed).sync());
    }

    @Test
    void anAppliedValueIsGivenASecondToShowBeforeItIsAppliedAgain() {
        Situation e = syncPrimary(THREE, List.of("n2", "n3")).leaseUntil(NOW + 5_000);
        HaDecision apply = probeSync(e, null);
        PgAction set = apply.actions().get(0);
        SupervisorState applied = decide(apply.next(), e, SYNC, new HaObservation.ActionDone(NOW + 10, set, Outcome.OK))
                .next();
        HaDecision soon = decide(applied, e, SYNC, new HaObservation.Tick(NOW + 500));
        assertEquals(List.of(), soon.actions());
        assertEquals(HaReason.SYNC_SET_CHANGED, reason(soon));
        HaDecision later = decide(applied, e, SYNC, new HaObservation.Tick(NOW + 1_010));
        assertEquals(List.of(set), later.actions());
    }

    @Test
    void aLaggingMemberStaysUntilItIsTwiceMaxLagBehind() {
        String both = SyncSet.format(List.of("n2", "n3"), 1);
        Situation slow = syncPrimary(THREE, List.of("n2", "n3")).known("n3", 1, PRIMARY_LSN - 2 * MAX_LAG);
        HaDecision stays = probeSync(slow, both);
        assertEquals(List.of(), stays.actions());
        assertEquals(HaReason.PRIMARY_HEALTHY, reason(stays));
        Situation slower = syncPrimary(THREE, List.of("n2", "n3")).known("n3", 1, PRIMARY_LSN - 2 * MAX_LAG - 1);
        HaDecision drops = probeSync(slower, both);
        assertEquals(List.of(new PgAction.SetSyncStandbys(List.of("n2"), 1)), drops.actions());
    }

    @Test
    void aStandbyJoinsOnlyWithinMaxLag() {
        String n2 = SyncSet.format(List.of("n2"), 1);
        Situation lagging = syncPrimary(THREE, List.of("n2")).known("n3", 1, PRIMARY_LSN - MAX_LAG - 1);
        assertNull(recorded(probeSync(lagging, n2)));
        Situation close = syncPrimary(THREE, List.of("n2")).known("n3", 1, PRIMARY_LSN - MAX_LAG);
        assertEquals(List.of("n2", "n3"), recorded(probeSync(close, n2)).sync());
    }

    @Test
    void aPromotionSetsTheSynchronousNamesFirst() {
        Situation e = leading("n2", 6).pg(primaryIs("n2").withSync(List.of("n2", "n3"))).acked("n3")
                .known("n3", 1, PRIMARY_LSN - 2 * MB);
        SupervisorState s = probed(standby(1, PRIMARY_LSN, false, "n1"));
        HaDecision sync = decide(s, e, SYNC, new HaObservation.Tick(NOW));
        assertEquals(List.of(new PgAction.Promote(SyncSet.format(List.of("n1", "n3"), 1))), sync.actions());
        HaDecision async = decide(s, e, ASYNC, new HaObservation.Tick(NOW));
        assertEquals(List.of(new PgAction.Promote(null)), async.actions());
    }

    @Test
    void aPrimaryStartsWithTheRecordedSynchronousNames() {
        Situation e = clusterWithPrimary().pg(primaryIs("n1").withSync(List.of("n3")));
        HaDecision sync = decide(probed(stoppedCluster()), e, SYNC, new HaObservation.Tick(NOW));
        assertEquals(List.of(new PgAction.StartPrimary(SyncSet.format(List.of("n3"), 1))), sync.actions());
        HaDecision async = decide(probed(stoppedCluster()), e, ASYNC, new HaObservation.Tick(NOW));
        assertEquals(List.of(new PgAction.StartPrimary(null)), async.actions());
    }

    @Test
    void aPrimaryWithNoRecordedSetStartsWaitingForEveryOtherDataNode() {
        HaDecision d = decide(probed(stoppedCluster()), clusterWithPrimary(), SYNC, new HaObservation.Tick(NOW));
        assertEquals(List.of(new PgAction.StartPrimary(SyncSet.format(List.of("n2", "n3"), 1))), d.actions());
    }

    @Test
    void onlyAMemberOfTheSetIsACandidate() {
        Situation e = following("n3", "n1", 5).pg(primaryIs("n1").withSync(List.of("n2"))).known("n1", 1, PRIMARY_LSN);
        HaDecision outside = decide(probed(standbyLagging(0)), e, SYNC, new HaObservation.Tick(NOW));
        assertFalse(candidacy(outside).eligible());
        assertTrue(candidacy(outside).known(), "its position still counts for voters");
        Situation member = following("n3", "n1", 5).pg(primaryIs("n1").withSync(List.of("n3")))
                .known("n1", 1, PRIMARY_LSN);
        HaDecision inside = decide(probed(standbyLagging(0)), member, SYNC, new HaObservation.Tick(NOW));
        assertTrue(candidacy(inside) == null || candidacy(inside).eligible());
    }
}
