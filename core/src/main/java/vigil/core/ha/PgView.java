package vigil.core.ha;

import vigil.core.election.PgRecord;

/**
 * What the local PostgreSQL looked like at one probe, in the core's vocabulary. The driver decides nothing: it
 * reports what it saw, and {@link Health#STOPPED} only when it verified that no process of PostgreSQL runs.
 *
 * @param health      see {@link Health}
 * @param role        PRIMARY or STANDBY when {@code health} is UP, else null
 * @param position    where its WAL ends (flush LSN on a primary, durable received/replayed LSN on a standby; from
 *                    pg_controldata, as a lower bound and not {@code known}, when it is stopped)
 * @param replication whom a standby follows, and a primary's timeline fork and effective synchronous setting
 * @param disk        what the data directory holds
 */
public record PgView(Health health, Role role, Position position, Replication replication, Disk disk) {
    /**
     * UNKNOWN: not probed since boot or since the last action. UP: answered the probe. STOPPED: verified that no
     * process runs. FAILING: processes run but it refuses or errs (starting, shutting down, too many clients,
     * authentication). HUNG: it did not answer in time (stopped postmaster, overload).
     */
    public enum Health { UNKNOWN, UP, STOPPED, FAILING, HUNG }

    public enum Role { PRIMARY, STANDBY }

    /** @param known true when {@code lsn} is the durable end of this node's WAL now (see Candidacy#known) */
    public record Position(long timeline, long lsn, boolean known) {
        public static final Position NONE = new Position(0, 0, false);
    }

    /**
     * @param streaming true while a standby's WAL receiver streams
     * @param upstream  the node a standby follows, as vigil configured it (null: none)
     * @param fork      a primary's timeline fork (null on timeline 1 or not known)
     * @param syncNames a primary's effective synchronous_standby_names (null when not read)
     * @param walGone   a standby that does not stream: its upstream, asked to stream from this standby's position as
     *                  its WAL receiver would, answered that it removed that WAL (its answer; null: not known to be
     *                  gone). Only a re-clone lets such a standby follow that upstream again.
     */
    public record Replication(boolean streaming, String upstream, PgRecord.Fork fork, String syncNames, String walGone) {
        public static final Replication NONE = new Replication(false, null, null, null);

        public Replication(boolean streaming, String upstream, PgRecord.Fork fork, String syncNames) {
            this(streaming, upstream, fork, syncNames, null);
        }

        public Replication withWalGone(String why) {
            return new Replication(streaming, upstream, fork, syncNames, why);
        }
    }

    /**
     * @param data            EMPTY (no data directory or nothing in it), CLUSTER, FOREIGN (files, but no cluster),
     *                        or UNKNOWN (not looked at)
     * @param systemId        PostgreSQL's system identifier, 0 when unknown
     * @param lastRanAsPrimary a stopped cluster whose control file says it last ran as a primary (in production or
     *                        shut down, not in recovery): its history may have forked from the cluster's
     * @param setAside        a copy of an older data directory kept aside by a re-clone is still there
     */
    public record Disk(Data data, long systemId, boolean lastRanAsPrimary, boolean setAside) {
        public enum Data { UNKNOWN, EMPTY, CLUSTER, FOREIGN }

        public static final Disk UNKNOWN = new Disk(Data.UNKNOWN, 0, false, false);
        public static final Disk CLUSTER = new Disk(Data.CLUSTER, 0, false, false);
    }

    public static final PgView UNKNOWN = new PgView(Health.UNKNOWN, null, Position.NONE, Replication.NONE, Disk.UNKNOWN);

    /** Verified stopped, with a cluster on disk (lower-bound position unknown). */
    public static PgView stopped() {
        return new PgView(Health.STOPPED, null, Position.NONE, Replication.NONE, Disk.CLUSTER);
    }

    /** Verified stopped, and the data directory holds no cluster. */
    public static PgView empty() {
        return new PgView(Health.STOPPED, null, Position.NONE, Replication.NONE,
                new Disk(Disk.Data.EMPTY, 0, false, false));
    }

    public static PgView hung() {
        return new PgView(Health.HUNG, null, Position.NONE, Replication.NONE, Disk.CLUSTER);
    }

    public static PgView failing() {
        return new PgView(Health.FAILING, null, Position.NONE, Replication.NONE, Disk.CLUSTER);
    }

    public static PgView primary(long timeline, long lsn) {
        return new PgView(Health.UP, Role.PRIMARY, new Position(timeline, lsn, true), Replication.NONE, Disk.CLUSTER);
    }

    public static PgView standby(long timeline, long lsn, boolean streaming, String upstream) {
        return new PgView(Health.UP, Role.STANDBY, new Position(timeline, lsn, true),
                new Replication(streaming, upstream, null, null), Disk.CLUSTER);
    }

    public PgView withDisk(Disk newDisk) {
        return new PgView(health, role, position, replication, newDisk);
    }

    public PgView withSystemId(long id) {
        return withDisk(new Disk(disk.data(), id, disk.lastRanAsPrimary(), disk.setAside()));
    }

    public PgView withPosition(Position p) {
        return new PgView(health, role, p, replication, disk);
    }

    public PgView withReplication(Replication r) {
        return new PgView(health, role, position, r, disk);
    }

    /**
     * Stopped, and which timeline the data directory is on not read yet (the view a verified fence leaves, or a failed
     * pg_controldata): whether its history left the primary's, or whether a promotion ran, cannot be told from it.
     */
    public boolean timelineUnread() {
        return health == Health.STOPPED && position.timeline() == 0;
    }

    /** The same disk, nothing running: what a verified fence leaves. */
    public PgView asStopped() {
        return new PgView(Health.STOPPED, null, Position.NONE, Replication.NONE, disk);
    }

    public long timeline() {
        return position.timeline();
    }

    public long lsn() {
        return position.lsn();
    }

    public String upstream() {
        return replication.upstream();
    }

    public boolean streaming() {
        return replication.streaming();
    }

    public boolean writable() {
        return health == Health.UP && role == Role.PRIMARY;
    }

    public boolean isStandby() {
        return health == Health.UP && role == Role.STANDBY;
    }

    public boolean emptyDataDir() {
        return disk.data() == Disk.Data.EMPTY;
    }
}
