package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import java.util.Set;
import vigil.core.election.PgRecord;
import org.junit.jupiter.api.Test;

/**
 * Fence agents as the proof of last resort ({@link FailOver}): a new leader with no other proof that the old primary
 * cannot write runs its fence agents, promotes only on a confirmed "off", and otherwise stays put and says which
 * level failed, trying again later.
 */
class FenceFailOverTest {
    static final HaPolicy FENCEABLE = new HaPolicy(MAX_LAG, false, 3, 60_000, false, MARGIN, RECLAIM_MS, 5_000, Set.of("n1"));

    /** The old primary answered nothing useful: no proof; its fence agents are asked for. */
    static HaDecision noProof() {
        return FailOverTest.answered(newLeaderAfterPrimaryLost(), FENCEABLE, PeerPg.UNKNOWN);
    }

    @Test
    void withNoOtherProofTheOldPrimarysFenceAgentsRunOnce() {
        HaDecision d = noProof();
        assertEquals(List.of(new PgAction.FenceNode("n1")), actionsOf(d, PgAction.FenceNode.class));
        assertNull(recorded(d));
        assertEquals(HaReason.FENCING_OLD_PRIMARY, reason(d));
        HaDecision later = decide(d.next(), newLeaderAfterPrimaryLost(), FENCEABLE, new HaObservation.Tick(NOW + 300));
        assertEquals(List.of(), actionsOf(later, PgAction.FenceNode.class), "not again while they run");
        assertTrue(why(later).detail().startsWith("its fence agents run"), why(later).toString());
    }

    @Test
    void aConfirmedOffIsTheProof() {
        HaDecision d = decide(noProof().next(), newLeaderAfterPrimaryLost(), FENCEABLE,
                new HaObservation.NodeFenced(NOW + 900, "n1", true, NOW + 10, "level 1 off, status OFF"));
        assertEquals(FailOverTest.N2_REPLACES_N1, recorded(d));
        assertEquals(HaReason.PROMOTING, reason(d));
        assertTrue(why(d).detail().contains("fence agents: level 1 off, status OFF"), why(d).detail());
    }

    @Test
    void whenEveryLevelFailsItDoesNotPromoteSaysWhyAndTriesAgainLater() {
        HaDecision failed = decide(noProof().next(), newLeaderAfterPrimaryLost(), FENCEABLE,
                new HaObservation.NodeFenced(NOW + 900, "n1", false, NOW + 10, "level 1 fence_ipmilan@10.0.0.5: exit 1"));
        assertNull(recorded(failed));
        assertEquals(HaReason.FENCING_REQUIRED, reason(failed));
        assertTrue(why(failed).detail().startsWith("its fence agents failed: level 1 fence_ipmilan@10.0.0.5: exit 1"),
                why(failed).detail());
        assertEquals(List.of(), actionsOf(failed, PgAction.FenceNode.class));
        long retry = NOW + 5 + FailOver.FENCE_RETRY_MS;
        HaDecision again = decide(failed.next(), newLeaderAfterPrimaryLost().leaseUntil(retry + 1_400).heardAt(retry - 20)
                .acked("n3"), FENCEABLE,
                new HaObservation.Tick(retry));
        assertEquals(List.of(new PgAction.FenceNode("n1")), actionsOf(again, PgAction.FenceNode.class));
        assertNull(recorded(again));
    }

    @Test
    void anotherProofNeedsNoFence() {
        HaDecision d = FailOverTest.answered(newLeaderAfterPrimaryLost(), FENCEABLE, PeerPg.IN_RECOVERY);
        assertEquals(List.of(), actionsOf(d, PgAction.FenceNode.class));
        assertEquals(FailOverTest.N2_REPLACES_N1, recorded(d));
    }

    static final PgRecord.Confirmed OATH = new PgRecord.Confirmed("n1", 6, "alice", "2026-12-01T02:40:00Z");

    @Test
    void anOperatorsConfirmationGoesIntoTheRecordAndIsAProofWithoutFenceAgents() {
        HaDecision waiting = FailOverTest.answered(newLeaderAfterPrimaryLost(), ASYNC, PeerPg.UNKNOWN);
        assertEquals(HaReason.FENCING_REQUIRED, reason(waiting));
        HaDecision told = decide(waiting.next(), newLeaderAfterPrimaryLost(), ASYNC,
                new HaObservation.ConfirmedDown(NOW + 50, "n1", "alice", OATH.at()));
        assertEquals(primaryIs("n1").withConfirmedDown(OATH), recorded(told), "written into the cluster record");

        HaDecision d = decide(told.next(), newLeaderAfterPrimaryLost().pg(primaryIs("n1").withConfirmedDown(OATH)), ASYNC,
                new HaObservation.Tick(NOW + 60));
        assertEquals(FailOverTest.N2_REPLACES_N1, recorded(d), "the promotion's record drops it: used once");
        assertTrue(why(d).detail().contains("confirmed down by the operator alice at 2026-12-01T02:40:00Z (recorded in "
                + "term 6)"), why(d).detail());
    }

    @Test
    void aRecordedConfirmationServesANextLeaderToo() {
        // The leader that took it is gone; n2 leads term 7 with the committed record that holds it.
        Situation next = leading("n2", 7).pg(primaryIs("n1").withConfirmedDown(OATH)).ledIn("n1", 5).acked("n3")
                .known("n3", 1, PRIMARY_LSN - 2 * MB);
        HaDecision d = FailOverTest.answered(next, ASYNC, PeerPg.UNKNOWN);
        assertEquals(HaReason.PROMOTING, reason(d), why(d).toString());
        assertTrue(why(d).detail().contains("confirmed down by the operator alice"), why(d).detail());
    }

    @Test
    void aConfirmationIsVoidOnceTheNodeIsHeardFromAgain() {
        Situation heard = newLeaderAfterPrimaryLost().acked("n1").pg(primaryIs("n1").withConfirmedDown(OATH));
        HaDecision d = decide(FailOverTest.answered(heard, ASYNC, PeerPg.UNKNOWN).next(), heard, ASYNC,
                new HaObservation.Tick(NOW + 60));
        assertEquals(primaryIs("n1"), recorded(d), "n1 acknowledges this leader: it is not off, the oath is dropped");
        assertEquals(HaReason.CONFIRMATION_VOID, reason(d));
    }

    @Test
    void aFenceFromBeforeThisLeadershipIsNoProof() {
        // The node may have been powered on again since: only an off confirmed within this leadership counts.
        Situation e = newLeaderAfterPrimaryLost().electedAt(NOW - 100);
        HaDecision waiting = FailOverTest.answered(e, FENCEABLE, PeerPg.UNKNOWN);
        HaDecision d = decide(waiting.next(), e, FENCEABLE,
                new HaObservation.NodeFenced(NOW + 50, "n1", true, NOW - 200, "level 1 off, status OFF"));
        assertNull(recorded(d));
        HaDecision fresh = decide(waiting.next(), e, FENCEABLE,
                new HaObservation.NodeFenced(NOW + 50, "n1", true, NOW - 50, "level 1 off, status OFF"));
        assertEquals(FailOverTest.N2_REPLACES_N1, recorded(fresh), "the same outcome within this leadership is the proof");
    }
}
