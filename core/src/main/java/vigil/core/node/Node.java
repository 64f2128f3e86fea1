package vigil.core.node;

import vigil.core.election.Election;
import vigil.core.election.Report;
import vigil.core.ha.Supervisor;
import vigil.core.ha.SupervisorState;

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
     * The last keep-alive the lease allows is given within this long of its bound
     * ({@link StepWatchdog#lastKeepAlive}): part of how early the device may fire
     * ({@link WatchdogConfig#earliestResetBeforeLeaseEndMs}).
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
        NodeStep step = new NodeStep(config, state, input.now());
        if (!state.halted()) step.handle(input);
        return step.finish();
    }
}
