package vigil.core.ha;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import vigil.core.election.Candidacy;
import vigil.core.election.Voter;

/**
 * Synchronous mode: PostgreSQL waits for {@code ANY k} of the synchronous standbys. Why k = N − quorum (at least 1,
 * at most the number of standbys): a commit is durable on the primary and on k standbys; a majority that elects the
 * next leader leaves out at most N − quorum voters, the old primary among them, so it holds the primary or at least
 * one of the k — and that voter refuses to vote for anyone behind itself ({@code Standing.deserves}). With fewer
 * standbys than that, every standby acknowledges every commit and any new leader is one of them.
 *
 * <p>The set is never empty while synchronous mode is on: when too few standbys are caught up, lagging or absent
 * ones stay in it and commits wait (PostgreSQL's behaviour with an unreachable synchronous standby). A standby
 * enters the record's synchronous set before PostgreSQL may count on it, and leaves it only once PostgreSQL's
 * effective setting (read back by the probe) no longer names it.
 */
final class SyncSet {
    private SyncSet() {}

    /** {@code ANY k ("a", "b")}, names quoted so any node name is a valid standby name. */
    static String format(List<String> names, int count) {
        if (names.isEmpty()) return "";
        List<String> quoted = names.stream().map(n -> "\"" + n.replace("\"", "\"\"") + "\"").toList();
        return "ANY " + count + " (" + String.join(", ", quoted) + ")";
    }

    /** Every other data node, sorted: the set a new primary starts with in synchronous mode; empty otherwise. */
    static List<String> othersIfSynchronous(HaStep s) {
        if (!s.p.synchronous()) return List.of();
        return otherDataNodes(s);
    }

    /** What a promoted standby sets before pg_promote: it waits for its synchronous standbys from its first commit. */
    static String atPromotion(HaStep s) {
        List<String> others = otherDataNodes(s);
        return format(others, required(s, others.size()));
    }

    /** What a primary is started with in synchronous mode: the record's set (null in asynchronous mode). */
    static String atStart(HaStep s) {
        if (!s.p.synchronous()) return null;
        List<String> names = s.pg.sync().stream().filter(n -> !n.equals(s.me)).sorted().toList();
        if (names.isEmpty()) names = otherDataNodes(s);
        return format(names, required(s, names.size()));
    }

    /** k for a set drawn from {@code standbys} standbys. */
    static int required(HaStep s, int standbys) {
        int n = s.e.electorate().voters().size();
        int quorum = s.e.electorate().quorum();
        return Math.max(1, Math.min(n - quorum, standbys));
    }

    /**
     * Keeps PostgreSQL and the record in step with the standbys that are caught up.
     *
     * @return true when PostgreSQL's effective setting and the record agree with the wanted set
     */
    static boolean keep(HaStep s) {
        List<String> others = otherDataNodes(s);
        if (others.isEmpty()) return true; // a single data node has nobody to wait for
        int k = required(s, others.size());
        TreeSet<String> wanted = new TreeSet<>(caughtUp(s));
        // Never fewer than k names: keep the recorded members, then any other data node, so commits wait for them.
        for (String name : s.pg.sync()) if (wanted.size() < k && !name.equals(s.me)) wanted.add(name);
        for (String name : others) if (wanted.size() < k) wanted.add(name);
        List<String> names = List.copyOf(wanted);
        String value = format(names, k);
        if (!s.pg.sync().containsAll(names)) {
            TreeSet<String> union = new TreeSet<>(s.pg.sync());
            union.addAll(names);
            Leading.record(s, s.pg.withSync(List.copyOf(union)), new Why(HaReason.SYNC_SET_CHANGED, null,
                    "recording " + union + " before PostgreSQL counts on them"));
            return false;
        }
        if (!value.equals(s.view.replication().syncNames())) {
            if (value.equals(s.syncApplied) && s.now - s.syncAppliedAt < 1000) {
                s.why = new Why(HaReason.SYNC_SET_CHANGED, null, "waiting for PostgreSQL to show " + value + " in effect");
            } else if (s.e.recordCommitted()) {
                s.act(new PgAction.SetSyncStandbys(names, k), new Why(HaReason.SYNC_SET_CHANGED, null, value));
            } else {
                s.why = new Why(HaReason.SYNC_SET_CHANGED, null, "waiting for the record to be committed");
            }
            return false;
        }
        if (!names.containsAll(s.pg.sync())) {
            Leading.record(s, s.pg.withSync(names), new Why(HaReason.SYNC_SET_CHANGED, null,
                    "PostgreSQL no longer counts on " + s.pg.sync().stream().filter(n -> !names.contains(n)).toList()));
            return false;
        }
        return true;
    }

    /**
     * Standbys that acknowledged us lately, on our timeline, within max_lag of our position; a member of the record's
     * set stays until it falls twice as far behind (or goes silent), so a standby near the limit does not make the
     * set, and PostgreSQL's configuration, flap.
     */
    private static List<String> caughtUp(HaStep s) {
        List<String> caught = new ArrayList<>();
        for (String name : otherDataNodes(s)) {
            Candidacy c = s.e.known().get(name);
            long limit = s.pg.sync().contains(name) ? 2 * s.p.maxLagBytes() : s.p.maxLagBytes();
            if (c != null && s.freshlyAcked(name) && c.timeline() == s.view.timeline() && s.view.lsn() - c.lsn() <= limit) {
                caught.add(name);
            }
        }
        return caught;
    }

    private static List<String> otherDataNodes(HaStep s) {
        return s.e.electorate().voters().stream().filter(Voter::canLead).map(Voter::name)
                .filter(n -> !n.equals(s.me)).sorted().toList();
    }
}
