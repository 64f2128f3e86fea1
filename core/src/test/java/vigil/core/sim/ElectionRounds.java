package vigil.core.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import vigil.core.election.Event;
import vigil.core.election.Role;

/**
 * Counts the rounds of each election: the terms in which some node stood, from the loss of a leader until a new one is
 * elected. Two healthy survivors that stand in the same term split the vote and cost a whole election timeout, so in
 * the node-crash scenario ({@link SimSpec#withLeaderCrashes}), where nothing else goes wrong, an election of more than
 * one round fails the schedule. Elsewhere split votes are only counted ({@code split_votes}).
 */
final class ElectionRounds {
    private final Simulation sim;
    /** Who stood in each term, in order. */
    private final Map<Long, Set<String>> stood = new LinkedHashMap<>();
    /** The leader lost, and when (real time); null while no crash is being watched. */
    private String lost;
    private long lostAtUs;
    private final List<Long> terms = new ArrayList<>();
    /** Real microseconds from each watched crash to the election of a successor. */
    final List<Long> electedAfterUs = new ArrayList<>();

    ElectionRounds(Simulation sim) {
        this.sim = sim;
    }

    void leaderLost(String node) {
        lost = node;
        lostAtUs = sim.nowUs;
        terms.clear();
    }

    void roleChanged(String node, Event.RoleChanged rc) {
        if (rc.to() == Role.CANDIDATE) {
            Set<String> in = stood.computeIfAbsent(rc.term(), t -> new LinkedHashSet<>());
            if (in.add(node) && in.size() == 2) sim.counts.add("split_votes");
            if (lost != null && !terms.contains(rc.term())) terms.add(rc.term());
        } else if (rc.to() == Role.LEADER && lost != null) {
            int rounds = Math.max(1, terms.size());
            sim.counts.add("election_rounds_" + rounds);
            electedAfterUs.add(sim.nowUs - lostAtUs);
            if (rounds > 1 && sim.spec.leaderCrashes()) {
                StringBuilder b = new StringBuilder();
                for (long t : terms) b.append(" term ").append(t).append(": ").append(stood.get(t)).append(';');
                sim.fail("after the crash of leader " + lost + ", " + node + " was elected in round " + rounds
                        + " (" + (sim.nowUs - lostAtUs) / 1000 + " ms):" + b);
            }
            lost = null;
        }
    }
}
