package vigil.core.sim;

import java.util.List;
import java.util.SplittableRandom;
import vigil.core.election.Message;
import vigil.core.ha.Outcome;
import vigil.core.ha.PeerPg;
import vigil.core.ha.PgView;
import vigil.core.node.Effect;
import vigil.core.node.Input;
import vigil.core.node.VipGroup;

/**
 * The simulated drivers: carry out a node step's {@link Effect}s against the models, with the daemon's threading —
 * effects in order on the loop (an fsync blocks it), one action thread (a cancelled action still takes a moment to
 * die), one peer prober, the local probe on its own timer, the fence on its own path — and never kinder than the
 * real thing: stops that take seconds or hang, fences whose processes drain slowly, probes that hang.
 */
final class SimIo {
    private final Simulation sim;
    private final SimActions actions;
    private final SimFreezer freezer;

    SimIo(Simulation sim) {
        this.sim = sim;
        this.actions = new SimActions(sim);
        this.freezer = new SimFreezer(sim);
    }

    private SplittableRandom random() {
        return sim.random;
    }

    /** Carries out {@code effects[from..]}; an fsync that blocks resumes the rest when it returns. */
    void execute(SimHost h, SimHost.Proc p, List<Effect> effects, int from) {
        for (int i = from; i < effects.size(); i++) {
            if (h.proc != p || !h.up) return; // the process died half-way: the rest never happened
            Effect e = effects.get(i);
            if (e instanceof Effect.Persist persist) {
                h.electionDisk = persist.election();
                h.haDisk = persist.ha();
                long fsyncUs = sim.nowUs < h.slowDiskUntilUs ? random().nextLong(50_000, 3_000_000) : 0;
                if (fsyncUs > 0) {
                    p.busyUntilUs = sim.nowUs + fsyncUs;
                    int next = i + 1;
                    sim.at(p.busyUntilUs, () -> {
                        if (h.proc != p) return;
                        execute(h, p, effects, next);
                        sim.flush(h);
                    });
                    return;
                }
            } else if (e instanceof Effect.Send s) {
                transmit(h.name, s.to(), s.message());
            } else if (e instanceof Effect.Start s) {
                actions.start(h, p, s);
            } else if (e instanceof Effect.Cancel c) {
                actions.cancel(p, c.id());
            } else if (e instanceof Effect.Fence f) {
                fence(h, p, f.id(), f.deadlineAt());
            } else if (e instanceof Effect.FenceAt g) {
                guard(h, p, g.at());
            } else if (e instanceof Effect.FenceNode fn) {
                fenceNode(h, p, fn);
            } else if (e instanceof Effect.ProbePeer pp) {
                if (p.state.election().role() != vigil.core.election.Role.LEADER) sim.counts.add("early_checks");
                peerProbe(h, p, pp);
            } else if (e instanceof Effect.Freeze f) {
                freezer.freeze(h, p, f.frozen());
            } else if (e instanceof Effect.ArmWatchdog a) {
                arm(h, p, a.notAfter());
            } else if (e instanceof Effect.KickWatchdog k) {
                if (h.wdArmed && h.localMs(sim.nowUs) <= k.notAfter()) h.wdLastKickLocal = h.localMs(sim.nowUs);
            } else if (e instanceof Effect.DisarmWatchdog) {
                h.wdArmed = false;
                h.wdEpoch++;
            } else if (e instanceof Effect.VipCheck) {
                vipCheck(h, p);
            } else if (e instanceof Effect.VipUp u) {
                vipUp(h, p, u.group(), u.checked());
            } else if (e instanceof Effect.VipDown d) {
                vipDown(h, p, d.group());
            } else if (e instanceof Effect.VipDownAt g) {
                trackedGuard(h, p, g.at());
            } else if (e instanceof Effect.Halt halt && halt.restart()) {
                // vigilctl restart-daemon: the process ends with PostgreSQL running; systemd starts it again
                sim.note(h.name + " vigild ends for a restart, PostgreSQL left running");
                sim.counts.add("daemon_restart_halted");
                h.orphanLeaseUntilLocal = Math.max(h.orphanLeaseUntilLocal, Invariants.leaseUntil(p.state));
                p.halted = true;
                h.proc = null;
                sim.at(sim.nowUs + h.restartDownUs, () -> sim.startVigild(h));
            } else if (e instanceof Effect.Halt) {
                sim.note(h.name + " vigild halts after a planned stop");
                sim.counts.add("planned_stop_completed");
                p.halted = true;
                h.proc = null;
            }
        }
    }

    // ---- network ----------------------------------------------------------------------------------------------

    /**
     * A frame leaves its host when that peer's sender thread gets to it (0 to 3 ms: a wake-up, the encryption, the
     * bundler), one thread per peer, so the same heartbeat leaves for two peers at different instants. A process that
     * dies before then takes the frame with it: one follower may have the leader's last heartbeat and another not.
     */
    void transmit(String from, String to, Message m) {
        SimHost source = sim.hosts.get(from);
        SimHost.Proc sender = source.proc;
        sim.at(sim.nowUs + random().nextLong(0, 3_000), () -> {
            if (source.proc != sender || !source.up) return;
            SimNet net = sim.net;
            if (net.blocked(from, to, SimNet.Channel.VIGIL) || random().nextInt(100) < net.lossPercent) return;
            int copies = random().nextInt(100) < net.duplicatePercent ? 2 : 1;
            for (int i = 0; i < copies; i++) {
                long delay = 100 + random().nextLong(900) + (net.extraDelayUs > 0 ? random().nextLong(net.extraDelayUs) : 0);
                sim.at(sim.nowUs + delay, () -> {
                    SimHost target = sim.hosts.get(to);
                    // The daemon's loop admits a heartbeat or acknowledgement only if newer than every one before from
                    // that sender (Arrivals, kept per vigild process); a copy arriving late or twice is dropped there.
                    SimHost.Proc rx = target.proc;
                    // (Admitted on arrival: the loop handles its queue in order, so the same copies pass.)
                    if (rx != null && target.up && !rx.halted && rx.arrivals.admit(from, m)) {
                        if (rx.acksMayWait) {
                            // As the daemon's NodeLoop: read at the loop's next wake, without waking it (AckDeferral).
                            // The loop reads the datagram socket itself and, while acknowledgements may wait, does not
                            // wake for any datagram: whatever came by datagram waits. Every message waits here, also
                            // those the daemon gets by JGroups too (which wakes it): never kinder than the daemon.
                            rx.waiting.add(java.util.Map.entry(from, m));
                            sim.counts.add(m instanceof vigil.core.election.Message.HeartbeatAck ? "acks_waited"
                                    : "frames_waited");
                        } else {
                            sim.deliver(target, rx.incarnation, now -> new Input.Received(now, from, m));
                        }
                    }
                });
            }
        });
    }

    // ---- the local probe: its own timer thread, every 100 ms, 500 ms timeout -------------------------------------

    void probe(SimHost h, int inc) {
        SimHost.Proc p = h.proc;
        if (p == null || p.incarnation != inc || !h.up) return;
        if (p.pausedUntilUs > sim.nowUs || h.suspended()) {
            sim.at(sim.nowUs + 10_000, () -> probe(h, inc));
            return;
        }
        PgView atStart = h.pg.view(sim.histories, sim.nowUs);
        long startUs = sim.nowUs;
        long primaryStarts = p.primaryStartsAsked;
        SimLocalView.Read read = atStart.health() == PgView.Health.HUNG ? null
                : p.localView.begin(atStart, p.cacheEpoch, random(), controlFileTrusted(), starting(p));
        long answerUs = sim.nowUs + (read == null ? Simulation.PROBE_TIMEOUT_MS * 1000 : read.tookUs());
        int epoch = p.freezeEpoch;
        int actions = p.actionEpoch;
        sim.at(answerUs, () -> {
            // A hung server says only that it hung; a stopped one is seen as it was when the probe began (the driver
            // reads its files then); a running one is read at answer time.
            if (read == null || read.view().health() == PgView.Health.STOPPED) {
                SimLocalView.Read r = read == null ? null : withoutWalEndIfStarted(p, read, primaryStarts);
                answered(h, inc, p, r == null ? atStart : r.view(), epoch, actions, r != null && r.walEndNext());
                return;
            }
            PgView atAnswer = h.pg.view(sim.histories, sim.nowUs);
            if (atAnswer.health() == PgView.Health.HUNG) {
                // It hung while the probe ran: the driver's query waits out the probe's timeout from its start.
                sim.at(startUs + Simulation.PROBE_TIMEOUT_MS * 1000, () -> answered(h, inc, p, atAnswer, epoch, actions, false));
                return;
            }
            if (atAnswer.health() != PgView.Health.STOPPED) {
                answered(h, inc, p, atAnswer, epoch, actions, false);
                return;
            }
            // It stopped while the probe ran (killed, crashed): the driver finds the connection refused and no process
            // left, and goes through its stopped-cluster stages as any probe would, taking their time.
            long startsNow = p.primaryStartsAsked;
            SimLocalView.Read stopped = p.localView.begin(atAnswer, p.cacheEpoch, random(), controlFileTrusted(), starting(p));
            sim.at(sim.nowUs + stopped.tookUs(), () -> {
                SimLocalView.Read r = withoutWalEndIfStarted(p, stopped, startsNow);
                answered(h, inc, p, r.view(), epoch, actions, r.walEndNext());
            });
        });
    }

    /**
     * {@code read}, unless it is pg_waldump's and a start of the primary is asked now or was asked since
     * {@code primaryStartsBefore} was counted: the daemon looks for one just before pg_waldump, after its probe's query
     * and process count, so the simulator, which looks when the probe begins, must not know more for having looked
     * sooner. The control file's view stands then ({@link SimLocalView#walEndDiscarded}).
     */
    private SimLocalView.Read withoutWalEndIfStarted(SimHost.Proc p, SimLocalView.Read read, long primaryStartsBefore) {
        if (read.beforeWalEnd() == null || (!starting(p) && p.primaryStartsAsked == primaryStartsBefore)) return read;
        sim.counts.add("wal_end_discarded_for_a_start");
        p.localView.walEndDiscarded(read.beforeWalEnd());
        return new SimLocalView.Read(read.beforeWalEnd(), read.tookUs(), false);
    }

    /** As the daemon's PostgresAgent: a StartPrimary asked and not yet ended or cancelled. */
    private static boolean starting(SimHost.Proc p) {
        return p.jobs.values().stream().anyMatch(j -> !j.cancelled && j.action instanceof vigil.core.ha.PgAction.StartPrimary);
    }

    private boolean controlFileTrusted() {
        return sim.spec.mutation() == SimSpec.Mutation.CONTROL_FILE_TRUSTED;
    }

    /** The probe begun at {@code epoch}/{@code actions} answers {@code seen}; the next one is scheduled. */
    private void answered(SimHost h, int inc, SimHost.Proc p, PgView seen, int epoch, int actions, boolean walEndNext) {
        p.localView.answered(seen, p.cacheEpoch);
        boolean moved = !seen.position().equals(p.lastProbedPosition);
        p.lastProbedPosition = seen.position();
        // As the driver: the next probe at the steady rate only while the loop's last decision (before this probe's)
        // left the node steady and the position stood still (ProbeCadence). The driver also probes at once when a
        // decision ends the steady state; not modelled (less kind).
        long next = vigil.core.node.ProbeCadence.intervalMs(p.steady, moved, Simulation.PROBE_EVERY_MS,
                sim.spec.synchronous());
        // The driver drops a probe that ran across a freeze or thaw (asked for or answered meanwhile), or across
        // the end of an action or a fence (ProbeGate).
        // As the driver: what the upstream answered about its WAL, while this standby does not stream (UpstreamWal).
        PgView reported = p.upstreamWal.annotate(sim, h, seen);
        if (p.freezeEpoch == epoch && p.actionEpoch == actions) sim.deliver(h, inc, now -> new Input.Probed(now, reported));
        // The end of a stopped cluster's WAL is read right after its control file, not a probe interval later.
        if (walEndNext) probe(h, inc);
        else sim.atLocal(h, h.localMs(sim.nowUs) + next, () -> probe(h, inc));
    }

    // ---- the peer prober: one thread, a deadline per probe --------------------------------------------------------

    private void peerProbe(SimHost h, SimHost.Proc p, Effect.ProbePeer pp) {
        long startUs = Math.max(sim.nowUs, p.proberFreeAtUs);
        long startLocal = h.localMs(startUs);
        SimHost t = sim.hosts.get(pp.node());
        SimNet net = sim.net;
        long deadlineUs = pp.deadlineMs() * 1000;
        String detail;
        PeerPg result = PeerPg.UNKNOWN;
        // A live server answers a warm probe in 10 to 20 ms (measured, TCP + SCRAM + one query); now and then a loaded
        // one takes longer, past the 80 ms of the check made when another proof already holds.
        long latency = random().nextInt(20) == 0 ? random().nextLong(20_000, 150_000) : random().nextLong(2_000, 20_000);
        if (!t.up || t.suspended()) {
            detail = "timeout";
            latency = deadlineUs;
        } else if (net.rejects(h.name, t.name, SimNet.Channel.PG) || net.rejects(t.name, h.name, SimNet.Channel.PG)) {
            detail = "connection refused (a reject rule: proves nothing)";
        } else if (net.blocked(h.name, t.name, SimNet.Channel.PG) || net.blocked(t.name, h.name, SimNet.Channel.PG)) {
            detail = "timeout";
            latency = deadlineUs;
        } else if (!t.pg.processesPresent() || t.pg.draining) {
            detail = "connection refused";
        } else if (t.pg.frozen) {
            detail = "timeout (accepts, never answers)";
            latency = deadlineUs;
        } else if (t.pg.server == SimPostgres.Server.STARTING) {
            detail = "57P03 the database system is starting up";
        } else {
            result = t.pg.server == SimPostgres.Server.PRIMARY ? PeerPg.WRITABLE : PeerPg.IN_RECOVERY;
            detail = result.name();
        }
        if (latency > deadlineUs) { // it did not answer in time: the driver's deadline ends the probe
            result = PeerPg.UNKNOWN;
            detail = "timeout";
            latency = deadlineUs;
        }
        p.proberFreeAtUs = startUs + latency;
        PeerPg answer = result;
        String said = detail;
        int inc = p.incarnation;
        sim.at(startUs + latency, () -> {
            // A server that answered is read as it is when its answer comes.
            PeerPg now = answer == PeerPg.UNKNOWN || !t.up ? answer
                    : t.pg.primaryRunning() ? PeerPg.WRITABLE
                    : t.pg.server == SimPostgres.Server.STANDBY ? PeerPg.IN_RECOVERY : PeerPg.UNKNOWN;
            sim.deliver(h, inc, at -> new Input.PeerProbed(at, pp.node(), now, startLocal, said, pp.deadlineMs()));
        });
    }

    // ---- another node's fence agents: a thread per request, IPMI-like latencies, BMCs that do not answer ----------

    private void fenceNode(SimHost h, SimHost.Proc p, Effect.FenceNode fn) {
        int inc = p.incarnation;
        long startLocal = h.localMs(sim.nowUs);
        SimHost t = sim.hosts.get(fn.node());
        boolean bmcDown = random().nextInt(100) < 15;
        long offUs = sim.nowUs + random().nextLong(800_000, 4_000_000);
        sim.counts.add("fence_agent_runs");
        if (bmcDown) {
            sim.at(offUs + 1_000_000, () -> sim.deliver(h, inc, now -> new Input.NodeFenced(now, fn.node(), false,
                    startLocal, "level 1 fake_ipmi@" + fn.node() + ": exit 1 (BMC does not answer)")));
            return;
        }
        sim.at(offUs, () -> {
            sim.counts.add("fence_agent_power_off");
            sim.crashHost(t, random().nextLong(6_000_000, 12_000_000), "powered off by a fence agent");
            // status confirms OFF a moment later
            sim.at(sim.nowUs + random().nextLong(200_000, 1_000_000), () -> sim.deliver(h, inc, now ->
                    new Input.NodeFenced(now, fn.node(), true, startLocal, "level 1 fake_ipmi off, status OFF")));
        });
    }

    // ---- the fence: its own path ------------------------------------------------------------------------------

    /** The lease guard: a timer thread of its own (an fsync does not block it; a paused process's does). */
    private void guard(SimHost h, SimHost.Proc p, long at) {
        p.guardAt = at;
        int epoch = ++p.guardEpoch;
        if (at == Long.MAX_VALUE) return;
        sim.atLocal(h, at, () -> fireGuard(h, p, epoch));
    }

    private void fireGuard(SimHost h, SimHost.Proc p, int epoch) {
        if (h.proc != p || p.guardEpoch != epoch) return;
        if (p.pausedUntilUs > sim.nowUs) {
            sim.at(p.pausedUntilUs, () -> fireGuard(h, p, epoch));
            return;
        }
        sim.counts.add("guard_fired");
        p.guardAt = Long.MAX_VALUE;
        guardRemove(h, p, VipGroup.PRIMARY, "removed by the lease guard"); // the VIPs first
        fence(h, p, vigil.core.node.Executor.GUARD_ID, h.localMs(sim.nowUs) + 500);
    }

    private void fence(SimHost h, SimHost.Proc p, long id, long deadlineLocal) {
        sim.counts.add("fence");
        int inc = p.incarnation;
        long deadlineUs = h.clock.realUsAt(deadlineLocal, sim.nowUs);
        // As measured (docs/architecture.md): cgroup.kill 19 ms p50, 47 ms max idle; the /proc fallback under load up
        // to 151 ms; the VIPs' release and the kill together once more than 60 ms on two busy cores.
        long delay = random().nextInt(8) == 0 ? random().nextLong(40_000, 200_000) : random().nextLong(5_000, 25_000);
        if (p.fenceBeganUs == 0 || sim.nowUs - p.fenceBeganUs > 2_000_000) {
            p.fenceBeganUs = sim.nowUs;
            p.fenceSlow = false;
        }
        sim.at(sim.nowUs + delay, () -> {
            if (!h.up) return;
            p.fences++; // the driver counts a fence before it kills (StartBarrier)
            SimSpec.Mutation m = sim.spec.mutation();
            if (m != null) p.fenceSlow = true;
            if (m == SimSpec.Mutation.FENCE_DOES_NOTHING) {
                sim.at(sim.nowUs + 1_000, () -> sim.actionEnded(h, inc, id, Outcome.OK));
                return;
            }
            if (m == SimSpec.Mutation.FENCE_HANGS) return;
            SimPostgres pg = h.pg;
            long verifyUs = sim.nowUs + random().nextLong(1_000, 15_000);
            if (pg.processesPresent()) {
                sim.note(h.name + " fence kills PostgreSQL (" + pg.server + ")");
                pg.down();
                pg.groupFrozen = false; // SIGKILL reaches frozen processes; the driver thaws the emptied group
                pg.freezeWrites++;
                // Rarely a process is in uninterruptible IO: SIGKILL is pending, it accepts nothing, but it is not gone.
                if (random().nextInt(30) == 0) {
                    pg.draining = true;
                    p.fenceSlow = true;
                    sim.counts.add("fence_slow_drain");
                    verifyUs = sim.nowUs + random().nextLong(300_000, 2_500_000);
                    int boot = h.boots;
                    sim.at(verifyUs, () -> {
                        if (h.boots == boot) pg.draining = false;
                    });
                }
            }
            if (verifyUs <= deadlineUs) {
                sim.at(verifyUs, () -> sim.actionEnded(h, inc, id, Outcome.OK));
            } else {
                sim.at(deadlineUs, () -> sim.actionEnded(h, inc, id,
                        Outcome.failed(Outcome.Failure.NOT_VERIFIED, "a process is still draining")));
            }
        });
    }

    // ---- the VIPs: one driver thread, in order; arping -D waits 100 ms (VipCarrier.DAD_WAIT) for an answer ----------

    /**
     * Someone else's host answers ARP for a VIP of {@code g}: up and not suspended (its vigild need not run), and the
     * LAN between the two carries the request and the answer. ARP is below the ports, so only a cut of the whole
     * link between the hosts (both channels) stops it, and each exchange is lost like any packet.
     */
    private boolean answeredElsewhere(SimHost h, VipGroup g) {
        return sim.hosts.values().stream().anyMatch(o -> o != h && o.up && !o.suspended() && held(o, g)
                && linked(h, o) && linked(o, h) && random().nextInt(100) >= sim.net.lossPercent);
    }

    private boolean linked(SimHost from, SimHost to) {
        SimNet net = sim.net;
        return !(net.blocked(from.name, to.name, SimNet.Channel.VIGIL) && net.blocked(from.name, to.name, SimNet.Channel.PG));
    }

    private static boolean held(SimHost h, VipGroup g) {
        return g == VipGroup.PRIMARY ? h.vipHeld : h.trackedHeld;
    }

    private void hold(SimHost h, VipGroup g, boolean on) {
        if (!on && sim.spec.mutation() == (g == VipGroup.PRIMARY ? SimSpec.Mutation.VIP_KEPT : SimSpec.Mutation.TRACKED_KEPT)) {
            return;
        }
        if (g == VipGroup.PRIMARY) h.vipHeld = on;
        else h.trackedHeld = on;
    }

    private long vipThread(SimHost.Proc p, long workUs) {
        long start = Math.max(sim.nowUs, p.vipThreadFreeAtUs);
        p.vipThreadFreeAtUs = start + workUs;
        return p.vipThreadFreeAtUs;
    }

    private void vipCheck(SimHost h, SimHost.Proc p) {
        int inc = p.incarnation;
        sim.at(vipThread(p, 100_000), () -> {
            boolean clean = !answeredElsewhere(h, VipGroup.PRIMARY);
            sim.deliver(h, inc, now -> new Input.VipChecked(now, clean, clean ? "" : "another host answered"));
        });
    }

    private void vipUp(SimHost h, SimHost.Proc p, VipGroup g, boolean checked) {
        int inc = p.incarnation;
        long dadUs = checked ? 0 : 100_000;
        long doneUs = vipThread(p, dadUs + random().nextLong(2_000, 20_000));
        // The add lands, then the report is made (under the driver's lock) a little later: a guard removal in between
        // makes it a failure, as in the driver (the host then has none, and the step counts none).
        long addedUs = doneUs - random().nextLong(0, 2_000);
        int removals = p.guardRemovals[g.ordinal()];
        sim.at(addedUs, () -> {
            if (h.proc != p || !h.up) return; // the process died before ip addr add ran
            if (!checked && answeredElsewhere(h, g)) {
                sim.deliver(h, inc, now -> new Input.VipClaimed(now, Input.VipClaim.DUPLICATE, "another host answered", g));
                return;
            }
            if (g == VipGroup.TRACKED && h.localMs(sim.nowUs) >= p.trackedGuardAt) {
                // The driver adds nothing past its release guard: the grant ran out while the claim waited.
                sim.deliver(h, inc, now -> new Input.VipClaimed(now, Input.VipClaim.FAILED, "past the release guard", g));
                return;
            }
            hold(h, g, true);
            sim.counts.add(g == VipGroup.PRIMARY ? "vip_claimed" : "tracked_claimed");
            sim.at(doneUs, () -> {
                if (p.guardRemovals[g.ordinal()] != removals) {
                    sim.counts.add("claim_overlapped_guard");
                    hold(h, g, false); // what the claim added after the removal goes too: all or nothing
                    sim.deliver(h, inc, now -> new Input.VipClaimed(now, Input.VipClaim.FAILED,
                            "a guard removed them while the claim ran", g));
                } else {
                    sim.deliver(h, inc, now -> new Input.VipClaimed(now, Input.VipClaim.CLAIMED, "", g));
                }
            });
        });
    }

    private void vipDown(SimHost h, SimHost.Proc p, VipGroup g) {
        int inc = p.incarnation;
        sim.at(vipThread(p, random().nextLong(1_000, 8_000)), () -> {
            if (h.proc != p || !h.up) return;
            hold(h, g, false);
            sim.counts.add(g == VipGroup.PRIMARY ? "vip_released" : "tracked_released");
            sim.deliver(h, inc, now -> new Input.VipReleased(now, true, "", g));
        });
    }

    /** The release guard of the VIPs placed by checks: a timer of its own (an fsync does not block it; a pause does). */
    private void trackedGuard(SimHost h, SimHost.Proc p, long at) {
        p.trackedGuardAt = at;
        int epoch = ++p.trackedGuardEpoch;
        if (at == Long.MAX_VALUE) return;
        sim.atLocal(h, Math.max(at, h.localMs(sim.nowUs)), () -> fireTrackedGuard(h, p, epoch));
    }

    private void fireTrackedGuard(SimHost h, SimHost.Proc p, int epoch) {
        if (h.proc != p || p.trackedGuardEpoch != epoch || !h.up) return;
        if (p.pausedUntilUs > sim.nowUs) {
            sim.at(p.pausedUntilUs, () -> fireTrackedGuard(h, p, epoch));
            return;
        }
        if (!h.trackedHeld) return;
        sim.counts.add("tracked_guard_released");
        guardRemove(h, p, VipGroup.TRACKED, "the grant ended");
    }

    /**
     * A guard removes the group's VIPs behind the loop's back and tells it at once, in host order (the driver's lock):
     * a claim whose add came before and whose report would come after reports itself failed ({@link #vipUp}).
     */
    private void guardRemove(SimHost h, SimHost.Proc p, VipGroup g, String detail) {
        p.guardRemovals[g.ordinal()]++;
        if (!held(h, g)) return; // none was there: nothing to tell
        hold(h, g, false);
        if (g == VipGroup.PRIMARY) p.vipGuardReportPending = true;
        sim.deliver(h, p.incarnation, now -> new Input.VipGuardReleased(now, g, true, detail));
    }

    /**
     * The tracked checks: run every second on a thread of their own; the loop hears the verdict when it changes
     * (a check of a service that just broke may take up to a round to tell).
     */
    void trackChecks(SimHost h, int inc) {
        SimHost.Proc p = h.proc;
        if (p == null || p.incarnation != inc || !h.up) return;
        sim.at(sim.nowUs + 1_000_000 + random().nextLong(0, 50_000), () -> trackChecks(h, inc));
        if (p.pausedUntilUs > sim.nowUs || h.suspended()) return;
        boolean pass = h.trackPass;
        if (p.trackedTold != null && p.trackedTold == pass) return;
        p.trackedTold = pass;
        sim.deliver(h, inc, now -> new Input.Tracked(now, pass, pass ? "" : "sim-service is down"));
    }

    // ---- the watchdog device ------------------------------------------------------------------------------------

    private void arm(SimHost h, SimHost.Proc p, long notAfter) {
        int inc = p.incarnation;
        // The device is opened a little later, by the driver's thread; never after notAfter (opening is a keep-alive).
        sim.at(sim.nowUs + random().nextLong(0, 3_000), () -> {
            if (h.proc != p || !h.up) return;
            if (h.localMs(sim.nowUs) > notAfter) {
                sim.counts.add("watchdog_arm_late");
                sim.deliver(h, inc, now -> new Input.WatchdogArmed(now, false, "too late to open", true));
                return;
            }
            open(h, p);
        });
    }

    private void open(SimHost h, SimHost.Proc p) {
        // Opening the device starts (or restarts) its timer: the worst case for the proof.
        h.wdArmed = true;
        h.wdLastKickLocal = h.localMs(sim.nowUs);
        h.wdSlackMs = random().nextLong(0, Simulation.WATCHDOG_SLACK_MS + 1);
        int epoch = ++h.wdEpoch;
        sim.counts.add("watchdog_armed");
        watch(h, epoch);
        int inc = p.incarnation;
        sim.at(sim.nowUs + 1_000, () -> sim.deliver(h, inc, now -> new Input.WatchdogArmed(now, true, "")));
    }

    private void watch(SimHost h, int epoch) {
        long due = h.wdLastKickLocal + Simulation.WATCHDOG_TIMEOUT_MS + h.wdSlackMs;
        sim.atLocal(h, due, () -> {
            if (!h.wdArmed || h.wdEpoch != epoch) return;
            long dueNow = h.wdLastKickLocal + Simulation.WATCHDOG_TIMEOUT_MS + h.wdSlackMs;
            if (h.localMs(sim.nowUs) < dueNow) {
                watch(h, epoch);
                return;
            }
            sim.counts.add("watchdog_reset");
            sim.invariants.resetWithFenceUnderWay(h);
            sim.crashHost(h, sim.random.nextLong(500_000, 4_000_000), "watchdog reset");
        });
    }
}
