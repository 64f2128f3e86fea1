package vigil.core.node;

import vigil.core.ha.HaObservation;
import vigil.core.ha.Outcome;
import vigil.core.ha.PgAction;

/**
 * The action executor's part of a {@link NodeStep}: one PostgreSQL action at a time, each with its deadline, and the
 * fence beside it. A fence preempts the running action and goes out first ({@code urgent}); an action that would make
 * PostgreSQL writable starts only once the watchdog covers it ({@link StepWatchdog#covers}); an action refused, cancelled
 * or past its deadline is told to the supervisor as such, in the same step.
 */
final class StepExecutor {
    private StepExecutor() {}

    static void schedule(NodeStep s, PgAction a) {
        if (a instanceof PgAction.ProbePeer p) {
            s.effects.add(new Effect.ProbePeer(p.node(), p.deadlineMs()));
        } else if (a instanceof PgAction.FenceNode f) {
            s.effects.add(new Effect.FenceNode(f.node(), Node.FENCE_NODE_DEADLINE_MS));
        } else if (a instanceof PgAction.Freeze f) {
            s.urgent.add(new Effect.Freeze(f.frozen())); // a freeze stops commits: before anything else goes out
        } else if (a instanceof PgAction.Fence) {
            if (s.executor.fence() != null) return;
            Executor.Running r = s.executor.running();
            if (r != null) {
                if (r.started()) s.urgent.add(new Effect.Cancel(r.id(), "preempted by the self-fence"));
                s.executor = s.executor.withRunning(null);
            }
            long id = s.executor.nextId();
            long deadline = s.now + s.cfg.limits().fenceMs();
            s.executor = s.executor.withFence(new Executor.Running(id, a, s.now, deadline, true));
            s.urgent.add(new Effect.Fence(id, deadline));
        } else if (s.executor.busy()) {
            s.notes.add("action " + a.kind() + " refused: " + s.executor.running() + " still runs");
            s.superviseOnce(new HaObservation.ActionDone(s.now, a,
                    Outcome.failed(Outcome.Failure.BUSY, "executor busy")));
        } else if (a.makesWritable() && s.watchdog.status() == WatchdogState.Status.FAILED
                && s.cfg.watchdog().mode() == WatchdogConfig.Mode.REQUIRED) {
            s.superviseOnce(new HaObservation.ActionDone(s.now, a,
                    Outcome.failed(Outcome.Failure.NOT_STARTED, "the required watchdog could not be armed")));
        } else {
            long id = s.executor.nextId();
            s.executor = s.executor.withRunning(new Executor.Running(id, a, s.now, s.now + s.cfg.limits().of(a), false));
            startPending(s);
        }
    }

    /**
     * Starts the action waiting in the executor once nothing stands against it. A writable one (Promote, a primary
     * start) waits for the watchdog: PostgreSQL may write only while, should this whole process freeze from now
     * on, the host is reset before the lease ends (the last keep-alive plus the effective timeout, with a guard,
     * falls within the lease). Without that, the report that promises a watchdog would be a lie.
     */
    static void startPending(NodeStep s) {
        Executor.Running r = s.executor.running();
        if (r == null || r.started()) return;
        if (r.action().makesWritable() && !StepWatchdog.covers(s)) {
            if (s.watchdog.status() == WatchdogState.Status.DISARMED && StepWatchdog.leaseCovers(s, s.now)) StepWatchdog.arm(s);
            return;
        }
        long deadline = s.now + s.cfg.limits().of(r.action());
        s.executor = s.executor.withRunning(new Executor.Running(r.id(), r.action(), s.now, deadline, true));
        s.effects.add(new Effect.Start(r.id(), r.action(), deadline));
    }

    static void ended(NodeStep s, long id, Outcome outcome) {
        Executor.Running f = s.executor.fence();
        Executor.Running r = s.executor.running();
        if (id == Executor.GUARD_ID) {
            s.notes.add("the lease guard fenced PostgreSQL: " + (outcome.ok() ? "verified" : outcome.detail()));
            s.executor = s.executor.withGuard(Long.MAX_VALUE);
            // The VIPs the guard removed before it fenced were told apart, in host order (Input.VipGuardReleased):
            // this report may come after the step released them, the lease came back and it claimed them again.
            boolean cancels = r != null && r.action().makesWritable();
            HaObservation.ActionDone cancelled = null;
            if (cancels) {
                if (r.started()) s.urgent.add(new Effect.Cancel(r.id(), "the lease guard fenced PostgreSQL"));
                s.executor = s.executor.withRunning(null);
                cancelled = new HaObservation.ActionDone(s.now, r.action(), r.started()
                        ? Outcome.failed(Outcome.Failure.CANCELLED, "the lease guard fenced PostgreSQL")
                        : Outcome.failed(Outcome.Failure.PREEMPTED, "the lease guard fenced PostgreSQL before it began"));
            }
            // A start may have been carried out after the guard killed everything (its Start effect waited behind the
            // loop's fsync): its end then comes after the fence's verdict, and leaves PostgreSQL MAY_WRITE until a
            // verified stop. The other way round the step believed the server stopped while a postmaster started
            // without a lease. A promote cannot revive a killed server: the fence's verdict stands after it.
            boolean startLast = cancels && r.action() instanceof PgAction.StartPrimary;
            if (cancelled != null && !startLast) s.supervise(cancelled);
            s.supervise(new HaObservation.ActionDone(s.now, new PgAction.Fence(), outcome));
            if (startLast) s.supervise(cancelled);
        } else if (f != null && f.id() == id) {
            s.executor = s.executor.withFence(null);
            s.supervise(new HaObservation.ActionDone(s.now, f.action(), outcome));
        } else if (r != null && r.id() == id) {
            s.executor = s.executor.withRunning(null);
            s.supervise(new HaObservation.ActionDone(s.now, r.action(), outcome));
        }
        // Anything else was cancelled earlier: its late end changes nothing.
    }

    static void expire(NodeStep s) {
        Executor.Running r = s.executor.running();
        if (r != null && s.now >= r.deadlineAt()) {
            if (r.started()) {
                s.urgent.add(new Effect.Cancel(r.id(), "ran past its deadline of " + (r.deadlineAt() - r.since()) + " ms"));
            }
            s.executor = s.executor.withRunning(null);
            s.notes.add("action " + r.action().kind() + " cancelled at its deadline" + (r.started() ? "" : " before it began"));
            s.supervise(new HaObservation.ActionDone(s.now, r.action(), r.started()
                    ? Outcome.failed(Outcome.Failure.TIMEOUT, "no end within " + (r.deadlineAt() - r.since()) + " ms")
                    : Outcome.failed(Outcome.Failure.NOT_STARTED, "the watchdog did not cover it within "
                            + (r.deadlineAt() - r.since()) + " ms")));
        }
        Executor.Running f = s.executor.fence();
        if (f != null && s.now >= f.deadlineAt()) {
            s.executor = s.executor.withFence(null);
            s.supervise(new HaObservation.ActionDone(s.now, f.action(),
                    Outcome.failed(Outcome.Failure.NOT_VERIFIED, "not verified within " + s.cfg.limits().fenceMs() + " ms")));
        }
    }
}
