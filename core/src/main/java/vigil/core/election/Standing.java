package vigil.core.election;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Who may stand, in which order, and whom a voter may vote for. Pure functions of what a node knows; kept apart from
 * {@link Election}'s state machine because they are the rules most likely to grow (PostgreSQL positions, bans).
 */
final class Standing {
    private Standing() {}

    /**
     * A node's place among the voters that could lead: best candidacy first, then priority, then name. The last
     * leader is ranked last (it is probably the one that failed). Every node ranks alike from the candidacies the
     * leader relayed, so usually exactly one stands at a time.
     */
    static int rank(Electorate electorate, String lastLeader, Candidacy own, Map<String, Candidacy> known) {
        Comparator<Voter> order = Comparator
                .comparing((Voter v) -> v.name().equals(lastLeader))
                .thenComparing((Voter v) -> candidacyOf(electorate, v.name(), own, known), Comparator.reverseOrder())
                .thenComparing(Voter::priority, Comparator.reverseOrder())
                .thenComparing(Voter::name);
        List<Voter> ranked = electorate.voters().stream()
                .filter(Voter::canLead)
                .filter(v -> candidacyOf(electorate, v.name(), own, known).eligible())
                .sorted(order)
                .toList();
        for (int i = 0; i < ranked.size(); i++) {
            if (ranked.get(i).name().equals(electorate.self())) return i;
        }
        return ranked.size();
    }

    private static Candidacy candidacyOf(Electorate electorate, String name, Candidacy own, Map<String, Candidacy> known) {
        return name.equals(electorate.self()) ? own : known.getOrDefault(name, Candidacy.ELIGIBLE);
    }

    /**
     * The vote rule shared by pre-votes and votes (the no-vote window and the leader check come first, in the
     * caller): the candidate can lead, knows a record at least as new as ours, and is at least as advanced as we and
     * every peer we know of, except the recorded primary, which is the one presumed lost.
     *
     * <p>The positions of other peers come from the last leader's heartbeat ({@code known}); the caller passes an
     * empty map once that is older than two leases. Waiting for a more advanced standby that never comes back would
     * block every election; safety does not need it, because each voter still refuses candidates behind itself and,
     * in synchronous mode, every electing majority holds a standby that acknowledged each commit.
     */
    static boolean deserves(Electorate electorate, String candidate, Candidacy candidacy, long recordTerm,
                            long recordVersion, ClusterRecord mine, Candidacy own, Map<String, Candidacy> known) {
        if (!electorate.voter(candidate).map(Voter::canLead).orElse(false) || !candidacy.eligible()) return false;
        if (mine.term() != recordTerm ? mine.term() > recordTerm : mine.version() > recordVersion) return false;
        if (own.eligible() && !candidacy.atLeast(own)) return false;
        for (Map.Entry<String, Candidacy> e : known.entrySet()) {
            if (e.getKey().equals(candidate) || e.getKey().equals(mine.primary())) continue;
            if (e.getValue().eligible() && !candidacy.atLeast(e.getValue())) return false;
        }
        return true;
    }

    /** Deterministic per node, attempt and term, so two nodes that collided once are unlikely to collide again. */
    static long backoff(Timing timing, String self, int attempts, long term, int rank) {
        long spread = Math.max(1, 2 * timing.staggerMs());
        long z = self.hashCode() * 31L + attempts * 1_000_003L + term;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9e53L;
        z = z ^ (z >>> 33);
        return timing.staggerMs() * (rank + 1) + Math.floorMod(z, spread);
    }
}
