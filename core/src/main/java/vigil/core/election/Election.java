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
 * Leased leader election: the pure decider. {@code decide(state, observation)} returns the next state, the
 * actions for the driver and the events to log. No IO, no clock, no randomness: the same inputs give the same
 * outputs, which is what lets the simulator replay a failing schedule by its seed.
 *
 * <p>The promise it keeps: at no real instant do two nodes each hold a lease they believe valid. A follower that
 * acknowledged a heartbeat grants no vote for a whole lease on its own clock; the leader trusts a majority
 * acknowledgement only for {@link Timing#leaderLeaseMs()} from the heartbeat's send time. Any majority electing a
 * new leader contains a node of the majority that renewed the old lease, so the old lease is over before the new
 * leader exists. Terms are persisted before they are used, and one vote is cast per term.
 */
public final class Election {
    private Election() {}

    public static Decision decide(ElectionState state, Observation observation) {
        Step step = new Step(state, observation.now());
        if (observation instanceof Observation.Tick) {
            step.tick();
        } else if (observation instanceof Observation.Received r) {
            step.receive(r.from(), r.message());
        } else if (observation instanceof Observation.CandidacyChanged c) {
            step.own = c.candidacy();
            step.streamsFrom = c.streamsFrom();
        } else if (observation instanceof Observation.Ordered o) {
            step.ordered(o.order());
        } else if (observation instanceof Observation.ReportChanged c) {
            step.ownReport = c.report();
        } else if (observation instanceof Observation.Resign r) {
            step.resign(r.successor());
        } else if (observation instanceof Observation.HeartbeatNow) {
            if (step.role == Role.LEADER) step.sendHeartbeat();
        } else if (observation instanceof Observation.RecordUpdate u) {
            step.updateRecord(u);
        } else if (observation instanceof Observation.WatchdogWithdrawn w) {
            step.unwatch(w.withdrawn());
        }
        return step.finish();
    }

    /** One decision in progress: a mutable copy of the state plus the actions and events it produced. */
    private static final class Step {
        private final Electorate electorate;
        private final Timing timing;
        private final long now;
        private final List<Action> actions = new ArrayList<>();
        private final List<Event> events = new ArrayList<>();
        private Durable durable;
        private Role role;
        private String leader;
        private String lastLeader;
        private long leaderContactAt;
        private long notBefore;
        private long votedAt;
        private int attempts;
        private Campaign campaign;
        private Leadership leadership;
        private Candidacy own;
        private String streamsFrom;
        private Map<String, Candidacy> known;
        private Report ownReport;
        private Map<String, Report.Heard> reports;
        private Map<String, PreVoteRequest> deferred;
        private FailoverOrder order;

        Step(ElectionState s, long now) {
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
            if (!deferred.isEmpty() && (windowOver() || role == Role.LEADER)) answerDeferred();
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
        private boolean mayStand() {
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

        private boolean windowOver() {
            return now >= leaderContactAt + timing.leaseMs();
        }

        private int rank() {
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
                onPreVoteRequest(from, p);
            } else if (message instanceof PreVoteReply p) {
                onPreVoteReply(from, p);
            } else if (message instanceof VoteRequest v) {
                onVoteRequest(from, v);
            } else if (message instanceof VoteReply v) {
                onVoteReply(from, v);
            } else if (message instanceof Message.Resign r) {
                onResign(from, r);
            }
        }

        private void onHeartbeat(String from, Heartbeat h) {
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
            if (!deferred.isEmpty()) answerDeferred(); // refused now: the leader lives, the window starts again
            known = h.candidacies();
            Map<String, Report.Heard> heard = new HashMap<>(reports);
            for (Map.Entry<String, Report.Heard> r : h.reports().entrySet()) {
                if (r.getKey().equals(electorate.self())) continue;
                Report.Heard v = r.getValue();
                // the leader's own report, heard from it directly: ordered by its heartbeat's number
                if (r.getKey().equals(from)) v = new Report.Heard(v.term(), v.report(), v.farewell(), h.seq());
                heard.merge(r.getKey(), v, Step::newer);
            }
            reports = Map.copyOf(heard);
            if (h.record().newerThan(durable.record())) persist(durable.withRecord(h.record()));
            if (newLeader) {
                events.add(new Event.RoleChanged(role, role, durable.term(), leader, Reason.LEADER_HEARTBEAT, -1));
            }
            send(from, new HeartbeatAck(h.term(), h.seq(), own, ownReport));
        }

        private void onAck(String from, HeartbeatAck a) {
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
        private void renewLease() {
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

        private void onPreVoteReply(String from, PreVoteReply p) {
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

        /**
         * A pre-vote asked in the last moments of our no-vote window (within one stagger of its end) is answered when
         * it ends, not refused: candidates stand the instant their own window ends, and the same last heartbeat
         * reaches followers a little apart, so a refusal here would cost the candidate a whole election timeout.
         */
        private void onPreVoteRequest(String from, PreVoteRequest p) {
            boolean closing = role != Role.LEADER && !windowOver()
                    && leaderContactAt + timing.leaseMs() - now <= timing.staggerMs();
            if (closing && p.term() > durable.term()) {
                Map<String, PreVoteRequest> d = new HashMap<>(deferred);
                d.put(from, p);
                deferred = Map.copyOf(d);
                return;
            }
            answerPreVote(from, p);
        }

        private void answerDeferred() {
            Map<String, PreVoteRequest> due = deferred;
            deferred = Map.of();
            due.forEach(this::answerPreVote);
        }

        /**
         * A pre-vote is granted when a vote would be ({@link #wouldVote}) and, while this node campaigns for the same
         * term itself, only to a better candidate ({@link Standing#before}): the better one is refused by nobody and
         * the other yields (its own pre-vote campaign ends), so two survivors that stood at once do not both go on to
         * vote for themselves and split the vote. Pre-votes bind nothing: this only orders who goes first; every
         * rule of the real vote is unchanged. Granting holds back our own candidacy for one stagger, time for the
         * candidate to ask for real votes.
         */
        private void answerPreVote(String from, PreVoteRequest p) {
            boolean rival = campaign != null && campaign.pre() && campaign.term() == p.term();
            // A vote granted to another candidate in this term a moment ago may be electing it right now: a pre-vote
            // for a newer term granted before its first heartbeat arrives would let a third node stand and unseat
            // the leader just elected (its primary, no longer leading, fences itself: the simulator's vigild-restart
            // seed 3288, a hand-back unseated as it completed). Only until that heartbeat (the no-vote window rules
            // from then on, and a resignation frees it), and not for its own vote: a candidate that keeps failing
            // would then refuse every better one (the rival rule below lets it yield).
            boolean committed = durable.votedFor() != null && !durable.votedFor().equals(from)
                    && !durable.votedFor().equals(electorate.self()) && now - votedAt < timing.electionTimeoutMs();
            // Nor does a candidate in its real campaign give a pre-vote for a newer term: it may be winning right now,
            // and that pre-vote would let another stand and unseat it. Bounded by its campaign (one election timeout).
            committed |= role == Role.CANDIDATE && campaign != null && !campaign.pre() && p.term() > campaign.term();
            boolean grant = p.term() > durable.term() && !committed && wouldVote(from, p.candidacy(), p.record(), p.order())
                    && (!rival || p.order() != null && order == null
                        || (p.order() == null) == (order == null) && Standing.before(electorate, from, p.candidacy(), electorate.self(), own));
            if (grant) {
                if (rival) campaign = null; // yield: its replies to us are ignored from now on
                notBefore = Math.max(notBefore, now + timing.staggerMs());
            }
            ClusterRecord mine = durable.record();
            send(from, new PreVoteReply(p.term(), grant, durable.term(), mine.newerThan(p.record()) ? mine : null));
        }

        /** So many voters refused that a majority can no longer be reached. */
        private boolean lost(Campaign c) {
            return c.refused().size() > electorate.voters().size() - electorate.quorum();
        }

        private void onVoteRequest(String from, VoteRequest v) {
            if (v.term() < durable.term()) {
                refuse(from, v.term(), "its term " + v.term() + " is older than ours, " + durable.term());
                send(from, new VoteReply(durable.term(), false));
                return;
            }
            // Inside the no-vote window the request is ignored entirely: the term is not adopted either, so a
            // candidate cut off from a healthy leader cannot make the leader's followers reject its heartbeats.
            String refused = voteRefusal(from, v.candidacy(), v.record(), v.order());
            if (refused != null) {
                refuse(from, v.term(), refused);
                send(from, new VoteReply(v.term(), false));
                return;
            }
            if (v.term() > durable.term()) adoptTerm(v.term(), Reason.HIGHER_TERM);
            boolean granted = durable.votedFor() == null || durable.votedFor().equals(from);
            if (granted && durable.votedFor() == null) {
                // The vote and the newer record it was judged by reach the disk together, before the reply leaves.
                Durable voted = durable.voteFor(from);
                persist(v.record().newerThan(voted.record()) ? voted.withRecord(v.record()) : voted);
                votedAt = now;
                notBefore = Math.max(notBefore, now + timing.electionTimeoutMs());
            }
            if (!granted) refuse(from, v.term(), "we voted for " + durable.votedFor() + " in term " + durable.term());
            send(from, new VoteReply(v.term(), granted));
        }

        private void refuse(String candidate, long term, String why) {
            events.add(new Event.VoteRefused(term, candidate, why));
        }

        private void onVoteReply(String from, VoteReply v) {
            if (v.term() > durable.term()) {
                adoptTerm(v.term(), Reason.HIGHER_TERM);
                return;
            }
            if (role != Role.CANDIDATE || campaign.term() != v.term()) return;
            campaign = campaign.answered(from, v.granted());
            if (campaign.granted().size() >= electorate.quorum()) becomeLeader();
            else if (lost(campaign)) giveUpCampaign(Reason.ELECTION_LOST);
        }

        private void onResign(String from, Message.Resign r) {
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
                startPreVote();
            }
        }

        /** Outside the no-vote window, not a leader, and the candidate deserves it ({@link Standing#deserves}). */
        private boolean wouldVote(String candidate, Candidacy candidacy, ClusterRecord theirs, FailoverOrder order) {
            return voteRefusal(candidate, candidacy, theirs, order) == null;
        }

        /** Why {@link #wouldVote} says no, or null when it says yes. */
        private String voteRefusal(String candidate, Candidacy candidacy, ClusterRecord theirs, FailoverOrder order) {
            if (role == Role.LEADER) return "this node leads term " + durable.term();
            if (!windowOver()) {
                return "inside our no-vote window: " + (leader != null ? "leader " + leader : "a leader") + " heard "
                        + (now - leaderContactAt) + " ms ago, lease " + timing.leaseMs() + " ms";
            }
            boolean fresh = now - leaderContactAt <= 2 * timing.leaseMs();
            return Standing.refusal(electorate, candidate, candidacy, theirs, durable.record(), own, streamsFrom,
                    fresh ? known : Map.of(), order);
        }

        // ---- transitions --------------------------------------------------------------------------------------

        private void startPreVote() {
            campaign = Campaign.start(true, durable.term() + 1, now, electorate.self());
            if (campaign.granted().size() >= electorate.quorum()) {
                startElection();
                return;
            }
            for (String peer : electorate.others()) {
                send(peer, new PreVoteRequest(campaign.term(), own, durable.record(), order));
            }
        }

        private void startElection() {
            long term = durable.term() + 1;
            persist(new Durable(term, electorate.self(), durable.record()));
            leader = null;
            campaign = Campaign.start(false, term, now, electorate.self());
            changeRole(Role.CANDIDATE, null, Reason.STOOD_FOR_ELECTION, -1);
            if (campaign.granted().size() >= electorate.quorum()) {
                becomeLeader();
                return;
            }
            for (String peer : electorate.others()) {
                send(peer, new VoteRequest(term, own, durable.record(), order));
            }
        }

        private void becomeLeader() {
            campaign = null;
            attempts = 0;
            leader = electorate.self();
            lastLeader = leader;
            leadership = Leadership.elected(durable.term(), now);
            persist(durable.withRecord(durable.record().takenOverBy(durable.term(), electorate.self())));
            changeRole(Role.LEADER, leader, Reason.ELECTED, -1);
            sendHeartbeat();
        }

        private void sendHeartbeat() {
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
            for (String peer : electorate.others()) {
                send(peer, new Heartbeat(durable.term(), seq, durable.record(), table, told));
            }
            renewLease();
        }

        private void giveUpCampaign(Reason reason) {
            campaign = null;
            attempts++;
            notBefore = now + backoff();
            if (role == Role.CANDIDATE) changeRole(Role.FOLLOWER, null, reason, -1);
        }

        private long backoff() {
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
        private void resign(String successor) {
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

        private void stepDown(Reason reason) {
            long ended = leadership.leaseEstablished() ? Math.min(now, leadership.leaseUntil()) : -1;
            leadership = null;
            leader = null;
            notBefore = now + backoff();
            changeRole(Role.FOLLOWER, null, reason, ended);
        }

        private void adoptTerm(long term, Reason reason) {
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

        private void changeRole(Role to, String newLeader, Reason reason, long leaseEndedAt) {
            Role from = role;
            role = to;
            events.add(new Event.RoleChanged(from, to, durable.term(), newLeader, reason, leaseEndedAt));
        }

        /** Consecutive writes with nothing sent between them become one fsync. */
        private void persist(Durable next) {
            durable = next;
            if (!actions.isEmpty() && actions.get(actions.size() - 1) instanceof Action.Persist) {
                actions.remove(actions.size() - 1);
            }
            actions.add(new Action.Persist(next));
        }

        private void send(String to, Message message) {
            actions.add(new Action.Send(to, message));
        }

        /** Keeps the newest report per node: a later term wins; within a term, the one heard last. */
        private void hear(String node, Report.Heard heard) {
            Map<String, Report.Heard> r = new HashMap<>(reports);
            r.merge(node, heard, Step::newer);
            reports = Map.copyOf(r);
        }

        /**
         * A later term wins; within a term, a farewell stays (the node acted no more after it), then a report its node
         * sent later (by message number, when both are known), else the one heard last.
         */
        private static Report.Heard newer(Report.Heard old, Report.Heard fresh) {
            if (fresh.term() != old.term()) return fresh.term() > old.term() ? fresh : old;
            if (old.farewell() && !fresh.farewell()) return old;
            if (old.seq() > 0 && fresh.seq() > 0 && fresh.seq() < old.seq()) return old;
            return fresh;
        }
    }
}
