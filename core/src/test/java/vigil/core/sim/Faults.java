package vigil.core.sim;

import java.util.List;

/** Applies one drawn fault to the simulated world, and heals everything at the end of the fault phase. */
final class Faults {
    private static final List<SimNet.Channel> BOTH = List.of(SimNet.Channel.VIGIL, SimNet.Channel.PG);

    private Faults() {}

    static void apply(Simulation sim, FaultPlan.Fault f) {
        sim.note("fault " + f);
        sim.counts.add("faults");
        sim.counts.add("fault_" + f.kind());
        SimNet net = sim.net;
        switch (f.kind()) {
            case PARTITION -> net.partition(f.groupA(), f.groupB(), BOTH, false);
            case PARTITION_REJECT -> net.partition(f.groupA(), f.groupB(), BOTH, true);
            case CUT_VIGIL_PORT -> net.partition(f.groupA(), f.groupB(), List.of(SimNet.Channel.VIGIL), false);
            case CUT_PG_PORT -> net.partition(f.groupA(), f.groupB(), List.of(SimNet.Channel.PG), sim.random.nextBoolean());
            case ONE_WAY -> net.cut(f.groupA().get(0), f.groupB().get(0), BOTH, false);
            case HEAL -> net.healLinks();
            case LOSS -> net.lossPercent = f.amount();
            case DELAY -> net.extraDelayUs = f.amount() * 1000L;
            case DUPLICATE -> net.duplicatePercent = f.amount();
            default -> hostFault(sim, f);
        }
        if (f.kind().ordinal() <= FaultPlan.Kind.DUPLICATE.ordinal()) net.lastChangeUs = sim.nowUs;
    }

    /**
     * {@code vigilctl pause} or {@code resume} on the node that holds the lease, as its loop takes it
     * ({@link vigil.core.node.Commands#refusesPause}); true when it was taken or there was nothing to do.
     */
    private static boolean pause(Simulation sim, boolean on) {
        String leader = sim.invariants.leaseHolder();
        SimHost h = leader == null ? null : sim.hosts.get(leader);
        if (h == null || !h.vigildRunning(sim.nowUs)) return false;
        String refused = vigil.core.node.Commands.refusesPause(sim.configOf(h), h.proc.state, on);
        if (refused != null) return refused.contains(on ? "already" : "not in maintenance");
        sim.counts.add(on ? "paused" : "resumed");
        sim.deliver(h, h.proc.incarnation, now -> new vigil.core.node.Input.Pause(now, on, "sim", "t"));
        return true;
    }

    /**
     * {@code vigilctl restart-pg} of {@code node}'s standby, as its daemon's loop takes it: asked of the core
     * ({@link vigil.core.node.Commands#refusesRestart}) and, unless refused, handed to the loop as an input.
     */
    private static void restartPg(Simulation sim, String node) {
        SimHost h = sim.hosts.get(node);
        if (h == null || !h.vigildRunning(sim.nowUs)) {
            sim.counts.add("restart_pg_no_vigild");
            return;
        }
        String refused = vigil.core.node.Commands.refusesRestart(sim.configOf(h), h.proc.state, h.localMs(sim.nowUs));
        if (refused != null) {
            sim.counts.add("restart_pg_refused");
            sim.note(node + " refuses restart-pg: " + refused);
            return;
        }
        sim.counts.add("restart_pg_begun");
        sim.deliver(h, h.proc.incarnation, now -> new vigil.core.node.Input.RestartPg(now, "sim"));
    }

    /**
     * {@code vigilctl failover --to node}, as its daemon takes it: asked of the core ({@link
     * vigil.core.node.Commands#refusesFailover}) and, unless refused, handed to the loop; then, when the node follows another
     * leader heard within a lease, the hand-over request travels to that leader (only over a link that is not cut, a
     * moment later) and is taken as that leader's loop takes it ({@link vigil.core.node.Commands#refusesHandOver}).
     */
    private static void failoverOrder(Simulation sim, String node, boolean asked) {
        SimHost h = sim.hosts.get(node);
        if (h == null || !h.vigildRunning(sim.nowUs)) {
            sim.counts.add("failover_order_no_vigild");
            return;
        }
        boolean acceptDataLoss = asked || sim.spec.mutation() == SimSpec.Mutation.ORDER_ALWAYS_ACCEPTS_LOSS;
        long now = h.localMs(sim.nowUs);
        String refused = vigil.core.node.Commands.refusesFailover(sim.configOf(h), h.proc.state, acceptDataLoss, now);
        if (refused != null) {
            sim.counts.add("failover_order_refused");
            sim.note(node + " refuses the failover order: " + refused);
            return;
        }
        sim.counts.add(acceptDataLoss ? "failover_order_taken_accepting_loss" : "failover_order_taken");
        sim.deliver(h, h.proc.incarnation, t -> new vigil.core.node.Input.FailoverOrdered(t, node, "sim", acceptDataLoss));
        var e = h.proc.state.election();
        String leader = e.role() == vigil.core.election.Role.LEADER || e.leader() == null || e.leader().equals(node)
                || now >= e.noVoteUntil() ? null : e.leader();
        if (leader == null) return;
        sim.at(sim.nowUs + 2_000L, () -> {
            SimHost l = sim.hosts.get(leader);
            if (l == null || !l.vigildRunning(sim.nowUs) || sim.net.blocked(node, leader, SimNet.Channel.VIGIL)) return;
            String no = vigil.core.node.Commands.refusesHandOver(sim.configOf(l), l.proc.state, node, l.localMs(sim.nowUs));
            if (no != null) {
                sim.counts.add("failover_handover_refused");
                sim.note(leader + " refuses to hand over to " + node + ": " + no);
                return;
            }
            sim.counts.add("failover_handover");
            sim.deliver(l, l.proc.incarnation, t -> new vigil.core.node.Input.FailoverOrdered(t, node, "sim", acceptDataLoss));
        });
    }

    /**
     * {@code vigilctl restart-daemon} on the node that holds the lease, as its loop takes it ({@link
     * vigil.core.node.Commands#refusesRestartDaemon}), started again {@code downUs} after it ended; in one restart of three
     * its PostgreSQL port is first cut from every other node for 3 s, and in one of four a data node from it (one or
     * both ways): the restart goes on, the record carrying the withdrawal to every later leader. Under {@link SimSpec.Mutation#RESTART_WITHOUT_WITHDRAWAL}
     * the vigild closes its watchdog and dies at once instead.
     */
    private static void restartLeaderDaemon(Simulation sim, long downUs) {
        String leader = sim.invariants.leaseHolder();
        SimHost h = leader == null ? null : sim.hosts.get(leader);
        if (h == null || !h.vigildRunning(sim.nowUs)) {
            sim.counts.add("daemon_restart_no_leader");
            return;
        }
        boolean pgCut = sim.random.nextInt(3) == 0;
        if (pgCut) {
            List<String> others = sim.hosts.keySet().stream().filter(n -> !n.equals(leader)).sorted().toList();
            sim.net.partition(List.of(leader), others, List.of(SimNet.Channel.PG), sim.random.nextBoolean());
            sim.at(sim.nowUs + 3_000_000L, sim.net::healLinks);
        }
        boolean cut = sim.random.nextInt(4) == 0;
        if (cut) {
            // A data node is cut from the leader for 3 s, its acknowledgements only or both ways (then it misses the
            // withdrawal in the leader's reports, and learns it only from the record of a later leader).
            List<String> data = sim.spec.voters().stream().filter(v -> v.canLead() && !v.name().equals(leader))
                    .map(v -> v.name()).sorted().toList();
            String deaf = data.get(sim.random.nextInt(data.size()));
            sim.counts.add("daemon_restart_acks_cut");
            if (sim.random.nextBoolean()) sim.net.partition(List.of(deaf), List.of(leader), List.of(SimNet.Channel.VIGIL), false);
            else sim.net.cut(deaf, leader, List.of(SimNet.Channel.VIGIL), false);
            sim.at(sim.nowUs + 3_000_000L, sim.net::healLinks);
        }
        h.restartDownUs = downUs;
        if (sim.spec.mutation() == SimSpec.Mutation.RESTART_WITHOUT_WITHDRAWAL) {
            sim.counts.add("daemon_restart_halted");
            if (pgCut) sim.counts.add("daemon_restart_pg_cut");
            h.wdArmed = false; // the magic close on its way out
            h.wdEpoch++;
            sim.killVigild(h);
            sim.at(sim.nowUs + downUs, () -> sim.startVigild(h));
            return;
        }
        String refused = vigil.core.node.Commands.refusesRestartDaemon(sim.configOf(h), h.proc.state, h.localMs(sim.nowUs));
        if (refused != null) {
            sim.counts.add("daemon_restart_refused");
            sim.note(leader + " refuses restart-daemon: " + refused);
            return;
        }
        sim.counts.add("daemon_restart_asked");
        if (cut) sim.counts.add("daemon_restart_asked_while_cut");
        if (pgCut) sim.counts.add("daemon_restart_pg_cut"); // only a restart carried out may license a promotion
        sim.deliver(h, h.proc.incarnation, now -> new vigil.core.node.Input.RestartDaemon(now, "sim"));
    }

    /** Resumes, trying again every half second until a leader takes it: the quiet phase must act by itself. */
    private static void resume(Simulation sim) {
        if (!pause(sim, false)) sim.at(sim.nowUs + 500_000L, () -> resume(sim));
    }

    /**
     * {@code vigilctl switchover} on the node that holds the lease, as its daemon's loop takes it: asked of the core
     * ({@link vigil.core.node.Commands#switchover}) and, unless refused, handed to the loop as an input.
     */
    private static void switchover(Simulation sim, String target) {
        String leader = sim.invariants.leaseHolder();
        SimHost h = leader == null ? null : sim.hosts.get(leader);
        if (h == null || !h.vigildRunning(sim.nowUs)) {
            sim.counts.add("switchover_no_leader");
            return;
        }
        var verdict = vigil.core.node.Commands.switchover(sim.configOf(h), h.proc.state, target, h.localMs(sim.nowUs));
        if (verdict.refusal() != null) {
            sim.counts.add("switchover_refused");
            sim.note(h.name + " refuses the switchover: " + verdict.refusal());
            return;
        }
        sim.counts.add("switchover_begun");
        sim.deliver(h, h.proc.incarnation, now -> new vigil.core.node.Input.Switchover(now, verdict.target(), "sim"));
    }

    private static void hostFault(Simulation sim, FaultPlan.Fault f) {
        if (f.kind() == FaultPlan.Kind.CRASH_LEADER || f.kind() == FaultPlan.Kind.KILL_LEADER_FIRST) {
            crashLeader(sim, f);
            return;
        }
        if (f.kind() == FaultPlan.Kind.PAUSE) {
            pause(sim, true);
            sim.at(sim.nowUs + f.amount() * 1000L, () -> resume(sim));
            return;
        }
        if (f.kind() == FaultPlan.Kind.RESTART_PG) {
            restartPg(sim, f.groupA().get(0));
            return;
        }
        if (f.kind() == FaultPlan.Kind.FAILOVER_ORDER) {
            failoverOrder(sim, f.groupA().get(0), f.amount() == 1);
            return;
        }
        if (f.kind() == FaultPlan.Kind.SWITCHOVER) {
            String target = f.groupA().isEmpty() ? null : f.groupA().get(0);
            String leader = sim.invariants.leaseHolder();
            if (f.amount() == 1 && leader != null && !leader.equals(target)) {
                // The target stops streaming (its replication connection cut both ways) just before the request, so
                // it lacks the primary's last commits when asked to take over; healed 3 s later.
                sim.counts.add("switchover_target_cut");
                sim.net.partition(List.of(leader), List.of(target), List.of(SimNet.Channel.PG), sim.random.nextBoolean());
                sim.at(sim.nowUs + 3_000_000L, sim.net::healLinks);
                sim.at(sim.nowUs + 200_000L, () -> switchover(sim, target));
                return;
            }
            switchover(sim, target);
            return;
        }
        if (f.kind() == FaultPlan.Kind.FLAP_LEADER) {
            String leader = sim.invariants.leaseHolder();
            if (leader == null) return;
            List<String> others = sim.hosts.keySet().stream().filter(n -> !n.equals(leader)).toList();
            sim.counts.add("flaps");
            sim.net.partition(List.of(leader), others, BOTH, false);
            sim.net.lastChangeUs = sim.nowUs;
            sim.at(sim.nowUs + f.amount() * 1000L, () -> {
                sim.note("fault HEAL (the flapping link is up again)");
                sim.net.healLinks();
                sim.net.lastChangeUs = sim.nowUs;
            });
            return;
        }
        if (f.kind() == FaultPlan.Kind.RESTART_LEADER_DAEMON) {
            restartLeaderDaemon(sim, f.amount() * 1000L);
            return;
        }
        if (f.kind() == FaultPlan.Kind.RESTART_LEADER_VIGILD) {
            String leader = sim.invariants.leaseHolder();
            SimHost h = leader == null ? null : sim.hosts.get(leader);
            if (h == null || !h.up || h.proc == null) return;
            sim.counts.add("vigild_restarts");
            sim.killVigild(h);
            sim.at(sim.nowUs + f.amount() * 1000L, () -> sim.startVigild(h));
            return;
        }
        SimHost h = sim.hosts.get(f.groupA().get(0));
        long forUs = f.amount() * 1000L;
        switch (f.kind()) {
            case CRASH_VIGILD -> {
                if (h.up && h.proc != null) {
                    sim.killVigild(h);
                    sim.at(sim.nowUs + forUs, () -> sim.startVigild(h));
                }
            }
            case CRASH_HOST -> sim.crashHost(h, forUs, "crash");
            case PAUSE_VIGILD -> pause(sim, h, forUs);
            case SUSPEND_HOST -> suspend(sim, h, forUs);
            case SLOW_DISK -> h.slowDiskUntilUs = Math.max(h.slowDiskUntilUs, sim.nowUs + forUs);
            case PLANNED_RESTART -> plannedRestart(sim, h, forUs);
            case FREEZE_POSTMASTER -> {
                if (h.up && h.pg.processesPresent() && !h.pg.frozen) {
                    h.pg.frozen = true;
                    int boot = h.boots;
                    sim.at(sim.nowUs + forUs, () -> {
                        if (h.boots == boot) h.pg.frozen = false;
                    });
                }
            }
            case KILL_POSTMASTER -> {
                if (h.up && h.pg.server != SimPostgres.Server.DOWN) h.pg.down();
            }
            case HOST_CRASH_DATA_EMPTIED, HOST_CRASH_FOREIGN_DATA -> {
                sim.crashHost(h, forUs, f.kind() == FaultPlan.Kind.HOST_CRASH_DATA_EMPTIED ? "crash, data directory emptied"
                        : "crash, data directory replaced by another system's");
                h.pg.emptyDataDirectory();
                if (f.kind() == FaultPlan.Kind.HOST_CRASH_FOREIGN_DATA) {
                    h.pg.empty = false;
                    h.pg.systemId = sim.histories.newSystem();
                    h.pg.lsn = 500;
                }
            }
            default -> throw new IllegalStateException("not a host fault: " + f);
        }
    }

    /**
     * The host that leads now crashes; with KILL_LEADER_FIRST its vigild dies first (its peer connections close at
     * once, as when the kernel still runs) and the host follows 0 to 200 ms later. The election that follows is
     * watched ({@link ElectionRounds}).
     */
    private static void crashLeader(Simulation sim, FaultPlan.Fault f) {
        String leader = sim.invariants.leaseHolder();
        if (leader == null) return;
        SimHost h = sim.hosts.get(leader);
        sim.rounds.leaderLost(h.name);
        long downUs = f.amount() * 1000L;
        if (f.kind() == FaultPlan.Kind.CRASH_LEADER) {
            sim.crashHost(h, downUs, "crash of the leader");
            return;
        }
        sim.killVigild(h);
        sim.at(sim.nowUs + sim.random.nextLong(0, 200_000), () -> sim.crashHost(h, downUs, "crash of the leader"));
    }

    /** SIGSTOP of vigild only: its clock runs on, PostgreSQL and the watchdog device too; messages wait. */
    private static void pause(Simulation sim, SimHost h, long forUs) {
        SimHost.Proc p = h.proc;
        if (!h.up || p == null) return;
        p.pausedUntilUs = Math.max(p.pausedUntilUs, sim.nowUs + forUs);
        sim.at(p.pausedUntilUs, () -> resumed(sim, h, p));
    }

    /** The whole host freezes (a paused VM): every process, the watchdog timer and the monotonic clock stop. */
    private static void suspend(Simulation sim, SimHost h, long forUs) {
        if (!h.up || h.clock.suspended()) return;
        h.clock.suspend(sim.nowUs);
        h.gapTerm = h.proc != null ? h.proc.state.election().term() : h.electionDisk.term();
        int boot = h.boots;
        sim.at(sim.nowUs + forUs, () -> {
            if (h.boots == boot && h.clock.suspended()) wake(sim, h);
        });
    }

    private static void wake(Simulation sim, SimHost h) {
        h.clock.resume(sim.nowUs);
        h.lastWakeLocal = h.localMs(sim.nowUs);
        // For a lease after it wakes, the host may act on a lease its stopped clock stretched (the gap).
        h.gapUntilUs = sim.nowUs + sim.spec.timing().leaseMs() * 1000 + 200_000;
        if (h.proc != null) resumed(sim, h, h.proc);
    }

    private static void resumed(Simulation sim, SimHost h, SimHost.Proc p) {
        if (h.proc != p || p.pausedUntilUs > sim.nowUs || h.clock.suspended()) return;
        h.steadySinceUs = sim.nowUs;
        sim.flush(h);
    }

    /** systemctl restart vigild: a planned stop (PostgreSQL stopped, resign, disarm), then a new process. */
    private static void plannedRestart(Simulation sim, SimHost h, long downUs) {
        SimHost.Proc p = h.proc;
        if (!h.up || p == null || p.state.stopping()) return;
        sim.deliver(h, p.incarnation, vigil.core.node.Input.Shutdown::new);
        waitForHalt(sim, h, p, downUs, sim.nowUs + 60_000_000L);
    }

    private static void waitForHalt(Simulation sim, SimHost h, SimHost.Proc p, long downUs, long giveUpUs) {
        sim.at(sim.nowUs + 50_000, () -> {
            if (h.proc == p && !p.halted) {
                if (sim.nowUs < giveUpUs) {
                    waitForHalt(sim, h, p, downUs, giveUpUs);
                } else { // systemd's stop timeout: SIGKILL
                    sim.killVigild(h);
                    sim.at(sim.nowUs + downUs, () -> sim.startVigild(h));
                }
                return;
            }
            sim.at(sim.nowUs + downUs, () -> sim.startVigild(h));
        });
    }

    /** End of the fault phase: every link heals, every host and vigild comes back, nothing stays frozen. */
    static void healAll(Simulation sim) {
        sim.net.healAll();
        sim.net.lastChangeUs = sim.nowUs;
        for (SimHost h : sim.hosts.values()) {
            h.slowDiskUntilUs = 0;
            if (!h.up) {
                sim.bootHost(h);
                continue;
            }
            if (h.clock.suspended()) wake(sim, h);
            h.pg.frozen = false;
            if (h.proc == null) {
                sim.startVigild(h);
            } else if (h.proc.pausedUntilUs > sim.nowUs) {
                h.proc.pausedUntilUs = sim.nowUs;
            }
            if (h.proc != null) resumed(sim, h, h.proc);
        }
    }
}
