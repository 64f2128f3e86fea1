package vigil.core.ha;

/** Why the supervisor acted or waited. Logged once per change and asserted on by tests. */
public enum HaReason {
    PRIMARY_HEALTHY,
    STANDBY_HEALTHY,
    /** The primary's PostgreSQL died or hung while this node holds the lease: restart it in place. */
    PRIMARY_CRASHED_RESTART,
    /** The recorded primary's PostgreSQL was stopped by vigil (self-fence): start it again now that this node leads. */
    START_PRIMARY,
    /** Too many local restarts within failure_timeout: give up the primary role. */
    MIGRATION_THRESHOLD_REACHED,
    /** A writable PostgreSQL on a node without a valid lease (or about to lose it): stop it now. */
    SELF_FENCE,
    /** The new leader checks whether the old primary can still take writes. */
    PROBING_OLD_PRIMARY,
    /** The old primary answers as a healthy primary: no failover (its vigild may have crashed). */
    OLD_PRIMARY_STILL_SERVING,
    /** The old primary is unreachable and nothing proves it cannot write: waiting (set failover_without_fencing to override). */
    FENCING_REQUIRED,
    /** Another standby is more advanced: stand down so it can lead. */
    PEER_AHEAD,
    /** This node is not an eligible candidate (lag, sync set, health): stand down. */
    NOT_ELIGIBLE,
    PROMOTING,
    PROMOTED,
    /** No primary recorded yet: the leader's own PostgreSQL becomes the primary. */
    BOOTSTRAP_PRIMARY,
    FOLLOW_PRIMARY,
    /** This node's timeline forked from the primary's (it was primary, or it stalls): pg_rewind. */
    REWIND,
    /** pg_rewind failed: fresh pg_basebackup. */
    RECLONE,
    /** The recorded primary's vigild came back with PostgreSQL still serving: hand leadership back to it. */
    HAND_BACK_TO_PRIMARY,
    /** Keep a still-running recorded primary while regaining leadership after a vigild restart. */
    RECLAIMING,
    SYNC_SET_CHANGED,
    WAITING_FOR_ACTION
}
