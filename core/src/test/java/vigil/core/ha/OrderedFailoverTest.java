package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.FailoverOrder;
import vigil.core.election.Observation;
import vigil.core.election.PgRecord;

/**
 * {@code vigilctl failover --to NODE [--accept-data-loss]} ({@link OrderedFailover}): what the order waives (lag, the
 * synchronous set, a ban, peers ahead: only with the operator's acceptance), what it never waives (the one-writer
 * proof), and who carries it out.
 */
class OrderedFailoverTest {
    /** n2's standby of n1, on timeline 1, 32 MB behind n1's last reported position: over max_lag_on_failover. */
    static final PgView LAGGING = standby(1, PRIMARY_LSN - 32 * MB, false, "n1");

    /** n2 leads term 6 after n1 was lost; n1 last reported {@link #PRIMARY_LSN}; n3 acknowledges, behind n2. */
    static Situation laggingLeader() {
        return newLeaderAfterPrimaryLost().known("n1", 1, PRIMARY_LSN).known("n3", 1, PRIMARY_LSN - 40 * MB);
    }

    static final PgRecord.Paused ALICE = new PgRecord.Paused("alice", "2026-12-02T03:00:00Z", 5);

    static HaObservation.FailoverOrdered order(String target, boolean acceptDataLoss) {
        return new HaObservation.FailoverOrdered(NOW, target, "alice on n1", acceptDataLoss);
    }

    /** n2's supervisor after the order to n2 arrived in {@code e}. */
    static HaDecision ordered(PgView mine, Situation e, HaPolicy p, boolean acceptDataLoss) {
        return decide(led(probed(mine)), e, p, order("n2", acceptDataLoss));
    }

    static FailoverOrder electionOrder(HaDecision d) {
        FailoverOrder last = null;
        for (Observation o : d.electionInputs()) if (o instanceof Observation.Ordered ord) last = ord.order();
        return last;
    }

    @Test
    void withoutAcceptDataLossALaggingStandbyIsRefusedAndToldHowFarBehind() {
        SupervisorState n2 = led(probed(LAGGING));
        String refusal = Supervisor.refusesFailover(n2, laggingLeader().build(), ASYNC, false, NOW);
        assertEquals((32 * MB) + " bytes behind the primary n1's last reported position (max_lag_on_failover: " + MAX_LAG
                + "): vigilctl failover --to n2 --accept-data-loss promotes it anyway", refusal);
        assertNull(Supervisor.refusesFailover(n2, laggingLeader().build(), ASYNC, true, NOW));
        HaDecision d = decide(n2, laggingLeader(), ASYNC, order("n2", false));
        assertNull(d.next().order(), "a refused order is not held");
    }

    @Test
    void withAcceptDataLossTheLaggingStandbyIsACandidateAndThePromotionSaysWhatIsLost() {
        HaDecision held = ordered(LAGGING, laggingLeader(), ASYNC, true);
        assertNotNull(held.next().order());
        assertEquals(new FailoverOrder("alice on n1", true), electionOrder(held), "the election carries the order");
        assertTrue(candidacy(held).eligible(), "lag waived");
        HaDecision promoted = decide(held.next(), laggingLeader(), ASYNC,
                new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.IN_RECOVERY, NOW, "in recovery"));
        assertEquals(primaryIs("n1").withPrimary("n2", "n1"), recorded(promoted));
        assertEquals(HaReason.PROMOTING, reason(promoted));
        assertEquals(PromotionCause.ORDERED, why(promoted).promotion(), "the operator's order is the cause");
        assertTrue(why(promoted).detail().endsWith("; ordered by alice on n1, accepting data loss: " + (32 * MB)
                + " bytes behind the primary n1's last reported position (max_lag_on_failover: " + MAX_LAG + ")"),
                why(promoted).detail());
        // Without the order the same leader stands down: not eligible.
        HaDecision plain = decide(led(probed(LAGGING)), laggingLeader(), ASYNC,
                new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.IN_RECOVERY, NOW, "in recovery"));
        assertNull(recorded(plain));
        assertEquals(HaReason.NOT_ELIGIBLE, reason(plain));
    }

    @Test
    void theOrderNeverSkipsTheProofThatTheOldPrimaryCannotWrite() {
        HaDecision held = ordered(LAGGING, laggingLeader(), ASYNC, true);
        HaDecision d = decide(held.next(), laggingLeader(), ASYNC,
                new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.UNKNOWN, NOW, "connection timed out"));
        assertNull(recorded(d), "no proof, no promotion, whatever the operator accepted");
        assertEquals(HaReason.FENCING_REQUIRED, reason(d));
        HaDecision writable = decide(held.next(), laggingLeader(), ASYNC,
                new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.WRITABLE, NOW, "writable"));
        assertNull(recorded(writable), "never over an old primary that answers as writable");
    }

    @Test
    void aPeerAheadStopsTheOrderedLeaderOnlyWithoutAcceptDataLoss() {
        Situation e = newLeaderAfterPrimaryLost().known("n3", 1, PRIMARY_LSN);
        PgView mine = FailOverTest.MINE;
        assertEquals("n3 is " + MB + " bytes ahead: vigilctl failover --to n2 --accept-data-loss promotes it anyway",
                Supervisor.refusesFailover(led(probed(mine)), e.build(), ASYNC, false, NOW));
        HaDecision held = ordered(mine, e, ASYNC, true);
        HaDecision d = decide(held.next(), e, ASYNC, new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.IN_RECOVERY, NOW, ""));
        assertEquals("n2", recorded(d).primary());
        assertTrue(why(d).detail().endsWith("accepting data loss: n3 is " + MB + " bytes ahead"), why(d).detail());
    }

    @Test
    void anOrderWithoutAcceptDataLossKeepsThePeerAheadRule() {
        // Taken while nobody was ahead; by the time the old primary is proven down, n3 reports a position beyond n2's.
        HaDecision held = ordered(FailOverTest.MINE, newLeaderAfterPrimaryLost(), ASYNC, false);
        assertNotNull(held.next().order());
        Situation later = newLeaderAfterPrimaryLost().known("n3", 1, PRIMARY_LSN);
        HaDecision d = decide(held.next(), later, ASYNC, new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.IN_RECOVERY, NOW, ""));
        assertNull(recorded(d));
        assertTrue(resigns(d));
        assertEquals(HaReason.PEER_AHEAD, reason(d), "the order alone waives nothing");
    }

    @Test
    void theReCheckBeforePgPromoteSkipsThePeerAheadRuleOnlyWithAcceptDataLoss() {
        // n2's record already names it primary in place of n1 (promotingLeader); n3 has since reported a position ahead.
        SupervisorState recheckedN1 = withProbe(led(probed(FailOverTest.MINE)), "n1", PeerPg.IN_RECOVERY);
        HaDecision plain = decide(recheckedN1, promotingLeader().known("n3", 1, PRIMARY_LSN), ASYNC, new HaObservation.Tick(NOW + 10));
        assertEquals(HaReason.PEER_AHEAD, reason(plain));
        // Then the cluster was paused: the promotion does not come by itself; an order (accepting the loss) brings it.
        Situation e = promotingLeader().pg(primaryIs("n2").withPrimary("n2", "n1").withPaused(ALICE)).known("n3", 1, PRIMARY_LSN);
        assertEquals(HaReason.PAUSED, reason(decide(recheckedN1, e, ASYNC, new HaObservation.Tick(NOW + 10))));
        HaDecision held = decide(recheckedN1, e, ASYNC, new HaObservation.FailoverOrdered(NOW + 5, "n2", "alice", true));
        assertNotNull(held.next().order(), "a paused recorded primary whose promotion did not come takes an order");
        assertTrue(Supervisor.refusesFailover(recheckedN1, promotingLeader().build(), ASYNC, true, NOW).startsWith(
                "n2 is the recorded primary already"), "unpaused, its own rules promote it");
        assertEquals(1, actionsOf(held, PgAction.Promote.class).size(), "promoted, n3 ahead or not: " + why(held));
    }

    /** {@code s} with a fresh direct probe of {@code node} answered {@code result} (sent at NOW). */
    static SupervisorState withProbe(SupervisorState s, String node, PeerPg result) {
        return new SupervisorState(s.local(), s.work(), s.rejoin(), new SupervisorState.Probes(java.util.Map.of(node,
                new SupervisorState.PeerProbe(result, NOW, NOW + 2, result.name())), NOW), s.durable(), s.boot(), s.why());
    }

    @Test
    void aBannedNodeOrderedWithAcceptDataLossIsPromotedAndItsBanLifted() {
        Situation e = newLeaderAfterPrimaryLost().pg(primaryIs("n1").withBan("n2", true));
        assertTrue(Supervisor.refusesFailover(led(probed(FailOverTest.MINE)), e.build(), ASYNC, false, NOW)
                .startsWith("n2 is banned: vigilctl failover --to n2 --accept-data-loss promotes it anyway (or vigilctl unban n2)"));
        HaDecision held = ordered(FailOverTest.MINE, e, ASYNC, true);
        HaDecision d = decide(held.next(), e, ASYNC, new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.IN_RECOVERY, NOW, ""));
        assertEquals("n2", recorded(d).primary());
        assertEquals(List.of(), recorded(d).banned(), "a banned primary would withdraw its own candidacy");
    }

    @Test
    void outsideTheSynchronousSetOnlyWithAcceptDataLoss() {
        Situation e = newLeaderAfterPrimaryLost().pg(primaryIs("n1").withSync(List.of("n3")));
        SupervisorState n2 = led(probed(FailOverTest.MINE));
        assertTrue(Supervisor.refusesFailover(n2, e.build(), SYNC, false, NOW).startsWith("n2 is not in the synchronous"
                + " set [n3]: commits acknowledged by n3 may be missing here"));
        HaDecision plain = decide(n2, e, SYNC, new HaObservation.Tick(NOW));
        assertFalse(candidacy(plain).eligible(), "no order: not a candidate");
        assertTrue(candidacy(ordered(FailOverTest.MINE, e, SYNC, true)).eligible());
    }

    @Test
    void inMaintenanceModeOnlyTheOrderedLeaderCarriesOutTheFailover() {
        PgRecord.Paused alice = new PgRecord.Paused("alice", "2026-12-02T03:00:00Z", 5);
        Situation e = newLeaderAfterPrimaryLost().pg(primaryIs("n1").withPaused(alice));
        HaObservation proof = new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.IN_RECOVERY, NOW, "");
        HaDecision paused = decide(led(probed(FailOverTest.MINE)), e, ASYNC, proof);
        assertNull(recorded(paused));
        assertEquals(HaReason.PAUSED, reason(paused));
        HaDecision held = ordered(FailOverTest.MINE, e, ASYNC, false);
        HaDecision d = decide(held.next(), e, ASYNC, proof);
        assertEquals("n2", recorded(d).primary(), "the operator's order is the act maintenance mode waits for");
        assertEquals(alice, recorded(d).paused(), "and the cluster stays paused");
    }

    @Test
    void aLeaderThatIsNotTheTargetHandsLeadershipToIt() {
        Situation e = newLeaderAfterPrimaryLost();
        HaDecision d = decide(led(probed(FailOverTest.MINE)), e, ASYNC, order("n3", true));
        Observation.Resign resign = d.electionInputs().stream().filter(Observation.Resign.class::isInstance)
                .map(Observation.Resign.class::cast).findFirst().orElseThrow();
        assertEquals("n3", resign.successor());
        assertEquals(new Why(HaReason.FAILOVER_ORDERED, "n3", "the operator alice on n1 ordered a failover to it:"
                + " leadership handed over"), why(d));
        assertEquals("n1 leads and is the recorded primary: a running primary is switched over, not failed over"
                + " (vigilctl switchover --to n3)", Supervisor.refusesHandOver(led(probed(primary(PRIMARY_LSN))),
                clusterWithPrimary().build(), ASYNC, "n3", NOW));
        assertEquals("n1 has not acknowledged this leader within a lease",
                Supervisor.refusesHandOver(led(probed(FailOverTest.MINE)), e.build(), ASYNC, "n1", NOW));
        assertEquals("PostgreSQL on n2 (the leader) is not proven unable to write yet: try again in a moment",
                Supervisor.refusesHandOver(led(probed(hung())), e.build(), ASYNC, "n3", NOW),
                "never resign while PostgreSQL here may write: the followers would be free to elect at once");
    }

    @Test
    void aRunningPrimaryThatLeadsIsSwitchedOverNotFailedOver() {
        Situation n2 = following("n2", "n1", 5).pg(primaryIs("n1"));
        assertEquals("the primary n1 leads term 5: a running primary is switched over, not failed over"
                + " (vigilctl switchover --to n2)", Supervisor.refusesFailover(probed(standbyLagging(0)), n2.build(), ASYNC, true, NOW));
        assertNull(Supervisor.refusesFailover(probed(standbyLagging(0)), n2.heardAt(NOW - 10_000).build(), ASYNC, true, NOW),
                "a leader not heard from for a lease is gone");
    }

    @Test
    void anOrderLapsesAlsoOnceItsPromotionIsRecordedButDoesNotCome() {
        Situation e = promotingLeader().pg(primaryIs("n2").withPrimary("n2", "n1").withPaused(ALICE))
                .leaseUntil(NOW + OrderedFailover.ORDER_MS + 10_000);
        HaDecision held = decide(led(probed(FailOverTest.MINE)), e, ASYNC, new HaObservation.FailoverOrdered(NOW, "n2", "alice", true));
        assertNotNull(held.next().order());
        HaDecision lapsed = decide(held.next(), e, ASYNC, new HaObservation.Tick(NOW + OrderedFailover.ORDER_MS));
        assertNull(lapsed.next().order(), "the waiver does not outlive its 60 s");
        assertEquals(HaReason.FAILOVER_ORDER_LAPSED, reason(lapsed));
    }

    @Test
    void aWithdrawnOrderEndsAtOnce() {
        HaDecision held = ordered(LAGGING, laggingLeader(), ASYNC, true);
        HaDecision d = decide(held.next(), laggingLeader(), ASYNC, new HaObservation.FailoverCancelled(NOW + 5, "the leader n1 refused"));
        assertNull(d.next().order());
        assertTrue(d.electionInputs().contains(new Observation.Ordered(NOW + 5, null)));
        assertFalse(candidacy(d) != null && candidacy(d).eligible(), "no longer a candidate");
    }

    @Test
    void anOrderNotCarriedOutLapsesAndSaysWhatItWaitedFor() {
        HaDecision held = ordered(LAGGING, laggingLeader(), ASYNC, true);
        HaDecision waiting = decide(held.next(), laggingLeader(), ASYNC,
                new HaObservation.PeerProbed(NOW + 5, "n1", PeerPg.UNKNOWN, NOW, "connection timed out"));
        long lapse = NOW + OrderedFailover.ORDER_MS;
        assertEquals(lapse, Supervisor.wakeAt(waiting.next(), laggingLeader().leaseUntil(lapse + 10_000).build(), ASYNC, lapse - 1),
                "Wake knows when");
        HaDecision lapsed = decide(waiting.next(), laggingLeader().leaseUntil(lapse + 10_000), ASYNC, new HaObservation.Tick(lapse));
        assertNull(lapsed.next().order());
        assertTrue(lapsed.electionInputs().contains(new Observation.Ordered(lapse, null)));
        assertEquals(HaReason.FAILOVER_ORDER_LAPSED, reason(lapsed));
        assertTrue(why(lapsed).detail().startsWith("ordered by alice on n1, not promoted within 60 s: FENCING_REQUIRED"),
                why(lapsed).detail());
    }
}
