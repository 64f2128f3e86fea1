package vigil.daemon.pg;

/** One row of the primary's {@code pg_stat_replication}; LSNs as bytes since 0/0, 0 when not (yet) known. */
public record ReplicaRow(String applicationName, String state, String syncState, long sentLsn, long flushLsn, long replayLsn) {}
