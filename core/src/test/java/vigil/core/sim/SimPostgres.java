package vigil.core.sim;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import vigil.core.election.PgRecord;
import vigil.core.ha.PgView;

/**
 * A node's PostgreSQL as the simulator sees it: a data directory (system, timeline, position) and a server (down,
 * starting, primary, standby; possibly frozen, or killed with processes still draining). Timelines fork like
 * PostgreSQL's: promoting at LSN x on timeline t starts timeline t' whose history shares t up to x. A standby follows
 * a primary only while its own position lies on the primary's history.
 */
final class SimPostgres {
    enum Server { DOWN, STARTING, PRIMARY, STANDBY }

    /** Shared by all nodes of one simulation: timeline → (parent timeline, fork LSN); and system identifiers. */
    static final class Histories {
        private final Map<Long, long[]> parents = new HashMap<>();
        private long newest = 1;
        private long systems = 7_000_000_000_000_000_000L;

        long fork(long fromTimeline, long atLsn) {
            newest++;
            parents.put(newest, new long[] {fromTimeline, atLsn});
            return newest;
        }

        PgRecord.Fork forkOf(long timeline) {
            long[] p = parents.get(timeline);
            return p == null ? null : new PgRecord.Fork(p[0], p[1]);
        }

        long newSystem() {
            return ++systems;
        }

        /** Whether position (tl, lsn) lies on the history of {@code target}: a standby there can follow it. */
        boolean onHistoryOf(long tl, long lsn, long target, long targetLsn) {
            long t = target;
            long limit = targetLsn;
            while (true) {
                if (t == tl) return lsn <= limit;
                long[] p = parents.get(t);
                if (p == null) return false;
                limit = Math.min(limit, p[1]);
                t = p[0];
            }
        }

        /** The highest LSN of (tl, lsn)'s history that also lies on (srcTl, srcLsn)'s. */
        long common(long tl, long lsn, long srcTl, long srcLsn) {
            long lo = 0;
            long hi = lsn;
            while (lo < hi) {
                long mid = (lo + hi + 1) >>> 1;
                if (onHistoryOf(tl, mid, srcTl, srcLsn)) lo = mid;
                else hi = mid - 1;
            }
            return lo;
        }
    }

    // ---- the data directory ----
    boolean empty = true;
    long systemId;
    long timeline = 1;
    long lsn;
    /** The control file says it last ran as a primary (in production, or shut down from primary). */
    boolean ranAsPrimary;
    boolean setAside;
    /**
     * The oldest WAL position this data directory still holds (wal_keep_size, max_slot_wal_keep_size): a standby
     * that needs WAL before it cannot stream from here.
     */
    long walFrom;
    /**
     * Rewound to a point whose WAL its source had already removed: started, it never becomes consistent (it refuses
     * connections, FAILING) until copied anew.
     */
    boolean inconsistent;
    /**
     * The minimum recovery point pg_rewind wrote (its source's end when it ran, on the source's timeline): an
     * inconsistent standby becomes consistent only by replaying up to it, so only from an upstream whose history holds
     * it (a later fork before it leaves the standby stuck although the upstream has every WAL segment it asks for).
     */
    long minRecTimeline;
    long minRecLsn;
    /** The start at which a standby stuck off that history was last counted. */
    long stuckCountedAtUs = -1;
    /** Successful clones and rewinds since the server last started: more than a few in a row is a rejoin loop. */
    int rejoinsSinceStart;

    // ---- the server ----
    Server server = Server.DOWN;
    Server target;
    /** The postmaster is SIGSTOPped: new connections hang, backends and walsenders still work. */
    boolean frozen;
    /**
     * vigil froze the whole group (cgroup.freeze): nothing commits, streams or answers. The flag belongs to the group,
     * not to the processes: it outlives a crash of the server (a postmaster started then is born frozen), and only a
     * thaw, the fence (the driver thaws the emptied group) or a reboot clears it.
     */
    boolean groupFrozen;
    /** Bumped by every write of cgroup.freeze (and by the fence's thaw): an older request still under way is void. */
    int freezeWrites;
    /** SIGKILLed, but some process is still draining (uninterruptible IO): accepts nothing, not verified gone. */
    boolean draining;
    String upstream;
    boolean streaming;
    boolean streamedSinceStart;
    long startedAtUs;
    List<String> syncNames = List.of();
    int syncCount;
    /** The effective synchronous_standby_names (it lives in vigil.conf, so it survives restarts). */
    String syncValue = "";

    void emptyDataDirectory() {
        empty = true;
        systemId = 0;
        timeline = 1;
        lsn = 0;
        ranAsPrimary = false;
        setAside = false;
        walFrom = 0;
        inconsistent = false;
        minRecTimeline = 0;
        minRecLsn = 0;
    }

    boolean processesPresent() {
        return server != Server.DOWN || draining;
    }

    /** The server is the primary and its backends run (a frozen postmaster's backends still commit). */
    boolean primaryRunning() {
        return server == Server.PRIMARY && !draining && !groupFrozen;
    }

    /** Connections hang: the postmaster or the whole group is frozen. */
    boolean hangs() {
        return frozen || groupFrozen;
    }

    void down() {
        server = Server.DOWN;
        target = null;
        frozen = false;
        streaming = false;
        streamedSinceStart = false;
    }

    /** What one probe of the local server answers (the host being up and vigild running). */
    PgView view(Histories histories, long nowUs) {
        PgView.Disk disk = new PgView.Disk(empty ? PgView.Disk.Data.EMPTY : PgView.Disk.Data.CLUSTER, systemId,
                !empty && ranAsPrimary && server == Server.DOWN, setAside);
        if (!processesPresent()) {
            // The driver reads the end of a stopped cluster's WAL (pg_waldump from the last checkpoint).
            return new PgView(PgView.Health.STOPPED, null, new PgView.Position(empty ? 0 : timeline, lsn, !empty),
                    PgView.Replication.NONE, disk);
        }
        if (hangs()) return new PgView(PgView.Health.HUNG, null, PgView.Position.NONE, PgView.Replication.NONE, disk);
        if (server == Server.STANDBY && inconsistent && !draining && upstream != null) {
            // The driver reads where the startup process's replay stands (its title) and that it waits for WAL its
            // data directory does not hold: a lower bound, and the upstream to ask (daemon LocalView, Recovery).
            // (A real server's WAL never begins at 0; the simulator's histories do: its first position stands in.)
            return new PgView(PgView.Health.FAILING, null, new PgView.Position(timeline, Math.max(lsn, 1), false),
                    new PgView.Replication(false, upstream, null, null), disk);
        }
        if (draining || server == Server.STARTING || server == Server.STANDBY && inconsistent) {
            return new PgView(PgView.Health.FAILING, null, PgView.Position.NONE, PgView.Replication.NONE, disk);
        }
        if (server == Server.PRIMARY) {
            return new PgView(PgView.Health.UP, PgView.Role.PRIMARY, new PgView.Position(timeline, lsn, true),
                    new PgView.Replication(false, null, histories.forkOf(timeline), syncValue), disk);
        }
        boolean known = streamedSinceStart || nowUs - startedAtUs >= 200_000;
        return new PgView(PgView.Health.UP, PgView.Role.STANDBY, new PgView.Position(timeline, lsn, known),
                new PgView.Replication(streaming, upstream, null, null), disk);
    }
}
