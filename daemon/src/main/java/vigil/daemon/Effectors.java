package vigil.daemon;

import java.util.List;
import vigil.config.ServiceActionSettings;
import vigil.config.VigilConfig;
import vigil.core.node.Input;
import vigil.core.node.NodeConfig;
import vigil.core.node.VipGroup;
import vigil.daemon.ha.PostgresAgent;
import vigil.daemon.log.Log;
import vigil.daemon.loop.Drivers;
import vigil.daemon.loop.NodeLoop;
import vigil.daemon.service.ServiceActions;
import vigil.daemon.vip.VipCarrier;
import vigil.daemon.vip.VipDriver;

/**
 * What a vigild does to the world beyond its own PostgreSQL, built from the config and wired to the loop: the VIPs it
 * carries, the service actions run when they move or PostgreSQL changes role, and other nodes' fence agents. Each is
 * absent (null) when the config gives it nothing to do. The decisions stay in the loop's step; these only carry out
 * its effects and report back, each on threads of its own, so none can hold up the loop.
 */
final class Effectors {
    private Effectors() {
    }

    /** The VIP driver of a data node with VIPs, or null; its reports go to {@code loop}. */
    static VipCarrier vipCarrier(VigilConfig cfg, NodeConfig nodeConfig, java.util.function.Consumer<Input> loop,
                                         PostgresAgent agent, java.util.function.LongSupplier clock, Log log) {
        if (!(nodeConfig.vips() || nodeConfig.tracked()) || agent == null) return null;
        return new VipCarrier(cfg.cluster().vips(), new VipDriver(List.of(), log), loop, clock, log);
    }

    /** The loop's effects go to the VIP driver, and the lease guard removes the VIPs before it fences. */
    static void wire(VipCarrier vips, NodeLoop loop, PostgresAgent agent) {
        loop.vips(new Drivers.Vips() {
            @Override public void check() { vips.check(); }
            @Override public void up(VipGroup group, boolean checked, boolean keptFromStart) {
                vips.up(group, checked, keptFromStart);
            }
            @Override public void down(VipGroup group, String why) { vips.down(group, why); }
            @Override public void guard(VipGroup group, long at) { vips.guard(group, at); }
        });
        agent.beforeGuardFence(() -> vips.releaseNow("the lease guard fired"));
    }

    /**
     * The service actions of this node: run on the VIP's claim and release (from the VIP driver's thread, after the
     * address is up or gone) and on PostgreSQL's promotion and demotion; a failed action never blocks either.
     */
    static ServiceActions serviceActions(VigilConfig cfg, VipCarrier vips, PostgresAgent agent, Log log) {
        if (cfg.node().services().isEmpty()) return null;
        ServiceActions services = new ServiceActions(cfg.node().services(), cfg.node().stateDir(), log);
        if (vips != null) {
            vips.listener(new VipCarrier.Listener() {
                @Override public void acquired(String vip) { services.on(ServiceActionSettings.Trigger.ACQUIRED, vip); }
                @Override public void kept(String vip) { services.onKept(vip); }
                @Override public void released(String vip) { services.on(ServiceActionSettings.Trigger.RELEASED, vip); }
            });
        }
        if (agent != null) {
            agent.onRoleChange(primary -> services.on(primary ? ServiceActionSettings.Trigger.PROMOTED
                    : ServiceActionSettings.Trigger.DEMOTED, null));
        }
        return services;
    }

    /**
     * Other nodes' fence agents, run one request at a time per target on threads of their own (a BMC that does not
     * answer must not hold up the loop or a fence of another node); the outcome goes back to the loop.
     */
    static vigil.daemon.fence.Fencer fencing(VigilConfig cfg, NodeLoop loop, java.util.function.LongSupplier clock,
                                                     Log log) {
        if (cfg.cluster().nodes().stream().allMatch(n -> n.fence().isEmpty())) return null;
        vigil.daemon.fence.Fencer fencer = new vigil.daemon.fence.Fencer(cfg.cluster().nodes(), log);
        java.util.concurrent.ExecutorService runs = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "vigil-fence-agents");
            t.setDaemon(true);
            return t;
        });
        loop.fencing((node, deadlineMs) -> runs.execute(() -> {
            long started = clock.getAsLong();
            vigil.daemon.fence.FenceResult r = fencer.off(node, java.time.Duration.ofMillis(deadlineMs));
            loop.onInput(new vigil.core.node.Input.NodeFenced(clock.getAsLong(), node, r.provenOff(), started, r.reason()));
        }));
        return fencer;
    }
}
