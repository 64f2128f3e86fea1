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
 */
public record NodeConfig(Electorate electorate, HaPolicy policy, WatchdogConfig watchdog, ActionLimits limits,
                         boolean vips) {
    public NodeConfig {
        if (watchdog == null) watchdog = WatchdogConfig.OFF;
        if (limits == null) limits = ActionLimits.DEFAULT;
    }

    /** Without VIPs. */
    public NodeConfig(Electorate electorate, HaPolicy policy, WatchdogConfig watchdog, ActionLimits limits) {
        this(electorate, policy, watchdog, limits, false);
    }

    public boolean supervises() {
        return policy != null && electorate.me().canLead();
    }
}
