package vigil.core.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import vigil.core.election.Electorate;
import vigil.core.election.Voter;
import vigil.core.ha.HaPolicy;
import vigil.core.node.Input;
import vigil.core.node.Node;
import vigil.core.node.NodeConfig;
import vigil.core.node.NodeDecision;
import vigil.core.node.NodeState;
import vigil.core.node.VipGroup;
import vigil.core.node.Wake;
import vigil.core.node.WatchdogConfig;

/**
 * Runs N nodes, each the daemon's own node step ({@link Node#decide}), against a model of everything else — the
 * network, clocks, disks, PostgreSQL, the watchdog device, the driver's threads — in real time measured in
 * microseconds, and checks the promise after every event ({@link Invariants}). Everything random comes from one seed,
 * so a failing schedule replays exactly. Only IO is modelled, and never more kindly than the real world: stops that
 * take long or hang, fences that drain slowly, probes that hang, loop stalls and slow fsyncs, clocks that stop while
 * a host is suspended, refused connections that prove nothing.
 */
final class Simulation {
    static final long TICK_LOCAL_MS = 10;
    static final long PROBE_EVERY_MS = 100;
    static final long PROBE_TIMEOUT_MS = 500;
    static final long WATCHDOG_TIMEOUT_MS = 1000;
    static final long WATCHDOG_SLACK_MS = 50;
    static final long WRITE_EVERY_US = 20_000;
    /** How long a standby that cannot become consistent may run so before the end of a schedule fails it. */
    static final long NEVER_CONSISTENT_BOUND_US = 15_000_000;
    static final HaPolicy ASYNC = new HaPolicy(2_000, false, 3, 10_000, false, 150, 9_000, 3_000);

    final SimSpec spec;
    final SplittableRandom random;
    final Map<String, SimHost> hosts = new LinkedHashMap<>();
    final SimNet net = new SimNet();
    final SimPostgres.Histories histories = new SimPostgres.Histories();
    final SimCounts counts = new SimCounts();
    final Invariants invariants;
    final SimIo io;
    final SimWrites writes;
    final ElectionRounds rounds = new ElectionRounds(this);
    private final PriorityQueue<SimEvent> queue = new PriorityQueue<>();
    private final Deque<String> trace = new ArrayDeque<>();
    private final Map<String, NodeConfig> configs = new LinkedHashMap<>();
    long nowUs;
    private long seq;
    private long events;

    Simulation(SimSpec spec) {
        this.spec = spec;
        this.random = new SplittableRandom(spec.seed());
        SplittableRandom rates = new SplittableRandom(spec.seed() ^ 0x5DEECE66DL);
        for (Voter v : spec.voters()) {
            SimHost h = new SimHost(v.name(), v.canLead());
            h.streamRate = 1 + rates.nextInt(9);
            hosts.put(v.name(), h);
            configs.put(v.name(), config(v.name()));
        }
        this.invariants = new Invariants(this);
        this.io = new SimIo(this);
        this.writes = new SimWrites(this);
    }

    /** The node step's config of {@code name}, as its vigild runs with it. */
    NodeConfig configOf(String name) {
        return configs.get(name);
    }

    private NodeConfig config(String name) {
        boolean strict = spec.synchronous() && spec.mutation() != SimSpec.Mutation.WEAK_SYNC_VOTE;
        Electorate e = new Electorate(name, spec.voters(), spec.timing(), strict);
        HaPolicy p = !spec.postgres() ? null : new HaPolicy(ASYNC.maxLagBytes(), spec.synchronous(),
                ASYNC.migrationThreshold(), ASYNC.failureTimeoutMs(), spec.failoverWithoutFencing(),
                ASYNC.selfFenceMarginMs(), ASYNC.reclaimWindowMs(), ASYNC.standbyStallMs(),
                spec.fenceAgents() ? spec.voters().stream().filter(v -> v.canLead()).map(v -> v.name())
                        .collect(java.util.stream.Collectors.toSet()) : java.util.Set.of());
        WatchdogConfig w = spec.postgres() && spec.watchdog()
                ? new WatchdogConfig(WatchdogConfig.Mode.AUTO, WATCHDOG_TIMEOUT_MS, WATCHDOG_SLACK_MS) : WatchdogConfig.OFF;
        return new NodeConfig(e, p, w, null, spec.postgres(), spec.postgres());
    }

    /**
     * The services the tracked checks watch break now and then during the fault phase (the holder's among them),
     * and all work again at the heal.
     */
    private void breakTrackedServices(java.util.SplittableRandom r, long healAt) {
        List<SimHost> data = dataHosts();
        int breaks = r.nextInt(0, 6);
        for (int i = 0; i < breaks; i++) {
            SimHost h = data.get(r.nextInt(data.size()));
            long at = r.nextLong(1, healAt);
            long fixedAt = Math.min(healAt, at + r.nextLong(300_000, 6_000_000));
            at(at, () -> {
                note(h.name + " tracked service breaks");
                h.trackPass = false;
            });
            at(fixedAt, () -> h.trackPass = true);
        }
        at(healAt, () -> data.forEach(h -> h.trackPass = true));
    }

    NodeConfig configOf(SimHost h) {
        return configs.get(h.name);
    }

    /** Runs the schedule; throws {@link AssertionError} naming the seed on the first broken promise. */
    SimResult run() {
        for (SimHost h : hosts.values()) bootHost(h);
        for (FaultPlan.Fault f : FaultPlan.generate(spec, random.split())) {
            at(f.atUs(), () -> Faults.apply(this, f));
        }
        long healAt = spec.faultPhaseUs();
        at(healAt, () -> Faults.healAll(this));
        if (spec.postgres()) {
            at(20_000, writes::tick);
            breakTrackedServices(random.split(), healAt);
        }
        long end = healAt + spec.quietPhaseUs();
        long stableLeaderAtUs = -1;
        long servingAtUs = -1;
        while (!queue.isEmpty()) {
            SimEvent e = queue.poll();
            if (e.atUs > end) break;
            nowUs = e.atUs;
            events++;
            e.action.run();
            invariants.check();
            if (stableLeaderAtUs < 0 && nowUs >= healAt && invariants.leaseHolder() != null) stableLeaderAtUs = nowUs;
            if (spec.postgres() && servingAtUs < 0 && nowUs >= healAt && invariants.serving()) servingAtUs = nowUs;
        }
        if (spec.postgres() && !dataSurvives()) {
            // Faults emptied or replaced every copy: an operator's job, nothing may initdb over it and nobody can lead.
            counts.add("schedules_whose_faults_destroyed_the_primary_data");
            return new SimResult(spec.seed(), events, -1, invariants.maxTerm(), invariants.leaderships(), counts);
        }
        if (spec.postgres() && (servingAtUs < 0 || servingAtUs - healAt > spec.servingBoundUs())) {
            fail("no leader serving writes within " + spec.servingBoundUs() / 1000 + " ms after all faults healed");
        }
        if (spec.postgres() && servingAtUs >= 0) {
            // Liveness of the VIPs that follow the primary: after the quiet phase, only the serving leader's host holds
            // them (one that a restarted vigild found and kept past its reclaim would leave the new primary without).
            SimHost leader = hosts.get(invariants.leaseHolder());
            List<String> holders = hosts.values().stream().filter(h -> h.up && h.vipHeld).map(h -> h.name).toList();
            if (leader != null && configOf(leader).vips() && !holders.equals(List.of(leader.name))) {
                fail(spec.quietPhaseUs() / 1000 + " ms after all faults healed, the VIP is on "
                        + (holders.isEmpty() ? "no host" : holders) + ", not on the leader " + leader.name);
            }
        }
        if (spec.postgres()) {
            // Liveness of the VIPs placed by checks: every tracked service works again, so one host holds them.
            List<String> holders = hosts.values().stream().filter(h -> h.up && h.trackedHeld).map(h -> h.name).toList();
            if (holders.size() != 1) {
                fail(spec.quietPhaseUs() / 1000 + " ms after all faults healed, the VIPs placed by checks are on "
                        + (holders.isEmpty() ? "no host" : holders));
            }
        }
        if (spec.postgres()) {
            // A standby that can never become consistent (rewound to a point whose WAL its source removed) must not
            // stay so: its vigild sees its replay wait for that WAL, asks the primary, and copies it anew.
            for (SimHost h : hosts.values()) {
                if (h.up && h.vigildRunning(nowUs) && h.pg.server == SimPostgres.Server.STANDBY && h.pg.inconsistent
                        && nowUs - h.pg.startedAtUs > NEVER_CONSISTENT_BOUND_US && nowUs - healAt > NEVER_CONSISTENT_BOUND_US) {
                    fail(h.name + "'s standby has not become consistent for " + (nowUs - h.pg.startedAtUs) / 1000
                            + " ms: the WAL its replay needs is gone, and it was not copied anew");
                }
            }
        }
        if (stableLeaderAtUs < 0) {
            fail("no leader with a valid lease within " + spec.quietPhaseUs() / 1000 + " ms after all faults healed");
        }
        if (spec.scenario() == SimSpec.Scenario.VIGILD_RESTARTS && counts.get("promoted") > 0) {
            // The primary's PostgreSQL kept serving throughout: nothing may be promoted over it (replayable by seed).
            fail(counts.get("promoted") + " promotion(s) in a schedule of vigild restarts whose primary kept serving");
        }
        if (spec.scenario() == SimSpec.Scenario.PLANNED_VIGILD_RESTARTS && counts.get("promoted") > counts.get("daemon_restart_pg_cut")) {
            // Only a primary cut off from every peer's probe can be failed over; a restart alone never causes one.
            fail(counts.get("promoted") + " promotion(s) in a schedule of planned vigild restarts with "
                    + counts.get("daemon_restart_pg_cut") + " PostgreSQL-port cut(s)");
        }
        long recovery = stableLeaderAtUs - healAt;
        // With PostgreSQL only a fit node may lead: a clean stop still under way, a clone or a restart can delay that.
        long bound = spec.postgres() ? spec.servingBoundUs() : spec.livenessBoundUs();
        if (recovery > bound) {
            fail("leader elected " + recovery / 1000 + " ms after heal, bound is " + bound / 1000 + " ms");
        }
        return new SimResult(spec.seed(), events, recovery / 1000, invariants.maxTerm(), invariants.leaderships(), counts);
    }

    /**
     * The recorded primary still holds the recorded system's data. When a fault emptied or replaced it, recovery
     * needs a failover that max_lag_on_failover may rightly refuse (the surviving copies may be too far behind), or
     * no copy is left at all: either way an operator's call, not something the liveness bound can demand.
     */
    private boolean dataSurvives() {
        var pg = invariants.newestRecord().pg();
        if (pg.systemId() == 0 || pg.primary() == null) return true;
        SimPostgres p = hosts.get(pg.primary()).pg;
        return !p.empty && p.systemId == pg.systemId();
    }

    // ---- scheduling -------------------------------------------------------------------------------------------

    void at(long atUs, Runnable action) {
        queue.add(new SimEvent(Math.max(atUs, nowUs), seq++, action));
    }

    /**
     * Runs {@code action} when {@code h}'s clock reads {@code localMs}, unless the host rebooted since. While the host
     * is suspended its clock stands still, and so does everything that waits on it.
     */
    void atLocal(SimHost h, long localMs, Runnable action) {
        int boot = h.boots;
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (h.boots != boot) return;
                if (h.suspended()) {
                    at(nowUs + 10_000, this);
                } else if (h.localMs(nowUs) < localMs) {
                    at(Math.max(nowUs + 1, h.clock.realUsAt(localMs, nowUs)), this);
                } else {
                    action.run();
                }
            }
        };
        at(h.clock.realUsAt(localMs, nowUs), check);
    }

    // ---- hosts and processes -----------------------------------------------------------------------------------

    void bootHost(SimHost h) {
        h.up = true;
        h.boots++;
        h.bootId = h.name + "-boot-" + h.boots;
        double drift = spec.actualDrift();
        h.clock = new SimClock(random.nextLong(1_000_000_000L), nowUs, 1 + drift * (2 * random.nextDouble() - 1));
        h.wdArmed = false;
        h.orphanLeaseUntilLocal = Long.MIN_VALUE;
        h.gapUntilUs = Long.MIN_VALUE;
        h.lastWakeLocal = Long.MIN_VALUE;
        note(h.name + " host boots (" + h.bootId + ")");
        startVigild(h);
    }

    /** The whole host goes down: vigild and PostgreSQL die; the disk (and the data directory) stays. */
    void crashHost(SimHost h, long downForUs, String why) {
        if (!h.up) return;
        note(h.name + " host down: " + why);
        counts.add("host_down");
        h.up = false;
        h.proc = null;
        h.pg.down();
        h.pg.draining = false;
        h.pg.groupFrozen = false; // the cgroup does not survive the reboot
        h.vipHeld = false; // a reset or power loss takes the address with it
        h.trackedHeld = false;
        h.wdArmed = false;
        h.orphanLeaseUntilLocal = Long.MIN_VALUE;
        h.boots++; // every pending timer of the old boot is void
        at(nowUs + downForUs, () -> {
            if (!h.up) bootHost(h);
        });
    }

    void startVigild(SimHost h) {
        if (!h.up || h.proc != null) return;
        long now = h.localMs(nowUs);
        // Before its loop runs, the daemon removes the VIPs placed by checks it finds on the host; those that follow
        // the primary it hands to the node step as found, which keeps them only while this node reclaims its primary
        // (FOUND_UNTOLD: the daemon keeps them and says nothing, so nothing ever releases them).
        boolean found = h.vipHeld && spec.mutation() != SimSpec.Mutation.FOUND_UNTOLD;
        NodeState state = NodeState.boot(configOf(h), h.electionDisk, h.haDisk, now, h.bootId, found);
        h.proc = new SimHost.Proc(++h.incarnations, state);
        if (found && !state.vips().mayBeHeld()) h.vipHeld = false; // a node without VIPs in its step: released
        h.trackedHeld = false;
        h.steadySinceUs = nowUs;
        note(h.name + " vigild starts (incarnation " + h.incarnations + ", term " + h.electionDisk.term() + ")");
        int inc = h.proc.incarnation;
        long token = ++h.proc.tickToken;
        at(nowUs + random.nextLong(1, TICK_LOCAL_MS * 1000), () -> tick(h, inc, token));
        if (configOf(h).supervises()) at(nowUs + random.nextLong(1, 5_000), () -> io.probe(h, inc));
        if (configOf(h).supervises() && configOf(h).tracked()) at(nowUs + random.nextLong(1, 50_000), () -> io.trackChecks(h, inc));
    }

    /** vigild dies (kill -9, crash): PostgreSQL and the watchdog device live on. */
    void killVigild(SimHost h) {
        if (h.proc == null) return;
        note(h.name + " vigild dies");
        h.orphanLeaseUntilLocal = Math.max(h.orphanLeaseUntilLocal, Invariants.leaseUntil(h.proc.state));
        h.proc = null;
    }

    /**
     * The loop's tick, at the instant its last decision asked for ({@link Wake}; {@code token} voids ticks a later
     * decision moved). A loop frozen or blocked at that instant goes round as soon as it runs again: the tick is tried
     * again every {@link #TICK_LOCAL_MS} until then.
     */
    private void tick(SimHost h, int inc, long token) {
        SimHost.Proc p = h.proc;
        if (p == null || p.incarnation != inc || !h.up || p.tickToken != token) return;
        if (p.pausedUntilUs > nowUs || h.suspended() || p.busyUntilUs > nowUs || !p.buffered.isEmpty()) {
            atLocal(h, h.localMs(nowUs) + TICK_LOCAL_MS, () -> tick(h, inc, token));
            return;
        }
        deliver(h, inc, Input.Tick::new);
    }

    /**
     * {@link Wake}'s promise, checked wherever a tick would have come before it was computed: a tick at any instant
     * between the last decision and the wake it set changes nothing. Tried every {@link #TICK_LOCAL_MS} (the old tick)
     * and at the last millisecond before the wake.
     */
    private void checkQuietUntil(SimHost h, SimHost.Proc p, long now) {
        if (p.decidedAt == Long.MIN_VALUE) return;
        long until = Math.min(now, p.rawWake);
        for (long t = p.decidedAt + TICK_LOCAL_MS; t < until + TICK_LOCAL_MS; t += TICK_LOCAL_MS) {
            long at = Math.min(t, until - 1);
            if (at <= p.decidedAt) continue;
            checkQuietAt(h, p, at, "a tick");
            if (at == until - 1) break;
        }
    }

    /** Fails unless a tick at {@code at} (own clock), before the wake the loop set, would decide nothing. */
    private void checkQuietAt(SimHost h, SimHost.Proc p, long at, String what) {
        NodeDecision d = Node.decide(configOf(h), p.state, new Input.Tick(at));
        if (!d.effects().isEmpty() || !d.next().equals(p.state) || !d.events().isEmpty() || !d.notes().isEmpty()
                || d.why() != null) {
            if (Boolean.getBoolean("vigil.sim.wakeDebug")) System.err.println("DEBUG decidedAt=" + p.decidedAt + " at=" + at + "\nSTATE " + p.state.supervisor() + "\nNEXT  " + d.next().supervisor() + "\nEL " + p.state.election());
            fail(h.name + ": " + what + " at " + at + " ms (own clock), before the wake its loop set at " + p.rawWake
                    + " ms, decides something: effects " + d.effects() + ", events " + d.events() + ", notes "
                    + d.notes() + ", why " + d.why() + (d.next().equals(p.state) ? "" : ", and changes the state")
                    + " — a timer is missing from Wake");
        }
    }

    /** After a decision: the loop sleeps until the next wake, no sooner than one tick after the last tick. */
    private void scheduleWake(SimHost h, SimHost.Proc p, NodeState before, NodeDecision d, Input in) {
        long now = in.now();
        boolean wasTick = in instanceof Input.Tick;
        if (wasTick) p.lastTickAt = now;
        long raw = Wake.after(configOf(h), before, d, in, p.triedUntil);
        if (wasTick) p.triedUntil = now;
        if (spec.mutation() == SimSpec.Mutation.WAKE_LATE) raw += 40;
        p.rawWake = raw;
        p.decidedAt = now;
        long wake = Math.max(raw, p.lastTickAt + Wake.MIN_TICK_MS);
        if (wake == p.scheduledWake) return;
        p.scheduledWake = wake;
        long token = ++p.tickToken;
        int inc = p.incarnation;
        // A timer wakes the daemon's loop a little late, never early: 0-3 ms, and one time in 16 up to 30 ms (the loop
        // was deciding another input, a GC pause, the scheduler on two busy cores). The lease guard, a thread of its
        // own, then fires before the loop's own self-fence, and a renewal may come in between (bin/bench flapping).
        long late = random.nextInt(16) == 0 ? random.nextLong(4, 31) : random.nextLong(0, 4);
        atLocal(h, wake + late, () -> tick(h, inc, token));
    }

    /**
     * Hands one input to vigild incarnation {@code inc} of {@code h}: dropped if that process is gone, queued while
     * it is frozen or blocked (like a socket buffer), else decided at once with the process's own clock.
     */
    /**
     * An action's or a fence's end, handed to incarnation {@code inc}'s loop as the driver does: together with a bump of
     * the epoch that drops any probe read across it (the daemon's ProbeGate).
     */
    void actionEnded(SimHost h, int inc, long id, vigil.core.ha.Outcome outcome) {
        SimHost.Proc p = h.proc;
        if (p != null && p.incarnation == inc) {
            p.actionEpoch++;
            p.cacheEpoch++;
        }
        deliver(h, inc, now -> new Input.ActionEnded(now, id, outcome));
    }

    void deliver(SimHost h, int inc, LongFunction<Input> input) {
        SimHost.Proc p = h.proc;
        if (!h.up || p == null || p.incarnation != inc || p.halted) return;
        if (p.pausedUntilUs > nowUs || h.suspended() || p.busyUntilUs > nowUs || !p.buffered.isEmpty()) {
            p.buffered.add(input);
            return;
        }
        decideAndTick(h, p, input.apply(h.localMs(nowUs)));
    }

    /**
     * As the daemon's loop: an input is decided, then a tick (every rule due is tried) if the wake that decision set has
     * come ({@link Wake}: a tick before it decides nothing, so the loop skips it; checked here on every skip) — at once,
     * or, when carrying out the input blocked the loop (a slow fsync) or froze it, when it runs again, after what queued
     * meanwhile (a tick that then finds nothing due decides nothing).
     */
    private void decideAndTick(SimHost h, SimHost.Proc p, Input in) {
        readWaiting(h, p, in.now());
        if (p != h.proc || p.halted) return;
        decide(h, p, in);
        if (!p.acksMayWait) readWaiting(h, p, in.now());
        if (in instanceof Input.Tick || p != h.proc || p.halted) return;
        if (p.busyUntilUs > nowUs || p.pausedUntilUs > nowUs || h.suspended() || !p.buffered.isEmpty()) {
            p.buffered.add(TICK_AFTER_INPUT);
        } else if (p.rawWake > in.now()) {
            counts.add("ticks_skipped_after_input");
            checkQuietAt(h, p, in.now(), "the tick the loop skipped after an input");
        } else {
            decide(h, p, new Input.Tick(in.now()));
        }
    }

    /**
     * As the daemon's loop each time it goes round: the acknowledgements (and any other message) left waiting
     * ({@link vigil.core.node.AckDeferral}) first, in order, each decided as it is taken, at {@code now}.
     */
    private void readWaiting(SimHost h, SimHost.Proc p, long now) {
        while (p == h.proc && !p.halted && !p.waiting.isEmpty()) {
            var w = p.waiting.poll();
            decide(h, p, new Input.Received(now, w.getKey(), w.getValue()));
        }
    }

    /** The tick that follows an input, queued while the loop was held up: taken only if the wake has come by then. */
    private static final LongFunction<Input> TICK_AFTER_INPUT = Input.Tick::new;

    /** Delivers whatever queued while the process was frozen or blocked, in order. */
    void flush(SimHost h) {
        SimHost.Proc p = h.proc;
        while (p != null && p == h.proc && h.up && !p.halted && !p.buffered.isEmpty() && p.pausedUntilUs <= nowUs
                && !h.suspended() && p.busyUntilUs <= nowUs) {
            LongFunction<Input> next = p.buffered.poll();
            long now = h.localMs(nowUs);
            // As the daemon's loop once carrying out an input let it go on: the tick after it only if its wake has come.
            if (next == TICK_AFTER_INPUT && p.rawWake > now) {
                counts.add("ticks_skipped_after_input");
                checkQuietAt(h, p, now, "the tick the loop skipped after an input it was held up by");
                continue;
            }
            decideAndTick(h, p, next.apply(now));
        }
    }

    private void decide(SimHost h, SimHost.Proc p, Input in) {
        if (in instanceof Input.Probed && p.firstProbedUs == 0) p.firstProbedUs = nowUs;
        checkQuietUntil(h, p, in.now());
        NodeDecision d = Node.decide(configOf(h), p.state, in);
        p.lastLeaseUntil = Math.max(p.lastLeaseUntil, Invariants.leaseUntil(p.state));
        NodeState before = p.state;
        p.state = d.next();
        p.steady = vigil.core.node.ProbeCadence.steady(p.state, in.now());
        if (Invariants.leaseUntil(p.state) > Invariants.leaseUntil(before)) p.leaseRenewedLocal = in.now();
        var led = p.state.election().leadership();
        var ledBefore = before.election().leadership();
        if (led != null && led.leaseEstablished()
                && (ledBefore == null || !ledBefore.leaseEstablished() || ledBefore.term() != led.term())) {
            p.leaseEstablishedLocal = in.now();
        }
        if (Invariants.mayWrite(p.state) && !Invariants.mayWrite(before)) p.mayWriteSinceLocal = in.now();
        p.lastLeaseUntil = Math.max(p.lastLeaseUntil, Invariants.leaseUntil(p.state));
        scheduleWake(h, p, before, d, in);
        p.acksMayWait = vigil.core.node.AckDeferral.allowed(configOf(h), p.state, in.now(), p.rawWake);
        invariants.decided(h, d);
        if (in instanceof Input.VipGuardReleased g && g.group() == VipGroup.PRIMARY) {
            p.vipGuardReportPending = false;
            counts.add("guard_report_" + before.election().role() + "_" + before.vips().held());
        }
        checkVipBelief(h, p);
        // The loop may also be preempted between deciding an input and carrying out what it decided (two busy cores;
        // a tick's preemption is its late wake, scheduleWake): one such decision in 32 has its effects carried out
        // 1-20 ms late, the loop busy meanwhile (inputs queue). The lease guard's re-arm after a renewal is one of
        // them: the guard may fire at the old instant though the renewal was decided before it.
        if (!(in instanceof Input.Tick) && random.nextInt(32) == 0) {
            p.busyUntilUs = Math.max(p.busyUntilUs, nowUs + random.nextLong(1_000, 20_001));
            counts.add("effects_late");
            at(p.busyUntilUs, () -> {
                if (h.proc != p) return;
                io.execute(h, p, d.effects(), 0);
                flush(h);
            });
        } else {
            io.execute(h, p, d.effects(), 0);
        }
    }

    /**
     * The step's belief about the VIPs that follow the primary is the host's truth once it has been told everything
     * done to them behind its back: a step that counts them as up while the host has none (the lease guard removed
     * them, and its report came) would keep them so through a restart in place and never claim them again — no write
     * through the VIP for as long as it leads (found by bin/bench flapping, not by this simulator until this check).
     */
    void checkVipBelief(SimHost h, SimHost.Proc p) {
        if (!configOf(h).vips()) return;
        var held = p.state.vips().held();
        if (held == vigil.core.node.VipState.Held.UP && !p.vipGuardReportPending && !h.vipHeld) {
            fail(h.name + "'s node step counts the VIP as up, but the host has none, and the step has been told of"
                    + " every removal (" + p.state.vips() + ")");
        }
        // The other way round: a VIP on the host that the step counts as down is one it will never release (a release
        // that does nothing, VIP_KEPT, is left to the check of two holders that it exists for).
        if (held == vigil.core.node.VipState.Held.DOWN && h.vipHeld && spec.mutation() != SimSpec.Mutation.VIP_KEPT) {
            fail("the VIP is on " + h.name + ", but its node step counts it as down: nothing will ever release it");
        }
    }

    // ---- diagnostics ------------------------------------------------------------------------------------------

    void note(String line) {
        trace.addLast(nowUs / 1000 + "ms " + line);
        if (trace.size() > Integer.getInteger("vigil.sim.trace", 80)) trace.removeFirst();
    }

    void fail(String what) {
        StringBuilder sb = new StringBuilder();
        sb.append("seed ").append(spec.seed()).append(" (").append(spec.describe()).append(") at t=")
                .append(nowUs / 1000).append(" ms: ").append(what)
                .append("\nreplay: mvn -pl core test -Dtest=SimulationTest#replay -Dvigil.sim.seed=").append(spec.seed())
                .append(replayFlags()).append("\nlast events:\n");
        trace.forEach(line -> sb.append("  ").append(line).append('\n'));
        sb.append("nodes now:\n").append(nodeStates());
        throw new AssertionError(sb.toString());
    }

    private String replayFlags() {
        String f = spec.synchronous() ? " -Dvigil.sim.synchronous=true" : spec.postgres() ? " -Dvigil.sim.postgres=true" : "";
        return f + (spec.leaderCrashes() ? " -Dvigil.sim.leaderCrashes=true" : "")
                + (spec.scenario() == SimSpec.Scenario.VIGILD_RESTARTS ? " -Dvigil.sim.vigildRestarts=true" : "")
                + (spec.scenario() == SimSpec.Scenario.PLANNED_VIGILD_RESTARTS ? " -Dvigil.sim.plannedVigildRestarts=true" : "")
                + (spec.scenario() == SimSpec.Scenario.FLAPPING_LEADER ? " -Dvigil.sim.flappingLeader=true" : "")
                + (spec.switchovers() ? " -Dvigil.sim.switchovers=" + spec.scenario() : "")
                + (spec.mutation() == SimSpec.Mutation.NONE ? "" : " -Dvigil.sim.mutation=" + spec.mutation());
    }

    String nodeStates() {
        StringBuilder sb = new StringBuilder();
        for (SimHost h : hosts.values()) {
            sb.append("  ").append(h.name).append(h.up ? "" : " HOST DOWN").append(h.suspended() ? " SUSPENDED" : "");
            if (h.proc != null) {
                var s = h.proc.state;
                long local = h.localMs(nowUs);
                sb.append(" role=").append(s.election().role()).append(" term=").append(s.election().term())
                        .append(" lease=").append(s.election().leaseRemaining(local))
                        .append(" own=").append(s.election().own()).append(" record=").append(s.election().durable().record())
                        .append(" paused=").append(h.proc.pausedUntilUs > nowUs);
                if (s.supervisor() != null) {
                    sb.append(" ha=").append(s.supervisor().why()).append(" knows=").append(s.supervisor().local().knowledge())
                            .append(" ").append(s.supervisor().durable()).append(" restarts=").append(s.supervisor().restarts().size());
                }
            } else {
                sb.append(" no vigild");
            }
            if (h.dataNode && spec.postgres()) {
                sb.append(" pg=").append(h.pg.server).append(h.pg.frozen ? "(frozen)" : "")
                        .append(h.pg.empty ? " EMPTY" : " sys " + h.pg.systemId).append(" at (").append(h.pg.timeline)
                        .append(", ").append(h.pg.lsn).append(") up=").append(h.pg.upstream)
                        .append(" wd=").append(h.wdArmed);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    List<SimHost> dataHosts() {
        List<SimHost> l = new ArrayList<>();
        for (SimHost h : hosts.values()) if (h.dataNode) l.add(h);
        return l;
    }
}
