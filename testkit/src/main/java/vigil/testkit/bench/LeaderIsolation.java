package vigil.testkit.bench;

import vigil.testkit.VigilCluster;

/** The leader's cable is pulled (switch-side veth down); healed before the next run. */
final class LeaderIsolation extends FailoverScenario {
    @Override
    public String name() {
        return "leader-isolation";
    }

    @Override
    public String description() {
        return "link down the leader; time until another node holds a lease";
    }

    @Override
    double inject(VigilCluster cluster, String leader) {
        return cluster.isolate(leader);
    }

    @Override
    void recover(VigilCluster cluster, String faulted) {
        cluster.heal(faulted);
    }
}
