package vigil.core.sim;

import java.util.List;
import java.util.SplittableRandom;
import vigil.core.election.Observation;
import vigil.core.ha.HaDecision;
import vigil.core.ha.HaObservation;
import vigil.core.ha.HaPolicy;
import vigil.core.ha.PeerPg;
import vigil.core.ha.PgAction;
import vigil.core.ha.Supervisor;
import vigil.core.ha.SupervisorState;

/**
 * The PostgreSQL half of a simulated node: runs the {@link Supervisor} after every election step, carries out its
 * actions with realistic durations, streams WAL from primaries to standbys, and models the watchdog: a vigild that
 * is gone or frozen for longer than {@link #WATCHDOG_MS} gets its whole host reset (PostgreSQL dies with it).
 *
 * <p>The promise checked at every step: at most one PostgreSQL accepts writes.
 */
final class SimHa {
    static final long WATCHDOG_MS = 1000;
    static final HaPolicy ASYNC = new HaPolicy(1L << 40, false, 3, 60_000, false, 450, 4500, 3000);
    static final HaPolicy SYNC = new HaPolicy(1L << 40, true, 3, 60_000, false, 450, 4500, 3000);

    /** What the simulation lets the HA layer do to its world. */
    interface World {
        long nowUs();

        SplittableRandom random();

        void feedElection(Simulation.SimNode n, Observation o);

        void scheduleAction(Simulation.SimNode n, PgAction a, long afterUs);

        void schedulePeerProbe(Simulation.SimNode n, String target, PeerPg result, long afterUs);

        boolean linkUp(String from, String to);

        /** No loss or extra delay now, and no change of links, loss or delay for the last {@code us} microseconds. */
        boolean calmFor(long us);

        Simulation.SimNode node(String name);

        List<Simulation.SimNode> nodes();

        void fail(String what);

        void note(String line);
    }

    private final World w;
    private final HaPolicy policy;
    private final SimPostgres.Histories histories = new SimPostgres.Histories();
    /** The newest commit acknowledged to a client in synchronous mode: (timeline, LSN). */
    private long ackedTimeline;
    private long ackedLsn;

    SimHa(World world, boolean synchronous) {
        this.w = world;
        this.policy = synchronous ? SYNC : ASYNC;
    }

    void boot(Simulation.SimNode n, long localNow) {
        n.supervisor = SupervisorState.boot(localNow);
        n.actionRunning = false;
    }

    /** After each election step of a live, unpaused node: probe the local PostgreSQL and decide. */
    void step(Simulation.SimNode n, long localNow) {
        decide(n, new HaObservation.Probed(localNow, n.pg.view()));
    }

    void decide(Simulation.SimNode n, HaObservation o) {
        HaDecision d = Supervisor.decide(n.supervisor, n.state, policy, o);
        n.supervisor = d.next();
        if (d.reason() != null) w.note(n.name + " ha " + d.reason());
        for (Observation in : d.electionInputs()) {
            w.feedElection(n, in);
        }
        for (PgAction a : d.actions()) {
            if (a instanceof PgAction.ProbePeer p) {
                Simulation.SimNode target = w.node(p.node());
                boolean reachable = !target.pg.hostDown && w.linkUp(n.name, p.node()) && w.linkUp(p.node(), n.name);
                PeerPg result = !reachable ? PeerPg.UNREACHABLE
                        : target.pg.writable() ? PeerPg.WRITABLE : PeerPg.NOT_WRITABLE;
                w.schedulePeerProbe(n, p.node(), result, reachable ? 2_000 : 500_000);
            } else {
                w.scheduleAction(n, a, durationUs(a));
            }
        }
    }

    private long durationUs(PgAction a) {
        SplittableRandom r = w.random();
        if (a instanceof PgAction.Stop) return r.nextLong(10_000, 100_000);
        if (a instanceof PgAction.Promote) return r.nextLong(50_000, 300_000);
        if (a instanceof PgAction.Rewind) return r.nextLong(200_000, 1_000_000);
        if (a instanceof PgAction.Clone) return r.nextLong(500_000, 3_000_000);
        return r.nextLong(100_000, 500_000);
    }

    /** The driver finished {@code a}: apply its effect on the PostgreSQL model, then tell the supervisor. */
    void complete(Simulation.SimNode n, PgAction a, long localNow, boolean tellSupervisor) {
        SimPostgres pg = n.pg;
        boolean ok = !pg.hostDown;
        if (ok) {
            if (a instanceof PgAction.Stop) {
                pg.state = SimPostgres.State.DOWN;
            } else if (a instanceof PgAction.StartPrimary) {
                if (policy.synchronous() && ackedLsn > 0
                        && !histories.onHistoryOf(ackedTimeline, ackedLsn, pg.timeline, pg.lsn)) {
                    w.fail(n.name + " started as primary at (" + pg.timeline + ", " + pg.lsn + ") without the "
                            + "acknowledged commit (" + ackedTimeline + ", " + ackedLsn + "): a commit is lost");
                }
                pg.state = SimPostgres.State.PRIMARY;
                pg.upstream = null;
                pg.syncNames = java.util.List.of(); // a restarted server starts from its config: vigil sets it again
                pg.syncCount = 0;
            } else if (a instanceof PgAction.StartStandby s) {
                pg.state = SimPostgres.State.STANDBY;
                pg.upstream = s.upstream();
            } else if (a instanceof PgAction.SetSyncStandbys ss) {
                ok = pg.state == SimPostgres.State.PRIMARY;
                if (ok) {
                    pg.syncNames = ss.names();
                    pg.syncCount = ss.count();
                }
            } else if (a instanceof PgAction.Promote) {
                if (pg.state == SimPostgres.State.STANDBY) {
                    if (policy.synchronous() && ackedLsn > 0
                            && !histories.onHistoryOf(ackedTimeline, ackedLsn, pg.timeline, pg.lsn)) {
                        w.fail(n.name + " promoted at (" + pg.timeline + ", " + pg.lsn + ") without the acknowledged "
                                + "commit (" + ackedTimeline + ", " + ackedLsn + "): a commit is lost");
                    }
                    checkMostAdvanced(n);
                    pg.syncNames = java.util.List.of();
                    pg.syncCount = 0;
                    pg.timeline = histories.fork(pg.timeline, pg.lsn);
                    pg.state = SimPostgres.State.PRIMARY;
                    pg.upstream = null;
                } else {
                    ok = false;
                }
            } else if (a instanceof PgAction.Rewind rw) {
                SimPostgres src = w.node(rw.source()).pg;
                ok = !src.hostDown && src.state != SimPostgres.State.DOWN && w.random().nextInt(10) > 0;
                if (ok) {
                    long common = commonLsn(pg.timeline, pg.lsn, src.timeline, src.lsn);
                    pg.timeline = src.timeline;
                    pg.lsn = common;
                    pg.state = SimPostgres.State.STANDBY;
                    pg.upstream = rw.source();
                }
            } else if (a instanceof PgAction.Clone c) {
                SimPostgres src = w.node(c.source()).pg;
                ok = !src.hostDown && src.state != SimPostgres.State.DOWN;
                if (ok) {
                    pg.timeline = src.timeline;
                    pg.lsn = src.lsn;
                    pg.state = SimPostgres.State.STANDBY;
                    pg.upstream = c.source();
                }
            }
        }
        checkOneWriter();
        n.lastActionOk = ok;
        if (tellSupervisor) decide(n, new HaObservation.ActionDone(localNow, a, ok, ""));
    }

    /** The supervisor of a vigild that was frozen while its action finished hears of it now. */
    void notifyDone(Simulation.SimNode n, PgAction a, long localNow) {
        decide(n, new HaObservation.ActionDone(localNow, a, n.lastActionOk, ""));
    }

    private long commonLsn(long tl, long lsn, long srcTl, long srcLsn) {
        long lo = 0;
        long hi = lsn;
        while (lo < hi) { // the highest LSN of ours that lies on the source's history
            long mid = (lo + hi + 1) >>> 1;
            if (histories.onHistoryOf(tl, mid, srcTl, srcLsn)) lo = mid;
            else hi = mid - 1;
        }
        return histories.onHistoryOf(tl, lo, srcTl, srcLsn) ? lo : 0;
    }

    /**
     * The promoted standby is the most advanced one the cluster could know of: no eligible standby that has run
     * unpaused, connected both ways to the promoter over a calm network for the last second (so its position
     * reached the leader) may be strictly ahead of it on the same history.
     */
    private void checkMostAdvanced(Simulation.SimNode promoted) {
        if (!w.calmFor(1_000_000)) return;
        for (Simulation.SimNode m : w.nodes()) {
            if (m == promoted || !m.alive || m.state == null || w.nowUs() - m.steadySinceUs < 1_000_000) continue;
            SimPostgres pg = m.pg;
            if (pg.hostDown || pg.state != SimPostgres.State.STANDBY || !m.state.own().eligible()) continue;
            if (!w.linkUp(m.name, promoted.name) || !w.linkUp(promoted.name, m.name)) continue;
            SimPostgres p = promoted.pg;
            if (pg.timeline == p.timeline && pg.lsn > p.lsn) {
                w.fail(promoted.name + " promoted at (" + p.timeline + ", " + p.lsn + ") although " + m.name
                        + " was ahead at (" + pg.timeline + ", " + pg.lsn + ")");
            }
        }
    }

    /** One client write to every writable PostgreSQL, then streaming to standbys whose upstream they can reach. */
    void writeTick() {
        for (Simulation.SimNode n : w.nodes()) {
            if (n.pg.writable()) n.pg.lsn += 1;
        }
        for (Simulation.SimNode n : w.nodes()) {
            SimPostgres pg = n.pg;
            if (pg.hostDown || pg.state != SimPostgres.State.STANDBY || pg.upstream == null) continue;
            SimPostgres up = w.node(pg.upstream).pg;
            if (up.hostDown || up.state == SimPostgres.State.DOWN || !w.linkUp(pg.upstream, n.name)) continue;
            // Each standby streams at its own pace (1 to 9 chances in 10 per write), so they lag differently.
            if (histories.onHistoryOf(pg.timeline, pg.lsn, up.timeline, up.lsn) && w.random().nextInt(10) < n.streamRate) {
                pg.timeline = up.timeline;
                pg.lsn = up.lsn;
            }
        }
        if (policy.synchronous()) acknowledge();
    }

    /**
     * A commit is acknowledged to the client once {@code syncCount} of the primary's synchronous standbys have it
     * (at once when the list is empty: PostgreSQL then commits locally). Remember the newest one.
     */
    private void acknowledge() {
        for (Simulation.SimNode n : w.nodes()) {
            SimPostgres pg = n.pg;
            if (!pg.writable()) continue;
            long acked = pg.lsn;
            if (!pg.syncNames.isEmpty()) {
                java.util.List<Long> have = new java.util.ArrayList<>();
                for (String s : pg.syncNames) {
                    SimPostgres st = w.node(s).pg;
                    boolean counts = !st.hostDown && st.state == SimPostgres.State.STANDBY && st.timeline == pg.timeline;
                    have.add(counts ? Math.min(st.lsn, pg.lsn) : 0L);
                }
                have.sort(java.util.Comparator.reverseOrder());
                acked = pg.syncCount <= have.size() ? have.get(pg.syncCount - 1) : 0;
            }
            if (acked > 0 && (pg.timeline != ackedTimeline || acked > ackedLsn)
                    && histories.onHistoryOf(ackedTimeline, ackedLsn, pg.timeline, acked)) {
                ackedTimeline = pg.timeline;
                ackedLsn = acked;
            }
        }
    }

    /** A node whose vigild is gone or frozen too long: the watchdog resets the host, PostgreSQL dies with it. */
    void watchdogReset(Simulation.SimNode n) {
        n.pg.state = SimPostgres.State.DOWN;
        n.pg.hostDown = true;
    }

    void hostBack(Simulation.SimNode n) {
        n.pg.hostDown = false;
    }

    void checkOneWriter() {
        String writer = null;
        for (Simulation.SimNode n : w.nodes()) {
            if (!n.pg.writable()) continue;
            if (writer != null) w.fail("two writable PostgreSQL primaries: " + writer + " and " + n.name);
            writer = n.name;
        }
    }

    /** A leader with a lease whose own PostgreSQL takes writes: the cluster serves. */
    boolean serving(Simulation.SimNode n, long localNow) {
        return n.alive && n.state.holdsLease(localNow) && n.pg.writable();
    }
}
