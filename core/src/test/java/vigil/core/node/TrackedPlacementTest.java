package vigil.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.node.NodeFixture.LEASE_UNTIL;
import static vigil.core.node.NodeFixture.MARGIN;
import static vigil.core.node.NodeFixture.NOW;
import static vigil.core.node.NodeFixture.TIMING;

import java.util.Map;
import org.junit.jupiter.api.Test;
import vigil.core.election.ElectionState;
import vigil.core.election.Report;
import vigil.core.election.VipGrant;
import vigil.core.node.TrackedState.Checks;
import vigil.core.node.TrackedState.Grantee;
import vigil.core.node.TrackedState.Grantor;

/**
 * The VIPs placed by checks: a holder counts its grant from its own acknowledgement, shortened by the drift bound,
 * and drops them before the margin; a holder whose checks failed takes no grant counted from before; the leader never
 * names another holder before the last grant to the current one has run out, and never grants past its own lease.
 */
class TrackedPlacementTest {
    static final long TERM = 4;
    static final Checks PASS = new Checks(true, "", NOW - 10_000);

    @Test
    void aGrantCountsFromTheHoldersOwnAcknowledgementShortenedByTheDrift() {
        Grantee g = TrackedPlacement.sent(Grantee.NONE, TERM, 7, NOW - 100);
        Grantee granted = TrackedPlacement.granted(g, "n2", TERM, new VipGrant("n2", 7, 1_000), TIMING.drift());
        assertEquals(NOW - 100 + (long) Math.floor(1_000 * (1 - 2 * TIMING.drift())), granted.until());
        assertEquals("n2", granted.holder());

        Grantee unknownAck = TrackedPlacement.granted(g, "n2", TERM, new VipGrant("n2", 8, 1_000), TIMING.drift());
        assertEquals(Long.MIN_VALUE, unknownAck.until(), "an acknowledgement this node never sent grants nothing");
        Grantee otherTerm = TrackedPlacement.granted(g, "n2", TERM + 1, new VipGrant("n2", 7, 1_000), TIMING.drift());
        assertEquals(Long.MIN_VALUE, otherTerm.until(), "nor does one of another term");
        Grantee someoneElse = TrackedPlacement.granted(g, "n2", TERM, new VipGrant("n3", 7, 1_000), TIMING.drift());
        assertEquals(Long.MIN_VALUE, someoneElse.until());
        assertEquals("n3", someoneElse.holder());
    }

    @Test
    void aHolderDropsThemBeforeItsGrantEndsLessTheMargin() {
        ElectionState e = NodeFixture.follower("n2", "n1", TERM, NodeFixture.primaryIs("n1"));
        Grantee g = TrackedPlacement.granted(TrackedPlacement.sent(Grantee.NONE, TERM, 7, NOW), "n2", TERM,
                new VipGrant("n2", 7, 1_000), TIMING.drift());
        TrackedState s = TrackedState.INITIAL.with(PASS).with(g);
        long end = g.until() - MARGIN;
        assertTrue(TrackedPlacement.want(s, e, false, end - 1, MARGIN).hold());
        VipPlacement.Want late = TrackedPlacement.want(s, e, false, end, MARGIN);
        assertFalse(late.hold());
        assertEquals("its grant from the leader ends within the self-fence margin of " + MARGIN + " ms", late.why());
        assertFalse(TrackedPlacement.want(TrackedState.INITIAL.with(PASS), e, false, NOW, MARGIN).hold(),
                "no grant, nothing held");
    }

    @Test
    void failedChecksDropThemAndVoidEveryGrantCountedFromBefore() {
        ElectionState e = NodeFixture.follower("n2", "n1", TERM, NodeFixture.primaryIs("n1"));
        Grantee g = TrackedPlacement.sent(Grantee.NONE, TERM, 7, NOW - 50);
        Grantee voided = TrackedPlacement.voided(g, NOW);
        Grantee stale = TrackedPlacement.granted(voided, "n2", TERM, new VipGrant("n2", 7, 1_000), TIMING.drift());
        assertEquals(Long.MIN_VALUE, stale.until(), "a grant from before the failure is void");
        Grantee fresh = TrackedPlacement.granted(TrackedPlacement.sent(voided, TERM, 8, NOW + 10), "n2", TERM,
                new VipGrant("n2", 8, 1_000), TIMING.drift());
        assertTrue(fresh.until() > NOW, "a later one counts");
        VipPlacement.Want failing = TrackedPlacement.want(TrackedState.INITIAL.with(fresh)
                .with(new Checks(false, "unit apache2: exit 3", NOW)), e, false, NOW + 20, MARGIN);
        assertFalse(failing.hold());
        assertEquals("its tracked checks fail: unit apache2: exit 3", failing.why());
    }

    @Test
    void theLeaderNamesAnotherHolderOnlyOnceTheLastGrantRanOutAndNeverGrantsPastItsLease() {
        ElectionState passing = withReports(NodeFixture.leader("n1", TERM, NodeFixture.primaryIs("n1")),
                Report.Tracked.HOLDING, Report.Tracked.PASSING);
        Grantor acks = TrackedPlacement.heard(TrackedPlacement.heard(Grantor.NONE, TERM, "n2", 50, NOW - 200),
                TERM, "n3", 50, NOW - 200);
        TrackedState own = TrackedState.INITIAL.with(new Checks(false, "not yet", NOW)).with(acks);
        TrackedPlacement.Chosen chosen = TrackedPlacement.choose(acks, own, passing, false, NOW, MARGIN);
        assertEquals("n2", chosen.next().holder(), "the node that says it holds them is preferred: " + chosen.note());

        TrackedPlacement.Grant grant = TrackedPlacement.grant(chosen.next(), own, passing, false, NOW, MARGIN);
        assertEquals(new VipGrant("n2", 50, TIMING.leaseMs()), grant.grant(), "one lease from the acknowledgement");
        long until = grant.next().holderUntil();
        assertEquals(NOW - 200 + TIMING.leaseMs(), until);
        Grantor late = TrackedPlacement.heard(chosen.next(), TERM, "n2", 51, NOW - 20);
        assertEquals(LEASE_UNTIL - (NOW - 20), TrackedPlacement.grant(late, own, passing, false, NOW, MARGIN).grant().validMs(),
                "never past the leader's own lease");

        ElectionState failed = withReports(passing, Report.Tracked.FAILING, Report.Tracked.PASSING);
        TrackedPlacement.Grant none = TrackedPlacement.grant(grant.next(), own, failed, false, NOW + 10, MARGIN);
        assertEquals(0, none.grant().validMs(), "a holder whose checks fail is granted nothing more");
        TrackedPlacement.Chosen waiting = TrackedPlacement.choose(none.next(), own, failed, false, until - 1, MARGIN);
        assertEquals("n2", waiting.next().holder(), "nobody else before its grant ran out");
        assertNull(waiting.note());
        Grantor fresher = TrackedPlacement.heard(waiting.next(), TERM, "n3", 51, until - 5);
        TrackedPlacement.Chosen moved = TrackedPlacement.choose(fresher, own, failed, false, until, MARGIN);
        assertEquals("n3", moved.next().holder());
        assertEquals("VIPs placed by checks go to n3: its tracked checks pass; n2 no longer holds them (its tracked "
                + "checks fail)", moved.note());
    }

    @Test
    void aFollowerNotHeardFromWithinHalfALeaseIsNoCandidate() {
        ElectionState e = withReports(NodeFixture.leader("n1", TERM, NodeFixture.primaryIs("n1")),
                Report.Tracked.PASSING, Report.Tracked.NONE);
        Grantor acks = TrackedPlacement.heard(Grantor.NONE, TERM, "n2", 50, NOW - TIMING.leaseMs() / 2 - 1);
        assertEquals("not heard from within " + TIMING.leaseMs() / 2 + " ms",
                TrackedPlacement.whyNot("n2", acks, TrackedState.INITIAL, e, false, NOW, MARGIN));
        assertEquals("not a candidate in this term", TrackedPlacement.whyNot("n3", acks, TrackedState.INITIAL, e, false, NOW, MARGIN));
    }

    @Test
    void aNewLeaderWaitsOutAResignedPredecessorsGrantsUnlessTheSoleHolderIsKnown() {
        // Elected a second ago: a predecessor that resigned may still have granted them to a node not heard from yet.
        ElectionState fresh = withReports(electedAgo(NodeFixture.leader("n1", TERM, NodeFixture.primaryIs("n1")), 1_000),
                Report.Tracked.PASSING, Report.Tracked.PASSING);
        Grantor onlyN2 = TrackedPlacement.heard(Grantor.NONE, TERM, "n2", 50, NOW - 20);
        TrackedState own = TrackedState.INITIAL.with(PASS);
        assertNull(TrackedPlacement.choose(onlyN2, own, fresh, false, NOW, MARGIN).next().holder(), "n3 not heard yet");
        Grantor both = TrackedPlacement.heard(onlyN2, TERM, "n3", 50, NOW - 20);
        assertNull(TrackedPlacement.choose(both, own, fresh, false, NOW, MARGIN).next().holder(),
                "everyone heard, but nobody says it holds them: a lease must pass first");
        long over = NOW - 1_000 + (long) Math.ceil(TIMING.leaseMs() * (1 + TIMING.drift()));
        assertEquals("n1", TrackedPlacement.choose(both, own, fresh, false, over, MARGIN).next().holder(),
                "then the first candidate in order");

        ElectionState n3Holds = withReports(fresh, Report.Tracked.PASSING, Report.Tracked.HOLDING);
        assertNull(TrackedPlacement.choose(both, own, n3Holds, false, NOW, MARGIN).next().holder(),
                "a node that says it holds them may be letting go while another's old grant is valid: wait");
        assertEquals("n3", TrackedPlacement.choose(both, own, n3Holds, false, over, MARGIN).next().holder(),
                "after the wait, the node that holds them is preferred");

        Grantee mine = TrackedPlacement.granted(TrackedPlacement.sent(Grantee.NONE, TERM - 1, 9, NOW - 50), "n1", TERM - 1,
                new VipGrant("n1", 9, 1_000), TIMING.drift());
        TrackedState selfHolds = own.with(mine).with(new VipState(VipState.Held.UP, NOW - 40, Long.MIN_VALUE, Long.MIN_VALUE,
                Long.MIN_VALUE));
        assertEquals("n1", TrackedPlacement.choose(both, selfHolds, fresh, false, NOW, MARGIN).next().holder(),
                "this leader holds them under its predecessor's grant, still valid: the only valid one, it keeps them");
    }

    @Test
    void aStoppingNodeSaysItFailsAndIsNoCandidate() {
        assertEquals(Report.Tracked.FAILING, TrackedPlacement.report(TrackedState.INITIAL.with(PASS), true));
        assertEquals(Report.Tracked.PASSING, TrackedPlacement.report(TrackedState.INITIAL.with(PASS), false));
        ElectionState e = NodeFixture.leader("n1", TERM, NodeFixture.primaryIs("n1"));
        assertEquals("vigild is stopping",
                TrackedPlacement.whyNot("n1", Grantor.NONE, TrackedState.INITIAL.with(PASS), e, true, NOW, MARGIN));
    }

    @Test
    void aDuplicatedAcknowledgementCountsFromItsFirstCopy() {
        Grantee twice = TrackedPlacement.sent(TrackedPlacement.sent(Grantee.NONE, TERM, 7, NOW - 300), TERM, 7, NOW - 100);
        Grantee g = TrackedPlacement.granted(twice, "n2", TERM, new VipGrant("n2", 7, 1_000), TIMING.drift());
        assertEquals(NOW - 300 + (long) Math.floor(1_000 * (1 - 2 * TIMING.drift())), g.until());
    }

    private static ElectionState electedAgo(ElectionState e, long ms) {
        var l = e.leadership();
        var led = new vigil.core.election.Leadership(l.term(), NOW - ms, l.seq(), l.lastSentAt(), l.sentAt(), l.acked(),
                l.leaseStart(), l.leaseUntil(), l.recordSeq(), l.recordCommitted());
        return new ElectionState(e.electorate(), e.durable(), e.role(), e.leader(), e.lastLeader(), e.leaderContactAt(),
                e.notBefore(), e.attempts(), e.campaign(), led, e.own(), e.known(), e.ownReport(), e.reports());
    }

    /** {@code e} having heard, in its term, n2 and n3 report {@code n2} and {@code n3} about the tracked VIPs. */
    private static ElectionState withReports(ElectionState e, Report.Tracked n2, Report.Tracked n3) {
        Map<String, Report.Heard> reports = Map.of(
                "n2", new Report.Heard(e.term(), new Report(0, Report.PgSafety.STANDBY, n2)),
                "n3", new Report.Heard(e.term(), new Report(0, Report.PgSafety.STANDBY, n3)));
        return new ElectionState(e.electorate(), e.durable(), e.role(), e.leader(), e.lastLeader(), e.leaderContactAt(),
                e.notBefore(), e.attempts(), e.campaign(), e.leadership(), e.own(), e.known(), e.ownReport(), reports);
    }
}
