package vigil.core.election;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The configured voters as seen from one node. Identical on every node (the cluster section must match),
 * so every node computes the same quorum.
 *
 * @param strictPositions synchronous mode: a data node votes only while it knows its own durable position, and
 *                        never for a candidate behind it, eligible or not (it may hold commits it acknowledged)
 */
public record Electorate(String self, List<Voter> voters, Timing timing, boolean strictPositions) {
    public Electorate {
        voters = List.copyOf(voters);
        Map<String, Voter> byName = voters.stream().collect(Collectors.toMap(Voter::name, Function.identity()));
        if (byName.size() != voters.size()) throw new IllegalArgumentException("duplicate voter names");
        if (!byName.containsKey(self)) throw new IllegalArgumentException("self " + self + " is not a voter");
    }

    public Electorate(String self, List<Voter> voters, Timing timing) {
        this(self, voters, timing, false);
    }

    /** ⌊N/2⌋+1 of the configured voters. */
    public int quorum() {
        return voters.size() / 2 + 1;
    }

    public Optional<Voter> voter(String name) {
        for (Voter v : voters) { // a loop, not a stream: asked several times for every message a node decides
            if (v.name().equals(name)) return Optional.of(v);
        }
        return Optional.empty();
    }

    public Voter me() {
        return voter(self).orElseThrow();
    }

    public List<String> others() {
        String[] names = new String[voters.size() - 1];
        int i = 0;
        for (Voter v : voters) {
            if (!v.name().equals(self)) names[i++] = v.name();
        }
        return List.of(names);
    }

    public Electorate withStrictPositions(boolean strict) {
        return new Electorate(self, voters, timing, strict);
    }
}
