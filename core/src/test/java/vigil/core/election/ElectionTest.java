package vigil.core.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ElectionTest {
    static final Timing TIMING = Timing.of(150, 1500, 0.01);
    static final List<Voter> THREE = List.of(Voter.data("n1"), Voter.data("n2"), Voter.data("n3"));

    static ElectionState booted(String self, List<Voter> voters, long now) {
        return ElectionState.boot(new Electorate(self, voters, TIMING), Durable.INITIAL, now);
    }

    /** n1 elected in term 1 of a three-node cluster, its first heartbeat (seq 1, sent at t=2000) not yet acknowledged. */
    static ElectionState leaderWithoutAcks() {
        ElectionState n1 = booted("n1", THREE, 0);
        n1 = Election.decide(n1, new Observation.Tick(2000)).next(); // window over, rank 0: pre-vote
        n1 = Election.decide(n1, received(2001, "n2", new Message.PreVoteReply(1, true, 0))).next();
        Decision d = Election.decide(n1, received(2002, "n2", new Message.VoteReply(1, true)));
        assertEquals(Role.LEADER, d.next().role());
        return d.next();
    }

    static ElectionState clusterWithLeader() {
        return Election.decide(leaderWithoutAcks(),
                received(2003, "n2", new Message.HeartbeatAck(1, 1, Candidacy.ELIGIBLE))).next();
    }

    static ElectionState followerOf(String leader, long heardAt) {
        ElectionState f = booted("n2", THREE, 0);
        return Election.decide(f, received(heardAt, leader, heartbeat(1, 1))).next();
    }

    static Message.Heartbeat heartbeat(long term, long seq) {
        return new Message.Heartbeat(term, seq, new ClusterRecord(term, 0, "n1", null, 0, List.of()), Map.of());
    }

    static Observation.Received received(long now, String from, Message m) {
        return new Observation.Received(now, from, m);
    }

    static List<Event.RoleChanged> roleChanges(Decision d) {
        return d.events().stream().filter(Event.RoleChanged.class::isInstance).map(Event.RoleChanged.class::cast).toList();
    }

    @Test
    void electedLeaderPersistsItsTermBeforeAskingForVotes() {
        ElectionState n1 = Election.decide(booted("n1", THREE, 0), new Observation.Tick(2000)).next();
        Decision d = Election.decide(n1, received(2001, "n2", new Message.PreVoteReply(1, true, 0)));
        assertInstanceOf(Action.Persist.class, d.actions().get(0));
        assertEquals(1, ((Action.Persist) d.actions().get(0)).durable().term());
        assertEquals(Reason.STOOD_FOR_ELECTION, roleChanges(d).get(0).reason());
        assertTrue(d.actions().stream().skip(1).allMatch(a -> a instanceof Action.Send s && s.message() instanceof Message.VoteRequest));
    }

    @Test
    void aPreVoteChangesNoTerm() {
        Decision d = Election.decide(booted("n1", THREE, 0), new Observation.Tick(2000));
        assertEquals(0, d.next().term());
        assertTrue(d.actions().stream().noneMatch(Action.Persist.class::isInstance));
    }

    @Test
    void leaseRunsFromSendTimeOfTheMajorityAcknowledgedHeartbeat() {
        Decision d = Election.decide(leaderWithoutAcks(),
                received(2400, "n3", new Message.HeartbeatAck(1, 1, Candidacy.ELIGIBLE)));
        Event.LeaseAcquired lease = (Event.LeaseAcquired) d.events().get(0);
        assertEquals(2002, lease.start());
        assertEquals(2002 + TIMING.leaderLeaseMs(), lease.until());
        assertTrue(d.next().holdsLease(2400));
        assertFalse(d.next().holdsLease(2002 + TIMING.leaderLeaseMs()));
    }

    @Test
    void leaderStepsDownWhenItsLeaseLapses() {
        ElectionState leader = clusterWithLeader();
        long until = leader.leadership().leaseUntil();
        Decision d = Election.decide(leader, new Observation.Tick(until));
        Event.RoleChanged rc = roleChanges(d).get(0);
        assertEquals(Reason.LEASE_EXPIRED, rc.reason());
        assertEquals(until, rc.leaseEndedAt());
        assertEquals(Role.FOLLOWER, d.next().role());
    }

    @Test
    void followerRefusesVotesForALeaseAfterAHeartbeatAndKeepsItsTerm() {
        ElectionState f = followerOf("n1", 1000);
        Decision d = Election.decide(f, received(2499, "n3", new Message.VoteRequest(2, Candidacy.ELIGIBLE, 1, 0)));
        assertEquals(new Action.Send("n3", new Message.VoteReply(2, false)), d.actions().get(0));
        assertEquals(1, d.next().term());
        Decision later = Election.decide(f, received(2500, "n3", new Message.VoteRequest(2, Candidacy.ELIGIBLE, 1, 0)));
        assertInstanceOf(Action.Persist.class, later.actions().get(0));
        assertEquals(new Action.Send("n3", new Message.VoteReply(2, true)), later.actions().get(1));
    }

    @Test
    void oneVotePerTerm() {
        ElectionState f = followerOf("n1", 0);
        ElectionState voted = Election.decide(f, received(2000, "n3", new Message.VoteRequest(2, Candidacy.ELIGIBLE, 1, 0))).next();
        Decision d = Election.decide(voted, received(2001, "n1", new Message.VoteRequest(2, Candidacy.ELIGIBLE, 1, 0)));
        assertEquals(new Action.Send("n1", new Message.VoteReply(2, false)), d.actions().get(0));
    }

    @Test
    void aRestartedNodeRefusesVotesForALease() {
        ElectionState restarted = ElectionState.boot(new Electorate("n2", THREE, TIMING), new Durable(3, null, new ClusterRecord(3, 0, "n1", null, 0, List.of())), 50_000);
        Decision d = Election.decide(restarted, received(51_000, "n3", new Message.VoteRequest(4, Candidacy.ELIGIBLE, 3, 0)));
        assertEquals(new Action.Send("n3", new Message.VoteReply(4, false)), d.actions().get(0));
    }

    @Test
    void noVoteForACandidateWithAnOlderRecord() {
        ElectionState f = followerOf("n1", 0);
        Decision d = Election.decide(f, received(5000, "n3", new Message.VoteRequest(2, Candidacy.ELIGIBLE, 0, 0)));
        assertEquals(new Action.Send("n3", new Message.VoteReply(2, false)), d.actions().get(d.actions().size() - 1));
    }

    @Test
    void noVoteForALessAdvancedCandidate() {
        ElectionState f = Election.decide(followerOf("n1", 0), new Observation.CandidacyChanged(10, new Candidacy(true, 2, 500))).next();
        Decision d = Election.decide(f, received(5000, "n3", new Message.VoteRequest(2, new Candidacy(true, 2, 400), 1, 0)));
        assertEquals(new Action.Send("n3", new Message.VoteReply(2, false)), d.actions().get(d.actions().size() - 1));
    }

    @Test
    void aWitnessNeverStands() {
        List<Voter> voters = List.of(Voter.data("n1"), Voter.data("n2"), Voter.witness("w1"));
        ElectionState w = booted("w1", voters, 0);
        for (long t = 0; t < 20_000; t += 10) {
            Decision d = Election.decide(w, new Observation.Tick(t));
            assertTrue(d.actions().isEmpty(), "witness acted at " + t);
            w = d.next();
        }
        assertEquals(Role.FOLLOWER, w.role());
    }

    @Test
    void aStaleLeaderStepsDownOnHigherTerm() {
        Decision d = Election.decide(clusterWithLeader(), received(2100, "n3", new Message.Stale(5)));
        assertEquals(Reason.HIGHER_TERM, roleChanges(d).get(0).reason());
        assertEquals(5, d.next().term());
        assertFalse(d.next().holdsLease(2100));
    }

    @Test
    void aHeartbeatOfAnOlderTermIsAnsweredStale() {
        ElectionState f = Election.decide(followerOf("n1", 0), received(5000, "n3", new Message.VoteRequest(4, Candidacy.ELIGIBLE, 1, 0))).next();
        Decision d = Election.decide(f, received(5001, "n1", heartbeat(1, 9)));
        assertEquals(new Action.Send("n1", new Message.Stale(4)), d.actions().get(0));
    }

    @Test
    void lowerRankedCandidatesWaitTheirTurn() {
        // n1 led and vanished; n2 ranks first, n3 second: n3 stands one stagger later.
        ElectionState n3 = Election.decide(booted("n3", THREE, 0), received(100, "n1", heartbeat(1, 1))).next();
        assertTrue(Election.decide(n3, new Observation.Tick(100 + 1500 + 149)).actions().isEmpty());
        assertFalse(Election.decide(n3, new Observation.Tick(100 + 1500 + 150)).actions().isEmpty());
    }

    @Test
    void resignationVoidsTheLeaseAndFreesFollowers() {
        Decision d = Election.decide(clusterWithLeader(), new Observation.Resign(2100));
        assertEquals(Reason.RESIGNED, roleChanges(d).get(0).reason());
        assertFalse(d.next().holdsLease(2100));
        ElectionState f = Election.decide(followerOf("n1", 2000), received(2101, "n1", new Message.Resign(1))).next();
        assertTrue(f.noVoteUntil() <= 2101);
    }

    @Test
    void theLeaderRewritesTheRecordDurablyAndVotersRefuseCandidatesThatMissedIt() {
        Decision d = Election.decide(clusterWithLeader(), new Observation.RecordUpdate(2050, "n1", 2, List.of("n2")));
        ClusterRecord written = ((Action.Persist) d.actions().get(0)).durable().record();
        assertEquals(new ClusterRecord(1, 1, "n1", "n1", 2, List.of("n2")), written);
        Decision hb = Election.decide(d.next(), new Observation.Tick(2200));
        Message.Heartbeat h = (Message.Heartbeat) ((Action.Send) hb.actions().get(0)).message();
        assertEquals(written, h.record());
        ElectionState follower = Election.decide(booted("n2", THREE, 0), received(2201, "n1", h)).next();
        assertEquals(written, follower.durable().record());
        Decision vote = Election.decide(follower, received(9000, "n3", new Message.VoteRequest(2, Candidacy.ELIGIBLE, 1, 0)));
        assertEquals(new Action.Send("n3", new Message.VoteReply(2, false)), vote.actions().get(vote.actions().size() - 1));
        assertTrue(Election.decide(follower, new Observation.RecordUpdate(2300, "n2", 3, List.of())).actions().isEmpty(),
                "only the leader writes records");
    }

    @Test
    void aPreCandidateBehindTheVotersTermCatchesUpInsteadOfAskingForeverInVain() {
        ElectionState n1 = Election.decide(booted("n1", THREE, 0), new Observation.Tick(2000)).next();
        assertEquals(1, n1.campaign().term());
        Decision d = Election.decide(n1, received(2001, "n2", new Message.PreVoteReply(1, false, 7)));
        assertEquals(7, d.next().term());
        assertInstanceOf(Action.Persist.class, d.actions().get(0));
        assertEquals(null, d.next().campaign());
    }

    @Test
    void aStandbyPositionRelayedLongAgoNoLongerBlocksTheVote() {
        // Leader n1 last relayed that n2 was at LSN 900, then went quiet. Voter n3 (at 700) is asked by n1 itself,
        // back at 800: while the relayed table is fresh, n2's position blocks the vote; two leases later it does not.
        ElectionState voter = Election.decide(booted("n3", THREE, 0),
                new Observation.CandidacyChanged(1, new Candidacy(true, 1, 700))).next();
        voter = Election.decide(voter, received(1000, "n1", new Message.Heartbeat(1, 1,
                new ClusterRecord(1, 0, "n1", null, 1, List.of()), Map.of("n2", new Candidacy(true, 1, 900))))).next();
        Message.VoteRequest behindN2 = new Message.VoteRequest(2, new Candidacy(true, 1, 800), 1, 0);
        Decision fresh = Election.decide(voter, received(1000 + 1500, "n1", behindN2));
        assertEquals(new Action.Send("n1", new Message.VoteReply(2, false)), fresh.actions().get(fresh.actions().size() - 1));
        Decision stale = Election.decide(voter, received(1000 + 3001, "n1", behindN2));
        assertEquals(new Action.Send("n1", new Message.VoteReply(2, true)), stale.actions().get(stale.actions().size() - 1));
    }
}
