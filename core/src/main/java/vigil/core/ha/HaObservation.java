package vigil.core.ha;

/** Inputs to the supervisor. {@code now} is the node's monotonic clock in milliseconds, as for the election. */
public sealed interface HaObservation {
    long now();

    record Tick(long now) implements HaObservation {}

    /** A probe of the local PostgreSQL answered, or failed (HUNG, FAILING, STOPPED). */
    record Probed(long now, PgView view) implements HaObservation {}

    /**
     * A direct probe of another node's PostgreSQL, asked for by {@link PgAction.ProbePeer}.
     *
     * @param startedAt when the probe was sent (own clock): only answers started after a moment count for it
     */
    /** @param deadlineMs the deadline the probe was run with */
    record PeerProbed(long now, String node, PeerPg result, long startedAt, String detail, long deadlineMs)
            implements HaObservation {
        public PeerProbed(long now, String node, PeerPg result, long startedAt, String detail) {
            this(now, node, result, startedAt, detail, PgAction.ProbePeer.DEADLINE_MS);
        }
    }

    /**
     * An operator swore that {@code node} is off ({@code vigilctl confirm-down}): a proof for this leadership, used
     * once, void as soon as the node is heard from again.
     */
    record ConfirmedDown(long now, String node, String operator, String at) implements HaObservation {
        public ConfirmedDown(long now, String node, String operator) {
            this(now, node, operator, "an unknown time");
        }
    }

    /**
     * An operator reset this node's failcount ({@code vigilctl cleanup}): the restarts counted against
     * migration_threshold and the failed actions' back-off are forgotten; nothing else (no proof, no record) changes.
     */
    record Cleanup(long now, String operator) implements HaObservation {}

    /** An operator asked to restart this node's standby ({@code vigilctl restart-pg}): see {@link Restart}. */
    record RestartPg(long now, String operator) implements HaObservation {}

    /** The fence agents of {@code node} ran: {@code off} when its host is off, confirmed by their status. */
    record NodeFenced(long now, String node, boolean off, long startedAt, String detail) implements HaObservation {}

    /** An action ended (or was given up at its deadline, or preempted). */
    record ActionDone(long now, PgAction action, Outcome outcome) implements HaObservation {}

    /** A planned stop began: stop PostgreSQL cleanly (fence it if that fails or the lease ends), start nothing. */
    record Stop(long now) implements HaObservation {}

    /**
     * The driver's answer to {@link PgAction.Freeze}: {@code ok} once the request was written (the freeze may finish a
     * little later; {@code detail} says); not ok when it could not be (no cgroup: freezing is unavailable).
     */
    record Frozen(long now, boolean frozen, boolean ok, String detail) implements HaObservation {}

    /** This node must not let PostgreSQL write (e.g. its required watchdog cannot be armed): never a candidate. */
    record Unfit(long now, String reason) implements HaObservation {}

    /**
     * {@code vigilctl switchover}: hand the primary role to {@code target} (null: the best standby), carried out by
     * this node if it leads and the switchover is safe ({@link Switchover#refusal}); otherwise nothing changes.
     */
    record Switchover(long now, String target, String operator) implements HaObservation {}

    /**
     * {@code vigilctl pause} ({@code on}) or {@code resume}: the leader writes maintenance mode into the record (or
     * clears it); {@code at} is the wall-clock time as text. Elsewhere ignored (the loop passes it only to a leader).
     */
    record Pause(long now, boolean on, String operator, String at) implements HaObservation {}

    /** {@code vigilctl ban} ({@code on}) or {@code unban} of {@code node}: the leader records it. Elsewhere ignored. */
    record Ban(long now, String node, boolean on) implements HaObservation {}

    /**
     * {@code vigilctl failover --to target}, passed only once {@link Supervisor#refusesFailover} (on the target) or
     * {@link Supervisor#refusesHandOver} (on the leader) accepted it: the target holds the order, a leader that is not
     * the target resigns in its favour ({@link OrderedFailover}).
     */
    record FailoverOrdered(long now, String target, String operator, boolean acceptDataLoss) implements HaObservation {}

    /** The order this node holds is withdrawn ({@code why}: the leader would not hand over, and the operator was told). */
    record FailoverCancelled(long now, String why) implements HaObservation {}

    /** No VIP that follows the primary is on this host any more (or none is configured): a switchover may go on. */
    record VipsReleased(long now) implements HaObservation {}
}
