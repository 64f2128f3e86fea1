package vigil.core.election;

import java.util.Set;

/**
 * A (pre-)candidacy in progress. A pre-vote changes nobody's term: only once a majority said it would vote does
 * the node bump its term and ask for real votes, so a node cut off from the majority cannot disturb a healthy
 * leader with ever higher terms.
 */
public record Campaign(boolean pre, long term, long startedAt, Set<String> granted) {
    public Campaign {
        granted = Set.copyOf(granted);
    }
}
