package vigil.core.election;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who would lead if some nodes were gone ({@code vigilctl simulate}), computed from one node's election state by the
 * rules the nodes themselves apply: the survivors must make a majority; the candidates stand in {@link Standing}'s
 * order (the last leader last, then the most advanced position, priority, name); each survivor grants its vote only
 * as {@link Standing#deserves} allows (never to anyone behind itself or behind a peer it knows of); the first candidate
 * in that order whom a majority would vote for leads. It reads positions as this node last heard them, so it tells
 * what would happen now; a moment later, with the primary writing, a close race between standbys may go the other way.
 */
public final class Succession {
    private Succession() {}

    /**
     * @param quorum    the survivors make a majority of the voters
     * @param leader    who would lead: the current leader when it survives, else the elected one; null when nobody
     * @param elected   a new election would be held (the current leader is gone or unknown)
     * @param refusals  for each candidate passed over, in order, why (who would not vote for it)
     */
    public record Outcome(boolean quorum, String leader, boolean elected, List<String> refusals) {
        public Outcome {
            refusals = List.copyOf(refusals);
        }
    }

    public static Outcome without(ElectionState e, Set<String> lost) {
        Electorate electorate = e.electorate();
        List<Voter> survivors = electorate.voters().stream().filter(v -> !lost.contains(v.name())).toList();
        if (survivors.size() < electorate.quorum()) return new Outcome(false, null, false, List.of());
        String current = e.role() == Role.LEADER ? electorate.self() : e.leader();
        if (current != null && !lost.contains(current)) return new Outcome(true, current, false, List.of());
        String lastLeader = current != null ? current : e.lastLeader();
        Map<String, Candidacy> positions = new HashMap<>(e.known());
        positions.put(electorate.self(), e.own());
        Comparator<Voter> order = Comparator
                .comparing((Voter v) -> v.name().equals(lastLeader))
                .thenComparing((Voter v) -> positions.getOrDefault(v.name(), Candidacy.ELIGIBLE), Comparator.reverseOrder())
                .thenComparing(Voter::priority, Comparator.reverseOrder())
                .thenComparing(Voter::name);
        List<String> refusals = new ArrayList<>();
        ClusterRecord record = e.durable().record();
        for (Voter c : survivors.stream().filter(Voter::canLead).sorted(order).toList()) {
            Candidacy candidacy = positions.getOrDefault(c.name(), Candidacy.ELIGIBLE);
            if (!candidacy.eligible()) {
                refusals.add(c.name() + " is no candidate (it reports itself not eligible)");
                continue;
            }
            List<String> refusing = new ArrayList<>();
            int votes = 0;
            for (Voter v : survivors) {
                if (v.name().equals(c.name()) || grants(electorate, v, c.name(), candidacy, record, positions)) votes++;
                else refusing.add(v.name());
            }
            if (votes >= electorate.quorum()) return new Outcome(true, c.name(), true, refusals);
            refusals.add(c.name() + " would get " + votes + " of the " + electorate.quorum() + " votes it needs ("
                    + String.join(", ", refusing) + " would refuse: a position ahead of it)");
        }
        return new Outcome(true, null, true, refusals);
    }

    /** Whether voter {@code v} would vote for {@code candidate}, by {@link Standing#deserves} as {@code v} sees it. */
    private static boolean grants(Electorate electorate, Voter v, String candidate, Candidacy candidacy,
                                  ClusterRecord record, Map<String, Candidacy> positions) {
        Electorate as = new Electorate(v.name(), electorate.voters(), electorate.timing(), electorate.strictPositions());
        Candidacy own = positions.getOrDefault(v.name(), v.canLead() ? Candidacy.ELIGIBLE : Candidacy.INELIGIBLE);
        Map<String, Candidacy> known = new HashMap<>(positions);
        known.remove(v.name());
        return Standing.deserves(as, candidate, candidacy, record, record, own, known);
    }
}
