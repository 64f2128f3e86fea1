package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.Report;
import vigil.core.election.Report.PgSafety;

/**
 * A standby checks a silent primary's PostgreSQL while it waits out its no-vote window ({@link EarlyCheck}), and, once
 * elected, counts a timeout from then as the check (never as a proof), so a dead host costs the promotion nothing.
 */
class EarlyCheckTest {
    /** n1 announced an armed watchdog in term 5: the proof a failover over it will have. */
    static final Report WATCHED = new Report(1_100, PgSafety.MAY_WRITE);
    static final PgAction.ProbePeer CHECK = new PgAction.ProbePeer("n1", PgAction.ProbePeer.CHECK_DEADLINE_MS);
    static final long HEARTBEAT = TIMING.heartbeatMs();

    /** n2 follows n1, the recorded primary, which announced its watchdog and was last heard at {@code heardAt}. */
    static Situation follower(long heardAt) {
        return following("n2", "n1", 5).pg(primaryIs("n1")).ledIn("n1", 5).report("n1", 5, WATCHED).heardAt(heardAt);
    }

    static List<PgAction.ProbePeer> probes(HaDecision d) {
        return actionsOf(d, PgAction.ProbePeer.class);
    }

    @Test
    void aStandbyChecksItsPrimaryOnceItHasBeenSilentForTwoHeartbeatsAndSaysNothingOfIt() {
        HaDecision heard = tick(probed(FailOverTest.MINE), follower(NOW - 2 * HEARTBEAT + 1), NOW);
        assertEquals(List.of(), probes(heard), "one heartbeat late is no silence");
        HaDecision silent = tick(probed(FailOverTest.MINE), follower(NOW - 2 * HEARTBEAT), NOW);
        assertEquals(List.of(CHECK), probes(silent), "the check's question, with its short deadline");
        assertEquals(reason(heard), reason(silent), "asked quietly: the follower's reason is unchanged");
        HaDecision again = tick(silent.next(), follower(NOW - 2 * HEARTBEAT), NOW + HaStep.PEER_PROBE_EVERY_MS - 1);
        assertEquals(List.of(), probes(again), "not more often than any direct probe");
        HaDecision later = tick(silent.next(), follower(NOW - 2 * HEARTBEAT), NOW + HaStep.PEER_PROBE_EVERY_MS);
        assertEquals(List.of(CHECK), probes(later));
    }

    @Test
    void itAsksUntilOneReCheckWindowPastItsNoVoteWindow() {
        long last = NOW - TIMING.leaseMs() - Leading.RECHECK_MS;
        assertEquals(List.of(CHECK), probes(tick(probed(FailOverTest.MINE), follower(last + 1), NOW)));
        assertEquals(List.of(), probes(tick(probed(FailOverTest.MINE), follower(last), NOW)),
                "an answer from then would be too old to count: no election came");
    }

    @Test
    void withoutAnAnnouncedWatchdogNothingIsAskedEarly() {
        Situation unwatched = following("n2", "n1", 5).pg(primaryIs("n1")).ledIn("n1", 5).heardAt(NOW - 400);
        assertEquals(List.of(), probes(tick(probed(FailOverTest.MINE), unwatched, NOW)),
                "the answer may then be the proof itself, which only an answer after the election can give");
        Situation withdrawn = follower(NOW - 400).unwatched("n1", 5);
        assertEquals(List.of(), probes(tick(probed(FailOverTest.MINE), withdrawn, NOW)), "a withdrawn announcement proves nothing");
    }

    @Test
    void onlyASilentLeaderThatIsTheRecordedPrimaryIsChecked() {
        Situation otherLeader = following("n2", "n3", 5).pg(primaryIs("n1")).ledIn("n1", 4).report("n1", 5, WATCHED)
                .heardAt(NOW - 400);
        assertEquals(List.of(), probes(tick(probed(FailOverTest.MINE), otherLeader, NOW)), "n3's silence says nothing of n1");
        Situation primaryHere = following("n1", "n1", 5).pg(primaryIs("n1")).heardAt(NOW - 400);
        assertEquals(List.of(), probes(tick(probed(primary(PRIMARY_LSN)), primaryHere, NOW)));
    }

    @Test
    void aStandbyThatCannotBeElectedOrIsPausedAsksNothing() {
        Situation ineligible = follower(NOW - 400).own(vigil.core.election.Candidacy.INELIGIBLE);
        assertEquals(List.of(), probes(tick(probed(FailOverTest.MINE), ineligible, NOW)));
        Situation paused = follower(NOW - 400).pg(primaryIs("n1").withPaused(PauseTest.BY_ALICE));
        assertEquals(List.of(), probes(tick(probed(FailOverTest.MINE), paused, NOW)), "maintenance: no failover to prepare");
    }

    @Test
    void aFollowerWakesWhenItsLeaderHasBeenSilentLongEnough() {
        Situation f = follower(NOW - 50);
        long due = NOW - 50 + 2 * HEARTBEAT;
        assertEquals(due, Supervisor.wakeAt(probed(FailOverTest.MINE), f.build(), ASYNC, NOW));
    }

    // ---- elected, with an early answer in hand -------------------------------------------------------------------

    /** n2 was elected at NOW - 20 in place of n1, whose watchdog is the proof; n3 acknowledges. */
    static Situation elected() {
        return newLeaderAfterPrimaryLost().report("n1", 5, WATCHED).electedAt(NOW - 20);
    }

    /** n1's PostgreSQL answered {@code result} to a follower's early check (80 ms) sent at {@code startedAt}. */
    static HaDecision early(Situation e, PeerPg result, long startedAt) {
        return decide(probed(FailOverTest.MINE), e, ASYNC, new HaObservation.PeerProbed(NOW, "n1", result, startedAt,
                result.name(), PgAction.ProbePeer.CHECK_DEADLINE_MS));
    }

    @Test
    void anEarlyTimeoutIsTheCheckTheNewLeaderNeedsNoOtherQuestion() {
        HaDecision d = early(elected(), PeerPg.UNKNOWN, NOW - 300);
        FailOverTest.assertPromotes(d);
        assertEquals(List.of(), probes(d), "recorded at once: no probe after the election");
        assertEquals(HaReason.PROMOTING, reason(d));
    }

    @Test
    void anEarlyWritableAnswerIsNoNewsAndIsAskedAgain() {
        HaDecision d = early(elected(), PeerPg.WRITABLE, NOW - 300);
        assertNull(recorded(d));
        assertEquals(List.of(CHECK), probes(d));
        assertEquals(HaReason.PROBING_OLD_PRIMARY, reason(d));
    }

    @Test
    void anEarlyInRecoveryAnswerIsNeitherTheCheckNorAProof() {
        HaDecision d = early(elected(), PeerPg.IN_RECOVERY, NOW - 300);
        assertNull(recorded(d), "its own leadership could have promoted it since");
        assertEquals(List.of(CHECK), probes(d));
        Situation noWatchdog = newLeaderAfterPrimaryLost().electedAt(NOW - 20);
        HaDecision unproven = early(noWatchdog, PeerPg.IN_RECOVERY, NOW - 300);
        assertNull(recorded(unproven), "no proof either");
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.DEADLINE_MS)), probes(unproven));
    }

    /**
     * With a short lease (400 ms, heartbeat 100 ms) a node elected at NOW - 20 was silent from NOW - 220 at the
     * latest: an answer within the re-check window but from before that (this node's own probe in an earlier
     * leadership, a refusal while the old primary restarted and was still heard) is asked again.
     */
    @Test
    void anAnswerFromBeforeTheSilenceIsNoCheck() {
        Situation shortLease = elected().timing(vigil.core.election.Timing.of(100, 400, 0.01));
        HaDecision before = early(shortLease, PeerPg.UNKNOWN, NOW - 221);
        assertNull(recorded(before));
        assertEquals(List.of(CHECK), probes(before));
        FailOverTest.assertPromotes(early(shortLease, PeerPg.UNKNOWN, NOW - 220));
    }

    @Test
    void anEarlyTimeoutOlderThanTheReCheckWindowIsAskedAgain() {
        HaDecision d = early(elected(), PeerPg.UNKNOWN, NOW - Leading.RECHECK_MS - 1);
        assertNull(recorded(d));
        assertEquals(List.of(CHECK), probes(d));
    }

    @Test
    void anEarlyTimeoutIsNoCheckWhenItsAnswerWouldHaveToBeTheGuard() {
        Situation risk = newLeaderAfterPrimaryLost().electedAt(NOW - 20);
        // Even a full one from before (this node's probe in a leadership of its own): it is no check, it is the guard.
        HaDecision d = decide(probed(FailOverTest.MINE), risk, WITHOUT_FENCING, new HaObservation.PeerProbed(NOW, "n1",
                PeerPg.UNKNOWN, NOW - 300, "timeout", PgAction.ProbePeer.DEADLINE_MS));
        assertNull(recorded(d), "failover_without_fencing: only a full check after the election guards it");
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.DEADLINE_MS)), probes(d));
    }
}
