package vigil.core.ha;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import vigil.core.election.ClusterRecord;
import vigil.core.election.ElectionState;
import vigil.core.election.Observation;
import vigil.core.election.PgRecord;
import vigil.core.election.Report.PgSafety;
import vigil.core.election.Role;
import vigil.core.ha.SupervisorState.PeerProbe;

/**
 * One supervisor decision in progress: a mutable copy of the state, the observation's effect on it, and the rules
 * every part shares (act, fence, stand down, ask a probe). The rules themselves live in {@link Leading},
 * {@link FailOver}, {@link Following}, {@link Fitness} and {@link SyncSet}.
 */
final class HaStep {
    /** How often a direct probe of another node may be asked for. */
    static final long PEER_PROBE_EVERY_MS = 250;
    /**
     * A process that just started waits this long for its first probe before it fences a PostgreSQL it knows nothing
     * about: a restarted vigild must not kill a healthy standby (or a primary it may reclaim) it has not looked at.
     */
    static final long FIRST_PROBE_GRACE_MS = 1000;

    /** Not probed since boot, and within the first probe's grace: nothing is fenced or reclaimed on what is unseen yet. */
    static boolean awaitingFirstProbe(boolean probed, long bootAt, long now) {
        return !probed && now - bootAt < FIRST_PROBE_GRACE_MS;
    }

    final ElectionState e;
    final HaPolicy p;
    final long now;
    final String me;
    final PgRecord pg;
    final List<PgAction> actions = new ArrayList<>();
    final List<Observation> electionInputs = new ArrayList<>();
    private final Why previousWhy;
    private final HaDurable durableBefore;

    PgView view;
    PgSafety knowledge;
    long stalledSince;
    boolean seenUp;
    boolean selfStopped;
    boolean probed;
    PgView.Position lastPosition;
    boolean unsettled;
    PgAction inFlight;
    long inFlightSince;
    boolean fencing;
    List<Long> restarts;
    int failedActions;
    long retryAt;
    boolean checkpointPending;
    boolean startAfterFence;
    boolean stopping;
    String unfit;
    String syncApplied;
    long syncAppliedAt;
    int rewindRetries;
    /** Why the next start must be a re-clone; null: none ({@link SupervisorState.Rejoin#reclone}). */
    SupervisorState.Reclone reclone;
    long rejoinedOn;
    String refusedFor;
    Map<String, PeerProbe> probes;
    long probeAskedAt;
    Map<String, SupervisorState.PeerProbe> fences;
    long fenceAskedAt;
    HaDurable durable;
    final long bootAt;
    final String bootId;
    boolean ledSinceBoot;
    Why why;
    SupervisorState.Freeze freeze;
    SupervisorState.Handover handover;
    SupervisorState.Order order;
    /** This step gave up leadership: nothing a leader would decide follows it. */
    boolean resigned;

    HaStep(SupervisorState s, ElectionState e, HaPolicy p, long now) {
        this.e = e;
        this.p = p;
        this.now = now;
        this.me = e.electorate().self();
        ClusterRecord record = e.durable().record();
        this.pg = record.pg();
        this.view = s.local().view();
        this.knowledge = s.local().knowledge();
        this.stalledSince = s.local().stalledSince();
        this.seenUp = s.local().seenUp();
        this.selfStopped = s.local().selfStopped();
        this.probed = s.local().probed();
        this.lastPosition = s.local().lastPosition();
        this.unsettled = s.local().unsettled();
        this.inFlight = s.work().inFlight();
        this.inFlightSince = s.work().inFlightSince();
        this.fencing = s.work().fencing();
        this.restarts = new ArrayList<>(s.work().restarts());
        this.failedActions = s.work().failedActions();
        this.retryAt = s.work().retryAt();
        this.checkpointPending = s.work().checkpointPending();
        this.startAfterFence = s.work().startAfterFence();
        this.stopping = s.work().stopping();
        this.unfit = s.work().unfit();
        this.syncApplied = s.work().syncApplied();
        this.syncAppliedAt = s.work().syncAppliedAt();
        this.rewindRetries = s.rejoin().rewindRetries();
        this.reclone = s.rejoin().reclone();
        this.refusedFor = s.rejoin().refusedFor();
        this.rejoinedOn = s.rejoin().rejoinedOn();
        this.probes = new HashMap<>(s.probes().answers());
        this.probeAskedAt = s.probes().askedAt();
        this.fences = new HashMap<>(s.probes().fences());
        this.fenceAskedAt = s.probes().fenceAskedAt();
        this.durable = s.durable();
        this.durableBefore = s.durable();
        this.bootAt = s.boot().at();
        this.bootId = s.boot().id();
        this.ledSinceBoot = s.boot().ledSinceBoot();
        this.previousWhy = s.why();
        this.why = s.why();
        this.freeze = s.freeze();
        this.handover = s.handover();
        this.order = s.order();
    }

    HaDecision finish() {
        SupervisorState next = new SupervisorState(
                new SupervisorState.Local(view, knowledge, stalledSince, seenUp, selfStopped, probed, lastPosition,
                        unsettled),
                new SupervisorState.Work(inFlight, inFlightSince, fencing, restarts, failedActions, retryAt,
                        checkpointPending, startAfterFence, stopping, unfit, syncApplied, syncAppliedAt),
                new SupervisorState.Rejoin(rewindRetries, reclone, refusedFor, rejoinedOn),
                new SupervisorState.Probes(probes, probeAskedAt, fences, fenceAskedAt), durable,
                new SupervisorState.Boot(bootAt, bootId, ledSinceBoot), why, freeze, handover, order);
        return new HaDecision(next, actions, electionInputs, durable.equals(durableBefore) ? null : durable,
                why != null && !why.equals(previousWhy) ? why : null);
    }

    // ---- observe --------------------------------------------------------------------------------------------

    void observe(HaObservation o) {
        if (o instanceof HaObservation.Probed pr) {
            probed(pr.view());
        } else if (o instanceof HaObservation.PeerProbed pp) {
            probes.put(pp.node(), new PeerProbe(pp.result(), pp.startedAt(), now, pp.detail(), pp.deadlineMs()));
        } else if (o instanceof HaObservation.ConfirmedDown c) {
            // Into the record, so that a next leader has it too (FailOver reads it from there).
            if (e.role() == Role.LEADER) {
                electionInputs.add(new Observation.RecordUpdate(now,
                        pg.withConfirmedDown(new PgRecord.Confirmed(c.node(), e.term(), c.operator(), c.at()))));
            }
        } else if (o instanceof HaObservation.Cleanup) {
            // The operator's word that the cause is dealt with: restarts in place are allowed again, and the
            // candidacy that migration_threshold withdrew comes back at once (Fitness reads the same list).
            restarts.clear();
            failedActions = 0;
            retryAt = 0;
        } else if (o instanceof HaObservation.RestartPg r) {
            Restart.begin(this, r);
        } else if (o instanceof HaObservation.NodeFenced f) {
            fences.put(f.node(), new SupervisorState.PeerProbe(f.off() ? PeerPg.POWERED_OFF : PeerPg.UNKNOWN,
                    f.startedAt(), now, f.detail()));
        } else if (o instanceof HaObservation.ActionDone d) {
            done(d.action(), d.outcome());
        } else if (o instanceof HaObservation.Stop) {
            stopping = true;
        } else if (o instanceof HaObservation.Unfit u) {
            unfit = u.reason();
        } else if (o instanceof HaObservation.Frozen f) {
            Freezing.answered(this, f);
        } else if (o instanceof HaObservation.Switchover sw) {
            Switchover.begin(this, sw);
        } else if (o instanceof HaObservation.Pause pause) {
            if (e.role() == Role.LEADER) {
                electionInputs.add(new Observation.RecordUpdate(now, pg.withPaused(pause.on()
                        ? new PgRecord.Paused(pause.operator(), pause.at(), e.term()) : null)));
            }
        } else if (o instanceof HaObservation.Ban ban) {
            if (e.role() == Role.LEADER) electionInputs.add(new Observation.RecordUpdate(now, pg.withBan(ban.node(), ban.on())));
        } else if (o instanceof HaObservation.FailoverOrdered f) {
            OrderedFailover.begin(this, f);
        } else if (o instanceof HaObservation.FailoverCancelled c) {
            OrderedFailover.cancel(this, c.why());
        } else if (o instanceof HaObservation.VipsReleased) {
            Switchover.vipsReleased(this);
        }
        restarts.removeIf(t -> now - t >= p.failureTimeoutMs());
        if (e.holdsLease(now)) {
            ledSinceBoot = true;
            if (durable.reclaimUntil() != 0) durable = durable.withReclaim("", 0); // the window served its purpose
        }
    }

    private void probed(PgView v) {
        // A frozen server answers nobody: its silence says nothing about its health (it is not restarted for it).
        if ((freeze.asked() || freeze.pending()) && v.health() != PgView.Health.STOPPED && v.health() != PgView.Health.UP) {
            return;
        }
        PgView before = view;
        view = v;
        probed = true;
        if (v.health() == PgView.Health.UP && v.position().known()) lastPosition = v.position();
        boolean writableAction = inFlight != null && inFlight.makesWritable();
        if (v.health() == PgView.Health.UP) {
            seenUp = true;
            selfStopped = false;
            knowledge = v.role() == PgView.Role.PRIMARY || writableAction || unsettled ? PgSafety.MAY_WRITE : PgSafety.STANDBY;
        } else if (v.health() == PgView.Health.STOPPED) {
            knowledge = writableAction ? PgSafety.MAY_WRITE : PgSafety.STOPPED;
            if (!writableAction) unsettled = false; // no process left: nothing can complete a promotion
        }
        // HUNG, FAILING, UNKNOWN prove nothing new: a hung standby is still a standby, a hung primary may still write.
        boolean forked = v.writable() || (v.health() == PgView.Health.STOPPED && v.disk().lastRanAsPrimary()
                && !me.equals(pg.primary()) && !Following.heldByPrimary(this, v));
        if (forked && !durable.needsRewind()) durable = durable.withNeedsRewind(true);
        if (forked || v.health() == PgView.Health.UP) rejoinedOn = 0; // it ran since: the copy's proof is spent
        boolean following = v.isStandby() && v.streaming() && v.upstream() != null
                && v.upstream().equals(pg.primary());
        // A standby not yet consistent refuses connections (FAILING); the driver reports the segment its replay
        // waits for from its upstream, when it waits for one: stalled while that stays the segment it reads.
        boolean waiting = Following.waitingForWal(v);
        // A FAILING view that says nothing of replay (a title between two readings, or none) neither starts nor ends
        // a stall: only a standby seen streaming, up or stopped, or a replay that moved on, does.
        boolean silent = v.health() == PgView.Health.FAILING && !waiting;
        if (silent) return;
        if (following || !v.isStandby() && !waiting) stalledSince = -1;
        else if (stalledSince < 0 || waiting && Following.waitingForWal(before) && !v.position().equals(before.position())) {
            stalledSince = now; // (a move across a view that said nothing is not seen: the upstream is asked anew anyway)
        }
    }

    private void done(PgAction action, Outcome outcome) {
        if (action instanceof PgAction.Fence) {
            fencing = false;
            if (outcome.ok()) {
                knowledge = PgSafety.STOPPED;
                unsettled = false;
                view = view.asStopped();
                selfStopped = true;
            } else {
                why = new Why(HaReason.FENCE_NOT_VERIFIED, null, outcome.detail());
                // Not a restart any more: a server still hung is fenced (and counted) anew; one that came back serves on.
                startAfterFence = false;
            }
            return;
        }
        if (!action.equals(inFlight)) return; // preempted earlier; its late end changes nothing
        inFlight = null;
        Switchover.done(this, action, outcome);
        if (!outcome.ok() && action.makesWritable() && !outcome.nothingRan()) {
            unsettled = true; // it may still complete: only a verified stop proves otherwise
            knowledge = PgSafety.MAY_WRITE;
        }
        if (outcome.ok()) {
            failedActions = 0;
            retryAt = 0;
        } else if ((action instanceof PgAction.StartPrimary || action instanceof PgAction.StartStandby)
                && (outcome.failure() == Outcome.Failure.BUSY || outcome.failure() == Outcome.Failure.CANCELLED
                        || outcome.failure() == Outcome.Failure.PREEMPTED)) {
            // A fence cancelled, turned away or withdrew it: nothing about PostgreSQL to back off from. On a flapping
            // link the lease guard's fence did so to the start a renewed lease had decided, and the back-off kept the
            // primary down 0.5 s longer (docs/benchmarks.md). The fence's end and its cause decide what comes next.
            // Only a start: it forgets the view (below), so it is decided again only after a new probe. A Promote the
            // guard withdrew keeps its back-off (its end comes before the guard's verdict, which sets the view
            // stopped: it would be decided again in that step); an action that keeps the view, at once.
        } else {
            failedActions++; // back off: 0.5 s, 1 s, 2 s ... up to 30 s between attempts of a failing action
            retryAt = now + Math.min(30_000, 500L << Math.min(6, failedActions - 1));
            // A failed start counts toward migration_threshold; one a fence cancelled says nothing about PostgreSQL (a
            // lease renewed just after a self-fence, then the lease guard's report of that same fence: flapping links).
            // (The recorded primary's start as a standby of nobody, before its promotion, is its start too.)
            boolean primaryStart = action instanceof PgAction.StartPrimary
                    || action instanceof PgAction.StartStandby ss && ss.upstream() == null;
            if (primaryStart && outcome.failure() != Outcome.Failure.CANCELLED) restarts.add(now);
        }
        if (action instanceof PgAction.Rewind || action instanceof PgAction.Clone) rejoined(action, outcome);
        if (action instanceof PgAction.Promote && outcome.ok()) checkpointPending = true;
        // Its data is the cluster's now: no copy is owed any more.
        if ((action instanceof PgAction.Promote || action instanceof PgAction.StartPrimary) && outcome.ok()) reclone = null;
        if (action instanceof PgAction.Checkpoint) checkpointPending = false;
        if (action instanceof PgAction.SetSyncStandbys ss && outcome.ok()) {
            syncApplied = ss.value();
            syncAppliedAt = now;
        }
        boolean changesServer = !(action instanceof PgAction.Checkpoint || action instanceof PgAction.SetSyncStandbys
                || action instanceof PgAction.DiscardSetAside);
        if (action instanceof PgAction.Initialise && outcome.ok()) selfStopped = true; // a first start, not a crash
        if (action instanceof PgAction.StopFast && outcome.ok()) selfStopped = true; // started again later: no crash
        // What PostgreSQL looked like before the action says nothing about it now: wait for a new probe.
        if (changesServer) view = PgView.UNKNOWN.withDisk(view.disk());
    }

    private void rejoined(PgAction action, Outcome outcome) {
        if (outcome.ok()) {
            rewindRetries = 0;
            reclone = null;
            // The copy proves it holds nothing off the primary's history only if it came from the primary recorded
            // now: a copy of a primary replaced while it ran (its host suspended, a failover meanwhile) may hold that
            // primary's WAL past the new one's fork (the simulator's seed 1647: a clone of n1 finished after n2's
            // promotion, was started as n2's standby and served commits the cluster lost). Then the timelines decide.
            String source = action instanceof PgAction.Clone c ? c.source() : ((PgAction.Rewind) action).source();
            rejoinedOn = source.equals(pg.primary()) ? pg.timeline() : 0;
            if (durable.needsRewind()) durable = durable.withNeedsRewind(false);
            return;
        }
        switch (outcome.failure()) {
            case REWIND_IMPOSSIBLE -> reclone = new SupervisorState.Reclone(null, "pg_rewind cannot repair the divergence");
            case FOREIGN_SYSTEM -> refusedFor = pg.primary();
            default -> rewindRetries++;
        }
    }

    // ---- decide ---------------------------------------------------------------------------------------------

    void decide() {
        if (!e.electorate().me().canLead()) return; // a witness holds no PostgreSQL
        Switchover.settle(this);
        boolean lapsed = OrderedFailover.settle(this);
        var c = Fitness.candidacy(this);
        String streamsFrom = view.isStandby() && view.streaming() ? view.upstream() : null;
        if (!c.equals(e.own()) || !Objects.equals(streamsFrom, e.streamsFrom())) {
            electionInputs.add(new Observation.CandidacyChanged(now, c, streamsFrom));
        }
        boolean leaseOk = leaseOk();
        boolean looked = !awaitingFirstProbe(probed, bootAt, now);
        if (knowledge == PgSafety.MAY_WRITE && !leaseOk && looked && !reclaiming()) {
            if (!fencing) fence(HaReason.SELF_FENCE, fenceCause());
            return;
        }
        if (stopping) {
            stop();
            return;
        }
        // One step to say it (the leader stands down at the next, no longer a candidate); a resignation ends the step
        // (only observe() can have resigned by now: OrderedFailover's hand-over; a resignation there must end it too).
        if (lapsed || resigned) return;
        if (Freezing.decide(this)) return;
        if (pg.paused() != null && !fencing && !OrderedFailover.overridesPause(this)) {
            // Maintenance: the operator acts. The self-fence above and the freeze on doubt still hold; nothing else.
            why = new Why(HaReason.PAUSED, null, "maintenance mode, " + pg.paused()
                    + ": no automatic failover, restart or rejoin until vigilctl resume");
            return;
        }
        if (unfit != null && leaseOk && !fencing) {
            standDown(HaReason.UNFIT, unfit);
            return;
        }
        if (!leaseOk && !fencing) EarlyCheck.ask(this);
        if (fencing || inFlight != null || now < retryAt || !looked) return;
        if (leaseOk) Leading.lead(this);
        else Following.follow(this);
    }

    /**
     * A planned stop: a clean (fast) shutdown, so standbys receive everything up to the shutdown checkpoint; a fence
     * when that fails, when the lease ends first (above), or when another action is running (it is cancelled).
     */
    private void stop() {
        if (fencing || knowledge == PgSafety.STOPPED && inFlight == null) return;
        if (freeze.asked()) {
            fence(HaReason.PLANNED_STOP, "planned stop: PostgreSQL is frozen (the lease is in doubt) and cannot shut down");
            return;
        }
        if (inFlight instanceof PgAction.StopFast) return;
        if (inFlight != null || failedActions > 0 || view.health() == PgView.Health.HUNG) {
            fence(HaReason.PLANNED_STOP, "planned stop: " + (inFlight != null ? inFlight.kind() + " cancelled"
                    : failedActions > 0 ? "the clean shutdown failed" : "PostgreSQL does not answer"));
        } else if (view.health() == PgView.Health.UP || view.health() == PgView.Health.FAILING) {
            act(new PgAction.StopFast(), new Why(HaReason.PLANNED_STOP, null, "clean shutdown"));
        }
    }

    /** Leader, with a lease valid beyond the fence margin: only then may the local PostgreSQL write. */
    boolean leaseOk() {
        return e.role() == Role.LEADER && e.holdsLease(now + p.selfFenceMarginMs());
    }

    private String fenceCause() {
        if (e.role() != Role.LEADER) return "not the leader (" + (e.leader() == null ? "no leader known" : "leader " + e.leader())
                + "), PostgreSQL " + view.health() + (view.role() == null ? "" : " " + view.role());
        long left = e.leaseRemaining(now);
        return left <= 0 ? "lease lapsed" : "lease ends in " + left + " ms, within the fence margin of "
                + p.selfFenceMarginMs() + " ms";
    }

    /**
     * After a restart, a recorded primary whose PostgreSQL still serves keeps it running while it regains
     * leadership, instead of cutting every client off — for a window set once on disk, so a crash loop cannot
     * renew it. Only before it has led since boot: a leader that loses its lease always fences.
     */
    boolean reclaiming() {
        if (!me.equals(pg.primary()) || ledSinceBoot || !view.writable()) return false;
        if (!durable.reclaimBoot().equals(bootId) || durable.reclaimUntil() == 0) {
            durable = durable.withReclaim(bootId, now + p.reclaimWindowMs());
        }
        return now + p.selfFenceMarginMs() < durable.reclaimUntil(); // ends like a lease: fenced before, not after
    }

    // ---- shared rules ---------------------------------------------------------------------------------------

    void act(PgAction action, Why reason) {
        if (action.makesWritable() && !durable.needsRewind()) {
            durable = durable.withNeedsRewind(true); // on disk before PostgreSQL can write: its history may fork
        }
        if (action.makesWritable()) knowledge = PgSafety.MAY_WRITE;
        actions.add(action);
        inFlight = action;
        inFlightSince = now;
        why = reason;
    }

    void act(PgAction action, HaReason reason) {
        act(action, Why.of(reason));
    }

    void fence(HaReason reason, String cause) {
        actions.add(new PgAction.Fence());
        fencing = true;
        startAfterFence = false; // a restart in place says so itself (fenceToRestart)
        inFlight = null; // the executor cancels it: the fence must not wait behind anything
        why = new Why(reason, null, cause);
    }

    /**
     * A fence of this leader's primary that is then started again in place (its restart counted by the caller). The
     * mark lasts until that start is issued, and ends with a fence that fails or any stand-down: only while it lasts
     * do the VIPs stay ({@link SupervisorState#restartsPrimaryInPlace}), and only with it does the start skip the
     * count against migration_threshold.
     */
    void fenceToRestart(HaReason reason, String cause) {
        fence(reason, cause);
        startAfterFence = true;
    }

    /**
     * Gives up leadership (followers may stand at once). Never while the local PostgreSQL may write: a resignation
     * frees the followers before the lease would, so a new leader could promote while the fence is still under way.
     * Then the fence comes first; the next decision, with PostgreSQL verified stopped, resigns.
     */
    void standDown(Why reason) {
        standDown(reason, null);
    }

    /** As {@link #standDown(Why)}, naming the node that should lead next ({@link Switchover}, a hand-back in {@link FailOver}); null: none. */
    void standDown(Why reason, String successor) {
        startAfterFence = false; // no restart in place once the node gives up
        if (knowledge == PgSafety.MAY_WRITE) {
            if (!fencing) fence(reason.reason(), "PostgreSQL is killed before leadership is given up: " + reason.detail());
            return;
        }
        why = reason;
        electionInputs.add(new Observation.Resign(now, successor));
        resigned = true;
    }

    void standDown(HaReason reason, String detail) {
        standDown(new Why(reason, null, detail));
    }

    void askPeerProbe(String node, Why reason) {
        askPeerProbe(node, reason, PgAction.ProbePeer.DEADLINE_MS);
    }

    void askPeerProbe(String node, Why reason, long deadlineMs) {
        why = reason;
        probeQuietly(node, deadlineMs);
    }

    /** A direct probe of {@code node}, at most every {@link #PEER_PROBE_EVERY_MS}; this step's reason left as it is. */
    void probeQuietly(String node, long deadlineMs) {
        if (now - probeAskedAt >= PEER_PROBE_EVERY_MS) {
            probeAskedAt = now;
            actions.add(new PgAction.ProbePeer(node, deadlineMs));
        }
    }

    /** The follower acknowledged one of this leader's recent heartbeats: its vigild is alive and hears us. */
    boolean freshlyAcked(String node) {
        if (e.leadership() == null) return false;
        long window = Math.max(1, e.electorate().timing().leaseMs() / e.electorate().timing().heartbeatMs());
        Long acked = e.leadership().acked().get(node);
        return acked != null && acked >= Math.max(1, e.leadership().seq() - window);
    }
}
