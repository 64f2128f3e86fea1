package vigil.core.ha;

/** Inputs to the supervisor. {@code now} is the node's monotonic clock in milliseconds, as for the election. */
public sealed interface HaObservation {
    long now();

    record Tick(long now) implements HaObservation {}

    /** A probe of the local PostgreSQL answered (or failed, as DOWN/HUNG). */
    record Probed(long now, PgView view) implements HaObservation {}

    /** A direct probe of another node's PostgreSQL, asked for by {@link PgAction.ProbePeer}. */
    record PeerProbed(long now, String node, PeerPg result) implements HaObservation {}

    /** The driver finished an action; {@code detail} is for the log. */
    record ActionDone(long now, PgAction action, boolean ok, String detail) implements HaObservation {}
}
