package vigil.core.ha;

/** Why the supervisor acted or waited. Logged once per change (with its cause, {@link Why}) and asserted on by tests. */
public enum HaReason {
    PRIMARY_HEALTHY,
    STANDBY_HEALTHY,
    /** The primary's PostgreSQL died or hung while this node holds the lease: restart it in place. */
    PRIMARY_CRASHED_RESTART,
    /** The recorded primary's PostgreSQL is stopped (by vigil, or not started yet): start it now that this node leads. */
    START_PRIMARY,
    /** The primary answers with errors (starting up, shutting down, too many clients): wait, do not restart it. */
    PRIMARY_FAILING,
    /** Too many local restarts within failure_timeout: give up the primary role. */
    MIGRATION_THRESHOLD_REACHED,
    /** PostgreSQL may accept writes on a node without a valid lease (or about to lose it): kill it now. */
    SELF_FENCE,
    /**
     * The leader heard no majority acknowledgement for a while (detail: how long): its PostgreSQL is frozen, so that it
     * acknowledges no commit a failover could lose, until an acknowledgement renews the lease (then thawed) or the
     * lease ends (then killed, as ever).
     */
    LEASE_IN_DOUBT,
    /** The lease was renewed after a doubt (or PostgreSQL was stopped): its PostgreSQL is thawed. */
    LEASE_RENEWED,
    /** A planned stop of vigild: PostgreSQL is shut down cleanly (fenced if that fails), then leadership resigned. */
    PLANNED_STOP,
    /** The self-fence could not verify that every PostgreSQL process is gone: it is repeated. */
    FENCE_NOT_VERIFIED,
    /** The new leader checks whether the old primary can still take writes. */
    PROBING_OLD_PRIMARY,
    /** The old primary answers as a healthy primary: no failover (its vigild may have crashed). */
    OLD_PRIMARY_STILL_SERVING,
    /** Nothing proves that the old primary cannot write (detail: which proofs are missing): waiting. */
    FENCING_REQUIRED,
    /** The old primary's fence agents run: promotion waits for their confirmed "off". */
    FENCING_OLD_PRIMARY,
    /** Another standby is more advanced: stand down so it can lead. */
    PEER_AHEAD,
    /** This node is not an eligible candidate (lag, sync set, health, timeline): stand down. */
    NOT_ELIGIBLE,
    /**
     * This node must not let PostgreSQL write (detail: why, e.g. its required watchdog could not be armed): as leader
     * it fences its PostgreSQL if that may write, then resigns so that a fit node leads.
     */
    UNFIT,
    PROMOTING,
    PROMOTED,
    /** A CHECKPOINT after the promotion, so a rewind of the old primary can use the new timeline. */
    CHECKPOINT,
    /** No primary recorded yet: the leader's own PostgreSQL becomes the primary. */
    BOOTSTRAP_PRIMARY,
    /** The first primary reported its system identifier: recorded, so no data can be replaced by another system. */
    SYSTEM_RECORDED,
    FOLLOW_PRIMARY,
    /** This node's history may have forked from the primary's (it was writable, or it is on another timeline): pg_rewind. */
    REWIND,
    /** pg_rewind failed for a passing reason (source unreachable...): retried, no re-clone. */
    REWIND_RETRY,
    /**
     * A fresh pg_basebackup, the old data kept aside: pg_rewind proved it cannot repair the divergence, or the primary
     * removed WAL this standby needs (a standby stopped for longer than max_slot_wal_keep_size or wal_keep_size allow).
     */
    RECLONE,
    /** The data directory is empty: copy the primary with pg_basebackup. */
    CLONE,
    /** The new standby streams: the data directory kept aside by the re-clone is removed. */
    DISCARD_SET_ASIDE,
    /** The recorded primary's data directory is empty: it is not a candidate and never initialises a new cluster. */
    RECORDED_PRIMARY_DATA_MISSING,
    /** The local data belongs to another PostgreSQL system than the cluster's: nothing is done to it automatically. */
    SYSTEM_ID_MISMATCH,
    /**
     * A planned switchover to the named standby is under way (detail: which step: CHECKPOINT, clean shutdown, waiting
     * for the standby to receive everything, leadership handed over) ({@link Switchover}).
     */
    SWITCHOVER,
    /**
     * Maintenance mode ({@code vigilctl pause}, detail: who and when): nothing is decided beyond the self-fence and the
     * freeze on lease doubt: no failover, no restart, no rejoin, no record change, until {@code vigilctl resume}.
     */
    PAUSED,
    /**
     * An operator asked to restart this node's standby ({@code vigilctl restart-pg}; detail: who): a clean shutdown, then
     * the ordinary start as a standby ({@link Restart}).
     */
    RESTART_REQUESTED,
    /** The switchover ended before the hand-over (detail: why); this node keeps, or starts again, the primary. */
    SWITCHOVER_ABORTED,
    /**
     * An operator ordered this node to take over ({@code vigilctl failover --to}; detail: who, and what the order
     * waives); or, on a leader that is not the target, leadership is handed to it ({@link OrderedFailover}).
     */
    FAILOVER_ORDERED,
    /** The operator's order lapsed before this node's promotion was recorded (detail: what it was waiting for). */
    FAILOVER_ORDER_LAPSED,
    /** The recorded primary's vigild came back with PostgreSQL still serving: hand leadership back to it. */
    HAND_BACK_TO_PRIMARY,
    /** A node an operator confirmed down is heard from again: the confirmation is dropped from the record. */
    CONFIRMATION_VOID,
    /** Keep a still-running recorded primary while regaining leadership after a vigild restart (bounded window). */
    RECLAIMING,
    SYNC_SET_CHANGED,
    /** Waiting: for the record to be committed, for positions, for the local PostgreSQL to answer. */
    WAITING,
    WAITING_FOR_ACTION,
    /**
     * Synchronous mode: the primary this standby streamed from no longer leads; it stops streaming (without a restart)
     * before it may vote, so it acknowledges no commit of a primary that a new leader is about to replace.
     */
    DETACHED,
    /** The standby does not stream from the primary (cut off, or the primary is gone); nothing shows divergence. */
    STANDBY_STALLED,
    /** The local standby does not answer properly (starting up, errors): waiting. */
    STANDBY_FAILING
}
