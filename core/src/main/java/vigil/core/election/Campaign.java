package vigil.core.election;

import java.util.Set;

/**
 * A (pre-)candidacy in progress. A pre-vote changes nobody's term: only once a majority said it would vote does
 * the node bump its term and ask for real votes, so a node cut off from the majority cannot disturb a healthy
 * leader with ever higher terms.
 *
 * @param refused     the voters that said no: once a majority can no longer be reached the campaign ends at once
 * @param nominatedBy the leader whose resignation named this node its successor and so began this campaign (a planned
 *                    switchover, a leader handing over to the holder of an operator's order, or a leader handing
 *                    leadership back to the recorded primary); null when the node stood on its own, a retry after a
 *                    failed campaign included. It changes no vote: it only lets the leadership won say how it began
 *                    ({@link Leadership#handedOverBy})
 */
public record Campaign(boolean pre, long term, long startedAt, Set<String> granted, Set<String> refused,
                       String nominatedBy) {
    public Campaign {
        granted = Set.copyOf(granted);
        refused = Set.copyOf(refused);
    }

    /** A new campaign: only this node's own grant so far. */
    static Campaign start(boolean pre, long term, long startedAt, String self, String nominatedBy) {
        return new Campaign(pre, term, startedAt, Set.of(self), Set.of(), nominatedBy);
    }

    Campaign answered(String voter, boolean grant) {
        Set<String> g = new java.util.HashSet<>(granted);
        Set<String> r = new java.util.HashSet<>(refused);
        (grant ? g : r).add(voter);
        return new Campaign(pre, term, startedAt, g, r, nominatedBy);
    }
}
