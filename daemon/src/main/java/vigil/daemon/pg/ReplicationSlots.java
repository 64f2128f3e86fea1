package vigil.daemon.pg;

import java.util.List;
import java.util.Locale;

/**
 * The physical replication slots vigil keeps ({@code cluster.postgres.replication_slots}): on every data node one slot
 * per other data node, named {@code vigil_<node>}; a standby streams through the slot named after itself.
 *
 * <p>Why on every node, not only the primary: a promoted standby must already have the slots its new standbys stream
 * through, or they could not stream for {@code wal_retrieve_retry_interval} (5 s), and in synchronous mode no commit
 * would be acknowledged meanwhile. On a standby the slots hold no WAL (created without reserving; one that reserved
 * while the node was primary is made again without), so a standby's disk never fills for them; a primary's slots
 * reserve WAL from the moment they are made or first used, up to {@code max_slot_wal_keep_size}.
 *
 * @param own          the slot this node streams through as a standby
 * @param others       the slots this node keeps for the other data nodes
 * @param maxKeepBytes max_slot_wal_keep_size
 */
public record ReplicationSlots(String own, List<String> others, long maxKeepBytes) {
    /** Off: no slot is made, primary_slot_name stays unset; vigil's slots found are left alone. */
    public static final ReplicationSlots NONE = new ReplicationSlots(null, List.of(), 0);

    public ReplicationSlots {
        others = List.copyOf(others);
    }

    public static ReplicationSlots of(String self, List<String> dataNodes, long maxKeepBytes) {
        return new ReplicationSlots(nameOf(self), dataNodes.stream().filter(n -> !n.equals(self))
                .map(ReplicationSlots::nameOf).sorted().toList(), maxKeepBytes);
    }

    public boolean enabled() {
        return own != null;
    }

    /** A node's slot: node names are lower-case letters, digits and '-', slot names letters, digits and '_'. */
    static String nameOf(String node) {
        return "vigil_" + node.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * First of the two statements that bring this node's slots to what they should be: drops the inactive {@code vigil_}
     * slots of nodes no longer in the cluster; on a standby, those that reserve WAL (left from a time as primary:
     * they would hold WAL on this standby's disk); on a primary, those PostgreSQL invalidated ({@code wal_status =
     * 'lost'}: their standby fell more than max_slot_wal_keep_size behind; such a slot reserves nothing any more, and
     * made again it protects that standby's WAL from its re-clone on). Returns how many it dropped, and the
     * invalidated ones' names. Names come from node names, which the configuration restricts to letters, digits and
     * '-': a literal needs no more quoting than its quotes.
     */
    String dropStatement(boolean primary) {
        return "SELECT count(pg_drop_replication_slot(s.slot_name)),"
                + " coalesce(string_agg(s.slot_name, ', ') FILTER (WHERE s.wal_status = 'lost'), '') FROM pg_replication_slots s"
                + " WHERE s.slot_type = 'physical' AND NOT s.active AND s.slot_name LIKE 'vigil\\_%'"
                + " AND (s.slot_name <> ALL(" + wanted() + ")"
                + (primary ? " OR s.wal_status = 'lost'" : " OR s.restart_lsn IS NOT NULL") + ")";
    }

    /** The second: makes the missing slots, reserving WAL at once on a primary and not on a standby. */
    String makeStatement(boolean primary) {
        return "SELECT count(pg_create_physical_replication_slot(n, " + primary + ")) FROM unnest(" + wanted() + ") n"
                + " WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots s WHERE s.slot_name = n)";
    }

    private String wanted() {
        return "ARRAY[" + String.join(",", others.stream().map(n -> "'" + n + "'").toList()) + "]::text[]";
    }
}
