package vigil.core.election;

/**
 * The part of a node's election state that survives a crash. The driver must write it durably (fsync) before it
 * carries out any action that follows a {@link Action.Persist} in the same decision: a vote or an acknowledgement
 * sent before its term was on disk could be repeated differently after a restart.
 *
 * @param term     the newest term this node has seen; never decreases
 * @param votedFor whom this node voted for in {@code term}, or null
 * @param record   the newest cluster record this node acknowledged
 */
public record Durable(long term, String votedFor, ClusterRecord record) {
    public static final Durable INITIAL = new Durable(0, null, ClusterRecord.NONE);

    public Durable {
        if (term < 0) throw new IllegalArgumentException("term < 0");
        if (record == null) throw new IllegalArgumentException("record is null");
    }

    Durable adoptTerm(long newTerm) {
        return new Durable(newTerm, null, record);
    }

    Durable voteFor(String candidate) {
        return new Durable(term, candidate, record);
    }

    Durable withRecord(ClusterRecord newRecord) {
        return new Durable(term, votedFor, newRecord);
    }
}
