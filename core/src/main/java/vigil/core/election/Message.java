package vigil.core.election;

import java.util.Map;

/**
 * Messages between the election cores of two nodes. Every message carries a term; all of them are idempotent
 * and tolerate loss, duplication and reordering (the simulator checks that).
 */
public sealed interface Message {
    long term();

    /**
     * The leader's heartbeat. Accepting it obliges the follower to refuse every vote for a whole lease.
     *
     * @param candidacies what the leader last heard from each follower, so every follower ranks candidates alike
     * @param reports     what the leader last heard from each node ({@link Report}), with the terms that carried it;
     *                    its own report is the {@code Heartbeat}'s term
     * @param grant       who may hold the VIPs placed by checks, and for how long (null: nobody holds them now)
     */
    record Heartbeat(long term, long seq, ClusterRecord record, Map<String, Candidacy> candidacies,
                     Map<String, Report.Heard> reports, VipGrant grant) implements Message {
        public Heartbeat {
            candidacies = Map.copyOf(candidacies);
            reports = Map.copyOf(reports);
        }

        public Heartbeat(long term, long seq, ClusterRecord record, Map<String, Candidacy> candidacies,
                         Map<String, Report.Heard> reports) {
            this(term, seq, record, candidacies, reports, null);
        }

        /** The same heartbeat, carrying {@code g}. */
        public Heartbeat withGrant(VipGrant g) {
            return new Heartbeat(term, seq, record, candidacies, reports, g);
        }

        public Heartbeat(long term, long seq, ClusterRecord record, Map<String, Candidacy> candidacies) {
            this(term, seq, record, candidacies, Map.of());
        }
    }

    /** The follower accepted heartbeat {@code seq} of {@code term} (and persisted its record first). */
    record HeartbeatAck(long term, long seq, Candidacy candidacy, Report report) implements Message {
        public HeartbeatAck(long term, long seq, Candidacy candidacy) {
            this(term, seq, candidacy, Report.UNKNOWN);
        }
    }

    /** Answer to a message of an older term: the sender is out of date and must catch up (a leader steps down). */
    record Stale(long term) implements Message {}

    /**
     * "Would you vote for me in {@code term}?" Changes no state anywhere; stops a cut-off node from inflating terms.
     * Carries the candidate's record: a voter whose own is older judges by the newer one (see {@link VoteRequest}).
     */
    record PreVoteRequest(long term, Candidacy candidacy, ClusterRecord record, FailoverOrder order) implements Message {
        public PreVoteRequest(long term, Candidacy candidacy, ClusterRecord record) {
            this(term, candidacy, record, null);
        }
    }

    /**
     * @param voterTerm the voter's own term: a pre-candidate that fell behind catches up before it asks again
     * @param record    the voter's record when it is newer than the candidate's (else null): the candidate adopts it,
     *                  so the most advanced node is not kept from leading only because it missed a record
     */
    record PreVoteReply(long term, boolean granted, long voterTerm, ClusterRecord record) implements Message {
        public PreVoteReply(long term, boolean granted, long voterTerm) {
            this(term, granted, voterTerm, null);
        }
    }

    /**
     * @param record the candidate's record. A voter with an older one judges the candidate by this one and, granting
     *               its vote, adopts it: a record (term, version) is written only by that term's leader, so it is the
     *               record the voter would have had from that leader's heartbeat.
     * @param order  the operator's order the candidate stands under ({@link FailoverOrder}), or null (as in the
     *               pre-vote request)
     */
    record VoteRequest(long term, Candidacy candidacy, ClusterRecord record, FailoverOrder order) implements Message {
        public VoteRequest(long term, Candidacy candidacy, ClusterRecord record) {
            this(term, candidacy, record, null);
        }
    }

    record VoteReply(long term, boolean granted) implements Message {}

    /**
     * The leader of {@code term} gave up leadership: its lease is void, followers may stand at once. Its report
     * (typically: PostgreSQL verified stopped, before a planned stop of vigild) is what the next leader may rely on.
     * {@code successor}, when not null, is the node a planned switchover hands leadership to, or the recorded primary a
     * leader hands it back to (its vigild restarted, PostgreSQL still serving): it stands at once, the others hold back
     * for an election timeout. Only the order of candidacies changes; every voting rule stays.
     */
    record Resign(long term, Report report, String successor) implements Message {
        public Resign(long term) {
            this(term, Report.UNKNOWN, null);
        }

        public Resign(long term, Report report) {
            this(term, report, null);
        }
    }
}
