package vigil.core.election;

import java.util.HashMap;
import java.util.Map;
import vigil.core.election.Message.PreVoteReply;
import vigil.core.election.Message.PreVoteRequest;
import vigil.core.election.Message.VoteReply;
import vigil.core.election.Message.VoteRequest;

/**
 * The voter's half of an {@link ElectionStep}: pre-votes and votes asked of this node, answered by the rules of
 * {@link Standing} after the no-vote window and the leader check. One vote per term, persisted (with the record it
 * was judged by) before the reply leaves; a pre-vote binds nothing and only orders who stands first. Every refusal
 * is an event naming its cause ({@link Event.VoteRefused}): a lost election is otherwise explained by nobody.
 */
final class Voting {
    private Voting() {}

    /**
     * A pre-vote asked in the last moments of our no-vote window (within one stagger of its end) is answered when
     * it ends, not refused: candidates stand the instant their own window ends, and the same last heartbeat
     * reaches followers a little apart, so a refusal here would cost the candidate a whole election timeout.
     */
    static void onPreVoteRequest(ElectionStep s, String from, PreVoteRequest p) {
        boolean closing = s.role != Role.LEADER && !s.windowOver()
                && s.leaderContactAt + s.timing.leaseMs() - s.now <= s.timing.staggerMs();
        if (closing && p.term() > s.durable.term()) {
            Map<String, PreVoteRequest> d = new HashMap<>(s.deferred);
            d.put(from, p);
            s.deferred = Map.copyOf(d);
            return;
        }
        answerPreVote(s, from, p);
    }

    static void answerDeferred(ElectionStep s) {
        Map<String, PreVoteRequest> due = s.deferred;
        s.deferred = Map.of();
        // in the candidates' order, not the map's: Map.copyOf iterates in an order salted per JVM, and a replay by
        // seed must answer alike
        new java.util.TreeMap<>(due).forEach((from, p) -> answerPreVote(s, from, p));
    }

    /**
     * A pre-vote is granted when a vote would be ({@link #wouldVote}) and, while this node campaigns for the same
     * term itself, only to a better candidate ({@link Standing#before}): the better one is refused by nobody and
     * the other yields (its own pre-vote campaign ends), so two survivors that stood at once do not both go on to
     * vote for themselves and split the vote. Pre-votes bind nothing: this only orders who goes first; every
     * rule of the real vote is unchanged. Granting holds back our own candidacy for one stagger, time for the
     * candidate to ask for real votes.
     */
    static void answerPreVote(ElectionStep s, String from, PreVoteRequest p) {
        boolean rival = s.campaign != null && s.campaign.pre() && s.campaign.term() == p.term();
        // A vote granted to another candidate in this term a moment ago may be electing it right now: a pre-vote
        // for a newer term granted before its first heartbeat arrives would let a third node stand and unseat
        // the leader just elected (its primary, no longer leading, fences itself: the simulator's vigild-restart
        // seed 3288, a hand-back unseated as it completed). Only until that heartbeat (the no-vote window rules
        // from then on, and a resignation frees it), and not for its own vote: a candidate that keeps failing
        // would then refuse every better one (the rival rule below lets it yield).
        boolean committed = s.durable.votedFor() != null && !s.durable.votedFor().equals(from)
                && !s.durable.votedFor().equals(s.electorate.self()) && s.now - s.votedAt < s.timing.electionTimeoutMs();
        // Nor does a candidate in its real campaign give a pre-vote for a newer term: it may be winning right now,
        // and that pre-vote would let another stand and unseat it. Bounded by its campaign (one election timeout).
        committed |= s.role == Role.CANDIDATE && s.campaign != null && !s.campaign.pre() && p.term() > s.campaign.term();
        boolean grant = p.term() > s.durable.term() && !committed && wouldVote(s, from, p.candidacy(), p.record(), p.order())
                && (!rival || p.order() != null && s.order == null
                    || (p.order() == null) == (s.order == null) && Standing.before(s.electorate, from, p.candidacy(), s.electorate.self(), s.own));
        if (grant) {
            if (rival) s.campaign = null; // yield: its replies to us are ignored from now on
            s.notBefore = Math.max(s.notBefore, s.now + s.timing.staggerMs());
        }
        ClusterRecord mine = s.durable.record();
        s.send(from, new PreVoteReply(p.term(), grant, s.durable.term(), mine.newerThan(p.record()) ? mine : null));
    }

    static void onVoteRequest(ElectionStep s, String from, VoteRequest v) {
        if (v.term() < s.durable.term()) {
            refuse(s, from, v.term(), "its term " + v.term() + " is older than ours, " + s.durable.term());
            s.send(from, new VoteReply(s.durable.term(), false));
            return;
        }
        // Inside the no-vote window the request is ignored entirely: the term is not adopted either, so a
        // candidate cut off from a healthy leader cannot make the leader's followers reject its heartbeats.
        String refused = voteRefusal(s, from, v.candidacy(), v.record(), v.order());
        if (refused != null) {
            refuse(s, from, v.term(), refused);
            s.send(from, new VoteReply(v.term(), false));
            return;
        }
        if (v.term() > s.durable.term()) s.adoptTerm(v.term(), Reason.HIGHER_TERM);
        boolean granted = s.durable.votedFor() == null || s.durable.votedFor().equals(from);
        if (granted && s.durable.votedFor() == null) {
            // The vote and the newer record it was judged by reach the disk together, before the reply leaves.
            Durable voted = s.durable.voteFor(from);
            s.persist(v.record().newerThan(voted.record()) ? voted.withRecord(v.record()) : voted);
            s.votedAt = s.now;
            s.notBefore = Math.max(s.notBefore, s.now + s.timing.electionTimeoutMs());
        }
        if (!granted) refuse(s, from, v.term(), "we voted for " + s.durable.votedFor() + " in term " + s.durable.term());
        s.send(from, new VoteReply(v.term(), granted));
    }

    static void refuse(ElectionStep s, String candidate, long term, String why) {
        s.events.add(new Event.VoteRefused(term, candidate, why));
    }

    /** Outside the no-vote window, not a leader, and the candidate deserves it ({@link Standing#deserves}). */
    static boolean wouldVote(ElectionStep s, String candidate, Candidacy candidacy, ClusterRecord theirs, FailoverOrder order) {
        return voteRefusal(s, candidate, candidacy, theirs, order) == null;
    }

    /** Why {@link #wouldVote} says no, or null when it says yes. */
    static String voteRefusal(ElectionStep s, String candidate, Candidacy candidacy, ClusterRecord theirs, FailoverOrder order) {
        if (s.role == Role.LEADER) return "this node leads term " + s.durable.term();
        if (!s.windowOver()) {
            return "inside our no-vote window: " + (s.leader != null ? "leader " + s.leader : "a leader") + " heard "
                    + (s.now - s.leaderContactAt) + " ms ago, lease " + s.timing.leaseMs() + " ms";
        }
        boolean fresh = s.now - s.leaderContactAt <= 2 * s.timing.leaseMs();
        return Standing.refusal(s.electorate, candidate, candidacy, theirs, s.durable.record(), s.own, s.streamsFrom,
                fresh ? s.known : Map.of(), order);
    }
}
