package vigil.core.election;

import java.util.List;

/**
 * The newest cluster record a node has acknowledged, written only by the leader of {@code term}. A node never votes
 * for a candidate whose record is older than its own, so every new leader knows every record a majority
 * acknowledged: who the primary is, on which timeline, and which standbys were synchronous.
 *
 * @param version  bumped each time the leader rewrites the record within its term (for example after promoting)
 * @param leader   the leader that wrote it
 * @param primary  the node whose PostgreSQL is the primary, or null (no PostgreSQL managed, or none yet)
 * @param timeline the primary's timeline
 * @param sync     the standbys named in synchronous_standby_names (synchronous mode); only they may be promoted
 */
public record ClusterRecord(long term, long version, String leader, String primary, long timeline, List<String> sync) {
    public static final ClusterRecord NONE = new ClusterRecord(0, 0, null, null, 0, List.of());

    public ClusterRecord {
        sync = List.copyOf(sync);
    }

    public boolean newerThan(ClusterRecord other) {
        return term != other.term ? term > other.term : version > other.version;
    }

    public boolean atLeast(ClusterRecord other) {
        return !other.newerThan(this);
    }

    /** The record a new leader writes on election: everything about PostgreSQL carries over unchanged. */
    ClusterRecord takenOverBy(long newTerm, String newLeader) {
        return new ClusterRecord(newTerm, 0, newLeader, primary, timeline, sync);
    }

    /** The same leader rewrites what it knows about PostgreSQL. */
    public ClusterRecord withPostgres(String newPrimary, long newTimeline, List<String> newSync) {
        return new ClusterRecord(term, version + 1, leader, newPrimary, newTimeline, newSync);
    }
}
