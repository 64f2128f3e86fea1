package vigil.testkit.bench;

import vigil.testkit.VigilCluster;

/**
 * {@link NodeCrash} in the other order: every process on the primary's node is killed first (its kernel
 * closes their TCP connections), then the link goes down. Kept as the reproducer of a known problem: the
 * survivors' peer messages then arrive late and their elections time out (docs/benchmarks.md).
 */
final class NodeCrashKillFirst extends NodeCrash {
    @Override
    public String name() {
        return "node-crash-kill-first";
    }

    @Override
    public String description() {
        return "node-crash, but kill -9 before link down (reproduces the election stall in docs/benchmarks.md)";
    }

    @Override
    double inject(VigilCluster cluster, String primary) {
        double at = cluster.kill9Vigild(primary);
        cluster.rig().killAll(cluster.rig().ns(primary));
        cluster.isolate(primary);
        cluster.rig().forgetAddresses(primary);
        return at;
    }

    /** A reproducer: by name only. */
    @Override
    public boolean inAll() {
        return false;
    }
}
