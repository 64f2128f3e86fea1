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
import vigil.core.ha.PgAction;
import vigil.core.ha.Supervisor;
import vigil.core.ha.SupervisorState;
import vigil.core.ha.Why;

/**
 * One run of {@link Node#decide}: the state it starts from, what it changes and what it asks for, carried through the
 * election, the supervisor and the rules of the parts beside it ({@link StepExecutor}, {@link StepWatchdog},
 * {@link StepVips}), which read and change these fields in the order {@link #handle} calls them. Nothing outlives the
 * step but its {@link #finish}: a fresh one for every input, on one thread.
 *
 * <p>{@code urgent} effects go out before the others (a fence, a freeze, the release of VIPs): see {@link Node}.
 */
final class NodeStep {
    final NodeConfig cfg;
    final long now;
    final List<Effect> urgent = new ArrayList<>();
    final List<Effect> effects = new ArrayList<>();
    final List<Event> events = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    ElectionState election;
    SupervisorState supervisor;
    Executor executor;
    WatchdogState watchdog;
    boolean stopping;
    boolean halted;
    VipState vips;
    TrackedState tracked;
    DaemonRestart restart;
    TrackedPlacement.Grant grant; // what this step's heartbeats carry, computed once
    Why why;
    boolean early; // the input is a message: the watchdog may be kept alive early (kickDue)

    NodeStep(NodeConfig cfg, NodeState s, long now) {
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
            StepExecutor.ended(this, a.id(), a.outcome());
        } else if (in instanceof Input.WatchdogArmed w) {
            StepWatchdog.armed(this, w);
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
        StepExecutor.expire(this);
        guard();
        StepWatchdog.keep(this);
        StepExecutor.startPending(this);
        StepVips.placeTracked(this);
        report();
        StepVips.placeVips(this);
        handOver();
        finishStop();
        finishRestart();
    }

    /**
     * A planned stop, or a restart of vigild: the VIPs placed by checks are given up before the process ends (a
     * holder that vanished with them could not drop them when its grant runs out, and another host would be granted
     * them). Those that follow the primary stay through a restart: PostgreSQL keeps serving behind them.
     */
    boolean leaving() {
        return stopping || restart != null;
    }

    NodeState state() {
        return new NodeState(election, supervisor, executor, watchdog, stopping, halted, vips, tracked, restart);
    }

    /**
     * {@code restart-daemon}: once a majority acknowledged the record withdrawing the watchdog announcement (at once
     * when this node does not lead), the watchdog is closed and the process halts, PostgreSQL left running and leadership not
     * resigned; given up when the acknowledgements do not come in time ({@link DaemonRestart}).
     */
    void finishRestart() {
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
    void handOver() {
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
    void guard() {
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
    long reclaimWindow() {
        var d = supervisor.durable();
        var b = supervisor.boot();
        return !b.ledSinceBoot() && d.reclaimUntil() != 0 && d.reclaimBoot().equals(b.id()) ? d.reclaimUntil()
                : Long.MIN_VALUE;
    }

    // ---- election and supervisor ------------------------------------------------------------------------
    void elect(Observation o) {
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
    Message forTracked(Message m) {
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
    void heardForTracked(Input.Received r) {
        if (!cfg.tracked()) return;
        if (r.message() instanceof Message.HeartbeatAck a && election.role() == Role.LEADER && a.term() == election.term()) {
            tracked = tracked.with(TrackedPlacement.heard(tracked.grantor(), a.term(), r.from(), a.seq(), now));
        } else if (r.message() instanceof Message.Heartbeat h && r.from().equals(election.leader())
                && h.term() == election.term() && election.role() != Role.LEADER) {
            tracked = tracked.with(TrackedPlacement.granted(tracked.grantee(), cfg.electorate().self(), h.term(),
                    h.grant(), cfg.electorate().timing().drift()));
        }
    }

    void persist(vigil.core.election.Durable e, vigil.core.ha.HaDurable ha) {
        var haPart = ha != null ? ha : supervisor == null ? vigil.core.ha.HaDurable.INITIAL : supervisor.durable();
        Effect.Persist p = new Effect.Persist(e, haPart);
        if (!effects.isEmpty() && effects.get(effects.size() - 1) instanceof Effect.Persist) {
            effects.set(effects.size() - 1, p); // consecutive writes with nothing sent between: one fsync
        } else {
            effects.add(p);
        }
    }

    void supervise(HaObservation o) {
        if (supervisor == null) return;
        Role before = election.role();
        superviseOnce(o);
        // A resignation (or any change of role) is acted on in the same step: a fence must not wait a tick.
        if (election.role() != before) superviseOnce(new HaObservation.Tick(now));
    }

    void superviseOnce(HaObservation o) {
        HaDecision d = Supervisor.decide(supervisor, election, cfg.policy(), o);
        supervisor = d.next();
        if (d.why() != null) why = d.why();
        if (d.persist() != null) persist(election.durable(), d.persist());
        for (Observation in : d.electionInputs()) elect(in);
        for (PgAction a : d.actions()) StepExecutor.schedule(this, a);
    }

    /** Whether the local PostgreSQL is proven unable to write, with nothing under way that could change that. */
    boolean provenSafe() {
        return Node.provenSafe(supervisor, executor);
    }

    /** What peers hear about this node: watchdog armed (and its effective timeout), and PostgreSQL's safety. */
    void report() {
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

    /** A planned stop ends once PostgreSQL is verified stopped and no VIP is left: resign (saying so), disarm, halt. */
    void finishStop() {
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
