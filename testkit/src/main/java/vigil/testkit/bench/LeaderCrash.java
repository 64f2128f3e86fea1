package vigil.testkit.bench;

import vigil.testkit.VigilCluster;

/** kill -9 of the leader's vigild; it is restarted (same state dir) before the next run. */
final class LeaderCrash extends FailoverScenario {
    @Override
    public String name() {
        return "leader-crash";
    }

    @Override
    public String description() {
        return "kill -9 the leader's vigild; time until another node holds a lease";
    }

    @Override
    double inject(VigilCluster cluster, String leader) {
        return cluster.kill9Vigild(leader);
    }

    @Override
    void recover(VigilCluster cluster, String faulted) {
        if (cluster.process(faulted).isEmpty()) {
            cluster.startNode(faulted);
        }
    }
}
