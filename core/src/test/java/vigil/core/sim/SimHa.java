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
    static final HaPolicy POLICY = new HaPolicy(1L << 40, false, 3, 60_000, false, 450, 4500, 3000);

    /** What the simulation lets the HA layer do to its world. */
    interface World {
        long nowUs();

        SplittableRandom random();

        void feedElection(Simulation.SimNode n, Observation o);

        void scheduleAction(Simulation.SimNode n, PgAction a, long afterUs);

        void schedulePeerProbe(Simulation.SimNode n, String target, PeerPg result, long afterUs);

        boolean linkUp(String from, String to);

        Simulation.SimNode node(String name);

        List<Simulation.SimNode> nodes();

        void fail(String what);
    }

    private final World w;
    private final SimPostgres.Histories histories = new SimPostgres.Histories();

    SimHa(World world) {
        this.w = world;
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
        HaDecision d = Supervisor.decide(n.supervisor, n.state, POLICY, o);
        n.supervisor = d.next();
        for (Observation in : d.electionInputs()) w.feedElection(n, in);
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
                pg.state = SimPostgres.State.PRIMARY;
                pg.upstream = null;
            } else if (a instanceof PgAction.StartStandby s) {
                pg.state = SimPostgres.State.STANDBY;
                pg.upstream = s.upstream();
            } else if (a instanceof PgAction.Promote) {
                if (pg.state == SimPostgres.State.STANDBY) {
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
            if (histories.onHistoryOf(pg.timeline, pg.lsn, up.timeline, up.lsn) && w.random().nextInt(5) > 0) {
                pg.timeline = up.timeline;
                pg.lsn = up.lsn;
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
