package vigil.core.node;

import java.util.ArrayList;
import java.util.List;
import vigil.core.election.Action;
import vigil.core.election.Decision;
import vigil.core.election.Election;
import vigil.core.election.ElectionState;
import vigil.core.election.Event;
import vigil.core.election.Message;
import vigil.core.election.Observation;
import vigil.core.election.Report;
import vigil.core.election.Report.PgSafety;
import vigil.core.election.Role;
import vigil.core.ha.HaDecision;
import vigil.core.ha.HaObservation;
import vigil.core.ha.Outcome;
import vigil.core.ha.PgAction;
import vigil.core.ha.PgView;
import vigil.core.ha.Supervisor;
import vigil.core.ha.SupervisorState;
import vigil.core.ha.Why;

/**
 * One node's step: the election, the PostgreSQL supervisor, the action executor's rules and the watchdog rule, as
 * one pure function. The daemon's loop and the simulator both run exactly this; only what the {@link Effect}s do
 * differs (real IO, or a model of it).
 *
 * <p>Invariants it keeps, beyond those of {@link Election} and {@link Supervisor}:
 * <ul>
 * <li>A fence and the cancellation it implies come first among the effects, before any fsync: nothing queues in
 *     front of the self-fence. Only the release of the VIPs goes before them ({@link VipPlacement}).</li>
 * <li>The watchdog is opened only by a leader whose lease stays valid beyond the watchdog's effective timeout, and
 *     kept alive only while PostgreSQL is proven unable to write or the lease still stays valid that long. Once
 *     the lease can no longer cover a reset, the keep-alives stop: the host is reset before the lease ends unless
 *     the fence has proven PostgreSQL stopped by then. Peers rely on exactly this ({@link Report}).</li>
 * <li>It is closed (magic close) only while PostgreSQL is proven unable to write and this node does not lead.</li>
 * </ul>
 */
public final class Node {
    /**
     * The last keep-alive the lease allows is given within this long of its bound ({@link Step#lastKeepAlive}): part
     * of how early the device may fire ({@link WatchdogConfig#earliestResetBeforeLeaseEndMs}).
     */
    static final long KICK_EVERY_MS = 10;
    /**
     * Otherwise the watchdog is kept alive this often (at most a quarter of its timeout): often enough that a device
     * never fires while its keep-alives are allowed, rarely enough that an idle daemon does not wake for it.
     */
    static final long KICK_PERIOD_MS = 250;
    /** Room between a keep-alive decision and the driver's write (and the device's own granularity). */
    static final long KICK_GUARD_MS = 20;
    /** Another node's fence agents, every level, answer within this long or count as failed. */
    public static final long FENCE_NODE_DEADLINE_MS = 120_000;

    private Node() {}

    /** Whether the local PostgreSQL is proven unable to write, with nothing under way that could change that. */
    static boolean provenSafe(SupervisorState supervisor, Executor executor) {
        if (supervisor == null) return true;
        Executor.Running r = executor.running();
        return supervisor.local().knowledge().provenNotWritable() && (r == null || !r.action().makesWritable());
    }

    public static NodeDecision decide(NodeConfig config, NodeState state, Input input) {
        Step step = new Step(config, state, input.now());
        if (!state.halted()) step.handle(input);
        return step.finish();
    }

    private static final class Step {
        private final NodeConfig cfg;
        private final long now;
        private final List<Effect> urgent = new ArrayList<>();
        private final List<Effect> effects = new ArrayList<>();
        private final List<Event> events = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private ElectionState election;
        private SupervisorState supervisor;
        private Executor executor;
        private WatchdogState watchdog;
        private boolean stopping;
        private boolean halted;
        private VipState vips;
        private TrackedState tracked;
        private DaemonRestart restart;
        private TrackedPlacement.Grant grant; // what this step's heartbeats carry, computed once
        private Why why;
        private boolean early; // the input is a message: the watchdog may be kept alive early (kickDue)

        Step(NodeConfig cfg, NodeState s, long now) {
            this.cfg = cfg;
            this.now = now;
            this.election = s.election();
            this.supervisor = s.supervisor();
            this.executor = s.executor();
            this.watchdog = s.watchdog();
            this.stopping = s.stopping();
            this.halted = s.halted();
            this.vips = s.vips();
            this.tracked = s.tracked();
            this.restart = s.restart();
        }

        NodeDecision finish() {
            List<Effect> all = new ArrayList<>(urgent);
            all.addAll(effects);
            return new NodeDecision(new NodeState(election, supervisor, executor, watchdog, stopping, halted, vips, tracked, restart), all,
                    events, why, notes);
        }

        void handle(Input in) {
            early = in instanceof Input.Received;
            if (in instanceof Input.Tick) {
                elect(new Observation.Tick(now));
                supervise(new HaObservation.Tick(now));
            } else if (in instanceof Input.Received r) {
                elect(new Observation.Received(now, r.from(), r.message()));
                heardForTracked(r);
                supervise(new HaObservation.Tick(now));
            } else if (in instanceof Input.Probed p) {
                supervise(new HaObservation.Probed(now, p.view()));
            } else if (in instanceof Input.ConfirmedDown c) {
                supervise(new HaObservation.ConfirmedDown(now, c.node(), c.operator(), c.at()));
            } else if (in instanceof Input.Cleanup c) {
                supervise(new HaObservation.Cleanup(now, c.operator()));
            } else if (in instanceof Input.RestartPg r) {
                supervise(new HaObservation.RestartPg(now, r.operator()));
            } else if (in instanceof Input.Ban ban) {
                supervise(new HaObservation.Ban(now, ban.node(), ban.on()));
            } else if (in instanceof Input.Pause pause) {
                supervise(new HaObservation.Pause(now, pause.on(), pause.operator(), pause.at()));
            } else if (in instanceof Input.FailoverOrdered f) {
                supervise(new HaObservation.FailoverOrdered(now, f.target(), f.operator(), f.acceptDataLoss()));
            } else if (in instanceof Input.FailoverCancelled c) {
                supervise(new HaObservation.FailoverCancelled(now, c.why()));
            } else if (in instanceof Input.Switchover sw) {
                supervise(new HaObservation.Switchover(now, sw.target(), sw.operator()));
            } else if (in instanceof Input.NodeFenced f) {
                supervise(new HaObservation.NodeFenced(now, f.node(), f.off(), f.startedAt(), f.detail()));
            } else if (in instanceof Input.PeerProbed p) {
                supervise(new HaObservation.PeerProbed(now, p.node(), p.result(), p.startedAt(), p.detail(), p.deadlineMs()));
            } else if (in instanceof Input.ActionEnded a) {
                ended(a.id(), a.outcome());
            } else if (in instanceof Input.WatchdogArmed w) {
                armed(w);
            } else if (in instanceof Input.RestartDaemon r) {
                if (DaemonRestart.refusal(cfg, state(), now) == null) {
                    restart = DaemonRestart.begin(state(), r.operator(), now);
                    report(); // the withdrawal, at once: in the reports, and in the record (sent at once)
                    if (restart.withdraws()) elect(new Observation.WatchdogWithdrawn(now, true));
                }
            } else if (in instanceof Input.Shutdown) {
                stopping = true;
                supervise(new HaObservation.Stop(now));
            } else if (in instanceof Input.VipChecked || in instanceof Input.VipClaimed || in instanceof Input.VipReleased
                    || in instanceof Input.VipGuardReleased) {
                StringBuilder note = new StringBuilder();
                if (VipPlacement.groupOf(in) == VipGroup.PRIMARY) vips = VipPlacement.reported(vips, in, note);
                else tracked = tracked.with(VipPlacement.reported(tracked.held(), in, note));
                if (!note.isEmpty()) notes.add(note.toString());
            } else if (in instanceof Input.Frozen f) {
                supervise(new HaObservation.Frozen(now, f.frozen(), f.ok(), f.detail()));
            } else if (in instanceof Input.Tracked t) {
                tracked = tracked.with(new TrackedState.Checks(t.pass(), t.detail(), now));
                if (!t.pass()) tracked = tracked.with(TrackedPlacement.voided(tracked.grantee(), now));
            }
            expire();
            guard();
            keepWatchdog();
            startPending();
            placeTracked();
            report();
            placeVips();
            handOver();
            finishStop();
            finishRestart();
        }

        /**
         * A planned stop, or a restart of vigild: the VIPs placed by checks are given up before the process ends (a
         * holder that vanished with them could not drop them when its grant runs out, and another host would be granted
         * them). Those that follow the primary stay through a restart: PostgreSQL keeps serving behind them.
         */
        private boolean leaving() {
            return stopping || restart != null;
        }

        private NodeState state() {
            return new NodeState(election, supervisor, executor, watchdog, stopping, halted, vips, tracked, restart);
        }

        /**
         * {@code restart-daemon}: once a majority acknowledged the record withdrawing the watchdog announcement (at once
         * when this node does not lead), the watchdog is closed and the process halts, PostgreSQL left running and leadership not
         * resigned; given up when the acknowledgements do not come in time ({@link DaemonRestart}).
         */
        private void finishRestart() {
            if (restart == null || halted || stopping) return;
            String waiting = DaemonRestart.waitingFor(cfg, state());
            if (waiting != null) {
                if (restart.expired(now) || waiting.equals(DaemonRestart.GIVE_UP_NOW)) {
                    notes.add("restart-daemon given up after " + (now - restart.since()) + " ms: " + waiting
                            + "; vigild goes on (the watchdog is announced again; VIPs placed by checks may have moved)");
                    boolean restore = restart.withdraws();
                    restart = null;
                    report();
                    // The watchdog stayed armed and kept alive under the lease: this term's announcements hold again.
                    if (restore) elect(new Observation.WatchdogWithdrawn(now, false));
                }
                return;
            }
            // Left running on purpose: the lease guard (PostgreSQL's fence and the release of the VIPs that follow the
            // primary at the lease's end) would otherwise fire in the moments the process takes to exit.
            if (executor.guardAt() != Long.MAX_VALUE) {
                urgent.add(new Effect.FenceAt(Long.MAX_VALUE));
                executor = executor.withGuard(Long.MAX_VALUE);
            }
            if (watchdog.status() == WatchdogState.Status.ARMED) {
                effects.add(new Effect.DisarmWatchdog());
                watchdog = watchdog.with(WatchdogState.Status.DISARMED);
            }
            effects.add(new Effect.Halt(true));
            halted = true;
        }

        /** A switchover waits for the VIPs that follow the primary to be gone before it hands leadership over. */
        private void handOver() {
            if (supervisor == null || supervisor.handover() == null || !supervisor.handover().awaitsVips()) return;
            if (!cfg.vips() || !vips.mayBeHeld()) supervise(new HaObservation.VipsReleased(now));
        }

        /**
         * While PostgreSQL may write under a lease (or the reclaim window a restarted primary keeps on disk), the lease
         * guard stands ready to fence it at the same instant the loop would ({@code selfFenceMarginMs} before the
         * end), on a thread of its own; re-armed with every renewal, dropped once PostgreSQL is proven unable to
         * write. Its effect goes first, before any fsync of the same decision: a loop blocked on a slow disk must not
         * hold back the very thread that covers for it.
         */
        private void guard() {
            if (supervisor == null) return;
            long at = Long.MAX_VALUE;
            if (!provenSafe()) {
                var l = election.leadership();
                long margin = cfg.policy().selfFenceMarginMs();
                if (election.role() == Role.LEADER && l != null && l.leaseEstablished()) {
                    at = l.leaseUntil() - margin;
                } else if (reclaimWindow() != Long.MIN_VALUE) {
                    at = reclaimWindow() - margin;
                }
            }
            if (at != executor.guardAt()) {
                urgent.add(new Effect.FenceAt(at));
                executor = executor.withGuard(at);
            }
        }

        /** The end of the reclaim window of this boot, if one is open (Long.MIN_VALUE: none). */
        private long reclaimWindow() {
            var d = supervisor.durable();
            var b = supervisor.boot();
            return !b.ledSinceBoot() && d.reclaimUntil() != 0 && d.reclaimBoot().equals(b.id()) ? d.reclaimUntil()
                    : Long.MIN_VALUE;
        }

        // ---- election and supervisor ------------------------------------------------------------------------

        private void elect(Observation o) {
            Decision d = Election.decide(election, o);
            election = d.next();
            for (Action a : d.actions()) {
                if (a instanceof Action.Persist p) persist(p.durable(), null);
                else if (a instanceof Action.Send s) effects.add(new Effect.Send(s.to(), forTracked(s.message())));
            }
            events.addAll(d.events());
        }

        /**
         * A heartbeat carries the leader's grant of the VIPs placed by checks; an acknowledgement is remembered, since a
         * grant counts from the moment it was sent.
         */
        private Message forTracked(Message m) {
            if (!cfg.tracked()) return m;
            if (m instanceof Message.Heartbeat h) {
                if (grant == null) {
                    grant = TrackedPlacement.grant(tracked.grantor(), tracked, election, leaving(), now, cfg.policyMargin());
                    tracked = tracked.with(grant.next());
                }
                return grant.grant() == null ? h : h.withGrant(grant.grant());
            }
            if (m instanceof Message.HeartbeatAck a) {
                tracked = tracked.with(TrackedPlacement.sent(tracked.grantee(), a.term(), a.seq(), now));
            }
            return m;
        }

        /** The leader notes when each acknowledgement came; a follower takes the grant its leader's heartbeat carries. */
        private void heardForTracked(Input.Received r) {
            if (!cfg.tracked()) return;
            if (r.message() instanceof Message.HeartbeatAck a && election.role() == Role.LEADER && a.term() == election.term()) {
                tracked = tracked.with(TrackedPlacement.heard(tracked.grantor(), a.term(), r.from(), a.seq(), now));
            } else if (r.message() instanceof Message.Heartbeat h && r.from().equals(election.leader())
                    && h.term() == election.term() && election.role() != Role.LEADER) {
                tracked = tracked.with(TrackedPlacement.granted(tracked.grantee(), cfg.electorate().self(), h.term(),
                        h.grant(), cfg.electorate().timing().drift()));
            }
        }

        private void persist(vigil.core.election.Durable e, vigil.core.ha.HaDurable ha) {
            var haPart = ha != null ? ha : supervisor == null ? vigil.core.ha.HaDurable.INITIAL : supervisor.durable();
            Effect.Persist p = new Effect.Persist(e, haPart);
            if (!effects.isEmpty() && effects.get(effects.size() - 1) instanceof Effect.Persist) {
                effects.set(effects.size() - 1, p); // consecutive writes with nothing sent between: one fsync
            } else {
                effects.add(p);
            }
        }

        private void supervise(HaObservation o) {
            if (supervisor == null) return;
            Role before = election.role();
            superviseOnce(o);
            // A resignation (or any change of role) is acted on in the same step: a fence must not wait a tick.
            if (election.role() != before) superviseOnce(new HaObservation.Tick(now));
        }

        private void superviseOnce(HaObservation o) {
            HaDecision d = Supervisor.decide(supervisor, election, cfg.policy(), o);
            supervisor = d.next();
            if (d.why() != null) why = d.why();
            if (d.persist() != null) persist(election.durable(), d.persist());
            for (Observation in : d.electionInputs()) elect(in);
            for (PgAction a : d.actions()) schedule(a);
        }

        // ---- the executor -----------------------------------------------------------------------------------

        private void schedule(PgAction a) {
            if (a instanceof PgAction.ProbePeer p) {
                effects.add(new Effect.ProbePeer(p.node(), p.deadlineMs()));
            } else if (a instanceof PgAction.FenceNode f) {
                effects.add(new Effect.FenceNode(f.node(), FENCE_NODE_DEADLINE_MS));
            } else if (a instanceof PgAction.Freeze f) {
                urgent.add(new Effect.Freeze(f.frozen())); // a freeze stops commits: before anything else goes out
            } else if (a instanceof PgAction.Fence) {
                if (executor.fence() != null) return;
                Executor.Running r = executor.running();
                if (r != null) {
                    if (r.started()) urgent.add(new Effect.Cancel(r.id(), "preempted by the self-fence"));
                    executor = executor.withRunning(null);
                }
                long id = executor.nextId();
                long deadline = now + cfg.limits().fenceMs();
                executor = executor.withFence(new Executor.Running(id, a, now, deadline, true));
                urgent.add(new Effect.Fence(id, deadline));
            } else if (executor.busy()) {
                notes.add("action " + a.kind() + " refused: " + executor.running() + " still runs");
                superviseOnce(new HaObservation.ActionDone(now, a,
                        Outcome.failed(Outcome.Failure.BUSY, "executor busy")));
            } else if (a.makesWritable() && watchdog.status() == WatchdogState.Status.FAILED
                    && cfg.watchdog().mode() == WatchdogConfig.Mode.REQUIRED) {
                superviseOnce(new HaObservation.ActionDone(now, a,
                        Outcome.failed(Outcome.Failure.NOT_STARTED, "the required watchdog could not be armed")));
            } else {
                long id = executor.nextId();
                executor = executor.withRunning(new Executor.Running(id, a, now, now + cfg.limits().of(a), false));
                startPending();
            }
        }

        /**
         * Starts the action waiting in the executor once nothing stands against it. A writable one (Promote, a primary
         * start) waits for the watchdog: PostgreSQL may write only while, should this whole process freeze from now
         * on, the host is reset before the lease ends (the last keep-alive plus the effective timeout, with a guard,
         * falls within the lease). Without that, the report that promises a watchdog would be a lie.
         */
        private void startPending() {
            Executor.Running r = executor.running();
            if (r == null || r.started()) return;
            if (r.action().makesWritable() && !watchdogCovers()) {
                if (watchdog.status() == WatchdogState.Status.DISARMED && leaseCovers(now)) arm();
                return;
            }
            long deadline = now + cfg.limits().of(r.action());
            executor = executor.withRunning(new Executor.Running(r.id(), r.action(), now, deadline, true));
            effects.add(new Effect.Start(r.id(), r.action(), deadline));
        }

        /** A writable action may start as far as the watchdog is concerned. */
        private boolean watchdogCovers() {
            WatchdogConfig wc = cfg.watchdog();
            if (!wc.enabled()) return true;
            return switch (watchdog.status()) {
                case FAILED -> wc.mode() == WatchdogConfig.Mode.AUTO; // announced as absent: no proof rests on it
                case ARMED -> leaseCovers(watchdog.lastKick());
                default -> false;
            };
        }

        /** This leader's lease outlasts a reset by the watchdog kept alive at {@code kick}, with the guard. */
        private boolean leaseCovers(long kick) {
            return election.holdsLease(kick + cfg.watchdog().effectiveMs() + KICK_GUARD_MS);
        }

        /** The last instant a keep-alive (opening the device is one) may reach the device while PostgreSQL may write. */
        private long lastKeepAlive() {
            return election.leadership().leaseUntil() - cfg.watchdog().effectiveMs() - KICK_GUARD_MS;
        }

        private void ended(long id, Outcome outcome) {
            Executor.Running f = executor.fence();
            Executor.Running r = executor.running();
            if (id == Executor.GUARD_ID) {
                notes.add("the lease guard fenced PostgreSQL: " + (outcome.ok() ? "verified" : outcome.detail()));
                executor = executor.withGuard(Long.MAX_VALUE);
                // The VIPs the guard removed before it fenced were told apart, in host order (Input.VipGuardReleased):
                // this report may come after the step released them, the lease came back and it claimed them again.
                if (r != null && r.action().makesWritable()) {
                    if (r.started()) urgent.add(new Effect.Cancel(r.id(), "the lease guard fenced PostgreSQL"));
                    executor = executor.withRunning(null);
                    supervise(new HaObservation.ActionDone(now, r.action(), Outcome.failed(r.started()
                            ? Outcome.Failure.CANCELLED : Outcome.Failure.NOT_STARTED, "the lease guard fenced PostgreSQL")));
                }
                supervise(new HaObservation.ActionDone(now, new PgAction.Fence(), outcome));
            } else if (f != null && f.id() == id) {
                executor = executor.withFence(null);
                supervise(new HaObservation.ActionDone(now, f.action(), outcome));
            } else if (r != null && r.id() == id) {
                executor = executor.withRunning(null);
                supervise(new HaObservation.ActionDone(now, r.action(), outcome));
            }
            // Anything else was cancelled earlier: its late end changes nothing.
        }

        private void expire() {
            Executor.Running r = executor.running();
            if (r != null && now >= r.deadlineAt()) {
                if (r.started()) {
                    urgent.add(new Effect.Cancel(r.id(), "ran past its deadline of " + (r.deadlineAt() - r.since()) + " ms"));
                }
                executor = executor.withRunning(null);
                notes.add("action " + r.action().kind() + " cancelled at its deadline" + (r.started() ? "" : " before it began"));
                supervise(new HaObservation.ActionDone(now, r.action(), r.started()
                        ? Outcome.failed(Outcome.Failure.TIMEOUT, "no end within " + (r.deadlineAt() - r.since()) + " ms")
                        : Outcome.failed(Outcome.Failure.NOT_STARTED, "the watchdog did not cover it within "
                                + (r.deadlineAt() - r.since()) + " ms")));
            }
            Executor.Running f = executor.fence();
            if (f != null && now >= f.deadlineAt()) {
                executor = executor.withFence(null);
                supervise(new HaObservation.ActionDone(now, f.action(),
                        Outcome.failed(Outcome.Failure.NOT_VERIFIED, "not verified within " + cfg.limits().fenceMs() + " ms")));
            }
        }

        // ---- the watchdog -----------------------------------------------------------------------------------

        private void arm() {
            if (watchdog.status() == WatchdogState.Status.DISARMED) {
                effects.add(new Effect.ArmWatchdog(cfg.watchdog().timeoutMs(), lastKeepAlive()));
                watchdog = watchdog.with(WatchdogState.Status.ARMING);
            }
        }

        private void armed(Input.WatchdogArmed w) {
            if (watchdog.status() != WatchdogState.Status.ARMING) return;
            if (w.late()) {
                // The driver would have opened the device after the last safe instant: not opened, tried again.
                watchdog = watchdog.with(WatchdogState.Status.DISARMED);
                notes.add("watchdog not armed: " + w.detail());
                supervise(new HaObservation.Tick(now));
                return;
            }
            watchdog = w.ok() ? new WatchdogState(WatchdogState.Status.ARMED, now) : watchdog.with(WatchdogState.Status.FAILED);
            if (!w.ok()) {
                notes.add("watchdog could not be armed: " + w.detail());
                if (cfg.watchdog().mode() == WatchdogConfig.Mode.REQUIRED) {
                    supervise(new HaObservation.Unfit(now, "the required watchdog could not be armed: " + w.detail()));
                }
            }
            Executor.Running r = executor.running();
            if (r != null && !r.started() && !w.ok() && cfg.watchdog().mode() == WatchdogConfig.Mode.REQUIRED) {
                executor = executor.withRunning(null);
                supervise(new HaObservation.ActionDone(now, r.action(),
                        Outcome.failed(Outcome.Failure.NOT_STARTED, "the required watchdog could not be armed")));
            } else {
                supervise(new HaObservation.Tick(now));
            }
        }

        /** Whether the local PostgreSQL is proven unable to write, with nothing under way that could change that. */
        private boolean provenSafe() {
            return Node.provenSafe(supervisor, executor);
        }

        private void keepWatchdog() {
            WatchdogConfig wc = cfg.watchdog();
            if (!wc.enabled()) return;
            boolean leads = election.role() == Role.LEADER;
            boolean leaseCovers = election.holdsLease(now + wc.effectiveMs() + KICK_GUARD_MS);
            boolean safe = provenSafe();
            switch (watchdog.status()) {
                case DISARMED -> {
                    if (leads && leaseCovers && !stopping && restart == null) arm();
                }
                case ARMED -> {
                    if (safe && !leads && executor.running() == null) {
                        effects.add(new Effect.DisarmWatchdog());
                        watchdog = watchdog.with(WatchdogState.Status.DISARMED);
                    } else if ((safe || leaseCovers) && now >= kickDue()) {
                        // While PostgreSQL is proven safe a keep-alive has no bound; a writable action then waits
                        // until one falls within the lease (startPending).
                        long notAfter = safe ? Long.MAX_VALUE : lastKeepAlive();
                        effects.add(new Effect.KickWatchdog(notAfter));
                        watchdog = new WatchdogState(WatchdogState.Status.ARMED, now);
                    }
                }
                default -> { }
            }
        }

        /**
         * When this step keeps the watchdog alive: at {@link Wake#nextKick}; on a message from a peer (an idle
         * leader's acknowledgements come every heartbeat) up to a heartbeat before it, since the loop is awake anyway:
         * the keep-alive then needs no wake of its own. Earlier is never less safe (every keep-alive is bounded by the
         * lease, {@code leaseCovers}); a tick keeps the exact instant, which {@link Wake} gives (a tick before the wake
         * decides nothing). Only a message, which the loop stamps with its own clock as it takes it, and only
         * {@link #KICK_EVERY_MS} after the last keep-alive: an input stamped on another thread (a probe, an action's
         * end) may be decided after a later tick, and a keep-alive recorded at its older instant would understate the
         * last one, on which a writable action's start rests ({@code leaseCovers(lastKick)}).
         */
        private long kickDue() {
            long due = Wake.nextKick(cfg, election, watchdog);
            if (!early) return due;
            return Math.max(due - election.electorate().timing().heartbeatMs(), watchdog.lastKick() + KICK_EVERY_MS);
        }

        /** What peers hear about this node: watchdog armed (and its effective timeout), and PostgreSQL's safety. */
        private void report() {
            Report want;
            if (supervisor == null) {
                want = Report.NONE;
            } else {
                PgSafety pg = provenSafe() ? supervisor.local().knowledge() : PgSafety.MAY_WRITE;
                var t = cfg.tracked() ? TrackedPlacement.report(tracked, leaving()) : Report.Tracked.NONE;
                // A restart of vigild withdraws the announcement first (DaemonRestart): the daemon will not fence.
                want = new Report(watchdog.armed() && restart == null ? cfg.watchdog().effectiveMs() : 0, pg, t);
            }
            if (!want.equals(election.ownReport())) elect(new Observation.ReportChanged(now, want));
        }

        /**
         * The VIPs follow the primary ({@link VipPlacement}): held while this leader's PostgreSQL runs as the primary
         * with nothing under way that stops it, and the lease stays valid beyond the self-fence margin.
         */
        private void placeVips() {
            if (!cfg.vips() || supervisor == null) return;
            long margin = cfg.policy().selfFenceMarginMs();
            PgView v = supervisor.local().view();
            Executor.Running r = executor.running();
            String why = null;
            if (stopping) why = "vigild is stopping";
            else if (election.role() != Role.LEADER) why = "this node no longer leads";
            else if (!election.holdsLease(now + margin)) why = "the lease ends within the self-fence margin of " + margin + " ms";
            else if (supervisor.restartsPrimaryInPlace()) {
                // A crashed or hung primary restarted in place: as in a switchover, VIPs claimed and announced stay,
                // so that clients are refused at once by the stopped server, and reach it the moment it answers,
                // instead of sending into the void until they are claimed again. Nothing is lost by it: the server
                // that comes back is this one, with everything it acknowledged. A claim under way, VIPs found at
                // start or a release go the usual way (released); none is claimed meanwhile.
                if (vips.held() == VipState.Held.UP) return;
                why = "PostgreSQL is being restarted in place";
            }
            else if (executor.fence() != null) why = "PostgreSQL is being fenced";
            else if (supervisor.handover() != null && supervisor.handover().keepsVips()) {
                // A switchover stops PostgreSQL: the VIPs stay until the target has everything, so that clients are
                // refused at once by the stopped server instead of sending into the void (dropped at this host once
                // the address is gone, a connection attempt waits for its own timeout). No writes: nothing runs.
                if (vips.mayBeHeld()) return;
                why = "a switchover is under way";
            }
            else if (v.health() == PgView.Health.UNKNOWN && supervisor.local().knowledge() == PgSafety.MAY_WRITE) {
                // Not probed since the last action ended (a promotion, a reload): the next probe, asked for at once,
                // tells. Releasing now would drop a new primary's VIP right after claiming it.
                return;
            } else if (v.health() != PgView.Health.UP || v.role() != PgView.Role.PRIMARY) {
                why = "PostgreSQL is not a running primary (" + v.health() + (v.role() == null ? "" : " " + v.role()) + ")";
            } else if (r != null && stopsServer(r.action())) why = "action " + r.action().kind() + " is under way";
            boolean precheck = !stopping && election.holdsLease(now + margin);
            long leaderTerm = election.role() == Role.LEADER ? election.term() : 0;
            VipPlacement.Placed p = VipPlacement.place(vips,
                    new VipPlacement.Want(why == null, precheck, why, leaderTerm, keepsFoundVips(margin)), now);
            vips = p.next();
            urgent.addAll(0, p.urgent()); // the VIPs go first: no client reaches a PostgreSQL being stopped
            effects.addAll(p.effects());
            if (p.note() != null) notes.add(p.note());
        }

        /**
         * VIPs found on this host at start stay while this node reclaims the primary that kept serving while its vigild
         * restarted: it is the recorded primary, has not led since it started, and its PostgreSQL answers as writable
         * within the reclaim window ({@link vigil.core.ha.SupervisorState#reclaiming}) or, not probed yet, within
         * the first probe's grace (after it, a node that has not seen its PostgreSQL fences it, and the VIPs go first).
         * Never while a fence is under way. They are then where that PostgreSQL's clients expect them.
         */
        private boolean keepsFoundVips(long margin) {
            if (vips.held() != VipState.Held.FOUND || stopping || executor.fence() != null) return false;
            String self = cfg.electorate().self();
            String primary = election.durable().record().pg().primary();
            if (!self.equals(primary) || supervisor.boot().ledSinceBoot()) return false;
            if (!supervisor.local().probed()) return supervisor.awaitingFirstProbe(now);
            return supervisor.reclaiming(self, primary, now, margin);
        }

        /**
         * The VIPs placed by checks ({@link TrackedPlacement}): the leader chooses their holder; every data node holds
         * them while its checks pass and its grant (or, for the leader, its lease) lasts beyond the self-fence margin.
         */
        private void placeTracked() {
            if (!cfg.tracked() || supervisor == null) return;
            long margin = cfg.policyMargin();
            TrackedPlacement.Chosen c = TrackedPlacement.choose(tracked.grantor(), tracked, election, leaving(), now, margin);
            tracked = tracked.with(c.next());
            if (c.note() != null) notes.add(c.note());
            VipPlacement.Placed p = VipPlacement.place(VipGroup.TRACKED, tracked.held(),
                    TrackedPlacement.want(tracked, election, leaving(), now, margin), now);
            tracked = tracked.with(p.next());
            urgent.addAll(0, p.urgent());
            effects.addAll(p.effects());
            if (p.note() != null) notes.add(p.note());
            long at = TrackedPlacement.guardAt(tracked, election, margin);
            if (at != tracked.guardAt()) {
                effects.add(new Effect.VipDownAt(VipGroup.TRACKED, at));
                tracked = tracked.guardAt(at);
            }
        }

        /** Whether {@code a} stops, restarts or demotes the server (a checkpoint, a reload, a sync change do not). */
        private static boolean stopsServer(PgAction a) {
            return !(a.makesWritable() || a instanceof PgAction.Checkpoint || a instanceof PgAction.SetSyncStandbys
                    || a instanceof PgAction.Repoint || a instanceof PgAction.DiscardSetAside);
        }

        /** A planned stop ends once PostgreSQL is verified stopped and no VIP is left: resign (saying so), disarm, halt. */
        private void finishStop() {
            if (!stopping || halted) return;
            if (vips.mayBeHeld() || tracked.held().mayBeHeld()) return;
            if (supervisor != null && (supervisor.local().knowledge() != PgSafety.STOPPED || executor.busy())) return;
            elect(new Observation.Resign(now)); // a leader resigns; anyone says goodbye with its last report
            if (watchdog.status() == WatchdogState.Status.ARMED) {
                effects.add(new Effect.DisarmWatchdog());
                watchdog = watchdog.with(WatchdogState.Status.DISARMED);
            }
            effects.add(new Effect.Halt());
            halted = true;
        }
    }
}
