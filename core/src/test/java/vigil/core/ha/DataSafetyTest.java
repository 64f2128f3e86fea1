package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.Candidacy;
import vigil.core.election.PgRecord;

/**
 * No automatic action destroys data: initdb only while the record names no system; a recorded primary with an
 * empty data directory and data of another system are left alone and say why; the need to rewind is on disk before
 * PostgreSQL can write, so a crash cannot let a diverged old primary start as a plain standby.
 */
class DataSafetyTest {
    /** n1 leads and is the recorded primary, but the first primary never reported its system identifier. */
    static Situation primaryOfNoSystemYet() {
        return leading("n1", 5).pg(new PgRecord("n1", 0, 1, null, List.of(), null)).acked("n2", "n3");
    }

    @Test
    void onlyTheVeryFirstPrimaryMayInitialiseADatabase() {
        HaDecision d = tick(probed(emptyDataDir()), primaryOfNoSystemYet(), NOW);
        assertEquals(List.of(new PgAction.Initialise()), d.actions());
        assertEquals(HaReason.BOOTSTRAP_PRIMARY, reason(d));
    }

    @Test
    void aRecordedPrimaryWithAnEmptyDataDirectoryStandsDownAndIsNoCandidate() {
        HaDecision d = tick(probed(emptyDataDir()), clusterWithPrimary(), NOW);
        assertEquals(List.of(), d.actions(), "no initdb once the record holds a system");
        assertEquals(HaReason.RECORDED_PRIMARY_DATA_MISSING, reason(d));
        assertTrue(resigns(d));
        assertFalse(candidacy(d).eligible());
    }

    @Test
    void aRestartedRecordedPrimaryWithAnEmptyDataDirectoryIsNoCandidate() {
        HaDecision d = tick(probed(emptyDataDir()), restartedPrimary(), NOW);
        assertEquals(List.of(), d.actions());
        assertFalse(candidacy(d).eligible());
        assertEquals(HaReason.RECORDED_PRIMARY_DATA_MISSING, reason(d), "it says why, as a follower too");
    }

    @Test
    void aRecordedPrimaryStartsItsOwnDataWithoutInitialising() {
        HaDecision d = tick(probed(stoppedCluster()), clusterWithPrimary(), NOW);
        assertEquals(List.of(new PgAction.StartPrimary(null)), d.actions());
        assertEquals(HaReason.START_PRIMARY, reason(d));
    }

    @Test
    void aLeaderHoldingAnotherSystemsDataStandsDownAndStartsNothing() {
        HaDecision d = tick(probed(foreignCluster()), clusterWithPrimary(), NOW);
        assertEquals(List.of(), d.actions());
        assertEquals(HaReason.SYSTEM_ID_MISMATCH, reason(d));
        assertTrue(resigns(d));
        assertFalse(candidacy(d).eligible());
    }

    @Test
    void aFollowerHoldingAnotherSystemsDataTouchesNothing() {
        HaDecision stopped = tick(probed(foreignCluster()), followerOfNewPrimary("n3"), NOW);
        assertEquals(List.of(), stopped.actions());
        assertEquals(HaReason.SYSTEM_ID_MISMATCH, reason(stopped));
        PgView running = standby(1, FORK_LSN, true, "n1").withSystemId(OTHER_SYSTEM);
        HaDecision up = tick(probed(running), followerOfNewPrimary("n3"), NOW);
        assertEquals(List.of(), up.actions());
        assertEquals(HaReason.SYSTEM_ID_MISMATCH, reason(up));
    }

    @Test
    void filesThatAreNoClusterAreNeverClonedOver() {
        PgView junk = PgView.stopped().withDisk(new PgView.Disk(PgView.Disk.Data.FOREIGN, 0, false, false));
        HaDecision d = tick(probed(junk), followerOfNewPrimary("n3"), NOW);
        assertEquals(List.of(), d.actions());
        assertEquals(HaReason.SYSTEM_ID_MISMATCH, reason(d));
    }

    @Test
    void theNeedToRewindIsOnDiskBeforeAPromote() {
        Situation e = leading("n2", 6).pg(primaryIs("n2")).acked("n3");
        HaDecision d = tick(probed(standby(1, PRIMARY_LSN, false, "n1")), e, NOW);
        assertEquals(List.of(new PgAction.Promote(null)), d.actions());
        assertNotNull(d.persist(), "written before the action");
        assertTrue(d.persist().needsRewind());
    }

    @Test
    void theNeedToRewindIsOnDiskBeforeAStartPrimary() {
        HaDecision d = tick(probed(stoppedCluster()), clusterWithPrimary(), NOW);
        assertEquals(List.of(new PgAction.StartPrimary(null)), d.actions());
        assertTrue(d.persist().needsRewind());
    }

    @Test
    void aNodeSeenWritableMustRewind() {
        HaDecision d = probe(probed(stoppedCluster()), followerOfNewPrimary("n1"), primary(PRIMARY_LSN), NOW);
        assertTrue(d.persist().needsRewind());
    }

    @Test
    void theNeedToRewindSurvivesARestart() {
        // A host crash: the old primary comes back stopped, on the parent timeline, its control file saying nothing
        // (it last ran in recovery as far as it tells) and where its WAL ends not read yet. Without the flag on disk
        // nothing would tell it apart from a clean standby. (Once the end is read and lies at or before the fork, it
        // needs no rewind: SwitchoverTest.)
        HaDurable onDisk = new HaDurable(true, "", 0);
        PgView stopped = stoppedCluster().withPosition(new PgView.Position(1, FORK_LSN, false));
        SupervisorState s = withDurable(probed(stopped), onDisk);
        HaDecision d = tick(s, followerOfNewPrimary("n1"), NOW);
        assertEquals(List.of(new PgAction.Rewind("n2", SYSTEM)), d.actions());
        assertFalse(candidacy(d).eligible());
    }

    @Test
    void aStandbyThatMustRewindIsNoCandidate() {
        SupervisorState s = withDurable(probed(standby(2, PRIMARY_LSN, true, "n2")), new HaDurable(true, "", 0));
        HaDecision d = tick(s, followerOfNewPrimary("n3"), NOW);
        assertFalse(candidacy(d).eligible());
    }

    @Test
    void theFirstPrimaryRecordsItsSystem() {
        HaDecision d = tick(probed(primary(PRIMARY_LSN)), primaryOfNoSystemYet(), NOW);
        assertEquals(SYSTEM, recorded(d).systemId());
        assertEquals(HaReason.SYSTEM_RECORDED, reason(d));
    }

    @Test
    void aBootstrapLeaderRecordsItselfWithTheSystemOnItsDisk() {
        Situation e = leading("n1", 1).acked("n2", "n3");
        HaDecision d = tick(probed(stoppedCluster()), e, NOW);
        PgRecord r = recorded(d);
        assertEquals("n1", r.primary());
        assertEquals(SYSTEM, r.systemId());
        assertEquals(HaReason.BOOTSTRAP_PRIMARY, reason(d));
    }

    @Test
    void atBootstrapANodeHoldingDataOutranksAnEmptyOne() {
        Situation e = following("n2", null, 0);
        Candidacy withData = candidacy(tick(probed(stoppedCluster()), e, NOW));
        Candidacy empty = candidacy(tick(probed(emptyDataDir()), e, NOW));
        Candidacy a = withData == null ? Candidacy.ELIGIBLE : withData;
        Candidacy b = empty == null ? Candidacy.ELIGIBLE : empty;
        assertTrue(a.eligible() && b.eligible() && a.compareTo(b) > 0, a + " vs " + b);
    }
}
