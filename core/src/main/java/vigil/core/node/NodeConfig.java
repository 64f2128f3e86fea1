package vigil.core.node;

import vigil.core.election.Electorate;
import vigil.core.ha.HaPolicy;

/**
 * Everything the node step needs from the configuration, identical in the daemon and the simulator.
 *
 * @param policy   the PostgreSQL policy, or null when vigil manages no PostgreSQL (or this node is a witness); its
 *                 self-fence margin is raised to {@link #minSelfFenceMarginMs} if shorter
 * @param watchdog this node's watchdog
 * @param limits   how long each kind of action may run before it is cancelled
 * @param vips     VIPs follow this node's PostgreSQL when it is the primary
 * @param tracked  VIPs are placed by checks ({@link VipGroup#TRACKED}); this node may hold them if it supervises
 *                 PostgreSQL
 */
public record NodeConfig(Electorate electorate, HaPolicy policy, WatchdogConfig watchdog, ActionLimits limits,
                         boolean vips, boolean tracked) {
    public NodeConfig {
        if (watchdog == null) watchdog = WatchdogConfig.OFF;
        if (limits == null) limits = ActionLimits.DEFAULT;
        if (policy != null && policy.selfFenceMarginMs() < minSelfFenceMarginMs(watchdog)) {
            policy = policy.withSelfFenceMarginMs(minSelfFenceMarginMs(watchdog));
        }
    }

    /**
     * How long a self-fence (the VIPs' release, then the kill of PostgreSQL's group, verified) may take and still end
     * before the lease does. cgroup.kill was measured at 47 ms at most idle, the {@code /proc} fallback at 151 ms
     * under load; on two busy cores the VIP release and the kill together once took more than 60 ms.
     */
    public static final long FENCE_ROOM_MS = 250;

    /**
     * The shortest self-fence margin: room for the fence before the lease ends, and with a watchdog before the device
     * may fire ({@link WatchdogConfig#earliestResetBeforeLeaseEndMs()}): a leader cut off from its peers with an
     * ordinary fence is then neither writing past its lease nor reset by its own watchdog.
     */
    public static long minSelfFenceMarginMs(WatchdogConfig watchdog) {
        return FENCE_ROOM_MS + watchdog.earliestResetBeforeLeaseEndMs();
    }

    /** Without VIPs placed by checks. */
    public NodeConfig(Electorate electorate, HaPolicy policy, WatchdogConfig watchdog, ActionLimits limits,
                      boolean vips) {
        this(electorate, policy, watchdog, limits, vips, false);
    }

    /** Without VIPs. */
    public NodeConfig(Electorate electorate, HaPolicy policy, WatchdogConfig watchdog, ActionLimits limits) {
        this(electorate, policy, watchdog, limits, false);
    }

    /** The self-fence margin: a lease (or a grant) is acted on only while it lasts beyond it. */
    long policyMargin() {
        return policy == null ? 0 : policy.selfFenceMarginMs();
    }

    public boolean supervises() {
        return policy != null && electorate.me().canLead();
    }
}
