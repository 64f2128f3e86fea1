package vigil.core.ha;

/**
 * What the local PostgreSQL looked like at one probe. {@code lsn} is the flush LSN on a primary and the received LSN
 * on a standby: the position a standby would have if promoted now.
 *
 * @param upstream the node a standby streams from (as configured by vigil), or null
 */
public record PgView(Health health, Role role, long timeline, long lsn, boolean streaming, String upstream) {
    /** UP: answered the probe. DOWN: not running (connection refused). HUNG: accepted but did not answer in time. */
    public enum Health { UNKNOWN, UP, DOWN, HUNG }

    public enum Role { PRIMARY, STANDBY }

    public static final PgView UNKNOWN = new PgView(Health.UNKNOWN, null, 0, 0, false, null);

    public static PgView down() {
        return new PgView(Health.DOWN, null, 0, 0, false, null);
    }

    /** Stopped, with a data directory that holds a cluster: it ranks above an empty node at bootstrap. */
    public static PgView stoppedWithData() {
        return new PgView(Health.DOWN, null, 1, 1, false, null);
    }

    public static PgView hung() {
        return new PgView(Health.HUNG, null, 0, 0, false, null);
    }

    public static PgView primary(long timeline, long lsn) {
        return new PgView(Health.UP, Role.PRIMARY, timeline, lsn, false, null);
    }

    public static PgView standby(long timeline, long lsn, boolean streaming, String upstream) {
        return new PgView(Health.UP, Role.STANDBY, timeline, lsn, streaming, upstream);
    }

    public boolean writable() {
        return health == Health.UP && role == Role.PRIMARY;
    }

    public boolean isStandby() {
        return health == Health.UP && role == Role.STANDBY;
    }
}
