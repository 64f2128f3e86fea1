package vigil.testkit.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriteLog;

/**
 * The primary is cut off from its peers (every packet between it and the other nodes dropped, both ways, by nftables
 * in its namespace) while the client still reaches it; the fault stays until the survivors serve writes, then is
 * healed and the old primary rejoins as a standby.
 *
 * <p>isolated_acks_s: from the cut to the last write the isolated primary acknowledged that the new primary lacks
 * (lost writes, asynchronous replication: replication is cut too); how long a primary without its majority kept
 * acknowledging. 0 when none was lost. isolated_acks: how many.
 */
final class Partition extends PgFailoverScenario {
    @Override
    public String name() {
        return "partition";
    }

    @Override
    public String description() {
        return "PostgreSQL: the primary cut off from its peers, its clients still reaching it; isolated_acks_s"
                + " (target: 0.5 s), write unavailability through the DB VIP";
    }

    @Override
    double targetSeconds() {
        return 3.0;
    }

    @Override
    double inject(VigilCluster cluster, String primary) {
        double at = VigilCluster.monoNowMs();
        cluster.rig().peerLoss(primary, 100);
        return at;
    }

    @Override
    String awaitRecovered(VigilCluster cluster, String faulted) {
        List<String> survivors = cluster.nodes().stream().filter(n -> !n.equals(faulted)).toList();
        return cluster.pg().awaitPrimaryWithStandbys(Duration.ofSeconds(60), survivors);
    }

    @Override
    void details(VigilCluster cluster, String faulted, double faultAt, Map<String, Object> row, WriteLog log,
                 Set<Long> lost) {
        List<WriteLog.Attempt> isolated = log.acks().stream()
                .filter(a -> a.endMs() >= faultAt && lost.contains(a.seq())).toList();
        row.put("isolated_acks", isolated.size());
        row.put("isolated_acks_s", isolated.stream().mapToDouble(WriteLog.Attempt::endMs).max()
                .stream().map(t -> Stats.round3((t - faultAt) / 1000.0)).findFirst().orElse(0));
        row.put("self_fence_s", secondsTo(cluster, faultAt, e -> e.node().equals(faulted) && reason(e, "SELF_FENCE")));
    }

    @Override
    List<String> summarised() {
        return List.of("isolated_acks_s");
    }

    @Override
    void recover(VigilCluster cluster, String faulted) {
        cluster.rig().peerLoss(faulted, 0);
    }
}
