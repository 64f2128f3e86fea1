package vigil.core.election;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The newest cluster record a node has acknowledged, written only by the leader of {@code term}. A node never votes
 * for a candidate whose record is older than its own, so every new leader knows every record a majority
 * acknowledged: who the primary is, which system and timeline it runs, and which standbys were synchronous.
 *
 * @param version bumped each time the leader rewrites the record within its term (for example after promoting)
 * @param leader  the leader that wrote it
 * @param pg      what the record says about PostgreSQL ({@link PgRecord#NONE} when none is managed or none yet)
 * @param ledIn   per node, the last term in which it led (wrote a record). A node's report of term t proves
 *                something about it only if it has not led since ({@code t >= ledIn}): every leader's first record is
 *                committed before it can act, so a newer leadership of that node is always known here.
 * @param unwatched per node, the last term in which it withdrew its watchdog announcement because its vigild was to
 *                end on purpose ({@code vigilctl restart-daemon}, {@link vigil.core.node.DaemonRestart}): none of its
 *                announcements heard in that term or before proves anything any more. Kept in the record, not only in
 *                the reports, because a report is memory: a copy of an older heartbeat reaching a vigild restarted
 *                since, or a node that missed the withdrawal and learns the record from a later leader, would hold
 *                the announcement still; the record is committed before the watchdog closes, so every later leader
 *                has it.
 */
public record ClusterRecord(long term, long version, String leader, PgRecord pg, Map<String, Long> ledIn,
                            Map<String, Long> unwatched) {
    public static final ClusterRecord NONE = new ClusterRecord(0, 0, null, PgRecord.NONE, Map.of());

    public ClusterRecord {
        if (pg == null) throw new IllegalArgumentException("pg is null");
        ledIn = Map.copyOf(ledIn);
        unwatched = Map.copyOf(unwatched);
    }

    public ClusterRecord(long term, long version, String leader, PgRecord pg, Map<String, Long> ledIn) {
        this(term, version, leader, pg, ledIn, Map.of());
    }

    public ClusterRecord(long term, long version, String leader, PgRecord pg) {
        this(term, version, leader, pg, leader == null ? Map.of() : Map.of(leader, term));
    }

    /** A record with only the fields most tests care about. */
    public ClusterRecord(long term, long version, String leader, String primary, long timeline, List<String> sync) {
        this(term, version, leader, new PgRecord(primary, 0, timeline, null, sync, null));
    }

    /** The last term {@code node} led in, as far as committed records tell; 0 if never. */
    public long ledIn(String node) {
        return ledIn.getOrDefault(node, 0L);
    }

    /** The last term in which {@code node} withdrew its watchdog announcement before its vigild ended; 0 if never. */
    public long unwatched(String node) {
        return unwatched.getOrDefault(node, 0L);
    }

    public String primary() {
        return pg.primary();
    }

    public long timeline() {
        return pg.timeline();
    }

    public List<String> sync() {
        return pg.sync();
    }

    public boolean newerThan(ClusterRecord other) {
        return term != other.term ? term > other.term : version > other.version;
    }

    public boolean atLeast(ClusterRecord other) {
        return !other.newerThan(this);
    }

    /** The record a new leader writes on election: everything about PostgreSQL carries over unchanged. */
    ClusterRecord takenOverBy(long newTerm, String newLeader) {
        Map<String, Long> led = new HashMap<>(ledIn);
        led.put(newLeader, newTerm);
        return new ClusterRecord(newTerm, 0, newLeader, pg, led, unwatched);
    }

    /** The same leader rewrites what it knows about PostgreSQL. */
    public ClusterRecord withPg(PgRecord newPg) {
        return new ClusterRecord(term, version + 1, leader, newPg, ledIn, unwatched);
    }

    /**
     * The same leader records that its watchdog announcements of this term no longer count ({@code withdrawn}), or
     * that they count again: a restart given up while the watchdog stayed armed and kept alive under the lease.
     */
    ClusterRecord withUnwatched(boolean withdrawn) {
        Map<String, Long> next = new HashMap<>(unwatched);
        if (withdrawn) next.put(leader, term);
        else if (next.getOrDefault(leader, 0L) == term) next.remove(leader);
        return new ClusterRecord(term, version + 1, leader, pg, ledIn, next);
    }
}
