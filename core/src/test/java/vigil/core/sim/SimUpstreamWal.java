package vigil.core.sim;

import vigil.core.ha.PgView;

/**
 * The driver's check of a standby's upstream (daemon {@code UpstreamWal}), per vigild incarnation: while the standby
 * is up, not streaming, with an upstream (or not yet consistent and waiting for WAL from it), the upstream is asked every 5 s, as the WAL receiver asks, whether it
 * removed the WAL from the standby's position; the answer comes after a few ms from a running, reachable server, and
 * otherwise says nothing, after up to the check's 2 s deadline. It is carried in the views handed to the node step only
 * while the position stays the one asked for and nothing cleared it since (streaming again, another upstream, a stop).
 * Mutation {@link SimSpec.Mutation#SILENCE_IS_REMOVAL}: anything but WAL arriving reads as "removed";
 * {@link SimSpec.Mutation#REMOVAL_UNSEEN}: nothing does.
 */
final class SimUpstreamWal {
    static final long EVERY_US = 5_000_000;
    static final long DEADLINE_US = 2_000_000;

    private record Answer(long generation, String upstream, PgView.Position at, boolean removed) {}

    private long askedAtUs = Long.MIN_VALUE / 2;
    private boolean asking;
    private long generation;
    private Answer answer;

    PgView annotate(Simulation sim, SimHost h, PgView v) {
        String up = v.replication().upstream();
        boolean standby = v.health() == PgView.Health.UP && v.isStandby() && !v.replication().streaming();
        // A standby not yet consistent, waiting for WAL (the driver asks for the segment after the one its replay
        // reads; here, without segments, for the position its replay needs).
        boolean recovering = v.health() == PgView.Health.FAILING && up != null;
        if (!(standby || recovering) || up == null || v.position().timeline() == 0 || v.position().lsn() == 0) {
            generation++;
            answer = null;
            return v;
        }
        if (!asking && sim.nowUs - askedAtUs >= EVERY_US) {
            asking = true;
            askedAtUs = sim.nowUs;
            long g = generation;
            PgView.Position at = v.position();
            SimHost src = sim.hosts.get(up);
            boolean answers = src.up && !src.suspended() && !src.pg.hangs() && !src.pg.draining
                    && (src.pg.server == SimPostgres.Server.PRIMARY || src.pg.server == SimPostgres.Server.STANDBY)
                    && !sim.net.blocked(h.name, up, SimNet.Channel.PG) && !sim.net.blocked(up, h.name, SimNet.Channel.PG);
            long delayUs = answers ? sim.random.nextLong(2_000, 40_000) : sim.random.nextLong(1_000, DEADLINE_US);
            int boot = h.boots;
            sim.at(sim.nowUs + delayUs, () -> {
                if (h.boots != boot) return;
                asking = false;
                if (g != generation) return;
                // The server's answer is read when it comes: the WAL may have been removed meanwhile.
                boolean gone = answers && src.up && at.lsn() < src.pg.walFrom;
                boolean available = answers && src.up && !gone;
                boolean removed = sim.spec.mutation() == SimSpec.Mutation.SILENCE_IS_REMOVAL ? !available
                        : gone && sim.spec.mutation() != SimSpec.Mutation.REMOVAL_UNSEEN;
                answer = new Answer(g, up, at, removed);
                if (removed) sim.counts.add("upstream_wal_removed_answers");
            });
        }
        Answer a = answer;
        if (a == null || !a.removed() || a.generation() != generation || !a.upstream().equals(up)
                || a.at().timeline() != v.position().timeline() || a.at().lsn() != v.position().lsn()) {
            return v;
        }
        return v.withReplication(v.replication().withWalGone("58P01: requested WAL segment has already been removed"));
    }
}
