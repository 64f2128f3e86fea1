package vigil.core.election;

/**
 * The newest cluster record a node has seen, written by the leader of {@code term}. A node never votes for a
 * candidate whose record is older than its own, so a leader always knows every record a majority acknowledged.
 * Later issues add the primary's timeline, the synchronous set, pause and bans here.
 */
public record ClusterRecord(long term, String leader) {
    public static final ClusterRecord NONE = new ClusterRecord(0, null);

    public boolean newerThan(ClusterRecord other) {
        return term > other.term;
    }
}
