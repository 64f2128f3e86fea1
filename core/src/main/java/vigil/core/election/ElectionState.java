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
 */
public record ElectionState(Electorate electorate, Durable durable, Role role, String leader, String lastLeader,
                            long leaderContactAt, long notBefore, int attempts, Campaign campaign,
                            Leadership leadership, Candidacy own, Map<String, Candidacy> known) {
    public ElectionState {
        known = Map.copyOf(known);
    }

    /**
     * A node that just started may have acknowledged a heartbeat a moment before it crashed, and it cannot know
     * when: it therefore refuses votes and does not stand for one lease from boot.
     */
    public static ElectionState boot(Electorate electorate, Durable durable, long now) {
        Candidacy own = electorate.me().canLead() ? Candidacy.ELIGIBLE : Candidacy.INELIGIBLE;
        return new ElectionState(electorate, durable, Role.FOLLOWER, null, durable.record().leader(), now, now, 0,
                null, null, own, Map.of());
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
}
