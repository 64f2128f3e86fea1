package vigil.core.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import vigil.core.ha.Outcome;
import vigil.core.ha.PgAction;
import vigil.core.node.Effect;
import vigil.core.node.Input;

/**
 * The PostgreSQL driver's action thread: one action at a time, each with a realistic duration and effect on the
 * model. Never kinder than the real thing: a clean stop may take seconds (a walsender waiting) or never end (a
 * stopped postmaster); a start keeps going after its caller gave up; a promotion past its point of no return stays
 * done when cancelled; a rewind or a copy needs a reachable source of the same system.
 */
final class SimActions {
    private final Simulation sim;

    SimActions(Simulation sim) {
        this.sim = sim;
    }

    private SplittableRandom random() {
        return sim.random;
    }

    void start(SimHost h, SimHost.Proc p, Effect.Start s) {
        SimHost.Job job = new SimHost.Job(s.id(), s.action(), p.fences);
        p.jobs.put(s.id(), job);
        if (s.action() instanceof PgAction.StartPrimary) p.primaryStartsAsked++;
        sim.counts.add("action_" + s.action().kind());
        long startUs = Math.max(sim.nowUs, p.actionThreadFreeAtUs);
        p.actionThreadFreeAtUs = Long.MAX_VALUE; // until the action knows how long it takes
        sim.note(h.name + " action " + s.id() + " " + s.action());
        int boot = h.boots;
        sim.at(startUs, () -> {
            // A serial executor never runs a task cancelled before it began (Future.cancel).
            if (h.boots == boot && h.proc == p && (!job.cancelled || barrierRemoved())) run(h, p, job);
        });
    }

    private boolean barrierRemoved() {
        return sim.spec.mutation() == SimSpec.Mutation.START_AFTER_FENCE;
    }

    /** The driver kills what the action runs; the thread is free a moment later. Its end, if any, is not reported. */
    void cancel(SimHost.Proc p, long id) {
        SimHost.Job job = p.jobs.get(id);
        if (job == null || job.cancelled) return;
        job.cancelled = true;
        sim.counts.add("action_cancelled");
        p.actionThreadFreeAtUs = sim.nowUs + random().nextLong(1_000, 5_000);
        // The driver's action thread forgets the local view's stopped-cluster facts when the killed command returns,
        // reported or not (LocalView#invalidate).
        sim.at(p.actionThreadFreeAtUs, () -> p.cacheEpoch++);
    }

    private void end(SimHost h, SimHost.Proc p, SimHost.Job job, long atUs, Outcome outcome) {
        if (!job.cancelled) p.actionThreadFreeAtUs = atUs;
        int inc = p.incarnation;
        int boot = h.boots;
        sim.at(atUs, () -> {
            p.jobs.remove(job.id);
            if (h.boots != boot || job.cancelled) return;
            if (!outcome.ok()) sim.counts.add("action_failed");
            sim.actionEnded(h, inc, job.id, outcome);
        });
    }

    private void run(SimHost h, SimHost.Proc p, SimHost.Job job) {
        SimPostgres pg = h.pg;
        long now = sim.nowUs;
        PgAction a = job.action;
        if (a instanceof PgAction.Initialise) {
            if (!pg.empty || pg.processesPresent()) {
                end(h, p, job, now + 2_000, Outcome.failed(Outcome.Failure.OTHER, "the data directory is not empty"));
            } else {
                later(h, random().nextLong(300_000, 1_500_000), () -> {
                    if (!pg.empty) {
                        end(h, p, job, sim.nowUs, Outcome.failed(Outcome.Failure.OTHER, "the data directory is not empty"));
                        return;
                    }
                    sim.invariants.beforeInitdb(h);
                    pg.empty = false;
                    pg.systemId = sim.histories.newSystem();
                    pg.timeline = 1;
                    pg.lsn = 0;
                    pg.ranAsPrimary = false;
                    end(h, p, job, sim.nowUs, Outcome.OK);
                });
            }
        } else if ((a instanceof PgAction.StartPrimary || a instanceof PgAction.StartStandby) && p.fences != job.fencesAtAsk
                && !barrierRemoved()) {
            // The daemon's StartBarrier: a fence began since this start was asked (the lease guard's, which cancels
            // nothing): it gives up before its spawn.
            end(h, p, job, now + 1_000, Outcome.failed(Outcome.Failure.CANCELLED, "a fence came after this start was asked"));
        } else if (a instanceof PgAction.StartPrimary sp) {
            if (pg.processesPresent()) {
                end(h, p, job, now + 5_000, Outcome.failed(Outcome.Failure.OTHER, "lock file: PostgreSQL runs"));
            } else if (pg.empty) {
                end(h, p, job, now + 2_000, Outcome.failed(Outcome.Failure.DATA_MISSING, "empty data directory"));
            } else {
                sim.invariants.beforePrimaryStart(h);
                if (sp.syncNames() != null) {
                    pg.syncValue = sp.syncNames();
                    pg.syncNames = parseNames(sp.syncNames());
                    pg.syncCount = parseCount(sp.syncNames());
                }
                startServer(h, p, job, SimPostgres.Server.PRIMARY, null, random().nextLong(50_000, 500_000));
            }
        } else if (a instanceof PgAction.StartStandby ss) {
            if (pg.empty) {
                end(h, p, job, now + 2_000, Outcome.failed(Outcome.Failure.DATA_MISSING, "empty data directory"));
            } else {
                pg.down(); // a running server is stopped first (the driver's fast stop), then started
                startServer(h, p, job, SimPostgres.Server.STANDBY, ss.upstream(), random().nextLong(50_000, 300_000));
            }
        } else if (a instanceof PgAction.Repoint rp) {
            later(h, random().nextLong(5_000, 30_000), () -> {
                boolean ok = pg.server == SimPostgres.Server.STANDBY && !job.cancelled;
                if (ok) {
                    pg.upstream = rp.upstream(); // the WAL receiver restarts with the reloaded primary_conninfo
                    pg.streaming = false;
                }
                end(h, p, job, sim.nowUs, ok ? Outcome.OK : Outcome.failed(Outcome.Failure.OTHER, "not a running standby"));
            });
        } else if (a instanceof PgAction.StopFast) {
            stopFast(h, p, job);
        } else if (a instanceof PgAction.Promote pr) {
            promote(h, p, job, pr);
        } else if (a instanceof PgAction.Checkpoint) {
            end(h, p, job, now + random().nextLong(10_000, 2_000_000), Outcome.OK);
        } else if (a instanceof PgAction.Rewind rw) {
            copy(h, p, job, rw.source(), rw.systemId(), true);
        } else if (a instanceof PgAction.Clone c) {
            copy(h, p, job, c.source(), c.systemId(), false);
        } else if (a instanceof PgAction.DiscardSetAside) {
            pg.setAside = false;
            end(h, p, job, now + 10_000, Outcome.OK);
        } else if (a instanceof PgAction.SetSyncStandbys ss) {
            later(h, random().nextLong(5_000, 30_000), () -> {
                boolean ok = pg.server == SimPostgres.Server.PRIMARY && !job.cancelled;
                if (ok) {
                    pg.syncNames = ss.names();
                    pg.syncCount = ss.count();
                    pg.syncValue = ss.value();
                }
                end(h, p, job, sim.nowUs, ok ? Outcome.OK : Outcome.failed(Outcome.Failure.OTHER, "not a primary"));
            });
        } else {
            end(h, p, job, now + 1_000, Outcome.failed(Outcome.Failure.OTHER, "unknown action " + a));
        }
    }

    /** Runs {@code r} after {@code afterUs} of the host's time: nothing on a suspended host makes progress. */
    private void later(SimHost h, long afterUs, Runnable r) {
        sim.atLocal(h, h.localMs(sim.nowUs) + Math.max(1, afterUs / 1000), r);
    }

    /** Starts the postmaster: it becomes ready after {@code readyUs}, whether or not its caller still waits. */
    private void startServer(SimHost h, SimHost.Proc p, SimHost.Job job, SimPostgres.Server role, String upstream,
                             long readyUs) {
        SimPostgres pg = h.pg;
        boolean offAtStart = sim.invariants.offHistory(h);
        boolean inGapAtStart = sim.invariants.actsInGap(h, p);
        if (pg.groupFrozen && !p.freezeWanted) { // the driver thaws an empty group it did not freeze itself
            pg.groupFrozen = false;
            pg.freezeWrites++;
        }
        pg.server = SimPostgres.Server.STARTING;
        pg.target = role;
        pg.upstream = upstream;
        pg.startedAtUs = sim.nowUs;
        pg.streamedSinceStart = false;
        pg.ranAsPrimary = role == SimPostgres.Server.PRIMARY;
        pg.rejoinsSinceStart = 0;
        later(h, readyUs, () -> ready(h, p, job, role, offAtStart, inGapAtStart));
    }

    /** The postmaster is ready unless it was born in a frozen group: then once the group is thawed. */
    private void ready(SimHost h, SimHost.Proc p, SimHost.Job job, SimPostgres.Server role, boolean offAtStart,
                       boolean inGapAtStart) {
        SimPostgres pg = h.pg;
        if (pg.groupFrozen && pg.server == SimPostgres.Server.STARTING) {
            later(h, 10_000, () -> ready(h, p, job, role, offAtStart, inGapAtStart));
            return;
        }
        if (pg.server != SimPostgres.Server.STARTING || pg.target != role) {
            end(h, p, job, sim.nowUs, Outcome.failed(Outcome.Failure.OTHER, "the server stopped while starting"));
            return;
        }
        pg.server = role;
        if (role == SimPostgres.Server.STANDBY) sim.invariants.standbyStarted(h, offAtStart, inGapAtStart);
        end(h, p, job, sim.nowUs, Outcome.OK);
    }

    private void stopFast(SimHost h, SimHost.Proc p, SimHost.Job job) {
        SimPostgres pg = h.pg;
        if (!pg.processesPresent()) {
            end(h, p, job, sim.nowUs + 1_000, Outcome.OK);
            return;
        }
        if (pg.hangs() || random().nextInt(25) == 0) {
            sim.counts.add("stop_hangs"); // a stopped postmaster ignores it; a stuck walsender holds it
            return;
        }
        long d = random().nextInt(6) == 0 ? random().nextLong(1_000_000, 10_000_000) : random().nextLong(10_000, 300_000);
        long instance = pg.startedAtUs;
        later(h, d, () -> shutdownEnds(h, p, job, instance));
    }

    /**
     * The end of a fast shutdown: the shutdown checkpoint, its WAL sent to the streaming standbys, the server down. A
     * walsender whose standby the network no longer reaches holds the shutdown (until wal_sender_timeout, a minute:
     * measured on the namespace rig), so it ends only once the link is back. It goes on even if pg_ctl was killed;
     * not once the server was killed (and maybe started again).
     */
    private void shutdownEnds(SimHost h, SimHost.Proc p, SimHost.Job job, long instance) {
        SimPostgres pg = h.pg;
        if (pg.startedAtUs == instance && pg.server == SimPostgres.Server.PRIMARY && walsenderHeld(h)) {
            sim.counts.add("shutdown_held_by_walsender");
            later(h, 100_000, () -> shutdownEnds(h, p, job, instance));
            return;
        }
        if (pg.startedAtUs == instance) {
            if (pg.server == SimPostgres.Server.PRIMARY) shutdownCheckpoint(h);
            if (pg.server != SimPostgres.Server.DOWN) pg.down();
        }
        end(h, p, job, sim.nowUs, Outcome.OK);
    }

    /**
     * A standby that was streaming from {@code h} is cut off from it now by a link that drops packets (one that
     * rejects them resets the walsender's connection, and the walsender exits at once).
     */
    private boolean walsenderHeld(SimHost h) {
        for (SimHost s : sim.dataHosts()) {
            SimPostgres st = s.pg;
            if (s != h && st.server == SimPostgres.Server.STANDBY && h.name.equals(st.upstream) && st.streamedSinceStart
                    && dropped(h.name, s.name) && dropped(s.name, h.name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A primary's clean shutdown writes its shutdown checkpoint (one more record, no commit), and its walsenders send
     * everything up to it to the standbys streaming from it before the server exits; only to those the network still
     * lets through (a cut-off walsender would hold the shutdown, which {@link #stopFast} models as a hang anyway).
     */
    private void shutdownCheckpoint(SimHost h) {
        SimPostgres pg = h.pg;
        if (!h.up || h.suspended() || pg.groupFrozen) return;
        pg.lsn += 1;
        for (SimHost s : sim.dataHosts()) {
            SimPostgres st = s.pg;
            boolean connected = s != h && s.up && !s.suspended() && st.server == SimPostgres.Server.STANDBY
                    && h.name.equals(st.upstream) && st.streaming && !st.groupFrozen
                    && !sim.net.blocked(h.name, s.name, SimNet.Channel.PG) && !sim.net.blocked(s.name, h.name, SimNet.Channel.PG)
                    && sim.histories.onHistoryOf(st.timeline, st.lsn, pg.timeline, pg.lsn);
            if (connected) {
                st.timeline = pg.timeline;
                st.lsn = pg.lsn;
            }
        }
    }

    private boolean dropped(String from, String to) {
        return sim.net.blocked(from, to, SimNet.Channel.PG) && !sim.net.rejects(from, to, SimNet.Channel.PG);
    }

    private void promote(SimHost h, SimHost.Proc p, SimHost.Job job, PgAction.Promote pr) {
        SimPostgres pg = h.pg;
        later(h, random().nextLong(20_000, 100_000), () -> {
            if (job.cancelled || pg.server != SimPostgres.Server.STANDBY || pg.hangs()) {
                end(h, p, job, sim.nowUs, Outcome.failed(Outcome.Failure.OTHER, "not a running standby"));
                return;
            }
            sim.invariants.beforePromote(h);
            if (pr.syncNames() != null) {
                pg.syncValue = pr.syncNames();
                pg.syncNames = parseNames(pr.syncNames());
                pg.syncCount = parseCount(pr.syncNames());
            }
            pg.timeline = sim.histories.fork(pg.timeline, pg.lsn);
            pg.server = SimPostgres.Server.PRIMARY;
            pg.upstream = null;
            pg.ranAsPrimary = true;
            sim.counts.add("promoted");
            sim.note(h.name + " promoted to timeline " + pg.timeline + " at " + pg.lsn);
            end(h, p, job, sim.nowUs + random().nextLong(1_000, 10_000), Outcome.OK);
        });
    }

    /** pg_rewind ({@code rewind}) or pg_basebackup from {@code source}; PostgreSQL stays stopped. */
    /**
     * A liveness floor: a node whose clone or rewind succeeded must start (or be sent elsewhere) soon after; a few in
     * a row are possible when the primary moves meanwhile, a dozen are a loop.
     */
    static final int MAX_REJOINS_IN_A_ROW = 12;

    private void copy(SimHost h, SimHost.Proc p, SimHost.Job job, String source, long systemId, boolean rewind) {
        long d = rewind ? random().nextLong(200_000, 1_500_000) : random().nextLong(500_000, 3_000_000);
        later(h, d, () -> {
            if (job.cancelled) return;
            SimHost src = sim.hosts.get(source);
            SimPostgres pg = h.pg;
            SimPostgres from = src.pg;
            boolean reachable = src.up && !src.suspended() && !from.hangs()
                    && (from.server == SimPostgres.Server.PRIMARY || from.server == SimPostgres.Server.STANDBY)
                    && !sim.net.blocked(h.name, source, SimNet.Channel.PG) && !sim.net.blocked(source, h.name, SimNet.Channel.PG);
            if (!reachable) {
                end(h, p, job, sim.nowUs, Outcome.failed(Outcome.Failure.TRANSIENT, "source unreachable"));
            } else if (pg.processesPresent()) {
                end(h, p, job, sim.nowUs, Outcome.failed(Outcome.Failure.OTHER, "PostgreSQL runs"));
            } else if (systemId != 0 && (from.systemId != systemId || (!pg.empty && pg.systemId != systemId))) {
                end(h, p, job, sim.nowUs, Outcome.failed(Outcome.Failure.FOREIGN_SYSTEM, "another system"));
            } else if (rewind && pg.empty) {
                end(h, p, job, sim.nowUs, Outcome.failed(Outcome.Failure.REWIND_IMPOSSIBLE, "no cluster to rewind"));
            } else if (rewind && !sim.histories.onHistoryOf(pg.timeline, pg.lsn, from.timeline, from.lsn)
                    && random().nextInt(7) == 0) {
                end(h, p, job, sim.nowUs, Outcome.failed(Outcome.Failure.REWIND_IMPOSSIBLE, "no common WAL left"));
            } else {
                // pg_rewind changes nothing on the same timeline, nor when the target stopped before the fork.
                boolean rewinds = !rewind || pg.timeline != from.timeline
                        && !sim.histories.onHistoryOf(pg.timeline, pg.lsn, from.timeline, from.lsn);
                long lsn = rewind ? sim.histories.common(pg.timeline, pg.lsn, from.timeline, from.lsn) : from.lsn;
                // A copy made anew because the source answered that it removed the WAL (the node owes it a re-clone
                // from that source) must be one the standby needed. (A copy over a copy whose end was not reported
                // yet, decided on a view that still said "empty", is the driver's legitimate waste, not this.)
                var owed = p.state.supervisor().rejoin().reclone();
                if (!rewind && !pg.empty && !pg.inconsistent && owed != null && source.equals(owed.from())
                        && sim.histories.onHistoryOf(pg.timeline, pg.lsn, from.timeline, from.lsn) && pg.lsn >= from.walFrom) {
                    sim.fail(h.name + " copied anew from " + source + " although it could stream from there: its position ("
                            + pg.timeline + ", " + pg.lsn + ") is on " + source + "'s history, whose WAL starts at "
                            + from.walFrom);
                }
                if (rewinds) {
                    sim.invariants.beforeDataChange(h, rewind ? "pg_rewind" : "pg_basebackup", from.timeline, lsn);
                    if (!rewind && !pg.empty && pg.lsn < from.walFrom) sim.counts.add("copied_anew_for_removed_wal");
                    if (!rewind && !pg.empty && pg.inconsistent) sim.counts.add("copied_anew_never_consistent");
                    if (!rewind) {
                        pg.setAside = !pg.empty;
                        pg.systemId = from.systemId;
                        pg.empty = false;
                    }
                    // A copy holds WAL from its start; a rewound one needs the source's WAL from the common point on.
                    pg.inconsistent = rewind && (pg.inconsistent || lsn < from.walFrom);
                    pg.minRecTimeline = rewind ? from.timeline : 0;
                    pg.minRecLsn = rewind ? from.lsn : 0;
                    pg.timeline = from.timeline;
                    pg.lsn = lsn;
                    pg.walFrom = lsn;
                }
                // The daemon marks the copy (vigil.rejoined): its control file, copied or left as it was, is no
                // longer read as "last ran as a primary" — but nothing else changes when pg_rewind had nothing to do.
                pg.ranAsPrimary = false;
                if (++pg.rejoinsSinceStart > MAX_REJOINS_IN_A_ROW) {
                    sim.fail(h.name + " rejoined " + pg.rejoinsSinceStart + " times in a row without starting"
                            + " (a rewind loop): last from " + source + ", its copy on timeline " + pg.timeline
                            + ", the source on " + from.timeline);
                }
                sim.counts.add(rewind ? "rewound" : "cloned");
                // It ends stopped: whether and whom to follow is decided afresh (the record may have moved on).
                end(h, p, job, sim.nowUs + random().nextLong(1_000, 20_000), Outcome.OK);
            }
        });
    }

    static List<String> parseNames(String value) {
        List<String> names = new ArrayList<>();
        int open = value.indexOf('(');
        if (open < 0) return names;
        for (String part : value.substring(open + 1, value.lastIndexOf(')')).split(",")) {
            names.add(part.trim().replace("\"", ""));
        }
        return names;
    }

    static int parseCount(String value) {
        String[] words = value.trim().split("\\s+");
        return words.length > 1 && words[0].equals("ANY") ? Integer.parseInt(words[1]) : 0;
    }
}
