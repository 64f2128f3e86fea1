package vigil.core.ha;

import java.util.List;

/** What the supervisor asks the PostgreSQL driver to do. One at a time, except {@link Stop}, which preempts. */
public sealed interface PgAction {
    /** Start the local instance as the primary (crash recovery on the same timeline). */
    record StartPrimary() implements PgAction {}

    /** (Re)configure the local instance as a standby of {@code upstream} and start it. */
    record StartStandby(String upstream) implements PgAction {}

    /** Stop now; {@code immediate} for self-fencing (no shutdown checkpoint: fastest end of writes). */
    record Stop(boolean immediate) implements PgAction {}

    /** pg_promote, then CHECKPOINT. */
    record Promote() implements PgAction {}

    /** pg_rewind from {@code source}, then start as its standby. */
    record Rewind(String source) implements PgAction {}

    /** Replace the data directory with a fresh pg_basebackup of {@code source}, then start as its standby. */
    record Clone(String source) implements PgAction {}

    record SetSyncStandbys(List<String> names) implements PgAction {}

    /** Probe another node's PostgreSQL directly: is the old primary still writable? */
    record ProbePeer(String node) implements PgAction {}

    default String kind() {
        return getClass().getSimpleName();
    }
}
