package vigil.testkit.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriteLog;

/**
 * A rolling restart, as for a PostgreSQL minor update: {@code vigilctl restart-pg --rolling} on a standby's node, with
 * the writer writing through the DB VIP. Every PostgreSQL is restarted, the standbys first, the primary after a
 * switchover. The figure is the <em>total</em> write unavailability over the whole restart (every stretch of more than
 * 200 ms without an acknowledged write, summed, from the command's start until the last node is a standby again);
 * the target is 1 s, with nothing lost. longest_gap_s is the longest single stretch (the switchover's);
 * gaps counts them (1 when only the switchover stopped writes); rolling_s is how long the whole restart took.
 */
class RollingRestart extends PgFailoverScenario {
    private double endedAt;

    @Override
    public String name() {
        return "rolling-restart";
    }

    @Override
    public String description() {
        return "PostgreSQL: vigilctl restart-pg --rolling (standbys, switchover, old primary); total write unavailability"
                + " through the DB VIP, lost writes";
    }

    @Override
    double targetSeconds() {
        return 1.0;
    }

    @Override
    double inject(VigilCluster cluster, String primary) {
        String asked = cluster.nodes().stream().filter(n -> !n.equals(primary)).sorted().findFirst().orElseThrow();
        double begun = VigilCluster.monoNowMs();
        cluster.vigilctl(asked, "restart-pg", "--rolling", "--wait-for", "60").orThrow("vigilctl restart-pg --rolling");
        endedAt = VigilCluster.monoNowMs();
        return begun;
    }

    @Override
    String awaitRecovered(VigilCluster cluster, String faulted) {
        return cluster.pg().await("a primary other than " + faulted + " with every standby streaming",
                Duration.ofSeconds(60), m -> vigil.testkit.PgNodes.primaryWithStandbys(m, cluster.nodes())
                        .filter(p -> !p.equals(faulted)));
    }

    @Override
    double unavailability(WriteLog log, double faultAt, double until) {
        return log.gapsAfter(faultAt, until, 200).stream().mapToDouble(WriteLog.Gap::seconds).sum();
    }

    @Override
    void details(VigilCluster cluster, String faulted, double faultAt, Map<String, Object> row, WriteLog log,
                 java.util.Set<Long> lost) {
        List<WriteLog.Gap> gaps = log.gapsAfter(faultAt, VigilCluster.monoNowMs(), 200);
        row.put("gaps", gaps.size());
        row.put("longest_gap_s", Stats.round3(gaps.stream().mapToDouble(WriteLog.Gap::seconds).max().orElse(0)));
        row.put("rolling_s", Stats.round3((endedAt - faultAt) / 1000.0));
    }

    @Override
    List<String> summarised() {
        return List.of("longest_gap_s", "rolling_s", "primary_back_s");
    }

    @Override
    void recover(VigilCluster cluster, String faulted) {
        // nothing to undo: every node is a standby or the primary again
    }
}
