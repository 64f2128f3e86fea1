package vigil.core.ha;

import vigil.core.election.Candidacy;
import vigil.core.election.PgRecord;

/** How fit this node is to become the primary: its candidacy, and in words why it is not. */
final class Fitness {
    private Fitness() {}

    /**
     * A running recorded primary at its flush position; a stopped recorded primary with its data (no standby can
     * hold more than it wrote); a healthy standby on the recorded timeline within max_lag of the primary's last known
     * position (and, in synchronous mode, in the synchronous set) at its durable position; nothing else. Positions
     * are reported even when not eligible, so voters in synchronous mode can compare.
     */
    static Candidacy candidacy(HaStep s) {
        PgView view = s.view;
        PgRecord pg = s.pg;
        if (!s.e.electorate().me().canLead() || s.stopping || s.unfit != null) return Candidacy.INELIGIBLE;
        // An empty data directory holds nothing: its position is known to be none. A stopped cluster's is known when
        // the driver read the end of its WAL (not from the control file alone, which only bounds it from below).
        // In synchronous mode a standby's position is final only once it no longer streams from a primary that does
        // not lead: until it detached, that primary (frozen, then thawed) could still get commits acknowledged by it.
        boolean stopped = view.health() == PgView.Health.STOPPED;
        boolean settled = !s.p.synchronous() || !view.isStandby() || view.upstream() == null || Following.leaderStreamedFrom(s);
        Candidacy position = stopped && view.emptyDataDir() ? new Candidacy(false, 0, 0, true)
                : new Candidacy(false, view.timeline(), view.lsn(),
                        (view.health() == PgView.Health.UP || stopped) && view.position().known() && settled);
        // Another system's data, or files that are no cluster: nothing of this cluster's history is here.
        if (foreign(s) || view.disk().data() == PgView.Disk.Data.FOREIGN) return new Candidacy(false, 0, 0, true);
        if (s.restarts.size() >= s.p.migrationThreshold() && !view.writable()) return position;
        // An operator's order with --accept-data-loss waives the ban, the synchronous set and the lag (below).
        boolean waived = OrderedFailover.waivesPositions(s);
        if (pg.banned().contains(s.me) && !waived) return position; // never promoted; its position is still reported
        if (s.me.equals(pg.primary())) {
            if (view.writable() || view.isStandby()) return eligible(position);
            // Stopped or crashed: its exact position is unknown; the newest one seen (or the control file's) is a lower
            // bound that peers can measure their lag against.
            // The first primary crashed before its system was recorded: it finishes the bootstrap when it leads.
            if (view.health() == PgView.Health.STOPPED && view.emptyDataDir() && pg.systemId() == 0) {
                return new Candidacy(true, 0, 0, true);
            }
            if (view.health() == PgView.Health.STOPPED && !view.emptyDataDir()) {
                if (view.position().known()) return new Candidacy(true, view.timeline(), view.lsn(), true);
                long lsn = s.lastPosition.timeline() == pg.timeline() ? Math.max(s.lastPosition.lsn(), view.lsn()) : view.lsn();
                return new Candidacy(true, pg.timeline(), lsn, false);
            }
            return position; // its data is gone (or it is not running): no candidate, but voters see what it holds
        }
        if (view.writable()) return Candidacy.INELIGIBLE;
        if (pg.primary() == null) {
            // Bootstrap: a node holding data outranks an empty one, and voters refuse candidates behind them, so an
            // existing database is adopted rather than a new empty one initialised beside it.
            if (view.isStandby()) return eligible(position);
            if (view.health() == PgView.Health.STOPPED) {
                return view.emptyDataDir() ? new Candidacy(true, 0, 0, true)
                        : new Candidacy(true, Math.max(1, view.timeline()), Math.max(1, view.lsn()), true);
            }
            return Candidacy.INELIGIBLE;
        }
        if (!view.isStandby() || s.durable.needsRewind() || !view.position().known()) return position;
        if (view.timeline() != pg.timeline()) return position; // an older (or other) timeline lacks the primary's writes
        if (s.p.synchronous() && !pg.sync().contains(s.me) && !waived) return position;
        Candidacy primaryPosition = s.e.known().get(pg.primary());
        if (!waived && primaryPosition != null && primaryPosition.timeline() == view.timeline()
                && primaryPosition.lsn() != Long.MAX_VALUE && primaryPosition.lsn() - view.lsn() > s.p.maxLagBytes()) {
            return position;
        }
        return eligible(position);
    }

    private static Candidacy eligible(Candidacy c) {
        return new Candidacy(true, c.timeline(), c.lsn(), c.known());
    }

    /** The local cluster belongs to another PostgreSQL system than the one recorded. */
    static boolean foreign(HaStep s) {
        long local = s.view.disk().systemId();
        return local != 0 && s.pg.systemId() != 0 && local != s.pg.systemId();
    }

    static String foreignDetail(HaStep s) {
        return "the data directory holds system " + s.view.disk().systemId() + ", the cluster's is "
                + s.pg.systemId() + ": move it away, or point data_dir elsewhere";
    }

    /** Why this node is not a candidate, for the log and status. */
    static String why(HaStep s) {
        PgView view = s.view;
        if (s.unfit != null) return s.unfit;
        if (s.stopping) return "stopping";
        if (foreign(s)) return foreignDetail(s);
        if (s.restarts.size() >= s.p.migrationThreshold()) return s.restarts.size() + " restarts within failure_timeout";
        if (s.pg.banned().contains(s.me)) return "banned by an operator (vigilctl unban " + s.me + ")";
        if (!view.isStandby()) return "PostgreSQL is " + view.health() + ", not a running standby";
        if (s.durable.needsRewind()) return "it must rewind first";
        if (!view.position().known()) return "its durable position is not known yet";
        if (view.timeline() != s.pg.timeline()) return "on timeline " + view.timeline() + ", the primary's is " + s.pg.timeline();
        if (s.p.synchronous() && !s.pg.sync().contains(s.me)) return "not in the synchronous set " + s.pg.sync();
        return "more than max_lag_on_failover behind the primary";
    }
}
