package vigil.core.election;

/** An input to the election core. {@code now} is the node's monotonic clock in milliseconds. */
public sealed interface Observation {
    long now();

    /** Time passed; the driver sends one at least every few tens of milliseconds. */
    record Tick(long now) implements Observation {}

    record Received(long now, String from, Message message) implements Observation {}

    /**
     * This node's own fitness to lead changed (PostgreSQL health and position), or the node its standby streams from
     * ({@code streamsFrom}, null for none: see {@link ElectionState#streamsFrom}).
     */
    record CandidacyChanged(long now, Candidacy candidacy, String streamsFrom) implements Observation {
        public CandidacyChanged(long now, Candidacy candidacy) {
            this(now, candidacy, null);
        }
    }

    /**
     * This node now holds an operator's order to take over ({@link FailoverOrder}; null: the order ended): it stands
     * as soon as the no-vote window allows, without waiting for its rank, and its requests carry the order.
     */
    record Ordered(long now, FailoverOrder order) implements Observation {}

    /** This node's own safety report changed (watchdog armed, PostgreSQL proven stopped...): peers hear it next. */
    record ReportChanged(long now, Report report) implements Observation {}

    /**
     * The leader records what it knows about PostgreSQL (a new primary, a promotion's timeline, the synchronous
     * set). Only a leader writes records; elsewhere this is ignored. Written durably before the next heartbeat
     * carries it.
     */
    record RecordUpdate(long now, PgRecord pg) implements Observation {}

    /**
     * A leader whose vigild is to end on purpose withdraws its watchdog announcements of this term from the record
     * ({@link ClusterRecord#unwatched}), or restores them when the restart is given up. Written durably and sent at
     * once; the restart waits until it is committed. Only a leader writes records; elsewhere this is ignored.
     */
    record WatchdogWithdrawn(long now, boolean withdrawn) implements Observation {}

    /**
     * A leader waiting for a follower's next position (a switchover's target reporting the end of the WAL) heartbeats
     * now rather than at the next interval: each acknowledgement carries the follower's candidacy. Ignored elsewhere.
     * More heartbeats only renew the lease more often.
     */
    record HeartbeatNow(long now) implements Observation {}

    /**
     * Give up leadership on purpose (a planned stop, a hand-back, a switchover): void the lease and tell the
     * followers. {@code successor}: the node a switchover hands leadership to (null: none named).
     */
    record Resign(long now, String successor) implements Observation {
        public Resign(long now) {
            this(now, null);
        }
    }
}
