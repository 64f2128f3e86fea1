package vigil.core.election;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import vigil.core.election.Message.Heartbeat;
import vigil.core.election.Message.HeartbeatAck;
import vigil.core.election.Message.PreVoteReply;
import vigil.core.election.Message.PreVoteRequest;
import vigil.core.election.Message.Stale;
import vigil.core.election.Message.VoteReply;
import vigil.core.election.Message.VoteRequest;

/**
 * One decision of {@link Election} in progress: a mutable copy of the state plus the actions and events it produced,
 * read back as the next state by {@link #finish}. The leader's and candidate's side live here; the voter's side,
 * which answers pre-votes and votes, is {@link Voting}.
 */
final class ElectionStep {
    final Electorate electorate;
    final Timing timing;
    final long now;
    final List<Action> actions = new ArrayList<>();
    final List<Event> events = new ArrayList<>();
    Durable durable;
    Role role;
    String leader;
    String lastLeader;
    long leaderContactAt;
    long notBefore;
    long votedAt;
    int attempts;
    Campaign campaign;
    Leadership leadership;
    Candidacy own;
    String streamsFrom;
    Map<String, Candidacy> known;
    Report ownReport;
    Map<String, Report.Heard> reports;
    Map<String, PreVoteRequest> deferred;
    FailoverOrder order;

    ElectionStep(ElectionState s, long now) {
        this.electorate = s.electorate();
        this.timing = electorate.timing();
        this.now = now;
        this.durable = s.durable();
        this.role = s.role();
        this.leader = s.leader();
        this.lastLeader = s.lastLeader();
        this.leaderContactAt = s.leaderContactAt();
        this.notBefore = s.notBefore();
        this.attempts = s.attempts();
        this.campaign = s.campaign();
        this.leadership = s.leadership();
        this.own = s.own();
        this.streamsFrom = s.streamsFrom();
        this.known = s.known();
        this.ownReport = s.ownReport();
        this.reports = s.reports();
        this.deferred = s.deferred();
        this.order = s.order();
        this.votedAt = s.votedAt();
    }

    Decision finish() {
        ElectionState next = new ElectionState(electorate, durable, role, leader, lastLeader, leaderContactAt,
                notBefore, attempts, campaign, leadership, own, known, ownReport, reports, deferred, order, votedAt,
                streamsFrom);
        return new Decision(next, actions, events);
    }

    // ---- time ---------------------------------------------------------------------------------------------

    void tick() {
        if (!deferred.isEmpty() && (windowOver() || role == Role.LEADER)) Voting.answerDeferred(this);
        switch (role) {
            case LEADER -> {
                if (now >= leadership.stepDownAt(timing)) {
                    stepDown(leadership.leaseEstablished() ? Reason.LEASE_EXPIRED : Reason.NO_LEASE_ESTABLISHED);
                } else if (now - leadership.lastSentAt() >= timing.heartbeatMs()) {
                    sendHeartbeat();
                }
            }
            case CANDIDATE -> {
                if (now - campaign.startedAt() >= timing.electionTimeoutMs()) {
                    giveUpCampaign(Reason.ELECTION_TIMEOUT);
                }
            }
            case FOLLOWER -> {
                if (campaign != null) {
                    if (now - campaign.startedAt() >= timing.electionTimeoutMs()) giveUpCampaign(null);
                } else if (mayStand()) {
                    startPreVote();
                }
            }
        }
    }

    /** Under an operator's order this node stands first: no stagger for its rank (every other rule holds). */
    boolean mayStand() {
        return electorate.me().canLead() && own.eligible() && windowOver() && now >= notBefore
                && now >= leaderContactAt + timing.leaseMs() + (order != null ? 0 : rank() * timing.staggerMs());
    }

    /**
     * An operator's order arrived (or ended). A back-off from an earlier attempt or a granted vote no longer holds
     * this node back: it is the one the operator wants, and the voters' rules still decide whether it wins.
     */
    void ordered(FailoverOrder o) {
        order = o;
        if (o != null && role == Role.FOLLOWER && campaign == null) notBefore = Math.min(notBefore, now);
    }

    boolean windowOver() {
        return now >= leaderContactAt + timing.leaseMs();
    }

    int rank() {
        return Standing.rank(electorate, lastLeader, own, known);
    }

    // ---- messages -----------------------------------------------------------------------------------------

    void receive(String from, Message message) {
        if (from.equals(electorate.self()) || electorate.voter(from).isEmpty()) return;
        if (message instanceof Heartbeat h) {
            onHeartbeat(from, h);
        } else if (message instanceof HeartbeatAck a) {
            onAck(from, a);
        } else if (message instanceof Stale s) {
            if (s.term() > durable.term()) adoptTerm(s.term(), Reason.HIGHER_TERM);
        } else if (message instanceof PreVoteRequest p) {
            Voting.onPreVoteRequest(this, from, p);
        } else if (message instanceof PreVoteReply p) {
            onPreVoteReply(from, p);
        } else if (message instanceof VoteRequest v) {
            Voting.onVoteRequest(this, from, v);
        } else if (message instanceof VoteReply v) {
            onVoteReply(from, v);
        } else if (message instanceof Message.Resign r) {
            onResign(from, r);
        }
    }

    void onHeartbeat(String from, Heartbeat h) {
        if (h.term() < durable.term()) {
            send(from, new Stale(durable.term()));
            return;
        }
        if (h.term() > durable.term()) adoptTerm(h.term(), Reason.HIGHER_TERM);
        // A heartbeat no newer than one already heard from this leader in this term (delayed, duplicated), or
        // after its farewell, says nothing new and binds nothing: it is dropped whole, as the daemon's Arrivals
        // drop such copies before they get here (they keep no memory across a restart of vigild; this keeps none
        // either). Acknowledged now it would carry today's state under an old number.
        Report.Heard leaders = reports.get(from);
        if (leaders != null && leaders.term() == h.term() && (leaders.farewell() || leaders.seq() >= h.seq())) return;
        if (role == Role.LEADER) return; // two leaders in one term cannot happen: one vote per term
        if (role == Role.CANDIDATE) changeRole(Role.FOLLOWER, from, Reason.LEADER_HEARTBEAT, -1);
        boolean newLeader = !from.equals(leader);
        leader = from;
        lastLeader = from;
        leaderContactAt = now;
        votedAt = Long.MIN_VALUE / 2; // the election it was for is decided: the no-vote window rules from here
        campaign = null;
        attempts = 0;
        if (!deferred.isEmpty()) Voting.answerDeferred(this); // refused now: the leader lives, the window starts again
        known = h.candidacies();
        Map<String, Report.Heard> heard = new HashMap<>(reports);
        for (Map.Entry<String, Report.Heard> r : h.reports().entrySet()) {
            if (r.getKey().equals(electorate.self())) continue;
            Report.Heard v = r.getValue();
            // the leader's own report, heard from it directly: ordered by its heartbeat's number
            if (r.getKey().equals(from)) v = new Report.Heard(v.term(), v.report(), v.farewell(), h.seq());
            heard.merge(r.getKey(), v, ElectionStep::newer);
        }
        reports = Map.copyOf(heard);
        if (h.record().newerThan(durable.record())) persist(durable.withRecord(h.record()));
        if (newLeader) {
            events.add(new Event.RoleChanged(role, role, durable.term(), leader, Reason.LEADER_HEARTBEAT, -1));
        }
        send(from, new HeartbeatAck(h.term(), h.seq(), own, ownReport));
    }

    void onAck(String from, HeartbeatAck a) {
        if (role != Role.LEADER || a.term() != durable.term()) return;
        Map<String, Long> acked = new HashMap<>(leadership.acked());
        Long before = acked.get(from);
        acked.merge(from, a.seq(), Math::max);
        if (before == null || a.seq() >= before) { // a late acknowledgement's candidacy and report were replaced
            Map<String, Candidacy> k = new HashMap<>(known);
            k.put(from, a.candidacy());
            known = Map.copyOf(k);
        }
        hear(from, new Report.Heard(a.term(), a.report(), false, a.seq()));
        leadership = leadership.withAcked(acked);
        renewLease();
    }

    /**
     * Extends the lease to the send time of the newest heartbeat a majority (counting this leader, which
     * "acknowledges" each heartbeat as it sends it) has acknowledged.
     */
    void renewLease() {
        List<Long> seqs = new ArrayList<>();
        for (Voter v : electorate.voters()) {
            seqs.add(v.name().equals(electorate.self()) ? leadership.seq()
                    : leadership.acked().getOrDefault(v.name(), 0L));
        }
        seqs.sort(Comparator.reverseOrder());
        long majoritySeq = seqs.get(electorate.quorum() - 1);
        Long sent = leadership.sentAt().at(majoritySeq);
        if (majoritySeq <= 0 || sent == null) return;
        boolean committed = leadership.recordCommitted() || majoritySeq >= leadership.recordSeq();
        long until = sent + timing.leaderLeaseMs();
        if (until <= leadership.leaseUntil()) {
            if (committed != leadership.recordCommitted()) {
                leadership = leadership.withLease(leadership.leaseStart(), leadership.leaseUntil(), committed);
            }
            return;
        }
        boolean first = !leadership.leaseEstablished();
        leadership = leadership.withLease(sent, until, committed);
        if (first) events.add(new Event.LeaseAcquired(leadership.term(), sent, until));
    }

    void onPreVoteReply(String from, PreVoteReply p) {
        // A newer record some voter acknowledged: adopt it (it only adds knowledge), so the next attempt passes.
        if (p.record() != null && p.record().newerThan(durable.record())) persist(durable.withRecord(p.record()));
        if (p.voterTerm() > durable.term()) {
            adoptTerm(p.voterTerm(), Reason.HIGHER_TERM); // a pre-vote below the voters' term can never pass
            return;
        }
        if (campaign == null || !campaign.pre() || campaign.term() != p.term()) return;
        campaign = campaign.answered(from, p.granted());
        if (campaign.granted().size() >= electorate.quorum()) startElection();
        else if (lost(campaign)) giveUpCampaign(null);
    }

    /** So many voters refused that a majority can no longer be reached. */
    boolean lost(Campaign c) {
        return c.refused().size() > electorate.voters().size() - electorate.quorum();
    }

    void onVoteReply(String from, VoteReply v) {
        if (v.term() > durable.term()) {
            adoptTerm(v.term(), Reason.HIGHER_TERM);
            return;
        }
        if (role != Role.CANDIDATE || campaign.term() != v.term()) return;
        campaign = campaign.answered(from, v.granted());
        if (campaign.granted().size() >= electorate.quorum()) becomeLeader();
        else if (lost(campaign)) giveUpCampaign(Reason.ELECTION_LOST);
    }

    void onResign(String from, Message.Resign r) {
        // the farewell keeps the number of the last heartbeat heard from it: nothing of that term is newer
        Report.Heard before = reports.get(from);
        long seq = before != null && before.term() == r.term() ? before.seq() : 0;
        hear(from, new Report.Heard(r.term(), r.report(), true, seq));
        if (r.term() != durable.term() || !from.equals(leader) || role == Role.LEADER) return;
        // The leader voided its lease: its acknowledgements no longer bind this node.
        leaderContactAt = now - timing.leaseMs();
        leader = null;
        // A leader that found this node's PostgreSQL still serving as the recorded primary hands leadership back
        // by resigning: this node must be free to stand now. The back-off of the vote it granted that leader would
        // otherwise keep it from standing while the other survivors, each refusing votes for a lease after its own
        // resignation, take turns electing and resigning until the reclaim window ends and this node fences its
        // own primary: a failover nobody needed. notBefore only says when to try; every voting rule is unchanged.
        if (electorate.self().equals(durable.record().pg().primary()) && own.eligible()) notBefore = Math.min(notBefore, now);
        if (r.successor() == null) return;
        // A planned switchover names who takes over: it stands now, without the stagger its rank would cost (the
        // others may be exactly as far as it is, everything having been received), and the others hold back for
        // an election timeout, so they do not split the vote; if it cannot win, they stand after that.
        if (!r.successor().equals(electorate.self())) {
            notBefore = Math.max(notBefore, now + timing.electionTimeoutMs());
        } else if (electorate.me().canLead() && own.eligible() && campaign == null && role == Role.FOLLOWER) {
            notBefore = Math.min(notBefore, now);
            startPreVote(from);
        }
    }

    // ---- transitions --------------------------------------------------------------------------------------

    void startPreVote() {
        startPreVote(null);
    }

    /** {@code nominatedBy}: the resigning leader that named this node its successor, or null. */
    void startPreVote(String nominatedBy) {
        campaign = Campaign.start(true, durable.term() + 1, now, electorate.self(), nominatedBy);
        if (campaign.granted().size() >= electorate.quorum()) {
            startElection();
            return;
        }
        for (String peer : electorate.others()) {
            send(peer, new PreVoteRequest(campaign.term(), own, durable.record(), order));
        }
    }

    void startElection() {
        long term = durable.term() + 1;
        persist(new Durable(term, electorate.self(), durable.record()));
        leader = null;
        // the pre-vote that succeeded carries its nomination on (a node standing straight away has none)
        String nominatedBy = campaign == null ? null : campaign.nominatedBy();
        campaign = Campaign.start(false, term, now, electorate.self(), nominatedBy);
        changeRole(Role.CANDIDATE, null, Reason.STOOD_FOR_ELECTION, -1);
        if (campaign.granted().size() >= electorate.quorum()) {
            becomeLeader();
            return;
        }
        for (String peer : electorate.others()) {
            send(peer, new VoteRequest(term, own, durable.record(), order));
        }
    }

    void becomeLeader() {
        String handedOverBy = campaign == null ? null : campaign.nominatedBy();
        campaign = null;
        attempts = 0;
        leader = electorate.self();
        lastLeader = leader;
        leadership = Leadership.elected(durable.term(), now, handedOverBy);
        persist(durable.withRecord(durable.record().takenOverBy(durable.term(), electorate.self())));
        changeRole(Role.LEADER, leader, Reason.ELECTED, -1);
        sendHeartbeat();
    }

    void sendHeartbeat() {
        long seq = leadership.seq() + 1;
        leadership = leadership.withSent(seq, now);
        leaderContactAt = now; // the leader binds itself like a follower: no vote for another within a lease
        // Relay only what followers reported within a lease: a silent node's old position must not block votes.
        Map<String, Candidacy> table = new HashMap<>();
        long freshFrom = seq - Math.max(1, timing.leaseMs() / timing.heartbeatMs());
        for (Map.Entry<String, Candidacy> k : known.entrySet()) {
            if (leadership.acked().getOrDefault(k.getKey(), 0L) >= freshFrom) table.put(k.getKey(), k.getValue());
        }
        table.put(electorate.self(), own);
        Map<String, Report.Heard> told = new HashMap<>();
        // relayed without the numbers of the messages they came in: those are the origin's, never sent on
        reports.forEach((n, r) -> told.put(n, new Report.Heard(r.term(), r.report(), r.farewell())));
        told.put(electorate.self(), new Report.Heard(durable.term(), ownReport));
        // One message for every follower: the loop encodes and authenticates it once (Actuators).
        Heartbeat beat = new Heartbeat(durable.term(), seq, durable.record(), table, told);
        for (String peer : electorate.others()) {
            send(peer, beat);
        }
        renewLease();
    }

    void giveUpCampaign(Reason reason) {
        campaign = null;
        attempts++;
        notBefore = now + backoff();
        if (role == Role.CANDIDATE) changeRole(Role.FOLLOWER, null, reason, -1);
    }

    long backoff() {
        return Standing.backoff(timing, electorate.self(), attempts, durable.term(), rank());
    }

    void updateRecord(Observation.RecordUpdate u) {
        if (role != Role.LEADER) return;
        ClusterRecord r = durable.record();
        if (r.pg().equals(u.pg())) return;
        persist(durable.withRecord(r.withPg(u.pg())));
        leadership = leadership.recordChanged();
        // Out at once, not at the next interval: a promotion waits for this record to be committed.
        sendHeartbeat();
    }

    void unwatch(boolean withdrawn) {
        if (role != Role.LEADER) return;
        ClusterRecord r = durable.record();
        if ((r.unwatched(electorate.self()) == durable.term()) == withdrawn) return;
        persist(durable.withRecord(r.withUnwatched(withdrawn)));
        leadership = leadership.recordChanged();
        sendHeartbeat(); // a restart of vigild waits for this record to be committed
    }

    /**
     * A leader gives up its lease and tells everyone; any other node (a planned stop) just says goodbye with its
     * last report, so the next leader hears that its PostgreSQL is verified stopped. {@code successor}: see
     * {@link Message.Resign}.
     */
    void resign(String successor) {
        for (String peer : electorate.others()) send(peer, new Message.Resign(durable.term(), ownReport, successor));
        if (role != Role.LEADER) return;
        stepDown(Reason.RESIGNED);
        if (successor == null) return;
        // Handing over, the old leader may vote for its successor at once: it binds itself for a lease only to
        // keep from voting while its own lease may run, and it has just given that lease up. It holds back from
        // standing like the others; it stays a candidate (in a switchover its stopped primary holds everything;
        // handing back to a restarted primary, it is that primary's standby), so voters go on refusing anyone
        // behind it, and it stands again if the successor cannot win.
        leaderContactAt = Math.min(leaderContactAt, now - timing.leaseMs());
        notBefore = Math.max(notBefore, now + timing.electionTimeoutMs());
    }

    void stepDown(Reason reason) {
        long ended = leadership.leaseEstablished() ? Math.min(now, leadership.leaseUntil()) : -1;
        leadership = null;
        leader = null;
        notBefore = now + backoff();
        changeRole(Role.FOLLOWER, null, reason, ended);
    }

    void adoptTerm(long term, Reason reason) {
        persist(durable.adoptTerm(term));
        leader = null;
        if (role == Role.LEADER) {
            stepDown(reason);
        } else if (role == Role.CANDIDATE) {
            campaign = null;
            changeRole(Role.FOLLOWER, null, reason, -1);
        } else {
            campaign = null;
        }
    }

    void changeRole(Role to, String newLeader, Reason reason, long leaseEndedAt) {
        Role from = role;
        role = to;
        events.add(new Event.RoleChanged(from, to, durable.term(), newLeader, reason, leaseEndedAt));
    }

    /** Consecutive writes with nothing sent between them become one fsync. */
    void persist(Durable next) {
        durable = next;
        if (!actions.isEmpty() && actions.get(actions.size() - 1) instanceof Action.Persist) {
            actions.remove(actions.size() - 1);
        }
        actions.add(new Action.Persist(next));
    }

    void send(String to, Message message) {
        actions.add(new Action.Send(to, message));
    }

    /** Keeps the newest report per node: a later term wins; within a term, the one heard last. */
    void hear(String node, Report.Heard heard) {
        Map<String, Report.Heard> r = new HashMap<>(reports);
        r.merge(node, heard, ElectionStep::newer);
        reports = Map.copyOf(r);
    }

    /**
     * A later term wins; within a term, a farewell stays (the node acted no more after it), then a report its node
     * sent later (by message number, when both are known), else the one heard last.
     */
    static Report.Heard newer(Report.Heard old, Report.Heard fresh) {
        if (fresh.term() != old.term()) return fresh.term() > old.term() ? fresh : old;
        if (old.farewell() && !fresh.farewell()) return old;
        if (old.seq() > 0 && fresh.seq() > 0 && fresh.seq() < old.seq()) return old;
        return fresh;
    }
}
