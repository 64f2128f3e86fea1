package vigil.testkit.bench;

import java.time.Duration;
import java.util.List;
import vigil.testkit.VigilCluster;

/**
 * The primary's machine dies: its cable is pulled, then every process in its namespace is killed with
 * SIGKILL (a dead machine sends no FIN, so the link goes first). Failover without fencing; the node is
 * brought back (link up, vigild restarted) and rejoins as a standby before the next run.
 */
class NodeCrash extends PgFailoverScenario {
    @Override
    public String name() {
        return "node-crash";
    }

    @Override
    public String description() {
        return "PostgreSQL: link down + kill -9 everything on the primary's node; write unavailability, lost writes";
    }

    @Override
    double targetSeconds() {
        return 3.0;
    }

    @Override
    double inject(VigilCluster cluster, String primary) {
        double at = cluster.isolate(primary);
        cluster.kill9Vigild(primary);
        cluster.rig().killAll(cluster.rig().ns(primary));
        return at;
    }

    @Override
    String awaitRecovered(VigilCluster cluster, String faulted) {
        List<String> survivors = cluster.nodes().stream().filter(n -> !n.equals(faulted)).toList();
        return cluster.pg().awaitPrimaryWithStandbys(Duration.ofSeconds(60), survivors);
    }

    /** new_leader_s: another node's lease starts; promoted_s: its pg_promote finished (log line time). */
    @Override
    void details(VigilCluster cluster, String faulted, double faultAt, java.util.Map<String, Object> row) {
        cluster.allEvents().stream()
                .filter(e -> e.is("lease_acquired") && !e.node().equals(faulted) && e.monoMs() >= faultAt).findFirst()
                .ifPresent(e -> row.put("new_leader_s", Stats.round3((e.mono("lease_start_mono_ms") - faultAt) / 1000.0)));
        row.put("promoted_s", secondsTo(cluster, faultAt, e -> reason(e, "PROMOTED")));
    }

    @Override
    void recover(VigilCluster cluster, String faulted) {
        cluster.heal(faulted);
        if (cluster.process(faulted).isEmpty()) {
            cluster.startNode(faulted);
        }
    }
}
