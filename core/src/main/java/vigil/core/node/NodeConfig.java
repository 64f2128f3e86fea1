package vigil.core.node;

import vigil.core.election.Electorate;
import vigil.core.ha.HaPolicy;

/**
 * Everything the node step needs from the configuration, identical in the daemon and the simulator.
 *
 * @param policy   the PostgreSQL policy, or null when vigil manages no PostgreSQL (or this node is a witness)
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
