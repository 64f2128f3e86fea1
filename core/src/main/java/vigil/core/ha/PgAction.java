package vigil.core.ha;

import java.util.List;

/**
 * What the supervisor asks the PostgreSQL driver to do. The node step's executor runs one action at a time; a
 * {@link Fence} preempts it (the running action is cancelled), a {@link ProbePeer} runs beside everything.
 */
public sealed interface PgAction {
    /**
     * initdb into the empty data directory, and nothing else (no start): only while the cluster record names no system
     * yet. The new system is recorded before the server first starts, so no commit can ever exist of a system the
     * record does not know, and an emptied data directory is never initialised again.
     */
    record Initialise() implements PgAction {}

    /**
     * Start the local instance as the primary (crash recovery on the same timeline). Never initialises anything: an
     * empty data directory fails it (DATA_MISSING).
     *
     * @param syncNames synchronous mode: synchronous_standby_names written before the start, so no commit is ever
     *                  acknowledged locally (null: leave it unset)
     */
    record StartPrimary(String syncNames) implements PgAction {
        public StartPrimary() {
            this(null);
        }
    }

    /**
     * (Re)configure the local instance as a standby of {@code upstream} and start it (or reload it); of nobody when
     * {@code upstream} is null (it replays its own WAL only: a recorded primary whose server stopped before its
     * promotion, promoted from there).
     */
    record StartStandby(String upstream) implements PgAction {}

    /**
     * Point the running standby at {@code upstream} without a restart (primary_conninfo is reloadable), or at nobody
     * (null): its WAL receiver stops, so it acknowledges nothing more to the primary it followed.
     */
    record Repoint(String upstream) implements PgAction {}

    /** Shut down cleanly (fast mode: a shutdown checkpoint), e.g. before a pg_rewind. Not a fence. */
    record StopFast() implements PgAction {}

    /**
     * The self-fence: SIGKILL every process of the local PostgreSQL at once and verify that none is left. Runs on its
     * own path, preempting whatever runs, so nothing can delay it.
     */
    record Fence() implements PgAction {}

    /**
     * pg_promote. In synchronous mode {@code syncNames} is written first, so the new primary waits for its
     * synchronous standbys from its first commit (null: leave it unset).
     */
    record Promote(String syncNames) implements PgAction {}

    /** CHECKPOINT after a promotion, so pg_rewind of the old primary can use the new timeline; cancellable. */
    record Checkpoint() implements PgAction {}

    /**
     * pg_rewind from {@code source} (refused by the driver unless both system identifiers are {@code systemId});
     * PostgreSQL stays stopped: the next decision starts it as a standby of whoever is then the recorded primary.
     */
    record Rewind(String source, long systemId) implements PgAction {}

    /**
     * Copy {@code source} with pg_basebackup (refused unless the source and any local cluster are of
     * {@code systemId}; 0: none recorded yet), keeping the old data directory aside; PostgreSQL stays stopped, as
     * after a rewind.
     */
    record Clone(String source, long systemId) implements PgAction {}

    /** Remove the data directory a re-clone kept aside, once the new standby streams. */
    record DiscardSetAside() implements PgAction {}

    /** synchronous_standby_names = {@code ANY count (names)} (never empty in synchronous mode). */
    record SetSyncStandbys(List<String> names, int count) implements PgAction {
        public SetSyncStandbys {
            names = List.copyOf(names);
        }

        /** The value as PostgreSQL shows it in {@code current_setting('synchronous_standby_names')}. */
        public String value() {
            return SyncSet.format(names, count);
        }
    }

    /**
     * Probe another node's PostgreSQL directly: is the old primary still writable? Answered within {@code deadlineMs}:
     * {@link #DEADLINE_MS} when the answer may be the proof itself ("in recovery") or is the only guard
     * ({@code failover_without_fencing}), {@link #CHECK_DEADLINE_MS} when another proof already holds and the answer
     * is only the check that the old primary does not answer as writable ({@link FailOver#checkDeadline}): a live,
     * reachable PostgreSQL answers a warm probe in 10 to 20 ms (measured), and a dead host, the usual case after a
     * crash, answers nothing, so its probe costs the whole deadline before the promotion.
     */
    record ProbePeer(String node, long deadlineMs) implements PgAction {
        public static final long DEADLINE_MS = 200;
        public static final long CHECK_DEADLINE_MS = 80;

        public ProbePeer(String node) {
            this(node, DEADLINE_MS);
        }
    }

    /** Run {@code node}'s fence agents (off, then status), level by level; not an action of the local PostgreSQL. */
    record FenceNode(String node) implements PgAction {}

    /**
     * Freeze (or thaw) every process of the local PostgreSQL at once (the cgroup freezer), beside whatever action runs:
     * a frozen server commits nothing and answers nobody, and a thawed one carries on where it stopped. Only ever a
     * restriction on top of the self-fence, which still kills it at the margin.
     */
    record Freeze(boolean frozen) implements PgAction {}

    default String kind() {
        return getClass().getSimpleName();
    }

    /** True for the actions after which the local PostgreSQL may accept writes. */
    default boolean makesWritable() {
        return this instanceof StartPrimary || this instanceof Promote;
    }
}
