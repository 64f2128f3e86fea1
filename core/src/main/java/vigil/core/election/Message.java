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
     */
    record Heartbeat(long term, long seq, ClusterRecord record, Map<String, Candidacy> candidacies) implements Message {
        public Heartbeat {
            candidacies = Map.copyOf(candidacies);
        }
    }

    /** The follower accepted heartbeat {@code seq} of {@code term} (and persisted its record first). */
    record HeartbeatAck(long term, long seq, Candidacy candidacy) implements Message {}

    /** Answer to a message of an older term: the sender is out of date and must catch up (a leader steps down). */
    record Stale(long term) implements Message {}

    /** "Would you vote for me in {@code term}?" Changes no state anywhere; stops a cut-off node from inflating terms. */
    record PreVoteRequest(long term, Candidacy candidacy, long recordTerm, long recordVersion) implements Message {}

    /** @param voterTerm the voter's own term: a pre-candidate that fell behind catches up before it asks again */
    record PreVoteReply(long term, boolean granted, long voterTerm) implements Message {}

    record VoteRequest(long term, Candidacy candidacy, long recordTerm, long recordVersion) implements Message {}

    record VoteReply(long term, boolean granted) implements Message {}

    /** The leader of {@code term} gave up leadership: its lease is void, followers may stand at once. */
    record Resign(long term) implements Message {}
}
