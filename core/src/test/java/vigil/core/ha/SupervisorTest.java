package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import vigil.core.election.Candidacy;
import vigil.core.election.ClusterRecord;
import vigil.core.election.Durable;
import vigil.core.election.ElectionState;
import vigil.core.election.Electorate;
import vigil.core.election.Leadership;
import vigil.core.election.Observation;
import vigil.core.election.Role;
import vigil.core.election.Timing;
import vigil.core.election.Voter;

class SupervisorTest {
    static final Timing TIMING = Timing.of(150, 1500, 0.01);
    static final List<Voter> THREE = List.of(Voter.data("n1"), Voter.data("n2"), Voter.data("n3"));
    static final HaPolicy POLICY = new HaPolicy(16 << 20, false, 3, 60_000, false, 450, 4500, 5000);
    static final long NOW = 100_000;

    /** {@code self} leads term 5 with a lease until NOW+1400; the record names {@code primary} on timeline 1. */
    static ElectionState leader(String self, String primary, Map<String, Long> acked, Map<String, Candidacy> known) {
        TreeMap<Long, Long> sent = new TreeMap<>(Map.of(50L, NOW - 70));
        Leadership l = new Leadership(5, NOW - 5000, 50, NOW - 70, sent, acked, NOW - 70, NOW + 1400, 1, true);
        ClusterRecord r = new ClusterRecord(5, 0, self, primary, 1, List.of());
        return new ElectionState(new Electorate(self, THREE, TIMING), new Durable(5, self, r), Role.LEADER, self, self,
                NOW - 70, 0, 0, null, l, Candidacy.ELIGIBLE, known);
    }

    static ElectionState clusterWithPrimary() {
        return leader("n1", "n1", Map.of("n2", 50L, "n3", 50L), Map.of());
    }

    /** n2 just won term 5 after n1, the recorded primary, went silent. */
    static ElectionState newLeaderAfterPrimaryLost(Map<String, Candidacy> known) {
        return leader("n2", "n1", Map.of("n3", 50L), known);
    }

    static ElectionState follower(String self, String primary) {
        ClusterRecord r = new ClusterRecord(6, 1, "n2", primary, 2, List.of());
        return new ElectionState(new Electorate(self, THREE, TIMING), new Durable(6, null, r), Role.FOLLOWER, "n2",
                "n2", NOW - 50, 0, 0, null, null, Candidacy.ELIGIBLE, Map.of());
    }

    /** A supervisor that last saw {@code view} and has nothing in flight. */
    static SupervisorState seeing(PgView view) {
        return new SupervisorState(view, null, 0, List.of(), null, null, 0, view.writable(), false, 0, -1, null,
                Long.MIN_VALUE / 4, false, false, null, 0, view.health() == PgView.Health.UP, 0, 0);
    }

    static HaDecision probe(SupervisorState s, ElectionState e, PgView v, long at) {
        return Supervisor.decide(s, e, POLICY, new HaObservation.Probed(at, v));
    }

    @Test
    void aLeaderNeverKeepsAWritablePostgresTheRecordDoesNotName() {
        HaDecision d = probe(SupervisorState.boot(0), newLeaderAfterPrimaryLost(Map.of()), PgView.primary(2, 1000), NOW);
        assertEquals(List.of(new PgAction.Stop(true)), d.actions());
        assertEquals(HaReason.SELF_FENCE, d.reason());
    }

    @Test
    void aHealthyPrimaryLeaderDoesNothing() {
        HaDecision d = probe(SupervisorState.boot(0), clusterWithPrimary(), PgView.primary(1, 5000), NOW);
        assertEquals(List.of(), d.actions());
        assertEquals(HaReason.PRIMARY_HEALTHY, d.reason());
    }

    @Test
    void aCrashedPrimaryIsRestartedInPlaceUntilTheMigrationThreshold() {
        SupervisorState s = SupervisorState.boot(0);
        for (int i = 0; i < 3; i++) {
            s = probe(s, clusterWithPrimary(), PgView.primary(1, 10), NOW + 10 * i).next(); // it ran...
            HaDecision d = probe(s, clusterWithPrimary(), PgView.down(), NOW + 10 * i + 1); // ...and crashed
            assertEquals(List.of(new PgAction.StartPrimary()), d.actions());
            assertEquals(HaReason.PRIMARY_CRASHED_RESTART, d.reason() == null ? d.next().reason() : d.reason());
            s = Supervisor.decide(d.next(), clusterWithPrimary(), POLICY,
                    new HaObservation.ActionDone(NOW + 10 * i + 2, new PgAction.StartPrimary(), true, "")).next();
        }
        s = probe(s, clusterWithPrimary(), PgView.primary(1, 10), NOW + 40).next();
        HaDecision giveUp = probe(s, clusterWithPrimary(), PgView.down(), NOW + 41);
        assertEquals(HaReason.MIGRATION_THRESHOLD_REACHED, giveUp.reason());
        assertTrue(giveUp.electionInputs().contains(new Observation.Resign(NOW + 41)));
        assertTrue(giveUp.electionInputs().contains(new Observation.CandidacyChanged(NOW + 41, Candidacy.INELIGIBLE)));
        assertEquals(List.of(), giveUp.actions());
    }

    @Test
    void aHungPrimaryIsKilledThenRestarted() {
        HaDecision d = probe(SupervisorState.boot(0), clusterWithPrimary(), PgView.hung(), NOW);
        assertEquals(List.of(new PgAction.Stop(true), new PgAction.StartPrimary()), d.actions());
    }

    @Test
    void aWritablePrimaryWithoutLeaseSelfFencesAtOnce() {
        SupervisorState led = probe(SupervisorState.boot(0), clusterWithPrimary(), PgView.primary(1, 10), NOW).next();
        ElectionState lost = follower("n1", "n1");
        HaDecision d = probe(led, lost, PgView.primary(1, 20), NOW + 3000);
        assertEquals(List.of(new PgAction.Stop(true)), d.actions());
        assertEquals(HaReason.SELF_FENCE, d.reason());
    }

    @Test
    void theLeaderFencesItselfBeforeTheLeaseRunsOut() {
        SupervisorState led = probe(SupervisorState.boot(0), clusterWithPrimary(), PgView.primary(1, 10), NOW).next();
        HaDecision early = probe(led, clusterWithPrimary(), PgView.primary(1, 10), NOW + 1400 - 451);
        assertEquals(List.of(), early.actions());
        HaDecision margin = probe(led, clusterWithPrimary(), PgView.primary(1, 10), NOW + 1400 - 450);
        assertEquals(List.of(new PgAction.Stop(true)), margin.actions());
    }

    @Test
    void aNewLeaderProbesTheOldPrimaryBeforeAnythingElse() {
        HaDecision d = probe(SupervisorState.boot(0), newLeaderAfterPrimaryLost(Map.of()), PgView.standby(1, 900, false, "n1"), NOW);
        assertEquals(List.of(new PgAction.ProbePeer("n1")), d.actions());
        assertEquals(HaReason.PROBING_OLD_PRIMARY, d.reason());
    }

    @Test
    void noPromotionOverAnOldPrimaryThatStillServes() {
        ElectionState e = newLeaderAfterPrimaryLost(Map.of());
        SupervisorState s = probe(SupervisorState.boot(0), e, PgView.standby(1, 900, false, "n1"), NOW).next();
        HaDecision d = Supervisor.decide(s, e, POLICY, new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.WRITABLE));
        assertEquals(HaReason.OLD_PRIMARY_STILL_SERVING, d.reason());
        assertTrue(d.actions().stream().noneMatch(PgAction.Promote.class::isInstance));
    }

    @Test
    void leadershipGoesBackToAnOldPrimaryWhoseVigildReturned() {
        ElectionState e = leader("n2", "n1", Map.of("n1", 50L, "n3", 50L), Map.of());
        SupervisorState s = probe(SupervisorState.boot(0), e, PgView.standby(1, 900, true, "n1"), NOW).next();
        HaDecision d = Supervisor.decide(s, e, POLICY, new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.WRITABLE));
        assertEquals(HaReason.HAND_BACK_TO_PRIMARY, d.reason());
        assertTrue(d.electionInputs().contains(new Observation.Resign(NOW + 5)));
    }

    @Test
    void anUnreachableOldPrimaryNeedsFencingUnlessTheOperatorAcceptedTheRisk() {
        ElectionState e = newLeaderAfterPrimaryLost(Map.of());
        SupervisorState s = probe(SupervisorState.boot(0), e, PgView.standby(1, 900, false, "n1"), NOW).next();
        HaDecision waits = Supervisor.decide(s, e, POLICY, new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.UNREACHABLE));
        assertEquals(HaReason.FENCING_REQUIRED, waits.reason());
        assertTrue(waits.actions().stream().noneMatch(PgAction.Promote.class::isInstance));
        HaPolicy risky = new HaPolicy(16 << 20, false, 3, 60_000, true, 450, 4500, 5000);
        HaDecision promotes = Supervisor.decide(s, e, risky, new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.UNREACHABLE));
        assertTrue(promotes.electionInputs().contains(new Observation.RecordUpdate(NOW + 5, "n2", 1, List.of())));
        assertEquals(HaReason.PROMOTING, promotes.reason());
    }

    @Test
    void aStoppedOldPrimaryIsNoObstacle() {
        ElectionState e = newLeaderAfterPrimaryLost(Map.of());
        SupervisorState s = probe(SupervisorState.boot(0), e, PgView.standby(1, 900, false, "n1"), NOW).next();
        HaDecision d = Supervisor.decide(s, e, POLICY, new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.NOT_WRITABLE));
        assertTrue(d.electionInputs().contains(new Observation.RecordUpdate(NOW + 5, "n2", 1, List.of())),
                "record first: " + d.electionInputs());
        assertTrue(d.actions().stream().noneMatch(PgAction.Promote.class::isInstance), "not before the record is committed");
    }

    @Test
    void theRecordedPrimaryPromotesOnlyOnceItsRecordIsCommitted() {
        ElectionState committed = leader("n2", "n2", Map.of("n3", 50L), Map.of());
        HaDecision d = probe(SupervisorState.boot(0), committed, PgView.standby(1, 900, false, "n1"), NOW);
        assertEquals(List.of(new PgAction.Promote()), d.actions());
        ElectionState pending = new ElectionState(committed.electorate(), committed.durable(), Role.LEADER, "n2", "n2",
                NOW, 0, 0, null, new Leadership(5, NOW - 5000, 50, NOW - 70, new TreeMap<>(Map.of(50L, NOW - 70)),
                Map.of("n3", 40L), NOW - 70, NOW + 1400, 51, false), Candidacy.ELIGIBLE, Map.of());
        HaDecision waits = probe(SupervisorState.boot(0), pending, PgView.standby(1, 900, false, "n1"), NOW);
        assertEquals(List.of(), waits.actions());
    }

    @Test
    void aStoppedRecordedPrimaryRemainsTheBestCandidateAndRestartsWhenItLeads() {
        HaDecision d = probe(SupervisorState.boot(0), follower("n2", "n2"), PgView.down(), NOW);
        assertTrue(d.electionInputs().contains(new Observation.CandidacyChanged(NOW, new Candidacy(true, 2, Long.MAX_VALUE))));
        HaDecision leads = probe(SupervisorState.boot(0), clusterWithPrimary(), PgView.down(), NOW);
        assertEquals(List.of(new PgAction.StartPrimary()), leads.actions());
    }

    @Test
    void theLeaderStandsDownWhenAFollowerIsAhead() {
        ElectionState e = newLeaderAfterPrimaryLost(Map.of("n3", new Candidacy(true, 1, 901), "n1", new Candidacy(true, 1, 5000)));
        SupervisorState s = probe(SupervisorState.boot(0), e, PgView.standby(1, 900, false, "n1"), NOW).next();
        HaDecision d = Supervisor.decide(s, e, POLICY, new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.NOT_WRITABLE));
        assertEquals(HaReason.PEER_AHEAD, d.reason());
        assertTrue(d.electionInputs().contains(new Observation.Resign(NOW + 5)));
        assertTrue(d.actions().stream().noneMatch(PgAction.Promote.class::isInstance));
    }

    @Test
    void afterPromotionTheLeaderRecordsItselfAsPrimaryOnTheNewTimeline() {
        HaDecision d = probe(SupervisorState.boot(0), leader("n2", "n2", Map.of("n3", 50L), Map.of()), PgView.primary(2, 1000), NOW);
        assertTrue(d.electionInputs().contains(new Observation.RecordUpdate(NOW, "n2", 2, List.of())));
        assertEquals(HaReason.PROMOTED, d.reason());
    }

    @Test
    void anOldPrimaryRewindsBeforeFollowingAndReclonesWhenRewindFails() {
        SupervisorState wasPrimary = seeing(PgView.primary(1, 10));
        ElectionState e = follower("n1", "n2");
        HaDecision stop = probe(wasPrimary, e, PgView.primary(1, 10), NOW);
        assertEquals(List.of(new PgAction.Stop(true)), stop.actions());
        SupervisorState stopped = Supervisor.decide(stop.next(), e, POLICY,
                new HaObservation.ActionDone(NOW + 1, new PgAction.Stop(true), true, "")).next();
        HaDecision rewind = probe(stopped, e, PgView.down(), NOW + 2);
        assertEquals(List.of(new PgAction.Rewind("n2")), rewind.actions());
        SupervisorState failed = Supervisor.decide(rewind.next(), e, POLICY,
                new HaObservation.ActionDone(NOW + 3, new PgAction.Rewind("n2"), false, "could not find common ancestor")).next();
        assertEquals(List.of(), probe(failed, e, PgView.down(), NOW + 4).actions(), "a failed action backs off");
        HaDecision clone = probe(failed, e, PgView.down(), NOW + 3 + 500);
        assertEquals(List.of(new PgAction.Clone("n2")), clone.actions());
        assertEquals(HaReason.RECLONE, clone.reason());
    }

    @Test
    void aStandbyFollowsTheNewPrimary() {
        HaDecision d = probe(SupervisorState.boot(0), follower("n3", "n2"), PgView.standby(1, 900, false, "n1"), NOW);
        assertEquals(List.of(new PgAction.StartStandby("n2")), d.actions());
        HaDecision healthy = probe(SupervisorState.boot(0), follower("n3", "n2"), PgView.standby(2, 900, true, "n2"), NOW);
        assertEquals(HaReason.STANDBY_HEALTHY, healthy.reason());
    }

    @Test
    void aRestartedPrimaryKeepsServingWhileItReclaimsLeadershipButNotForever() {
        ElectionState e = follower("n1", "n1");
        SupervisorState booted = SupervisorState.boot(NOW);
        HaDecision within = probe(booted, e, PgView.primary(1, 10), NOW + 4000);
        assertEquals(List.of(), within.actions());
        assertEquals(HaReason.RECLAIMING, within.reason());
        HaDecision after = probe(booted, e, PgView.primary(1, 10), NOW + 4500);
        assertEquals(List.of(new PgAction.Stop(true)), after.actions());
    }

    @Test
    void candidacyFollowsLagAndTheSynchronousSet() {
        ElectionState e = new ElectionState(new Electorate("n3", THREE, TIMING),
                new Durable(6, null, new ClusterRecord(6, 0, "n1", "n1", 1, List.of("n2"))), Role.FOLLOWER, "n1", "n1",
                NOW, 0, 0, null, null, Candidacy.ELIGIBLE, Map.of("n1", new Candidacy(true, 1, 100L << 20)));
        HaDecision lagging = probe(SupervisorState.boot(0), e, PgView.standby(1, 50L << 20, true, "n1"), NOW);
        assertTrue(lagging.electionInputs().contains(new Observation.CandidacyChanged(NOW, Candidacy.INELIGIBLE)));
        HaDecision close = probe(SupervisorState.boot(0), e, PgView.standby(1, 99L << 20, true, "n1"), NOW);
        assertTrue(close.electionInputs().contains(new Observation.CandidacyChanged(NOW, new Candidacy(true, 1, 99L << 20))),
                "a close standby is a candidate at its received position: " + close.electionInputs());
        HaPolicy sync = new HaPolicy(16 << 20, true, 3, 60_000, false, 450, 4500, 5000);
        HaDecision notSync = Supervisor.decide(SupervisorState.boot(0), e, sync,
                new HaObservation.Probed(NOW, PgView.standby(1, 99L << 20, true, "n1")));
        assertTrue(notSync.electionInputs().contains(new Observation.CandidacyChanged(NOW, new Candidacy(false, 1, 99L << 20))),
                "in synchronous mode only the synchronous set may be promoted");
    }

    @Test
    void synchronousModeRecordsAStandbyBeforePostgresMayCountOnIt() {
        HaPolicy sync = new HaPolicy(16 << 20, true, 3, 60_000, false, 450, 4500, 5000);
        ElectionState e = leader("n1", "n1", Map.of("n2", 50L, "n3", 50L),
                Map.of("n2", new Candidacy(true, 1, 900), "n3", new Candidacy(false, 1, 950)));
        HaDecision first = Supervisor.decide(SupervisorState.boot(0), e, sync, new HaObservation.Probed(NOW, PgView.primary(1, 1000)));
        assertTrue(first.electionInputs().contains(new Observation.RecordUpdate(NOW, "n1", 1, List.of("n2", "n3"))),
                "record first: " + first.electionInputs());
        assertEquals(List.of(), first.actions());
        ElectionState recorded = leader("n1", "n1", Map.of("n2", 50L, "n3", 50L),
                Map.of("n2", new Candidacy(true, 1, 900), "n3", new Candidacy(false, 1, 950)));
        recorded = new ElectionState(recorded.electorate(), new Durable(5, "n1", new ClusterRecord(5, 1, "n1", "n1", 1,
                List.of("n2", "n3"))), Role.LEADER, "n1", "n1", NOW - 70, 0, 0, null, recorded.leadership(),
                Candidacy.ELIGIBLE, recorded.known());
        HaDecision apply = Supervisor.decide(SupervisorState.boot(0), recorded, sync, new HaObservation.Probed(NOW, PgView.primary(1, 1000)));
        // 2 standbys, quorum 2, no witness: every electing majority of the survivors holds both, so ANY 1 suffices.
        assertEquals(List.of(new PgAction.SetSyncStandbys(List.of("n2", "n3"), 1)), apply.actions());
    }

    @Test
    void aStoppedOldPrimaryWhoseVigildIsBackRestartsInPlaceInsteadOfLosingItsLastWrites() {
        ElectionState e = leader("n2", "n1", Map.of("n1", 50L, "n3", 50L),
                Map.of("n1", new Candidacy(true, 1, Long.MAX_VALUE), "n3", new Candidacy(true, 1, 100)));
        SupervisorState s = probe(SupervisorState.boot(0), e, PgView.standby(1, 900, false, "n1"), NOW).next();
        HaDecision d = Supervisor.decide(s, e, POLICY, new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.NOT_WRITABLE));
        assertEquals(HaReason.HAND_BACK_TO_PRIMARY, d.reason());
        assertTrue(d.electionInputs().contains(new Observation.Resign(NOW + 5)));
        assertTrue(d.electionInputs().stream().noneMatch(Observation.RecordUpdate.class::isInstance));
    }

    @Test
    void aNewLeaderWaitsForThePositionsOfItsPeersBeforePromoting() {
        TreeMap<Long, Long> sent = new TreeMap<>(Map.of(1L, NOW));
        Leadership fresh = new Leadership(5, NOW, 1, NOW, sent, Map.of("n2", 1L), NOW, NOW + 1470, 1, true);
        ElectionState e = new ElectionState(new Electorate("n1", THREE, TIMING),
                new Durable(5, "n1", new ClusterRecord(5, 1, "n1", "n1", 1, List.of())), Role.LEADER, "n1", "n1",
                NOW, 0, 0, null, fresh, Candidacy.ELIGIBLE, Map.of("n2", new Candidacy(true, 1, 100)));
        HaDecision early = probe(SupervisorState.boot(0), e, PgView.standby(1, 900, false, "n2"), NOW + 10);
        assertEquals(List.of(), early.actions(), "n3 has not reported its position yet");
        HaDecision later = probe(SupervisorState.boot(0), e, PgView.standby(1, 900, false, "n2"), NOW + 450);
        assertEquals(List.of(new PgAction.Promote()), later.actions());
    }

    @Test
    void atBootstrapANodeHoldingDataOutranksAnEmptyOne() {
        ElectionState fresh = ElectionState.boot(new Electorate("n2", THREE, TIMING), Durable.INITIAL, NOW);
        HaDecision withData = probe(SupervisorState.boot(0), fresh, PgView.stoppedWithData(), NOW);
        HaDecision empty = probe(SupervisorState.boot(0), fresh, PgView.down(), NOW);
        Candidacy a = ((Observation.CandidacyChanged) withData.electionInputs().get(0)).candidacy();
        Candidacy b = empty.electionInputs().isEmpty() ? fresh.own()
                : ((Observation.CandidacyChanged) empty.electionInputs().get(0)).candidacy();
        assertTrue(a.eligible() && b.eligible() && a.compareTo(b) > 0, a + " vs " + b);
    }

    @Test
    void theFirstStartIsNotACrashAndAStallWithoutALeadingPrimaryTriggersNoRewind() {
        HaDecision first = probe(SupervisorState.boot(0), clusterWithPrimary(), PgView.down(), NOW);
        assertEquals(HaReason.START_PRIMARY, first.reason());
        assertTrue(first.next().restarts().isEmpty());
        // n3 follows n1, which is recorded as primary but no longer leads (n2 does): it stalls, and must wait.
        SupervisorState stalled = probe(SupervisorState.boot(0), follower("n3", "n1"), PgView.standby(1, 50, false, "n1"), NOW).next();
        HaDecision later = probe(stalled, follower("n3", "n1"), PgView.standby(1, 50, false, "n1"), NOW + 60_000);
        assertTrue(later.actions().isEmpty(), "no rewind from a primary that does not lead: " + later.actions());
    }
}
