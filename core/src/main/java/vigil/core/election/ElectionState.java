package vigil.core.election;

import java.util.Map;

/**
 * Everything one node's election core knows. Immutable; {@link Election#decide} returns the next one.
 *
 * @param leader          leader of the current term when known
 * @param lastLeader      the leader this node last followed (it is ranked last when choosing who stands first)
 * @param leaderContactAt when this node last accepted a leader heartbeat (or, as leader, sent one; or booted):
 *                        it grants no vote and does not stand until {@code leaderContactAt + lease}
 * @param notBefore       do not stand before this instant (backoff after a failed attempt or a granted vote)
 * @param attempts        failed attempts since the last leader contact (spreads retries apart)
 * @param campaign        non-null while (pre-)campaigning
 * @param leadership      non-null while leader
 * @param own             this node's own candidacy
 * @param known           the candidacies of peers, as last heard
 * @param ownReport       this node's own safety report, sent with every heartbeat and acknowledgement
 * @param reports         the peers' reports, as last heard (directly, or relayed by a leader), with their terms
 * @param deferred        pre-vote requests that arrived in the last moments of the no-vote window, by candidate:
 *                        answered when it ends ({@link Election})
 * @param order           the operator's order this node stands under ({@link FailoverOrder}), or null
 * @param votedAt         when this node granted its vote of the current term to another node
 *                        ({@link Durable#votedFor}); memory only: for an election timeout after it, no other
 *                        candidate gets its pre-vote ({@link Election})
 * @param streamsFrom     the node whose WAL this node's standby streamed at its last probe (its WAL receiver streaming
 *                        from it), or null; memory only, never sent. PostgreSQL streams to a standby only WAL its
 *                        primary flushed, and refuses a standby that is ahead of it: such a voter holds a prefix of
 *                        that node's WAL ({@link Standing#refusal})
 */
public record ElectionState(Electorate electorate, Durable durable, Role role, String leader, String lastLeader,
                            long leaderContactAt, long notBefore, int attempts, Campaign campaign,
                            Leadership leadership, Candidacy own, Map<String, Candidacy> known, Report ownReport,
                            Map<String, Report.Heard> reports, Map<String, Message.PreVoteRequest> deferred,
                            FailoverOrder order, long votedAt, String streamsFrom) {
    public ElectionState {
        known = Map.copyOf(known);
        reports = Map.copyOf(reports);
        deferred = deferred == null ? Map.of() : Map.copyOf(deferred);
    }

    /** Not known to stream from anyone. */
    public ElectionState(Electorate electorate, Durable durable, Role role, String leader, String lastLeader,
                         long leaderContactAt, long notBefore, int attempts, Campaign campaign, Leadership leadership,
                         Candidacy own, Map<String, Candidacy> known, Report ownReport, Map<String, Report.Heard> reports,
                         Map<String, Message.PreVoteRequest> deferred, FailoverOrder order, long votedAt) {
        this(electorate, durable, role, leader, lastLeader, leaderContactAt, notBefore, attempts, campaign, leadership,
                own, known, ownReport, reports, deferred, order, votedAt, null);
    }

    /** No vote granted in this process. */
    public ElectionState(Electorate electorate, Durable durable, Role role, String leader, String lastLeader,
                         long leaderContactAt, long notBefore, int attempts, Campaign campaign, Leadership leadership,
                         Candidacy own, Map<String, Candidacy> known, Report ownReport, Map<String, Report.Heard> reports,
                         Map<String, Message.PreVoteRequest> deferred, FailoverOrder order) {
        this(electorate, durable, role, leader, lastLeader, leaderContactAt, notBefore, attempts, campaign, leadership,
                own, known, ownReport, reports, deferred, order, Long.MIN_VALUE / 2);
    }

    /** Without an order. */
    public ElectionState(Electorate electorate, Durable durable, Role role, String leader, String lastLeader,
                         long leaderContactAt, long notBefore, int attempts, Campaign campaign, Leadership leadership,
                         Candidacy own, Map<String, Candidacy> known, Report ownReport, Map<String, Report.Heard> reports,
                         Map<String, Message.PreVoteRequest> deferred) {
        this(electorate, durable, role, leader, lastLeader, leaderContactAt, notBefore, attempts, campaign, leadership,
                own, known, ownReport, reports, deferred, null);
    }

    /** Without deferred pre-votes. */
    public ElectionState(Electorate electorate, Durable durable, Role role, String leader, String lastLeader,
                         long leaderContactAt, long notBefore, int attempts, Campaign campaign, Leadership leadership,
                         Candidacy own, Map<String, Candidacy> known, Report ownReport, Map<String, Report.Heard> reports) {
        this(electorate, durable, role, leader, lastLeader, leaderContactAt, notBefore, attempts, campaign, leadership,
                own, known, ownReport, reports, Map.of());
    }

    /**
     * A node that just started may have acknowledged a heartbeat a moment before it crashed, and it cannot know
     * when: it therefore refuses votes and does not stand for one lease from boot.
     */
    public static ElectionState boot(Electorate electorate, Durable durable, long now) {
        Candidacy own = electorate.me().canLead() ? Candidacy.ELIGIBLE : Candidacy.INELIGIBLE;
        return new ElectionState(electorate, durable, Role.FOLLOWER, null, durable.record().leader(), now, now, 0,
                null, null, own, Map.of(), electorate.me().canLead() ? Report.UNKNOWN : Report.NONE, Map.of());
    }

    /** The last report heard from {@code node} with its term; {@link Report#NEVER} if none. */
    public Report.Heard reportOf(String node) {
        if (node.equals(electorate.self())) return new Report.Heard(durable.term(), ownReport);
        return reports.getOrDefault(node, Report.NEVER);
    }

    /**
     * The watchdog {@code node} last announced (its effective timeout in ms, 0 for none), if heard in a term at least
     * the last one it led in ({@link ClusterRecord#ledIn}): an older announcement may describe a node that has led,
     * and changed, since. Nor one heard in a term in which the node later withdrew it from the record before its
     * vigild ended ({@link ClusterRecord#unwatched}): that vigild will not fence, and the copy heard here may predate
     * the withdrawal.
     */
    public long watchdogOf(String node) {
        Report.Heard heard = reportOf(node);
        ClusterRecord r = durable.record();
        boolean counts = heard.term() >= r.ledIn(node) && heard.term() > r.unwatched(node);
        return counts ? heard.report().watchdogMs() : 0;
    }

    /**
     * Whether {@code node} reported its PostgreSQL unable to write (verified stopped, or a standby) at a time after
     * which only a new leadership of its own could change that: in a term after the last one it led in, or as its
     * farewell in that term. A report it made while leading does not count: it may have started PostgreSQL since.
     */
    public boolean pgProvenSafe(String node) {
        Report.Heard heard = reportOf(node);
        long led = durable.record().ledIn(node);
        boolean after = heard.term() > led || heard.term() == led && heard.farewell();
        return after && heard.report().pg().provenNotWritable();
    }

    public long term() {
        return durable.term();
    }

    /** True while this node is leader and its lease has not lapsed at {@code now} on its own clock. */
    public boolean holdsLease(long now) {
        return role == Role.LEADER && leadership != null && leadership.leaseEstablished()
                && now < leadership.leaseUntil();
    }

    /** Milliseconds of lease left at {@code now}, 0 when none is held. */
    public long leaseRemaining(long now) {
        return holdsLease(now) ? leadership.leaseUntil() - now : 0;
    }

    /**
     * This leader's current record was acknowledged by a majority: every future leader will know it. Act on a
     * record (promote, start a primary) only once it is committed.
     */
    public boolean recordCommitted() {
        return role == Role.LEADER && leadership != null && leadership.recordCommitted();
    }

    /** Until when this node refuses to vote for anyone (own clock). */
    public long noVoteUntil() {
        return leaderContactAt + electorate.timing().leaseMs();
    }

    /**
     * The refusal of an operator's request that only the leader takes, naming the leader this node knows of. The daemon
     * forwards such requests to that leader, so an operator reads this only when no leader is known, or when leadership
     * moved while a forwarded request travelled.
     */
    public String notLeading() {
        return "this node does not lead; run it on the leader (" + (leader == null ? "none known now" : leader) + ")";
    }
}
