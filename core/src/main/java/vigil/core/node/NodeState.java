package vigil.core.node;

import vigil.core.election.Durable;
import vigil.core.election.ElectionState;
import vigil.core.ha.HaDurable;
import vigil.core.ha.SupervisorState;

/**
 * Everything one node's decisions know. Immutable; {@link Node#decide} returns the next one.
 *
 * @param supervisor null when this node supervises no PostgreSQL
 * @param stopping   a planned stop is under way
 * @param halted     the planned stop completed: the driver ends the process
 * @param vips       whether the VIPs that follow the primary are on this node
 * @param tracked    the VIPs placed by checks: on this node or not, its checks, grants
 * @param restart    {@code vigilctl restart-daemon} under way, or null ({@link DaemonRestart})
 */
public record NodeState(ElectionState election, SupervisorState supervisor, Executor executor,
                        WatchdogState watchdog, boolean stopping, boolean halted, VipState vips, TrackedState tracked,
                        DaemonRestart restart) {
    public NodeState {
        if (vips == null) vips = VipState.DOWN;
        if (tracked == null) tracked = TrackedState.INITIAL;
    }

    public NodeState(ElectionState election, SupervisorState supervisor, Executor executor, WatchdogState watchdog,
                     boolean stopping, boolean halted, VipState vips, TrackedState tracked) {
        this(election, supervisor, executor, watchdog, stopping, halted, vips, tracked, null);
    }

    public NodeState(ElectionState election, SupervisorState supervisor, Executor executor, WatchdogState watchdog,
                     boolean stopping, boolean halted, VipState vips) {
        this(election, supervisor, executor, watchdog, stopping, halted, vips, TrackedState.INITIAL);
    }

    /** Without VIPs held. */
    public NodeState(ElectionState election, SupervisorState supervisor, Executor executor, WatchdogState watchdog,
                     boolean stopping, boolean halted) {
        this(election, supervisor, executor, watchdog, stopping, halted, VipState.DOWN);
    }

    /**
     * A process that just started, from what it kept on disk. {@code bootId} names the kernel boot: the monotonic
     * clock of the same boot is comparable across restarts of the process.
     */
    public static NodeState boot(NodeConfig config, Durable election, HaDurable ha, long now, String bootId) {
        return boot(config, election, ha, now, bootId, false);
    }

    /**
     * As above, with the VIPs that follow the primary found on this host ({@code vipsFound}): they stay while this node
     * reclaims the primary it kept serving, and go at its first step otherwise ({@link VipPlacement}).
     */
    public static NodeState boot(NodeConfig config, Durable election, HaDurable ha, long now, String bootId,
                                 boolean vipsFound) {
        ElectionState e = ElectionState.boot(config.electorate(), election, now);
        SupervisorState s = config.supervises() ? SupervisorState.boot(now, bootId, ha) : null;
        VipState vips = vipsFound && config.vips() && s != null ? VipState.found(now) : VipState.DOWN;
        return new NodeState(e, s, Executor.IDLE, WatchdogState.boot(config.watchdog()), false, false, vips);
    }

    public HaDurable haDurable() {
        return supervisor == null ? HaDurable.INITIAL : supervisor.durable();
    }
}
