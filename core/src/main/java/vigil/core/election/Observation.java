package vigil.core.election;

/** An input to the election core. {@code now} is the node's monotonic clock in milliseconds. */
public sealed interface Observation {
    long now();

    /** Time passed; the driver sends one at least every few tens of milliseconds. */
    record Tick(long now) implements Observation {}

    record Received(long now, String from, Message message) implements Observation {}

    /** This node's own fitness to lead changed (later: PostgreSQL health and position). */
    record CandidacyChanged(long now, Candidacy candidacy) implements Observation {}

    /**
     * The leader records what it knows about PostgreSQL (after a promotion, or a change of the synchronous set). Only a
     * leader writes records; elsewhere this is ignored. Written durably before the next heartbeat carries it.
     */
    record RecordUpdate(long now, String primary, long timeline, java.util.List<String> sync) implements Observation {}

    /** Give up leadership on purpose (graceful shutdown): void the lease and tell the followers. */
    record Resign(long now) implements Observation {}
}
