package vigil.core.election;

import java.util.List;

/**
 * The PostgreSQL part of the cluster record: which node is the primary and what its data is. Written only by the
 * leader, committed by a majority before anything acts on it.
 *
 * @param primary       the node whose PostgreSQL is the primary, or null (none yet)
 * @param systemId      PostgreSQL's system identifier of this cluster (0 until the first primary reported it).
 *                      Once set, no automatic action may run initdb, and a data directory of another system is
 *                      never overwritten.
 * @param timeline      the primary's timeline
 * @param fork          where the primary's timeline branched from its parent (null on timeline 1 or unknown): a
 *                      standby on the parent timeline at or before {@code fork.lsn} follows without a rewind
 * @param sync          the standbys PostgreSQL may count on as synchronous (synchronous mode); only they may be
 *                      promoted, and the set is never empty while synchronous mode is on and a primary is recorded
 * @param formerPrimary the primary this one replaced, while the proof that it cannot write must be re-checked
 *                      just before pg_promote; null once promoted
 * @param confirmedDown an operator's oath that a node is off ({@code vigilctl confirm-down}), kept in the record so that
 *                      a next leader has it too; used by one promotion, void once that node is heard from (null: none)
 * @param paused        maintenance mode ({@code vigilctl pause}): no automatic failover, restart or rejoin anywhere
 *                      until {@code vigilctl resume}; kept in the record so that every leader honours it (null: off)
 * @param banned        nodes an operator banned ({@code vigilctl ban}): never promoted, never handed the primary role,
 *                      until {@code vigilctl unban}; sorted
 */
public record PgRecord(String primary, long systemId, long timeline, Fork fork, List<String> sync,
                       String formerPrimary, Confirmed confirmedDown, Paused paused, List<String> banned) {
    public static final PgRecord NONE = new PgRecord(null, 0, 0, null, List.of(), null);

    public PgRecord {
        sync = List.copyOf(sync);
        banned = banned == null ? List.of() : banned.stream().distinct().sorted().toList();
    }

    public PgRecord(String primary, long systemId, long timeline, Fork fork, List<String> sync, String formerPrimary,
                    Confirmed confirmedDown, Paused paused) {
        this(primary, systemId, timeline, fork, sync, formerPrimary, confirmedDown, paused, List.of());
    }

    public PgRecord(String primary, long systemId, long timeline, Fork fork, List<String> sync, String formerPrimary) {
        this(primary, systemId, timeline, fork, sync, formerPrimary, null, null, List.of());
    }

    public PgRecord(String primary, long systemId, long timeline, Fork fork, List<String> sync, String formerPrimary,
                    Confirmed confirmedDown) {
        this(primary, systemId, timeline, fork, sync, formerPrimary, confirmedDown, null, List.of());
    }

    /** {@code operator} paused the cluster at {@code at} (wall clock as text); the leader of {@code term} recorded it. */
    public record Paused(String operator, String at, long term) {
        public Paused {
            if (operator == null || at == null) throw new IllegalArgumentException("incomplete pause");
        }

        @Override
        public String toString() {
            return "paused by " + operator + " at " + at + " (recorded in term " + term + ")";
        }
    }

    /** Where a timeline began: its parent and the LSN of the switch. */
    public record Fork(long parentTimeline, long lsn) {}

    /**
     * {@code operator} swore at {@code at} (wall clock, as the daemon that took it read it) that {@code node} is off;
     * the leader of {@code term} recorded it.
     */
    public record Confirmed(String node, long term, String operator, String at) {
        public Confirmed {
            if (node == null || operator == null || at == null) throw new IllegalArgumentException("incomplete confirmation");
        }

        @Override
        public String toString() {
            return "confirmed down by the operator " + operator + " at " + at + " (recorded in term " + term + ")";
        }
    }

    public PgRecord withPrimary(String newPrimary, String former) {
        return new PgRecord(newPrimary, systemId, timeline, fork, sync, former, confirmedDown, paused, banned);
    }

    public PgRecord withTimeline(long newTimeline, Fork newFork) {
        return new PgRecord(primary, systemId, newTimeline, newFork, sync, formerPrimary == null ? null
                : newTimeline != timeline ? null : formerPrimary, confirmedDown, paused, banned);
    }

    public PgRecord withSystemId(long id) {
        return new PgRecord(primary, id, timeline, fork, sync, formerPrimary, confirmedDown, paused, banned);
    }

    public PgRecord withSync(List<String> newSync) {
        return new PgRecord(primary, systemId, timeline, fork, newSync, formerPrimary, confirmedDown, paused, banned);
    }

    public PgRecord withConfirmedDown(Confirmed c) {
        return new PgRecord(primary, systemId, timeline, fork, sync, formerPrimary, c, paused, banned);
    }

    public PgRecord withPaused(Paused p) {
        return new PgRecord(primary, systemId, timeline, fork, sync, formerPrimary, confirmedDown, p, banned);
    }

    /** The record with {@code node} banned ({@code on}) or unbanned. */
    public PgRecord withBan(String node, boolean on) {
        List<String> next = new java.util.ArrayList<>(banned);
        if (on) next.add(node);
        else next.remove(node);
        return new PgRecord(primary, systemId, timeline, fork, sync, formerPrimary, confirmedDown, paused, next);
    }
}
