package vigil.core.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Clients and replication: every 20 ms a client commit reaches every PostgreSQL that accepts writes (clients follow
 * whichever server answers as primary), standbys stream from their upstream at their own pace when the link allows,
 * and a commit is acknowledged to the client at once (asynchronous, or no synchronous standby named) or once
 * {@code ANY k} of the named synchronous standbys that stream from this very primary hold it.
 */
final class SimWrites {
    static final long WRITE_BYTES = 100;
    private final Simulation sim;

    SimWrites(Simulation sim) {
        this.sim = sim;
    }

    void tick() {
        for (SimHost h : sim.dataHosts()) {
            if (!h.accepting()) continue;
            h.pg.lsn += WRITE_BYTES;
            sim.invariants.wrote(h);
        }
        for (SimHost h : sim.dataHosts()) stream(h);
        long keep = sim.spec.walKeepBytes();
        for (SimHost h : sim.dataHosts()) {
            SimPostgres pg = h.pg;
            // Removed at once, not at the next checkpoint: never kinder than PostgreSQL.
            if (h.up && !pg.empty && pg.processesPresent() && pg.lsn - keep > pg.walFrom) pg.walFrom = pg.lsn - keep;
        }
        for (SimHost h : sim.dataHosts()) {
            if (h.accepting()) acknowledge(h);
        }
        sim.at(sim.nowUs + Simulation.WRITE_EVERY_US, this::tick);
    }

    private void stream(SimHost h) {
        SimPostgres pg = h.pg;
        pg.streaming = false;
        if (!h.up || h.suspended() || pg.server != SimPostgres.Server.STANDBY || pg.upstream == null) return;
        SimHost up = sim.hosts.get(pg.upstream);
        SimPostgres src = up.pg;
        if (!up.up || up.suspended() || !src.primaryRunning()) return;
        if (sim.net.blocked(up.name, h.name, SimNet.Channel.PG) || sim.net.blocked(h.name, up.name, SimNet.Channel.PG)) {
            return;
        }
        if (!sim.histories.onHistoryOf(pg.timeline, pg.lsn, src.timeline, src.lsn)) return; // diverged: it stalls
        if (pg.lsn < src.walFrom) return; // the WAL it needs is gone: it stalls for good
        // A standby not yet consistent waits for WAL from where its replay stands (its position): an upstream that
        // holds it, on a history that also holds the minimum recovery point pg_rewind wrote, lets replay reach
        // consistency, as PostgreSQL's would (seed 4336 of the leader crashes, rewound twice). Off that history,
        // PostgreSQL refuses the timeline and the standby stays stuck, whatever WAL the upstream holds.
        if (pg.inconsistent && !sim.histories.onHistoryOf(pg.minRecTimeline, pg.minRecLsn, src.timeline, src.lsn)) {
            if (pg.stuckCountedAtUs != pg.startedAtUs) { // once per start
                pg.stuckCountedAtUs = pg.startedAtUs;
                sim.counts.add("stuck_off_min_recovery_history");
            }
            return;
        }
        pg.inconsistent = false;
        pg.streaming = true;
        pg.streamedSinceStart = true;
        if (sim.random.nextInt(10) < h.streamRate) {
            pg.timeline = src.timeline;
            pg.lsn = src.lsn;
        }
    }

    /** The newest commit of {@code h}'s primary that a client has seen acknowledged now. */
    private void acknowledge(SimHost h) {
        SimPostgres pg = h.pg;
        long acked = pg.lsn;
        boolean excusedAckers = false;
        if (!pg.syncNames.isEmpty()) {
            List<Long> have = new ArrayList<>();
            List<SimHost> counted = new ArrayList<>();
            for (String name : pg.syncNames) {
                SimHost s = sim.hosts.get(name);
                if (s == null) continue;
                SimPostgres st = s.pg;
                boolean counts = s.up && !s.suspended() && st.server == SimPostgres.Server.STANDBY
                        && h.name.equals(st.upstream) && st.streaming && st.timeline == pg.timeline;
                have.add(counts ? Math.min(st.lsn, pg.lsn) : 0L);
                if (counts) counted.add(s);
            }
            have.sort(Comparator.reverseOrder());
            acked = pg.syncCount >= 1 && pg.syncCount <= have.size() ? have.get(pg.syncCount - 1) : 0;
            long a = acked;
            // Every standby that acknowledged it is the leader's own (it carries the commit into its promotion) or
            // runs a vigild in maintenance mode (which detaches nothing): Invariants#acknowledged.
            excusedAckers = counted.stream().filter(s -> s.pg.lsn >= a).allMatch(s -> s.proc != null
                    && (s.proc.state.election().role() == vigil.core.election.Role.LEADER
                        || s.proc.state.election().durable().record().pg().paused() != null));
        }
        if (acked > 0) sim.invariants.acknowledged(h, pg.timeline, acked, excusedAckers);
    }
}
