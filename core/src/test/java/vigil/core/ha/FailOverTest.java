package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import vigil.core.election.PgRecord;
import vigil.core.election.Report;
import vigil.core.election.Report.PgSafety;

/**
 * A new leader whose record names another primary promotes only with a proof that the old primary cannot write
 * ({@link FailOver}); any one proof suffices, a direct WRITABLE answer forbids it, and an answer that proves nothing
 * (refused, timeout, 57P03: UNKNOWN) leaves it waiting in FENCING_REQUIRED. Then, just before pg_promote, the former
 * primary is re-checked ({@link Leading#RECHECK_MS}).
 */
class FailOverTest {
    /** n2's own PostgreSQL: a standby of n1 on timeline 1, ahead of n3, no longer streaming. */
    static final PgView MINE = standby(1, PRIMARY_LSN - MB, false, "n1");

    /** What n2 decides when n1's PostgreSQL answers {@code result} to a probe sent at NOW, in situation {@code e}. */
    static HaDecision answered(Situation e, HaPolicy p, PeerPg result) {
        return decide(probed(MINE), e, p, new HaObservation.PeerProbed(NOW + 5, "n1", result, NOW, result.name()));
    }

    static HaDecision answered(Situation e, PeerPg result) {
        return answered(e, ASYNC, result);
    }

    /** The record a successful proof writes: n2 primary in place of n1, re-checked before pg_promote. */
    static final PgRecord N2_REPLACES_N1 = primaryIs("n1").withPrimary("n2", "n1");

    static void assertPromotes(HaDecision d) {
        assertEquals(N2_REPLACES_N1, recorded(d));
        assertEquals(new Why(HaReason.PROMOTING, "n1", why(d).detail(), why(d).promotion()), why(d));
        assertNotNull(why(d).promotion(), "the decision that records the promotion names its cause");
        assertEquals(List.of(), actionsOf(d, PgAction.Promote.class), "the record first, the promotion once committed");
    }

    static void assertWaitsForAProof(HaDecision d) {
        assertNull(recorded(d));
        assertEquals(HaReason.FENCING_REQUIRED, reason(d));
        assertEquals("n1", why(d).peer());
    }

    @Test
    void aNewLeaderAsksTheOldPrimaryDirectlyFirst() {
        HaDecision d = tick(probed(MINE), newLeaderAfterPrimaryLost(), NOW);
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.DEADLINE_MS)), d.actions(),
                "no other proof: the answer may be the proof, the full deadline");
        assertEquals(new Why(HaReason.PROBING_OLD_PRIMARY, "n1", why(d).detail()), why(d));
        assertNull(recorded(d));
    }

    /**
     * With a proof in hand (an armed watchdog announced) the answer is only the check that the old primary does not
     * answer as writable: the short deadline, so a dead host delays the promotion by 80 ms, not 200 ms. Not for an
     * announcement the record withdrew: no proof then.
     */
    @Test
    void withAProofInHandTheOldPrimaryIsAskedWithTheChecksShortDeadline() {
        Situation e = newLeaderAfterPrimaryLost().report("n1", 5, new Report(1_100, PgSafety.MAY_WRITE));
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.CHECK_DEADLINE_MS)),
                tick(probed(MINE), e, NOW).actions());
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.DEADLINE_MS)),
                tick(probed(MINE), e.unwatched("n1", 5), NOW).actions());
    }

    /**
     * Asked with the short deadline while a proof held (n1's watchdog), the probe timed out; meanwhile that proof went
     * (the record withdrew the announcement) and failover_without_fencing is all that is left: the timeout of an
     * 80 ms probe is no full check, so the old primary is asked again with the full deadline before anything is
     * promoted. A timeout of the full deadline lets the promotion go on.
     */
    @Test
    void aShortProbesTimeoutIsNoFullCheckOnceTheProofThatAllowedItIsGone() {
        Situation proven = newLeaderAfterPrimaryLost().report("n1", 5, new Report(1_100, PgSafety.MAY_WRITE));
        HaDecision asked = decide(probed(MINE), proven, WITHOUT_FENCING, new HaObservation.Tick(NOW));
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.CHECK_DEADLINE_MS)), asked.actions());
        Situation gone = proven.unwatched("n1", 5);
        HaDecision timedOut = decide(asked.next(), gone, WITHOUT_FENCING,
                new HaObservation.PeerProbed(NOW + 85, "n1", PeerPg.UNKNOWN, NOW + 1, "timeout",
                        PgAction.ProbePeer.CHECK_DEADLINE_MS));
        assertNull(recorded(timedOut), "no promotion on a short probe's silence");
        HaDecision again = decide(timedOut.next(), gone, WITHOUT_FENCING, new HaObservation.Tick(NOW + 260));
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.DEADLINE_MS)), again.actions());
        HaDecision full = decide(again.next(), gone, WITHOUT_FENCING,
                new HaObservation.PeerProbed(NOW + 465, "n1", PeerPg.UNKNOWN, NOW + 261, "timeout"));
        assertEquals(HaReason.PROMOTING, reason(full), "the full check found nothing: the accepted risk allows it");
    }

    /** With failover_without_fencing the direct probe is the only guard against a live primary: its full deadline. */
    @Test
    void withoutFencingTheProbeKeepsItsFullDeadline() {
        HaDecision d = decide(probed(MINE), newLeaderAfterPrimaryLost(), WITHOUT_FENCING, new HaObservation.Tick(NOW));
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.DEADLINE_MS)), d.actions());
    }

    @Test
    void anOldPrimaryAnsweringWritableIsNeverPromotedOverWhateverElseHolds() {
        // Every other proof holds at once: an armed watchdog, a stopped report, and failover_without_fencing.
        Situation e = newLeaderAfterPrimaryLost().report("n1", 5, new Report(1_100, PgSafety.STOPPED));
        HaDecision d = answered(e, WITHOUT_FENCING, PeerPg.WRITABLE);
        assertNull(recorded(d));
        assertEquals(new Why(HaReason.OLD_PRIMARY_STILL_SERVING, "n1", why(d).detail()), why(d));
    }

    @Test
    void anOldPrimaryAnsweringWritableGetsLeadershipBackOnceItsVigildAcknowledges() {
        HaDecision d = answered(newLeaderAfterPrimaryLost().acked("n1").known("n1", 1, PRIMARY_LSN), PeerPg.WRITABLE);
        assertNull(recorded(d));
        assertTrue(resigns(d));
        assertEquals(new Why(HaReason.HAND_BACK_TO_PRIMARY, "n1", why(d).detail()), why(d));
        assertEquals("n1", resignsTo(d), "handed back by name: the primary stands at once, the others hold back");
    }

    /**
     * Under steady writes the old primary's relayed position is older than this standby's newest probe: voters exempt
     * the recorded primary from comparisons of position, and so does the hand-back.
     */
    @Test
    void theHandBackDoesNotCompareTheServingPrimarysRelayedPositionWithTheLeadersOwn() {
        HaDecision d = answered(newLeaderAfterPrimaryLost().acked("n1").known("n1", 1, PRIMARY_LSN - 4 * MB), PeerPg.WRITABLE);
        assertTrue(resigns(d));
        assertEquals("n1", resignsTo(d));
    }

    /**
     * A vigild just restarted acknowledges before its first probe, with a placeholder position it could not win with
     * (or none): handed back then, nobody led until this leader stood again. It keeps leading until the old primary
     * reports where it stands.
     */
    @ParameterizedTest
    @ValueSource(strings = {"none", "placeholder", "unknown position"})
    void noHandBackBeforeTheOldPrimaryReportsAPositionToStandWith(String reported) {
        Situation e = newLeaderAfterPrimaryLost().acked("n1");
        if (reported.equals("placeholder")) e = e.known("n1", vigil.core.election.Candidacy.ELIGIBLE);
        if (reported.equals("unknown position")) e = e.known("n1", new vigil.core.election.Candidacy(true, 1, PRIMARY_LSN, false));
        HaDecision d = answered(e, PeerPg.WRITABLE);
        assertNull(recorded(d));
        assertFalse(resigns(d), reported);
        assertEquals(HaReason.OLD_PRIMARY_STILL_SERVING, why(d).reason());
        assertTrue(why(d).detail().contains("does not report a position to stand with yet"), why(d).detail());
    }

    @ParameterizedTest
    @ValueSource(strings = {"connection refused", "timeout", "FATAL 57P03: the database system is starting up"})
    void anAnswerThatProvesNothingLeavesTheLeaderWaitingForAProof(String detail) {
        HaDecision d = decide(probed(MINE), newLeaderAfterPrimaryLost(), ASYNC,
                new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.UNKNOWN, NOW, detail));
        assertWaitsForAProof(d);
    }

    @Test
    void anArmedWatchdogInTheOldPrimarysCurrentReportIsAProof() {
        Situation e = newLeaderAfterPrimaryLost().report("n1", 5, new Report(1_100, PgSafety.MAY_WRITE));
        assertPromotes(answered(e, PeerPg.UNKNOWN));
    }

    /**
     * The old primary withdrew its watchdog announcements of term 5 in the record before its vigild ended on purpose
     * ({@code restart-daemon}): an announcement of that term still held here (a copy of an older heartbeat reaching a
     * vigild restarted since, or one heard before this node missed the withdrawal) proves nothing; nor does the
     * record's withdrawal reach past its term.
     */
    @Test
    void anAnnouncementTheOldPrimaryWithdrewInTheRecordIsNoProof() {
        Situation e = newLeaderAfterPrimaryLost().report("n1", 5, new Report(1_100, PgSafety.MAY_WRITE)).unwatched("n1", 5);
        assertWaitsForAProof(answered(e, PeerPg.UNKNOWN));
        // A withdrawal of term 4 (n1 restarted its vigild then, and led term 5 since) leaves term 5's announcement.
        assertPromotes(answered(newLeaderAfterPrimaryLost().report("n1", 5, new Report(1_100, PgSafety.MAY_WRITE))
                .unwatched("n1", 4), PeerPg.UNKNOWN));
    }

    @ParameterizedTest
    @EnumSource(value = PgSafety.class, names = {"STOPPED", "STANDBY"})
    void aReportThatPostgresCannotWriteHeardSinceItLastLedIsAProof(PgSafety safety) {
        Situation e = newLeaderAfterPrimaryLost().report("n1", 6, new Report(0, safety));
        assertPromotes(answered(e, PeerPg.UNKNOWN));
    }

    @ParameterizedTest
    @EnumSource(value = PgSafety.class, names = {"STOPPED", "STANDBY"})
    void inTheTermItLedOnlyTheOldPrimarysFarewellIsAProof(PgSafety safety) {
        // While it led term 5 it could start PostgreSQL after any report; its farewell (Resign) is its last word.
        assertWaitsForAProof(answered(newLeaderAfterPrimaryLost().report("n1", 5, new Report(0, safety)), PeerPg.UNKNOWN));
        assertPromotes(answered(newLeaderAfterPrimaryLost().farewell("n1", 5, new Report(0, safety)), PeerPg.UNKNOWN));
    }

    @Test
    void aReportThatPostgresMayWriteIsNoProof() {
        Situation e = newLeaderAfterPrimaryLost().report("n1", 5, new Report(0, PgSafety.MAY_WRITE));
        assertWaitsForAProof(answered(e, PeerPg.UNKNOWN));
    }

    @Test
    void aReportFromBeforeTheOldPrimaryLastLedProvesNothing() {
        // Heard in term 4; n1 led term 5 since, and may have been made writable then.
        Situation e = newLeaderAfterPrimaryLost().report("n1", 4, new Report(1_100, PgSafety.STOPPED));
        assertWaitsForAProof(answered(e, PeerPg.UNKNOWN));
    }

    @Test
    void anInRecoveryAnswerIsAProof() {
        assertPromotes(answered(newLeaderAfterPrimaryLost(), PeerPg.IN_RECOVERY));
    }

    @Test
    void failoverWithoutFencingIsAProofTheOperatorAccepted() {
        assertPromotes(answered(newLeaderAfterPrimaryLost(), WITHOUT_FENCING, PeerPg.UNKNOWN));
    }

    @Test
    void anAnswerToAProbeSentBeforeThisLeadershipDoesNotCount() {
        Situation e = newLeaderAfterPrimaryLost().electedAt(NOW);
        HaDecision d = decide(probed(MINE), e, ASYNC, new HaObservation.PeerProbed(NOW + 500, "n1", PeerPg.IN_RECOVERY,
                NOW - 1, ""));
        assertNull(recorded(d));
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.DEADLINE_MS)), d.actions());
        assertEquals(HaReason.PROBING_OLD_PRIMARY, reason(d));
    }

    @Test
    void aStoppedOldPrimaryThatIsAheadAndBackGetsLeadershipBack() {
        // n1's vigild is back and acknowledges; its PostgreSQL is stopped but holds more than n2: it restarts in place.
        Situation e = newLeaderAfterPrimaryLost().acked("n1").known("n1", 1, PRIMARY_LSN)
                .report("n1", 6, new Report(0, PgSafety.STOPPED));
        HaDecision d = answered(e, PeerPg.UNKNOWN);
        assertNull(recorded(d));
        assertTrue(resigns(d));
        assertEquals(new Why(HaReason.HAND_BACK_TO_PRIMARY, "n1", why(d).detail()), why(d));
        assertEquals("n1", resignsTo(d), "handed back by name: the primary stands at once, the others hold back");
    }

    @Test
    void aStandbyAheadOfTheNewLeaderMakesItStandDown() {
        Situation e = newLeaderAfterPrimaryLost().known("n3", 1, PRIMARY_LSN - MB + 1);
        HaDecision d = answered(e, PeerPg.IN_RECOVERY);
        assertNull(recorded(d));
        assertTrue(resigns(d));
        assertEquals(new Why(HaReason.PEER_AHEAD, "n3", why(d).detail()), why(d));
    }

    @Test
    void anIneligibleNewLeaderStandsDownInsteadOfPromoting() {
        HaDecision d = answered(newLeaderAfterPrimaryLost(), PeerPg.IN_RECOVERY);
        assertPromotes(d);
        // The same, with n2 lagging more than max_lag_on_failover behind n1's last known position.
        Situation behind = newLeaderAfterPrimaryLost().known("n1", 1, PRIMARY_LSN - MB + MAX_LAG + 1);
        HaDecision lagging = answered(behind, PeerPg.IN_RECOVERY);
        assertNull(recorded(lagging));
        assertTrue(resigns(lagging));
        assertEquals(HaReason.NOT_ELIGIBLE, reason(lagging));
    }

    // ---- why the old primary is replaced (a label: the same proofs decide) ------------------------------------------

    /** n1 armed its watchdog in term 5 and fell silent: its host is down or cut off. */
    @Test
    void aSilentPrimaryIsUnreachable() {
        assertCause(PromotionCause.PRIMARY_UNREACHABLE,
                newLeaderAfterPrimaryLost().report("n1", 5, new Report(1_100, PgSafety.MAY_WRITE)));
    }

    /** n2 promotes in place of n1 (whose PostgreSQL answers nothing), naming {@code cause}. */
    private static void assertCause(PromotionCause cause, Situation e) {
        HaDecision d = answered(e, PeerPg.UNKNOWN);
        assertPromotes(d);
        assertEquals(cause, why(d).promotion());
    }

    /** n1's vigild resigned as it stopped PostgreSQL (a plain stop of vigild), naming nobody. */
    @Test
    void aPrimaryThatResignedNamingNobodySteppedDown() {
        assertCause(PromotionCause.PRIMARY_STEPPED_DOWN,
                newLeaderAfterPrimaryLost().farewell("n1", 5, new Report(0, PgSafety.STOPPED)));
    }

    /**
     * n1 resigned and has acknowledged this leadership since: its farewell among the reports is replaced by the
     * acknowledgement's report, but it is there and no longer leads.
     */
    @Test
    void aPrimaryStillHeardFromSteppedDown() {
        assertCause(PromotionCause.PRIMARY_STEPPED_DOWN, resignedAndHeardSince());
    }

    /** n1 stopped PostgreSQL, resigned, and acknowledges this leadership (behind n2) with PostgreSQL stopped. */
    private static Situation resignedAndHeardSince() {
        return newLeaderAfterPrimaryLost().acked("n1").report("n1", 6, new Report(0, PgSafety.STOPPED))
                .known("n1", 1, PRIMARY_LSN - 2 * MB);
    }

    /** n1's resignation named n2, and that began the campaign that won: a planned switchover. */
    @Test
    void aPrimaryThatNamedThisNodeHandedOver() {
        assertCause(PromotionCause.SWITCHOVER, resignedAndHeardSince().handedOverBy("n1"));
        // Handed over by another node than the primary replaced: not this primary's switchover.
        assertCause(PromotionCause.PRIMARY_STEPPED_DOWN,
                newLeaderAfterPrimaryLost().farewell("n1", 5, new Report(0, PgSafety.STOPPED)).handedOverBy("n3"));
    }

    /** The cause names only the decision that records the promotion, not the pg_promote after it. */
    @Test
    void onlyTheRecordingDecisionNamesTheCause() {
        HaDecision d = peer(probed(MINE), promotingLeader(), "n1", PeerPg.IN_RECOVERY, NOW - Leading.RECHECK_MS, NOW);
        assertEquals(List.of(new PgAction.Promote(null)), d.actions());
        assertNull(why(d).promotion());
    }

    // ---- the re-check just before pg_promote ------------------------------------------------------------------

    @Test
    void noPromoteBeforeTheFormerPrimaryIsReChecked() {
        HaDecision d = tick(probed(MINE), promotingLeader(), NOW);
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.DEADLINE_MS)), d.actions());
        assertEquals(new Why(HaReason.PROBING_OLD_PRIMARY, "n1", why(d).detail()), why(d));
        // The promotion was allowed by n1's armed watchdog: the re-check is only that it does not answer as writable.
        HaDecision proven = tick(probed(MINE), promotingLeader().report("n1", 5, new Report(1_100, PgSafety.MAY_WRITE)), NOW);
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.CHECK_DEADLINE_MS)), proven.actions());
    }

    @Test
    void anAnswerStartedWithinTheReCheckWindowAllowsThePromote() {
        HaDecision d = peer(probed(MINE), promotingLeader(), "n1", PeerPg.IN_RECOVERY, NOW - Leading.RECHECK_MS, NOW);
        assertEquals(List.of(new PgAction.Promote(null)), d.actions());
        assertEquals(new Why(HaReason.PROMOTING, "n1", why(d).detail()), why(d));
    }

    @Test
    void anAnswerStartedBeforeTheReCheckWindowIsAskedAgain() {
        HaDecision d = peer(probed(MINE), promotingLeader(), "n1", PeerPg.IN_RECOVERY, NOW - Leading.RECHECK_MS - 1, NOW);
        assertEquals(List.of(new PgAction.ProbePeer("n1", PgAction.ProbePeer.DEADLINE_MS)), d.actions());
    }

    @Test
    void aWritableAnswerAtTheReCheckBlocksThePromote() {
        HaDecision d = peer(probed(MINE), promotingLeader(), "n1", PeerPg.WRITABLE, NOW - 5, NOW);
        assertEquals(List.of(), actionsOf(d, PgAction.Promote.class));
        assertEquals(new Why(HaReason.OLD_PRIMARY_STILL_SERVING, "n1", why(d).detail()), why(d));
    }

    @Test
    void anUnknownAnswerAtTheReCheckDoesNotDelayAPromotionAProofAllowed() {
        HaDecision d = peer(probed(MINE), promotingLeader(), "n1", PeerPg.UNKNOWN, NOW - 5, NOW);
        assertEquals(List.of(new PgAction.Promote(null)), d.actions());
    }

    /**
     * Just elected: n3 acknowledged this leadership, the former primary n1 is silent (dead). Its position is not
     * awaited: waiting for it cost three heartbeats (450 ms) of every failover.
     */
    @Test
    void theSilentFormerPrimarysPositionIsNotAwaited() {
        HaDecision d = peer(probed(MINE), promotingLeader().electedAt(NOW - 10), "n1", PeerPg.UNKNOWN, NOW - 5, NOW);
        assertEquals(List.of(new PgAction.Promote(null)), d.actions());
    }

    /** A former primary whose vigild vouched for a stopped PostgreSQL is probably alive and may be ahead: awaited. */
    @Test
    void aFormerPrimaryThatVouchedForItselfHasItsPositionAwaited() {
        Situation e = promotingLeader().electedAt(NOW - 10).report("n1", 6, new Report(0, PgSafety.STOPPED));
        HaDecision d = peer(probed(MINE), e, "n1", PeerPg.UNKNOWN, NOW - 5, NOW);
        assertEquals(List.of(), actionsOf(d, PgAction.Promote.class));
        assertEquals(new Why(HaReason.PROMOTING, null, "waiting for every standby's position"), why(d));
    }

    @Test
    void withoutAFormerPrimaryNothingIsReChecked() {
        Situation e = leading("n2", 6).pg(primaryIs("n2")).acked("n3").known("n3", 1, PRIMARY_LSN - 2 * MB);
        HaDecision d = tick(probed(MINE), e, NOW);
        assertEquals(List.of(new PgAction.Promote(null)), d.actions());
    }
}
