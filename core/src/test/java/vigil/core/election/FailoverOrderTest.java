package vigil.core.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.election.ElectionTest.SYSTEM_42;
import static vigil.core.election.ElectionTest.THREE;
import static vigil.core.election.ElectionTest.TIMING;
import static vigil.core.election.ElectionTest.received;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An operator's order ({@code vigilctl failover --to}) in the election: the ordered node stands first and carries the
 * order in its requests; voters waive the position rules only when the operator accepted data loss, and nothing else.
 */
class FailoverOrderTest {
    static final FailoverOrder KEEP_RULES = new FailoverOrder("alice on n1", false);
    static final FailoverOrder ACCEPT_LOSS = new FailoverOrder("alice on n1", true);

    /** {@code self} (own position {@code own}) at 5000, asked by n3 at {@code candidate} under {@code order}. */
    static boolean votes(boolean strict, String self, Candidacy own, Candidacy candidate, FailoverOrder order) {
        ElectionState voter = ElectionState.boot(new Electorate(self, THREE, TIMING, strict), new Durable(0, null, SYSTEM_42), 0);
        voter = Election.decide(voter, new Observation.CandidacyChanged(1, own)).next();
        Decision d = Election.decide(voter, received(5000, "n3", new Message.VoteRequest(1, candidate, SYSTEM_42, order)));
        Action last = d.actions().get(d.actions().size() - 1);
        return ((Message.VoteReply) ((Action.Send) last).message()).granted();
    }

    @Test
    void votersWaiveThePositionRulesOnlyWhenTheOperatorAcceptedDataLoss() {
        Candidacy ahead = new Candidacy(true, 1, 900);
        Candidacy behind = new Candidacy(true, 1, 800);
        for (boolean strict : List.of(false, true)) {
            assertFalse(votes(strict, "n2", ahead, behind, null), "strict=" + strict + ": no order, no vote for a node behind");
            assertFalse(votes(strict, "n2", ahead, behind, KEEP_RULES), "strict=" + strict + ": an order alone waives nothing");
            assertTrue(votes(strict, "n2", ahead, behind, ACCEPT_LOSS), "strict=" + strict + ": the operator accepted the loss");
        }
        // In strict mode a voter that does not know its own position otherwise votes for nobody.
        assertTrue(votes(true, "n2", new Candidacy(true, 1, 900, false), behind, ACCEPT_LOSS));
    }

    @Test
    void anOrderWaivesNothingButPositions() {
        Candidacy ahead = new Candidacy(true, 1, 900);
        assertFalse(votes(false, "n2", ahead, new Candidacy(false, 1, 800), ACCEPT_LOSS), "the candidate must be eligible");
        // A voter that heard a leader within the lease grants nothing, order or not.
        ElectionState follower = ElectionState.boot(new Electorate("n2", THREE, TIMING, false), new Durable(0, null, SYSTEM_42), 0);
        follower = Election.decide(follower, received(4000, "n1", new Message.Heartbeat(1, 1, SYSTEM_42, java.util.Map.of()))).next();
        Decision d = Election.decide(follower, received(4100, "n3", new Message.VoteRequest(2, new Candidacy(true, 1, 900),
                SYSTEM_42, ACCEPT_LOSS)));
        Action last = d.actions().get(d.actions().size() - 1);
        assertFalse(((Message.VoteReply) ((Action.Send) last).message()).granted(), "the no-vote window holds");
        // A candidate with an older record than the voter's is refused too.
        ClusterRecord newer = new ClusterRecord(3, 1, "n1", SYSTEM_42.pg(), java.util.Map.of("n1", 3L));
        ElectionState voter = ElectionState.boot(new Electorate("n2", THREE, TIMING, false), new Durable(3, null, newer), 0);
        Decision old = Election.decide(voter, received(5000, "n3", new Message.VoteRequest(4, new Candidacy(true, 1, 900),
                SYSTEM_42, ACCEPT_LOSS)));
        Action reply = old.actions().get(old.actions().size() - 1);
        assertFalse(((Message.VoteReply) ((Action.Send) reply).message()).granted(), "the newest record is still required");
    }

    @Test
    void theOrderedNodeStandsWithoutTheStaggerOfItsRankAndCarriesTheOrder() {
        // n3 ranks behind n2 (less advanced): without an order it waits one stagger more than n2 past the window.
        ElectionState n3 = ElectionState.boot(new Electorate("n3", THREE, TIMING, false), new Durable(0, null, SYSTEM_42), 0);
        n3 = Election.decide(n3, new Observation.CandidacyChanged(1, new Candidacy(true, 1, 800))).next();
        n3 = Election.decide(n3, received(10, "n1", new Message.Heartbeat(1, 1, SYSTEM_42, java.util.Map.of(
                "n2", new Candidacy(true, 1, 900), "n3", new Candidacy(true, 1, 800))))).next();
        long windowEnd = 10 + TIMING.leaseMs();
        assertFalse(standsAt(n3, windowEnd), "ranked behind n2, it waits");
        ElectionState ordered = Election.decide(n3, new Observation.Ordered(100, ACCEPT_LOSS)).next();
        assertEquals(ACCEPT_LOSS, ordered.order());
        Decision tick = Election.decide(ordered, new Observation.Tick(windowEnd));
        List<Message.PreVoteRequest> asked = tick.actions().stream().filter(a -> a instanceof Action.Send)
                .map(a -> ((Action.Send) a).message()).filter(Message.PreVoteRequest.class::isInstance)
                .map(Message.PreVoteRequest.class::cast).toList();
        assertEquals(2, asked.size(), "ordered, it stands the instant the window ends");
        assertTrue(asked.stream().allMatch(p -> ACCEPT_LOSS.equals(p.order())), "and its requests carry the order");
        assertFalse(standsAt(ordered, windowEnd - 1), "never inside the no-vote window");
        ElectionState ended = Election.decide(ordered, new Observation.Ordered(200, null)).next();
        assertFalse(standsAt(ended, windowEnd), "the order ended: its rank counts again");
        assertEquals(windowEnd, ElectionWake.at(ordered, windowEnd - 1), "Wake knows the earlier instant");
    }

    private static boolean standsAt(ElectionState s, long at) {
        return Election.decide(s, new Observation.Tick(at)).actions().stream()
                .anyMatch(a -> a instanceof Action.Send send && send.message() instanceof Message.PreVoteRequest);
    }

    @Test
    void aRivalStandingUnderAnOrderGetsThePreVote() {
        ElectionState n2 = ElectionState.boot(new Electorate("n2", THREE, TIMING, false), new Durable(0, null, SYSTEM_42), 0);
        n2 = Election.decide(n2, new Observation.CandidacyChanged(1, new Candidacy(true, 1, 900))).next();
        n2 = Election.decide(n2, new Observation.Tick(5000)).next(); // stands for term 1 itself
        Decision d = Election.decide(n2, received(5001, "n3", new Message.PreVoteRequest(1, new Candidacy(true, 1, 800),
                SYSTEM_42, ACCEPT_LOSS)));
        Action last = d.actions().get(d.actions().size() - 1);
        assertTrue(((Message.PreVoteReply) ((Action.Send) last).message()).granted(), "the operator's choice goes first");
        Decision plain = Election.decide(n2, received(5001, "n3", new Message.PreVoteRequest(1, new Candidacy(true, 1, 800),
                SYSTEM_42)));
        Action refused = plain.actions().get(plain.actions().size() - 1);
        assertFalse(((Message.PreVoteReply) ((Action.Send) refused).message()).granted(), "without it, the better rival");
    }
}
