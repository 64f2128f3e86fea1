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

    /**
     * Whether candidate {@code a} goes before {@code b} when both stand for the same term: the more advanced
     * position first, then the higher priority, then the name. A total order both compute alike from the candidacies
     * their requests carry, so exactly one of two rivals yields.
     */
    static boolean before(Electorate electorate, String a, Candidacy ca, String b, Candidacy cb) {
        int byPosition = ca.compareTo(cb);
        if (byPosition != 0) return byPosition > 0;
        int pa = electorate.voter(a).map(Voter::priority).orElse(0);
        int pb = electorate.voter(b).map(Voter::priority).orElse(0);
        if (pa != pb) return pa > pb;
        return a.compareTo(b) < 0;
    }

    /**
     * The candidacy a node is ranked by. Our own counts as the leader relayed it, like everyone else's, as long as we
     * are eligible: a standby comparing its own fresh position with the others' relayed ones (a heartbeat older, so
     * a little behind while the primary writes) would rank itself first on every node, and all would stand at once.
     * Relayed as not eligible (a standby that began streaming after the leader's last heartbeat), it is ranked as the
     * others rank it, after every candidate they know of: ranked by its own fresh position, it stood at the same
     * instant as the first of them, each with a majority of pre-votes from voters that knew only one of the two, and
     * the vote split (the simulator's leader crashes, the leader's vigild dying just before its host).
     */
    private static Candidacy candidacyOf(Electorate electorate, String name, Candidacy own, Map<String, Candidacy> known) {
        if (!name.equals(electorate.self())) return known.getOrDefault(name, Candidacy.ELIGIBLE);
        Candidacy relayed = known.get(name);
        if (relayed == null) return own;
        return !relayed.eligible() || own.eligible() ? relayed : own;
    }

    /**
     * The vote rule shared by pre-votes and votes (the no-vote window and the leader check come first, in the
     * caller): the candidate can lead, knows a record at least as new as ours, and is at least as advanced as we and
     * every peer we know of, except the recorded primary, which is the one presumed lost. A voter whose standby
     * streams from the recorded primary standing ({@code streamsFrom}) does not measure it against its own position:
     * it holds a prefix of that primary's WAL, and the primary's candidacy is its last probe, older than the voter's.
     *
     * <p>Our own position counts whenever we know it in synchronous mode ({@link Electorate#strictPositions}),
     * eligible or not: a standby that acknowledged commits must never help elect a candidate without them, and a data
     * node that does not know its durable position then votes for nobody. Every electing majority holds a standby
     * that acknowledged each commit (the leader sizes {@code ANY k} for that), so the winner holds them all. A data
     * node whose own data is gone (emptied, another system) holds none of them and votes only for the recorded primary. In
     * asynchronous mode only an eligible voter's position counts: an ineligible one must not block every election.
     *
     * <p>The positions of other peers come from the last leader's heartbeat ({@code known}); the caller passes an
     * empty map once that is older than two leases. Waiting for a more advanced standby that never comes back would
     * block every election; safety does not need it, because each voter still refuses candidates behind itself and,
     * in synchronous mode, every electing majority holds a standby that acknowledged each commit.
     */
    static boolean deserves(Electorate electorate, String candidate, Candidacy candidacy, ClusterRecord theirs,
                            ClusterRecord ours, Candidacy own, Map<String, Candidacy> known) {
        return deserves(electorate, candidate, candidacy, theirs, ours, own, known, null);
    }

    /**
     * As above, for a candidate standing under {@code order} (null: none). An order with {@code acceptDataLoss}
     * waives every comparison of positions ({@link FailoverOrder}): the operator accepted losing what the candidate
     * lacks. It waives nothing else: the candidate can lead, reports itself eligible and knows the newest record.
     */
    static boolean deserves(Electorate electorate, String candidate, Candidacy candidacy, ClusterRecord theirs,
                            ClusterRecord ours, Candidacy own, Map<String, Candidacy> known, FailoverOrder order) {
        return refusal(electorate, candidate, candidacy, theirs, ours, own, null, known, order) == null;
    }

    /**
     * The rule of {@link #deserves}, naming why the vote is refused (which rule, whose position, how far behind), or
     * null when it is granted. Logged by the voter: a lost election is otherwise explained by nobody.
     */
    static String refusal(Electorate electorate, String candidate, Candidacy candidacy, ClusterRecord theirs,
                          ClusterRecord ours, Candidacy own, String streamsFrom, Map<String, Candidacy> known,
                          FailoverOrder order) {
        if (!electorate.voter(candidate).map(Voter::canLead).orElse(false)) return "it cannot lead (a witness)";
        if (!candidacy.eligible()) return "it reports itself ineligible";
        if (ours.newerThan(theirs)) {
            return "our record is newer (term " + ours.term() + " version " + ours.version() + ", its term "
                    + theirs.term() + " version " + theirs.version() + ")";
        }
        if (FailoverOrder.waivesPositions(order)) return null;
        // A newer record the candidate holds is one its term's leader wrote: judge by it (it may name a primary
        // elected since this voter last heard, e.g. while its own data was lost).
        ClusterRecord mine = theirs.newerThan(ours) ? theirs : ours;
        boolean recordedPrimary = candidate.equals(mine.primary());
        // Our standby streams from the recorded primary standing: PostgreSQL streams only WAL it flushed and refuses a
        // standby ahead of it, so our data is a prefix of its own. Its candidacy, its last probe, is older than our
        // own newer probe under steady writes: compared, both voters refused the serving primary a restart of vigild
        // left running (1 of 10 bin/bench restart-daemon runs, another term each time). Not the positions relayed by
        // a leader: those peers may hold what it lacks (its data restored from an older copy).
        boolean prefixOfIt = recordedPrimary && candidate.equals(streamsFrom);
        boolean dataNode = electorate.me().canLead();
        // Strict only once the cluster's system is recorded: before that nothing was acknowledged (the primary starts
        // after the record holding its system identifier is committed, standbys copy only after it), so a voter whose
        // record lacks it vouches for nothing, whatever its data directory holds.
        if (electorate.strictPositions() && dataNode && mine.pg().systemId() != 0) {
            // The primary our record names holds every acknowledged commit: it wrote them, or it was elected into
            // that role by a majority that refused anyone behind an acknowledging standby, and nothing was
            // acknowledged after (the former primary's lease had ended). Our own data may run further only with WAL
            // nobody acknowledged (an old primary's, about to be rewound); that must not block its election.
            if (!recordedPrimary && !own.known()) return "our own position is not known (synchronous mode)";
            if (!recordedPrimary && !candidacy.atLeast(own)) return "its position " + candidacy.position()
                    + " is behind ours, " + own.position();
            // A data node that holds none of this system's data (emptied, replaced) cannot vouch for anything: it
            // votes only for the recorded primary.
            boolean holdsNothing = own.timeline() == 0 && own.lsn() == 0;
            if (holdsNothing && !recordedPrimary) return "we hold none of this system's data: we vote only for "
                    + mine.primary() + ", the recorded primary";
        } else if (own.eligible() && !prefixOfIt && !candidacy.atLeast(own)) {
            return "its position " + candidacy.position() + " is behind ours, " + own.position();
        }
        for (Map.Entry<String, Candidacy> e : known.entrySet()) {
            if (e.getKey().equals(candidate) || e.getKey().equals(mine.primary())) continue;
            if (e.getValue().eligible() && !candidacy.atLeast(e.getValue())) {
                return "its position " + candidacy.position() + " is behind " + e.getKey() + "'s, "
                        + e.getValue().position() + " (as its last leader relayed it)";
            }
        }
        return null;
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
