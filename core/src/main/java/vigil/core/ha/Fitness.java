package vigil.core.ha;

import vigil.core.election.Candidacy;
import vigil.core.election.PgRecord;

/** How fit this node is to become the primary: its candidacy, and in words why it is not. */
final class Fitness {
    private Fitness() {}

    /**
     * How fit this node is, with the reason when it is not a candidate: the rules of {@link #candidacy} and their
     * reasons come from one place, so what status says is exactly what the step decided.
     *
     * @param candidacy what the node reports to the election
     * @param why       null when eligible; otherwise the rule that withdrew the candidacy, with its cause
     */
    record Assessment(Candidacy candidacy, String why) {
        static Assessment fit(Candidacy c) {
            return new Assessment(new Candidacy(true, c.timeline(), c.lsn(), c.known()), null);
        }

        static Assessment unfit(Candidacy c, String why) {
            return new Assessment(c, why);
        }
    }

    /**
     * A running recorded primary at its flush position; a stopped recorded primary with its data (no standby can
     * hold more than it wrote); a healthy standby on the recorded timeline within max_lag of the primary's last known
     * position (and, in synchronous mode, in the synchronous set) at its durable position; nothing else. Positions
     * are reported even when not eligible, so voters in synchronous mode can compare.
     */
    static Candidacy candidacy(HaStep s) {
        return assess(s).candidacy();
    }

    /** Why this node is not a candidate (null when it is), for the log and status. */
    static String why(HaStep s) {
        return assess(s).why();
    }

    static Assessment assess(HaStep s) {
        PgView view = s.view;
        PgRecord pg = s.pg;
        if (!s.e.electorate().me().canLead()) return Assessment.unfit(Candidacy.INELIGIBLE, "a witness: it holds no PostgreSQL");
        if (s.stopping) return Assessment.unfit(Candidacy.INELIGIBLE, "vigild is stopping here");
        if (s.unfit != null) return Assessment.unfit(Candidacy.INELIGIBLE, s.unfit);
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
        if (foreign(s)) return Assessment.unfit(new Candidacy(false, 0, 0, true), foreignDetail(s));
        if (view.disk().data() == PgView.Disk.Data.FOREIGN) {
            return Assessment.unfit(new Candidacy(false, 0, 0, true), "the data directory holds files but no PostgreSQL"
                    + " cluster: move them away, or point data_dir elsewhere");
        }
        if (s.restarts.size() >= s.p.migrationThreshold() && !view.writable()) {
            return Assessment.unfit(position, s.restarts.size() + " restarts within failure_timeout (migration_threshold "
                    + s.p.migrationThreshold() + "): vigilctl cleanup " + s.me + " once the cause is mended");
        }
        // An operator's order with --accept-data-loss waives the ban, the synchronous set and the lag (below).
        boolean waived = OrderedFailover.waivesPositions(s);
        if (pg.banned().contains(s.me) && !waived) { // never promoted; its position is still reported
            return Assessment.unfit(position, "banned by an operator (vigilctl unban " + s.me + ")");
        }
        if (s.me.equals(pg.primary())) {
            if (view.writable() || view.isStandby()) return Assessment.fit(position);
            // Stopped or crashed: its exact position is unknown; the newest one seen (or the control file's) is a lower
            // bound that peers can measure their lag against.
            // The first primary crashed before its system was recorded: it finishes the bootstrap when it leads.
            if (stopped && view.emptyDataDir() && pg.systemId() == 0) return Assessment.fit(new Candidacy(true, 0, 0, true));
            if (stopped && !view.emptyDataDir()) {
                if (view.position().known()) return Assessment.fit(new Candidacy(true, view.timeline(), view.lsn(), true));
                long lsn = s.lastPosition.timeline() == pg.timeline() ? Math.max(s.lastPosition.lsn(), view.lsn()) : view.lsn();
                return Assessment.fit(new Candidacy(true, pg.timeline(), lsn, false));
            }
            // its data is gone (or it is not running): no candidate, but voters see what it holds
            return Assessment.unfit(position, stopped ? "the recorded primary, but its data directory is empty"
                    : "the recorded primary, but PostgreSQL is " + state(view));
        }
        if (view.writable()) {
            return Assessment.unfit(Candidacy.INELIGIBLE, pg.primary() == null
                    ? "PostgreSQL here runs as a primary while no primary is recorded yet"
                    : "PostgreSQL here is writable while " + pg.primary() + " is the recorded primary");
        }
        if (pg.primary() == null) {
            // Bootstrap: a node holding data outranks an empty one, and voters refuse candidates behind them, so an
            // existing database is adopted rather than a new empty one initialised beside it.
            if (view.isStandby()) return Assessment.fit(position);
            if (stopped) {
                return Assessment.fit(view.emptyDataDir() ? new Candidacy(true, 0, 0, true)
                        : new Candidacy(true, Math.max(1, view.timeline()), Math.max(1, view.lsn()), true));
            }
            return Assessment.unfit(Candidacy.INELIGIBLE, "no primary recorded yet, and PostgreSQL is " + state(view));
        }
        if (!view.isStandby()) return Assessment.unfit(position, "PostgreSQL is " + state(view) + ", not a running standby");
        if (s.durable.needsRewind()) {
            return Assessment.unfit(position, "it must rewind first: its history may have forked from " + pg.primary() + "'s");
        }
        if (!view.position().known()) return Assessment.unfit(position, "its durable position is not known yet");
        if (view.timeline() != pg.timeline()) { // an older (or other) timeline lacks the primary's writes
            return Assessment.unfit(position, "on timeline " + view.timeline() + ", the primary's is " + pg.timeline());
        }
        if (s.p.synchronous() && !pg.sync().contains(s.me) && !waived) {
            return Assessment.unfit(position, "not in the synchronous set " + pg.sync());
        }
        Candidacy primaryPosition = s.e.known().get(pg.primary());
        if (!waived && primaryPosition != null && primaryPosition.timeline() == view.timeline()
                && primaryPosition.lsn() != Long.MAX_VALUE && primaryPosition.lsn() - view.lsn() > s.p.maxLagBytes()) {
            return Assessment.unfit(position, (primaryPosition.lsn() - view.lsn()) + " bytes behind " + pg.primary()
                    + "'s last reported position, more than max_lag_on_failover (" + s.p.maxLagBytes() + " bytes)");
        }
        return Assessment.fit(position);
    }

    /** PostgreSQL's state in words: "stopped", "failing", "not probed yet"... */
    private static String state(PgView view) {
        return switch (view.health()) {
            case UP -> view.role() == PgView.Role.PRIMARY ? "a running primary" : "running in a role not yet read";
            case UNKNOWN -> "not probed yet";
            default -> view.health().name().toLowerCase(java.util.Locale.ROOT);
        };
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
}
