package vigil.core.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    /** The cause a voter gave for refusing its vote in {@code d} (exactly one refusal), for the log and its readers. */
    static String refusal(Decision d, String candidate, long term) {
        List<Event.VoteRefused> r = d.events().stream().filter(Event.VoteRefused.class::isInstance)
                .map(Event.VoteRefused.class::cast).toList();
        assertEquals(1, r.size(), d.events().toString());
        assertEquals(candidate, r.get(0).candidate());
        assertEquals(term, r.get(0).term());
        return r.get(0).why();
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
        Decision d = Election.decide(f, received(2499, "n3", new Message.VoteRequest(2, Candidacy.ELIGIBLE, rec(1, 0))));
        assertEquals(new Action.Send("n3", new Message.VoteReply(2, false)), d.actions().get(0));
        assertEquals("inside our no-vote window: leader n1 heard 1499 ms ago, lease 1500 ms", refusal(d, "n3", 2));
        assertEquals(1, d.next().term());
        Decision later = Election.decide(f, received(2500, "n3", new Message.VoteRequest(2, Candidacy.ELIGIBLE, rec(1, 0))));
        assertInstanceOf(Action.Persist.class, later.actions().get(0));
        assertEquals(new Action.Send("n3", new Message.VoteReply(2, true)), later.actions().get(1));
    }

    @Test
    void oneVotePerTerm() {
        ElectionState f = followerOf("n1", 0);
        ElectionState voted = Election.decide(f, received(2000, "n3", new Message.VoteRequest(2, Candidacy.ELIGIBLE, rec(1, 0)))).next();
        Decision d = Election.decide(voted, received(2001, "n1", new Message.VoteRequest(2, Candidacy.ELIGIBLE, rec(1, 0))));
        assertEquals(new Action.Send("n1", new Message.VoteReply(2, false)), d.actions().get(0));
        assertEquals("we voted for n3 in term 2", refusal(d, "n1", 2));
    }

    @Test
    void aRestartedNodeRefusesVotesForALease() {
        ElectionState restarted = ElectionState.boot(new Electorate("n2", THREE, TIMING), new Durable(3, null, new ClusterRecord(3, 0, "n1", null, 0, List.of())), 50_000);
        Decision d = Election.decide(restarted, received(51_000, "n3", new Message.VoteRequest(4, Candidacy.ELIGIBLE, rec(3, 0))));
        assertEquals(new Action.Send("n3", new Message.VoteReply(4, false)), d.actions().get(0));
    }

    @Test
    void noVoteForACandidateWithAnOlderRecord() {
        ElectionState f = followerOf("n1", 0);
        Decision d = Election.decide(f, received(5000, "n3", new Message.VoteRequest(2, Candidacy.ELIGIBLE, rec(0, 0))));
        assertEquals(new Action.Send("n3", new Message.VoteReply(2, false)), d.actions().get(d.actions().size() - 1));
        assertTrue(refusal(d, "n3", 2).startsWith("our record is newer (term 1"), refusal(d, "n3", 2));
    }

    @Test
    void noVoteForALessAdvancedCandidate() {
        ElectionState f = Election.decide(followerOf("n1", 0), new Observation.CandidacyChanged(10, new Candidacy(true, 2, 500))).next();
        Decision d = Election.decide(f, received(5000, "n3", new Message.VoteRequest(2, new Candidacy(true, 2, 400), rec(1, 0))));
        assertEquals(new Action.Send("n3", new Message.VoteReply(2, false)), d.actions().get(d.actions().size() - 1));
        assertEquals("its position TL 2 at 0/190 is behind ours, TL 2 at 0/1F4", refusal(d, "n3", 2));
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
        ElectionState f = Election.decide(followerOf("n1", 0), received(5000, "n3", new Message.VoteRequest(4, Candidacy.ELIGIBLE, rec(1, 0)))).next();
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

    /**
     * n1 led and vanished just after n2 began streaming: its last heartbeat relayed n2 as not eligible, so n3 and the
     * witnesses rank n2 after every candidate they know of. n2 ranks itself the same way, though its own fresh position
     * is ahead of n3's: by its own it stood at the same instant as n3, each won a majority of pre-votes from voters that
     * knew only one of them, and the vote split (the simulator's leader crashes with effects carried out late).
     */
    @Test
    void aStandbyRelayedAsNotEligibleStandsAfterThoseTheOthersKnow() {
        ElectionState n2 = Election.decide(booted("n2", THREE, 0), received(100, "n1", new Message.Heartbeat(1, 7,
                rec(1, 0), Map.of("n2", Candidacy.INELIGIBLE, "n3", new Candidacy(true, 1, 100, true))))).next();
        n2 = Election.decide(n2, new Observation.CandidacyChanged(150, new Candidacy(true, 1, 300, true))).next();
        long windowEnds = 100 + TIMING.leaseMs();
        assertTrue(Election.decide(n2, new Observation.Tick(windowEnds + 2 * TIMING.staggerMs() - 1)).actions().isEmpty(),
                "n3 first, then n1 (the last leader, ranked last by everyone), then n2");
        assertFalse(Election.decide(n2, new Observation.Tick(windowEnds + 2 * TIMING.staggerMs())).actions().isEmpty());
    }

    /**
     * n1 led and vanished. The last heartbeats n2 and n3 got relayed positions that each read as "I am ahead" (writes
     * moved them between two heartbeats), so both rank themselves first and stand at the same instant, with equal
     * positions now. Before: each granted the other's pre-vote, voted for itself, and the term ended in a timeout.
     * Now the worse of the two (by name here) yields: one round, one leader.
     */
    @Test
    void twoSurvivorsThatStandAtOnceElectOneLeaderInOneRound() {
        Candidacy ahead = new Candidacy(true, 1, 200, true);
        Candidacy behind = new Candidacy(true, 1, 100, true);
        ElectionState n2 = Election.decide(booted("n2", THREE, 0), received(100, "n1", new Message.Heartbeat(1, 7,
                rec(1, 0), Map.of("n2", ahead, "n3", behind)))).next();
        ElectionState n3 = Election.decide(booted("n3", THREE, 0), received(100, "n1", new Message.Heartbeat(1, 8,
                rec(1, 0), Map.of("n2", behind, "n3", ahead)))).next();
        Candidacy now = new Candidacy(true, 1, 300, true);
        n2 = Election.decide(n2, new Observation.CandidacyChanged(150, now)).next();
        n3 = Election.decide(n3, new Observation.CandidacyChanged(150, now)).next();
        Map<String, ElectionState> nodes = new java.util.HashMap<>(Map.of("n2", n2, "n3", n3));
        java.util.Set<Long> termsStood = new java.util.TreeSet<>();
        List<String> elected = new java.util.ArrayList<>();
        java.util.ArrayDeque<Object[]> wire = new java.util.ArrayDeque<>();
        for (long t = 1600; t < 4000 && elected.isEmpty(); t += 1) {
            for (String name : List.of("n2", "n3")) {
                List<Decision> ds = new java.util.ArrayList<>();
                ds.add(Election.decide(nodes.get(name), new Observation.Tick(t)));
                nodes.put(name, ds.get(0).next());
                for (Object[] m : List.copyOf(wire)) {
                    if (!m[0].equals(name)) continue;
                    wire.remove(m);
                    Decision d = Election.decide(nodes.get(name), received(t, (String) m[1], (Message) m[2]));
                    nodes.put(name, d.next());
                    ds.add(d);
                }
                for (Decision d : ds) {
                    for (Event.RoleChanged rc : roleChanges(d)) {
                        if (rc.to() == Role.CANDIDATE) termsStood.add(rc.term());
                        if (rc.to() == Role.LEADER) elected.add(name);
                    }
                    for (Action a : d.actions()) {
                        if (a instanceof Action.Send send && !send.to().equals("n1")) {
                            wire.add(new Object[] {send.to(), name, send.message()});
                        }
                    }
                }
            }
        }
        assertEquals(List.of("n2"), elected, "the better of two equal candidates, by name");
        assertEquals(1, termsStood.size(), "one round: " + termsStood);
    }

    @Test
    void aPreVoteAskedAsTheNoVoteWindowClosesIsAnsweredWhenItEnds() {
        ElectionState n3 = followerOf("n1", 1000); // n2 here, heard n1 at 1000: window ends at 2500
        Decision early = Election.decide(n3, received(2490, "n3", new Message.PreVoteRequest(2, Candidacy.ELIGIBLE, rec(1, 0))));
        assertTrue(early.actions().isEmpty(), "no refusal 10 ms before the window ends: " + early.actions());
        Decision due = Election.decide(early.next(), new Observation.Tick(2500));
        assertEquals(new Action.Send("n3", new Message.PreVoteReply(2, true, 1)), due.actions().get(0));
        Decision longBefore = Election.decide(n3, received(2000, "n3", new Message.PreVoteRequest(2, Candidacy.ELIGIBLE, rec(1, 0))));
        assertEquals(new Action.Send("n3", new Message.PreVoteReply(2, false, 1)), longBefore.actions().get(0),
                "refused at once half a lease before");
    }

    @Test
    void aCandidacyAMajorityRefusedEndsAtOnce() {
        ElectionState n1 = Election.decide(booted("n1", THREE, 0), new Observation.Tick(2000)).next();
        n1 = Election.decide(n1, received(2001, "n2", new Message.PreVoteReply(1, true, 0))).next();
        assertEquals(Role.CANDIDATE, n1.role());
        Decision lost = Election.decide(n1, received(2002, "n2", new Message.VoteReply(1, false)));
        assertEquals(Role.CANDIDATE, lost.next().role(), "n3 may still grant it");
        Decision refused = Election.decide(lost.next(), received(2003, "n3", new Message.VoteReply(1, false)));
        assertEquals(Reason.ELECTION_LOST, roleChanges(refused).get(0).reason());
        assertEquals(null, refused.next().campaign());
    }

    /** A new record goes out at once, durably first: a promotion waits for it to be committed. */
    @Test
    void aRecordUpdateIsSentAtOnce() {
        Decision d = Election.decide(clusterWithLeader(), new Observation.RecordUpdate(2050, new PgRecord("n1", 0, 2, null, List.of(), null)));
        assertInstanceOf(Action.Persist.class, d.actions().get(0));
        List<Message.Heartbeat> sent = d.actions().stream().skip(1).map(a -> (Message.Heartbeat) ((Action.Send) a).message()).toList();
        assertEquals(2, sent.size(), "one heartbeat to each peer: " + d.actions());
        assertTrue(sent.stream().allMatch(h -> h.record().equals(((Action.Persist) d.actions().get(0)).durable().record())));
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
        Decision d = Election.decide(clusterWithLeader(), new Observation.RecordUpdate(2050, new PgRecord("n1", 0, 2, null, List.of("n2"), null)));
        ClusterRecord written = ((Action.Persist) d.actions().get(0)).durable().record();
        assertEquals(new ClusterRecord(1, 1, "n1", new PgRecord("n1", 0, 2, null, List.of("n2"), null), java.util.Map.of("n1", 1L)), written);
        Decision hb = Election.decide(d.next(), new Observation.Tick(2200));
        Message.Heartbeat h = (Message.Heartbeat) ((Action.Send) hb.actions().get(0)).message();
        assertEquals(written, h.record());
        ElectionState follower = Election.decide(booted("n2", THREE, 0), received(2201, "n1", h)).next();
        assertEquals(written, follower.durable().record());
        Decision vote = Election.decide(follower, received(9000, "n3", new Message.VoteRequest(2, Candidacy.ELIGIBLE, rec(1, 0))));
        assertEquals(new Action.Send("n3", new Message.VoteReply(2, false)), vote.actions().get(vote.actions().size() - 1));
        assertTrue(Election.decide(follower, new Observation.RecordUpdate(2300, new PgRecord("n2", 0, 3, null, List.of(), null))).actions().isEmpty(),
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
        Message.VoteRequest behindN2 = new Message.VoteRequest(2, new Candidacy(true, 1, 800), rec(1, 0));
        Decision fresh = Election.decide(voter, received(1000 + 1500, "n1", behindN2));
        assertEquals(new Action.Send("n1", new Message.VoteReply(2, false)), fresh.actions().get(fresh.actions().size() - 1));
        assertEquals("its position TL 1 at 0/320 is behind n2's, TL 1 at 0/384 (as its last leader relayed it)",
                refusal(fresh, "n1", 2));
        Decision stale = Election.decide(voter, received(1000 + 3001, "n1", behindN2));
        assertEquals(new Action.Send("n1", new Message.VoteReply(2, true)), stale.actions().get(stale.actions().size() - 1));
    }

    // ---- reports ----------------------------------------------------------------------------------------------

    static final Report STOPPED = new Report(0, Report.PgSafety.STOPPED);
    static final Report WATCHDOG = new Report(1_100, Report.PgSafety.MAY_WRITE);
    static final Report STANDBY = new Report(1_100, Report.PgSafety.STANDBY);

    /** A heartbeat of leader n3 in {@code term} whose record says n1 last led in term 5, relaying {@code reports}. */
    static Message.Heartbeat relaying(long term, long seq, Map<String, Report.Heard> reports) {
        ClusterRecord record = new ClusterRecord(term, 0, "n3", PgRecord.NONE, Map.of("n1", 5L, "n3", term));
        return new Message.Heartbeat(term, seq, record, Map.of(), reports);
    }

    @Test
    void theLeaderRelaysTheReportsItHeardWithTheirTermsAndItsOwn() {
        ElectionState n1 = Election.decide(leaderWithoutAcks(), new Observation.ReportChanged(2002, WATCHDOG)).next();
        n1 = Election.decide(n1, received(2003, "n2", new Message.HeartbeatAck(1, 1, Candidacy.ELIGIBLE, STANDBY))).next();
        Decision d = Election.decide(n1, new Observation.Tick(2200));
        Message.Heartbeat h = (Message.Heartbeat) ((Action.Send) d.actions().get(0)).message();
        assertEquals(Map.of("n1", new Report.Heard(1, WATCHDOG), "n2", new Report.Heard(1, STANDBY)), h.reports());
    }

    /**
     * A heartbeat that arrives after a later one of the same leader (delayed, duplicated) must not put back the report
     * the later one replaced: a leader that withdrew its watchdog announcement before a restart would otherwise be
     * taken for watchdog-guarded by the next leader, which then promotes over its still-running PostgreSQL (the
     * simulator's planned-restart seeds 3072 and 3393: two writers). The same for a late acknowledgement at the leader.
     */
    @Test
    void aLateMessageDoesNotPutBackAReportItsNodeReplaced() {
        ClusterRecord record = new ClusterRecord(6, 0, "n3", PgRecord.NONE, Map.of("n3", 6L));
        Message.Heartbeat armed = new Message.Heartbeat(6, 10, record, Map.of(), Map.of("n3", new Report.Heard(6, WATCHDOG)));
        Message.Heartbeat withdrawn = new Message.Heartbeat(6, 11, record, Map.of(), Map.of("n3", new Report.Heard(6, STOPPED)));
        ElectionState f = booted("n2", THREE, 0);
        f = Election.decide(f, received(1000, "n3", armed)).next();
        f = Election.decide(f, received(1010, "n3", withdrawn)).next();
        Decision late = Election.decide(f, received(1020, "n3", armed)); // the first one again, late
        assertEquals(List.of(), late.actions(), "dropped whole, not acknowledged, as the daemon's Arrivals drop it");
        f = late.next();
        assertEquals(0, f.watchdogOf("n3"), "the withdrawal stands");
        assertEquals(STOPPED, f.reportOf("n3").report());

        ElectionState n1 = Election.decide(leaderWithoutAcks(), received(2003, "n2",
                new Message.HeartbeatAck(1, 2, Candidacy.ELIGIBLE, STOPPED))).next();
        n1 = Election.decide(n1, received(2004, "n2", new Message.HeartbeatAck(1, 1, Candidacy.ELIGIBLE, WATCHDOG))).next();
        assertEquals(STOPPED, n1.reportOf("n2").report(), "a late acknowledgement does not replace a newer one");
    }

    @Test
    void aFollowerMergesRelayedReportsByTerm() {
        ElectionState f = booted("n2", THREE, 0);
        f = Election.decide(f, received(1000, "n3", relaying(6, 1, Map.of("n1", new Report.Heard(6, STOPPED))))).next();
        f = Election.decide(f, received(1100, "n3", relaying(6, 2, Map.of("n1", new Report.Heard(5, WATCHDOG))))).next();
        assertEquals(new Report.Heard(6, STOPPED), f.reportOf("n1"), "an older report does not replace a newer one");
        f = Election.decide(f, received(1200, "n3", relaying(6, 3, Map.of("n1", new Report.Heard(6, STANDBY))))).next();
        assertEquals(new Report.Heard(6, STANDBY), f.reportOf("n1"), "within a term, the one heard last");
        f = Election.decide(f, received(1300, "n3", relaying(7, 4, Map.of("n1", new Report.Heard(7, WATCHDOG))))).next();
        assertEquals(new Report.Heard(7, WATCHDOG), f.reportOf("n1"));
    }

    @Test
    void aRelayedReportAboutItselfIsIgnored() {
        ElectionState f = Election.decide(booted("n2", THREE, 0), new Observation.ReportChanged(10, STANDBY)).next();
        f = Election.decide(f, received(1000, "n3", relaying(6, 1, Map.of("n2", new Report.Heard(9, WATCHDOG))))).next();
        assertFalse(f.reports().containsKey("n2"), "nobody else tells a node about itself");
        assertEquals(new Report.Heard(6, STANDBY), f.reportOf("n2"), "its own report is always its current one");
    }

    @Test
    void onlyAReportMadeAfterTheNodeLastLedProvesItsPostgresSafe() {
        ElectionState f = booted("n2", THREE, 0);
        ElectionState old = heard(f, new Report.Heard(4, STOPPED, false));
        assertEquals(new Report.Heard(4, STOPPED, false), old.reportOf("n1"));
        assertFalse(old.pgProvenSafe("n1"), "n1 led term 5 since: it may have written since");
        assertFalse(heard(f, new Report.Heard(5, STOPPED, false)).pgProvenSafe("n1"),
                "made while it led term 5: it may have started PostgreSQL after");
        assertTrue(heard(f, new Report.Heard(5, STOPPED, true)).pgProvenSafe("n1"), "its farewell in term 5");
        assertTrue(heard(f, new Report.Heard(6, STOPPED, false)).pgProvenSafe("n1"), "made as a follower in term 6");
    }

    private static ElectionState heard(ElectionState f, Report.Heard report) {
        return Election.decide(f, received(1000, "n3", relaying(6, 1, Map.of("n1", report)))).next();
    }

    @Test
    void aNeverHeardNodeIsAssumedToMayWrite() {
        ElectionState f = booted("n2", THREE, 0);
        assertEquals(Report.NEVER, f.reportOf("n1"));
        assertFalse(f.pgProvenSafe("n1"));
        assertEquals(0, f.watchdogOf("n1"), "no watchdog is assumed");
    }

    @Test
    void aResigningFollowerSaysGoodbyeWithItsReport() {
        ElectionState f = Election.decide(followerOf("n1", 1000), new Observation.ReportChanged(1001, STOPPED)).next();
        Decision d = Election.decide(f, new Observation.Resign(1002));
        assertEquals(List.of(new Action.Send("n1", new Message.Resign(1, STOPPED)),
                new Action.Send("n3", new Message.Resign(1, STOPPED))), d.actions());
        assertEquals(List.of(), d.events(), "a follower changes no role");
        assertEquals(Role.FOLLOWER, d.next().role());
    }

    @Test
    void aResigningLeaderSendsItsReportToo() {
        ElectionState n1 = Election.decide(clusterWithLeader(), new Observation.ReportChanged(2050, STOPPED)).next();
        Decision d = Election.decide(n1, new Observation.Resign(2100));
        assertTrue(d.actions().contains(new Action.Send("n2", new Message.Resign(1, STOPPED))));
        assertEquals(Reason.RESIGNED, roleChanges(d).get(0).reason());
    }

    @Test
    void aResignationIsHeardFromAnyNodeButFreesVotesOnlyFromTheLeader() {
        ElectionState f = followerOf("n1", 2000); // n2 follows n1
        ElectionState fromPeer = Election.decide(f, received(2100, "n3", new Message.Resign(1, STOPPED))).next();
        assertEquals(new Report.Heard(1, STOPPED, true), fromPeer.reportOf("n3"), "a farewell");
        assertEquals(f.noVoteUntil(), fromPeer.noVoteUntil(), "n3 is not the leader: n1's lease still binds");
        ElectionState fromLeader = Election.decide(f, received(2100, "n1", new Message.Resign(1, STOPPED))).next();
        assertEquals(new Report.Heard(1, STOPPED, true), fromLeader.reportOf("n1"));
        assertTrue(fromLeader.noVoteUntil() <= 2100);
    }

    // ---- switchover: a resignation that names the successor -------------------------------------------------------

    @Test
    void theNamedSuccessorStandsTheMomentItHearsTheResignation() {
        ElectionState n2 = Election.decide(followerOf("n1", 2000), new Observation.CandidacyChanged(2001, Candidacy.ELIGIBLE)).next();
        Decision d = Election.decide(n2, received(2100, "n1", new Message.Resign(1, STOPPED, "n2")));
        assertEquals(List.of("n1", "n3"), d.actions().stream().filter(a -> a instanceof Action.Send s
                && s.message() instanceof Message.PreVoteRequest).map(a -> ((Action.Send) a).to()).toList(),
                "no tick, no stagger: it asks for pre-votes at once");
        Decision plain = Election.decide(n2, received(2100, "n1", new Message.Resign(1, STOPPED)));
        assertTrue(plain.actions().stream().noneMatch(a -> a instanceof Action.Send s
                && s.message() instanceof Message.PreVoteRequest), "without a successor it waits for its tick");
    }

    /**
     * The leadership the named successor wins remembers who handed it over (the supervisor names the promotion a
     * switchover); one won by standing on its own does not. The nomination changes no vote.
     */
    @Test
    void theSuccessorsLeadershipRemembersWhoHandedItOver() {
        ElectionState n2 = Election.decide(followerOf("n1", 2000), new Observation.CandidacyChanged(2001, Candidacy.ELIGIBLE)).next();
        ElectionState named = Election.decide(n2, received(2100, "n1", new Message.Resign(1, STOPPED, "n2"))).next();
        assertEquals("n1", named.campaign().nominatedBy());
        ElectionState won = winWithN3(named, 2101);
        assertEquals(Role.LEADER, won.role());
        assertEquals("n1", won.leadership().handedOverBy());

        ElectionState plain = Election.decide(n2, received(2100, "n1", new Message.Resign(1, STOPPED))).next();
        ElectionState standing = Election.decide(plain, new Observation.Tick(2100 + TIMING.electionTimeoutMs()
                + TIMING.staggerMs())).next();
        assertNull(standing.campaign().nominatedBy(), "it stood on its own");
        ElectionState wonAlone = winWithN3(standing, 2100 + TIMING.electionTimeoutMs() + TIMING.staggerMs() + 1);
        assertEquals(Role.LEADER, wonAlone.role());
        assertNull(wonAlone.leadership().handedOverBy());
    }

    /** n3 grants the pre-vote and then the vote of the campaign {@code s} runs. */
    private static ElectionState winWithN3(ElectionState s, long at) {
        long term = s.campaign().term();
        ElectionState voting = Election.decide(s, received(at, "n3", new Message.PreVoteReply(term, true, 0))).next();
        assertFalse(voting.campaign().pre(), "a majority granted the pre-vote");
        return Election.decide(voting, received(at + 1, "n3", new Message.VoteReply(term, true))).next();
    }

    @Test
    void theOthersHoldBackForAnElectionTimeoutWhileTheSuccessorTakesOver() {
        ElectionState n2 = Election.decide(followerOf("n1", 2000), new Observation.CandidacyChanged(2001, Candidacy.ELIGIBLE)).next();
        // n2 stands in for n3 here: the successor named is n3, so n2 is one of "the others"
        ElectionState held = Election.decide(n2, received(2100, "n1", new Message.Resign(1, STOPPED, "n3"))).next();
        assertTrue(held.noVoteUntil() <= 2100, "it may vote for the successor at once");
        long timeout = TIMING.electionTimeoutMs();
        assertEquals(null, Election.decide(held, new Observation.Tick(2100 + timeout - 1)).next().campaign(),
                "it does not stand while the successor may still win");
        ElectionState free = Election.decide(n2, received(2100, "n1", new Message.Resign(1, STOPPED))).next();
        assertTrue(Election.decide(free, new Observation.Tick(2100 + TIMING.staggerMs())).next().campaign() != null,
                "without a successor it would have stood by then");
        assertTrue(Election.decide(held, new Observation.Tick(2100 + timeout + TIMING.staggerMs())).next().campaign() != null,
                "and it stands once the successor had its chance");
    }

    @Test
    void aLeaderHeartbeatsAtOnceWhenAskedAFollowerDoesNothing() {
        Decision now = Election.decide(clusterWithLeader(), new Observation.HeartbeatNow(2010));
        assertEquals(2, now.actions().stream().filter(a -> a instanceof Action.Send s
                && s.message() instanceof Message.Heartbeat h && h.seq() == 2).count(), now.actions().toString());
        assertEquals(List.of(), Election.decide(followerOf("n1", 2000), new Observation.HeartbeatNow(2010)).actions());
    }

    @Test
    void theLeaderThatHandsOverMayVoteForItsSuccessorAtOnce() {
        ElectionState n1 = Election.decide(clusterWithLeader(), new Observation.ReportChanged(2050, STOPPED)).next();
        ElectionState handedOver = Election.decide(n1, new Observation.Resign(2100, "n2")).next();
        assertTrue(handedOver.notBefore() >= 2100 + TIMING.electionTimeoutMs(), "it holds back like the others");
        ClusterRecord record = handedOver.durable().record();
        Decision vote = Election.decide(handedOver, received(2101, "n2", new Message.VoteRequest(2, Candidacy.ELIGIBLE, record)));
        assertTrue(vote.actions().contains(new Action.Send("n2", new Message.VoteReply(2, true))), vote.actions().toString());
        ElectionState resigned = Election.decide(n1, new Observation.Resign(2100)).next();
        Decision refused = Election.decide(resigned, received(2101, "n2", new Message.VoteRequest(2, Candidacy.ELIGIBLE, record)));
        assertTrue(refused.actions().contains(new Action.Send("n2", new Message.VoteReply(2, false))),
                "a plain resignation keeps its own no-vote window");
    }

    // ---- record catch-up ----------------------------------------------------------------------------------------

    /**
     * A voter that just granted its vote of a term gives no pre-vote for the next term to another candidate for an
     * election timeout: the one it voted for may be winning right now, and a third node standing before its first
     * heartbeat arrives would unseat it (the simulator's vigild-restart seed 3288). Pre-votes bind nothing; later,
     * it grants as before.
     */
    /** A candidate in its real campaign may be winning right now: no pre-vote for a newer term to anyone meanwhile. */
    @Test
    void aCandidateGivesNoPreVoteForANewerTermWhileItsCampaignRuns() {
        ElectionState n1 = Election.decide(booted("n1", THREE, 0), new Observation.Tick(2000)).next();
        ElectionState candidate = Election.decide(n1, received(2001, "n2", new Message.PreVoteReply(1, true, 0))).next();
        assertEquals(Role.CANDIDATE, candidate.role());
        Decision d = Election.decide(candidate, received(2002, "n3", new Message.PreVoteRequest(2, Candidacy.ELIGIBLE, rec(0, 0))));
        assertTrue(d.actions().contains(new Action.Send("n3", new Message.PreVoteReply(2, false, 1, null))), d.actions().toString());
    }

    @Test
    void aVoterThatJustVotedGivesNoOtherCandidateAPreVoteForAnElectionTimeout() {
        ElectionState voter = followerOf("n1", 0);
        ElectionState voted = Election.decide(voter, received(5000, "n3",
                new Message.VoteRequest(2, Candidacy.ELIGIBLE, rec(1, 0), null))).next();
        assertEquals("n3", voted.durable().votedFor());
        Message.PreVoteRequest third = new Message.PreVoteRequest(3, Candidacy.ELIGIBLE, rec(1, 0));
        assertEquals(new Action.Send("n1", new Message.PreVoteReply(3, false, 2, null)),
                Election.decide(voted, received(5010, "n1", third)).actions().get(0));
        long later = 5000 + TIMING.electionTimeoutMs();
        assertEquals(new Action.Send("n1", new Message.PreVoteReply(3, true, 2, null)),
                Election.decide(voted, received(later, "n1", third)).actions().get(0));
    }

    @Test
    void aVoterWithANewerRecordSendsItWithItsPreVoteReply() {
        ElectionState voter = followerOf("n1", 0); // record of term 1
        ClusterRecord mine = voter.durable().record();
        Decision newer = Election.decide(voter, received(5000, "n3",
                new Message.PreVoteRequest(2, Candidacy.ELIGIBLE, rec(0, 0))));
        assertEquals(new Action.Send("n3", new Message.PreVoteReply(2, false, 1, mine)), newer.actions().get(0));
        Decision same = Election.decide(voter, received(5000, "n3",
                new Message.PreVoteRequest(2, Candidacy.ELIGIBLE, rec(1, 0))));
        assertEquals(new Action.Send("n3", new Message.PreVoteReply(2, true, 1, null)), same.actions().get(0));
    }

    @Test
    void aPreCandidateAdoptsANewerRecordFromAPreVoteReply() {
        ElectionState n3 = Election.decide(booted("n3", THREE, 0), new Observation.Tick(2000)).next();
        ClusterRecord newer = new ClusterRecord(0, 4, "n1", new PgRecord("n1", 42, 1, null, List.of(), null), Map.of("n1", 0L));
        Decision d = Election.decide(n3, received(2001, "n2", new Message.PreVoteReply(1, false, 0, newer)));
        assertEquals(new Action.Persist(new Durable(0, null, newer)), d.actions().get(0));
        assertEquals(newer, d.next().durable().record());
        Decision older = Election.decide(d.next(), received(2002, "n1",
                new Message.PreVoteReply(1, false, 0, ClusterRecord.NONE)));
        assertEquals(newer, older.next().durable().record(), "an older record changes nothing");
    }

    // ---- the strict (synchronous mode) vote rule ------------------------------------------------------------

    /** The record every voter below holds: n1 is the recorded primary of system 42. */
    static final ClusterRecord SYSTEM_42 = new ClusterRecord(0, 1, "n1",
            new PgRecord("n1", 42, 1, null, List.of(), null), Map.of("n1", 0L));

    /**
     * {@code self} booted at 0 holding {@link #SYSTEM_42} with its own candidacy {@code own}; asked at 5000 (no-vote
     * window over) to vote for n3.
     */
    /**
     * n2's vigild restarted while its PostgreSQL kept serving as the recorded primary; n3 led meanwhile (n2 granted
     * its vote), found n2's server serving and resigned to hand leadership back. n2 must stand at once: the back-off of
     * the vote it granted kept it out while the survivors took turns electing and resigning, until its reclaim window
     * ran out and it fenced its own primary (seen in PostgresFailoverIT). Another node, or n2 when not the recorded
     * primary, keeps its back-off.
     */
    @Test
    void theRecordedPrimaryMayStandAtOnceWhenItsLeaderResigns() {
        assertTrue(standsAfterResign("n2"), "the recorded primary stands");
        assertFalse(standsAfterResign("n1"), "a standby keeps the back-off of the vote it granted");
    }

    private static boolean standsAfterResign(String recordedPrimary) {
        Candidacy mine = new Candidacy(true, 1, 700);
        ClusterRecord record = new ClusterRecord(0, 1, "n1", new PgRecord(recordedPrimary, 42, 1, null, List.of(), null),
                Map.of("n1", 0L));
        ElectionState n2 = ElectionState.boot(new Electorate("n2", THREE, TIMING, false), new Durable(0, null, record), 0);
        n2 = Election.decide(n2, new Observation.CandidacyChanged(1, mine)).next();
        Decision vote = Election.decide(n2, received(5000, "n3", new Message.VoteRequest(1, mine, record)));
        assertTrue(((Message.VoteReply) ((Action.Send) vote.actions().get(vote.actions().size() - 1)).message()).granted());
        n2 = vote.next();
        n2 = Election.decide(n2, received(5010, "n3", new Message.Heartbeat(1, 1, record, Map.of()))).next();
        n2 = Election.decide(n2, received(5100, "n3", new Message.Resign(1))).next();
        Decision tick = Election.decide(n2, new Observation.Tick(5100 + 2 * TIMING.staggerMs()));
        return tick.actions().stream().anyMatch(a -> a instanceof Action.Send s && s.message() instanceof Message.PreVoteRequest);
    }

    /**
     * The recorded primary's candidacy is its last probe: under steady writes a standby's own position is newer.
     * Measured against it, the serving primary that a restart of vigild left running was refused by both voters
     * (bin/bench restart-daemon: "its position TL 1 at 0/50571F8 is behind ours, TL 1 at 0/5057358"). A voter whose
     * standby streams from it holds a prefix of its WAL and does not compare; one that does not stream from it does,
     * and so does every voter with the positions a leader relayed (a primary whose data was restored from an older
     * copy lacks what they hold).
     */
    @Test
    void aVoterStreamingFromTheRecordedPrimaryDoesNotMeasureItAgainstItsOwnPosition() {
        ClusterRecord n1Primary = new ClusterRecord(1, 1, "n3", new PgRecord("n1", 42, 1, null, List.of(), null),
                Map.of("n3", 1L));
        Candidacy standby = new Candidacy(true, 1, 900);
        Candidacy lastProbe = new Candidacy(true, 1, 800);
        assertEquals(null, refusalBy(n1Primary, standby, "n1", Map.of(), "n1", lastProbe));
        assertEquals("its position TL 1 at 0/320 is behind ours, TL 1 at 0/384",
                refusalBy(n1Primary, standby, null, Map.of(), "n1", lastProbe), "not streaming from it");
        assertEquals("its position TL 1 at 0/320 is behind ours, TL 1 at 0/384",
                refusalBy(n1Primary, standby, "n1", Map.of(), "n3", lastProbe), "only the recorded primary");
        assertEquals("its position TL 1 at 0/320 is behind n3's, TL 1 at 0/3B6 (as its last leader relayed it)",
                refusalBy(n1Primary, standby, "n1", Map.of("n3", new Candidacy(true, 1, 950)), "n1", lastProbe),
                "a relayed position still counts");
    }

    /** Voter n2 (asynchronous mode) at {@code own}, streaming from {@code streamsFrom}, having heard {@code relayed}. */
    private static String refusalBy(ClusterRecord record, Candidacy own, String streamsFrom, Map<String, Candidacy> relayed,
                                    String candidate, Candidacy candidacy) {
        ElectionState voter = ElectionState.boot(new Electorate("n2", THREE, TIMING, false), new Durable(1, null, record), 0);
        voter = Election.decide(voter, new Observation.CandidacyChanged(1, own, streamsFrom)).next();
        voter = Election.decide(voter, received(1000, "n3", new Message.Heartbeat(1, 1, record, relayed))).next();
        Decision d = Election.decide(voter, received(1000 + 1500, candidate, new Message.VoteRequest(2, candidacy, record)));
        boolean granted = ((Message.VoteReply) ((Action.Send) d.actions().get(d.actions().size() - 1)).message()).granted();
        return granted ? null : refusal(d, candidate, 2);
    }

    static boolean votes(boolean strict, List<Voter> voters, String self, Candidacy own, Candidacy candidate) {
        return votes(strict, voters, self, SYSTEM_42, own, "n3", candidate);
    }

    static boolean votes(boolean strict, List<Voter> voters, String self, ClusterRecord record, Candidacy own,
                         String candidateName, Candidacy candidate) {
        ElectionState voter = ElectionState.boot(new Electorate(self, voters, TIMING, strict),
                new Durable(0, null, record), 0);
        voter = Election.decide(voter, new Observation.CandidacyChanged(1, own)).next();
        Decision d = Election.decide(voter, received(5000, candidateName,
                new Message.VoteRequest(1, candidate, record)));
        Action last = d.actions().get(d.actions().size() - 1);
        return ((Message.VoteReply) ((Action.Send) last).message()).granted();
    }

    @Test
    void inStrictModeADataNodeThatDoesNotKnowItsPositionVotesForNobody() {
        Candidacy unknown = new Candidacy(true, 1, 500, false);
        Candidacy ahead = new Candidacy(true, 1, 1_000);
        assertFalse(votes(true, THREE, "n2", unknown, ahead));
        assertFalse(votes(true, THREE, "n2", new Candidacy(false, 0, 0, false), ahead));
        assertTrue(votes(false, THREE, "n2", unknown, ahead), "the default mode does not need it");
    }

    @Test
    void inStrictModeAnIneligibleButKnownPositionStillBlocksCandidatesBehindIt() {
        Candidacy ineligible = new Candidacy(false, 1, 900, true);
        assertFalse(votes(true, THREE, "n2", ineligible, new Candidacy(true, 1, 800)));
        assertTrue(votes(true, THREE, "n2", ineligible, new Candidacy(true, 1, 900)));
        assertTrue(votes(false, THREE, "n2", ineligible, new Candidacy(true, 1, 800)),
                "in the default mode an ineligible voter's position does not block elections");
    }

    @Test
    void inStrictModeTheRecordedPrimaryIsElectableBehindAVotersUnacknowledgedWal() {
        // n2 ran as primary before n1 was elected into that role: its WAL beyond n1's was never acknowledged.
        Candidacy oldPrimaryAhead = new Candidacy(false, 1, 16_700, true);
        assertTrue(votes(true, THREE, "n2", SYSTEM_42, oldPrimaryAhead, "n1", new Candidacy(true, 1, 10_400)));
        assertFalse(votes(true, THREE, "n2", SYSTEM_42, oldPrimaryAhead, "n3", new Candidacy(true, 1, 10_400)),
                "anyone else must be at least as advanced");
    }

    @Test
    void inStrictModeAVoterThatHoldsNothingVotesOnlyForTheRecordedPrimary() {
        Candidacy nothing = new Candidacy(false, 0, 0, true);
        assertTrue(votes(true, THREE, "n2", SYSTEM_42, nothing, "n1", new Candidacy(true, 1, 500)));
        assertFalse(votes(true, THREE, "n2", SYSTEM_42, nothing, "n3", new Candidacy(true, 1, 500)),
                "its emptied data may have acknowledged commits only the recorded primary holds");
    }

    @Test
    void beforeTheSystemIsRecordedNoVoterVouchesForItsData() {
        // Nothing was acknowledged before the record named the system: the default rule applies.
        ClusterRecord bootstrap = new ClusterRecord(0, 1, "n1", new PgRecord("n1", 0, 1, null, List.of(), null),
                Map.of("n1", 0L));
        Candidacy otherData = new Candidacy(false, 1, 500, true);
        assertTrue(votes(true, THREE, "n2", bootstrap, otherData, "n1", new Candidacy(true, 0, 0, true)));
        assertFalse(votes(true, THREE, "n2", SYSTEM_42, otherData, "n3", new Candidacy(true, 0, 0, true)));
    }

    @Test
    void aVoterJudgesByTheCandidatesNewerRecordAndAdoptsItWithItsVote() {
        // n2's data is gone; its record still names n1 primary. n3 was elected since (term 3) and recorded itself
        // primary: by that newer record n3 is the recorded primary, electable by a voter that holds nothing.
        ClusterRecord newer = new ClusterRecord(3, 1, "n3", new PgRecord("n3", 42, 1, null, List.of(), "n1"),
                Map.of("n1", 0L, "n3", 3L));
        Candidacy nothing = new Candidacy(false, 0, 0, true);
        assertTrue(votes(true, THREE, "n2", newer, SYSTEM_42, nothing, "n3", new Candidacy(true, 1, 500)));
        ElectionState voter = ElectionState.boot(new Electorate("n2", THREE, TIMING, true), new Durable(0, null, SYSTEM_42), 0);
        voter = Election.decide(voter, new Observation.CandidacyChanged(1, nothing)).next();
        Decision d = Election.decide(voter, received(5000, "n3", new Message.VoteRequest(4, new Candidacy(true, 1, 500), newer)));
        assertEquals(new Durable(4, "n3", newer), d.next().durable(), "the vote and the record it was judged by, together");
    }

    /** As {@link #votes(boolean, List, String, ClusterRecord, Candidacy, String, Candidacy)}, the candidate holding {@code theirs}. */
    static boolean votes(boolean strict, List<Voter> voters, String self, ClusterRecord theirs, ClusterRecord mine,
                         Candidacy own, String candidateName, Candidacy candidate) {
        ElectionState voter = ElectionState.boot(new Electorate(self, voters, TIMING, strict), new Durable(0, null, mine), 0);
        voter = Election.decide(voter, new Observation.CandidacyChanged(1, own)).next();
        Decision d = Election.decide(voter, received(5000, candidateName, new Message.VoteRequest(1, candidate, theirs)));
        Action last = d.actions().get(d.actions().size() - 1);
        return ((Message.VoteReply) ((Action.Send) last).message()).granted();
    }

    @Test
    void inStrictModeAWitnessVotesWithoutAPositionOfItsOwn() {
        List<Voter> voters = List.of(Voter.data("n1"), Voter.witness("w1"), Voter.data("n3"));
        assertTrue(votes(true, voters, "w1", Candidacy.INELIGIBLE, new Candidacy(true, 1, 800)));
    }

    /** A candidate's record of (term, version): the same as, older or newer than the voter's by those alone. */
    static vigil.core.election.ClusterRecord rec(long term, long version) {
        return new vigil.core.election.ClusterRecord(term, version, null, vigil.core.election.PgRecord.NONE, java.util.Map.of());
    }
}
