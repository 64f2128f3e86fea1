package vigil.testkit.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import vigil.testkit.LogEvent;
import vigil.testkit.VigilCluster;

/**
 * A planned switchover: {@code vigilctl switchover --to NODE} on the primary's node, NODE being the next standby by
 * name, with the writer writing through the DB VIP. Unavailability runs from the last write acknowledged before the
 * old primary stops to the first one the new primary acknowledges; the target is 0.5 s (Patroni 1.36 to 1.40 s, PAF
 * 2.86 s on this rig), with nothing lost. The run ends once the old primary streams from the new one, so the next
 * run switches back.
 *
 * <p>Where the time goes, from the daemons' log lines (ms after the old primary's CHECKPOINT began): stop_ms, its
 * clean shutdown ended; handed_over_ms, it resigned in favour of the target; promoted_ms, the target's pg_promote
 * returned; vip_acquired_ms, the target holds the DB VIP. rejoin: how the old primary came back (it should say
 * "no rewind needed").
 */
class Switchover extends PgFailoverScenario {
    @Override
    public String name() {
        return "switchover";
    }

    @Override
    public String description() {
        return "PostgreSQL: vigilctl switchover to the next standby; write unavailability through the DB VIP, lost writes,"
                + " where the time goes";
    }

    @Override
    double targetSeconds() {
        return 0.5;
    }

    @Override
    double inject(VigilCluster cluster, String primary) {
        String target = next(cluster, primary);
        double at = VigilCluster.monoNowMs();
        cluster.vigilctl(primary, "switchover", "--to", target).orThrow("vigilctl switchover --to " + target);
        return at;
    }

    private static String next(VigilCluster cluster, String primary) {
        List<String> nodes = cluster.nodes().stream().sorted().toList();
        return nodes.get((nodes.indexOf(primary) + 1) % nodes.size());
    }

    @Override
    String awaitRecovered(VigilCluster cluster, String faulted) {
        return cluster.pg().awaitPrimaryWithStandbys(Duration.ofSeconds(60));
    }

    @Override
    void details(VigilCluster cluster, String faulted, double faultAt, Map<String, Object> row) {
        List<LogEvent> events = cluster.allEvents().stream().filter(e -> e.monoMs() >= faultAt).toList();
        Double began = first(events, e -> e.node().equals(faulted) && e.is("pg")
                && e.field("reason").filter("SWITCHOVER"::equals).isPresent());
        if (began == null) return;
        String now = (String) row.get("new_primary");
        put(row, "stop_ms", began, first(events, e -> e.node().equals(faulted) && e.is("pg_action_done")
                && e.field("action").filter(a -> a.startsWith("StopFast")).isPresent()));
        put(row, "handed_over_ms", began, first(events, e -> e.node().equals(faulted) && e.is("pg")
                && e.field("cause").filter(c -> c.contains("leadership handed")).isPresent()));
        put(row, "promoted_ms", began, NodeCrash.promotedAt(events.stream().filter(e -> e.node().equals(now)).toList())
                .orElse(null));
        put(row, "vip_acquired_ms", began, first(events, e -> e.node().equals(now) && e.is("vip_acquired")));
        row.put("rejoin", events.stream().filter(e -> e.node().equals(faulted) && e.is("pg")
                        && e.field("reason").filter(r -> r.equals("FOLLOW_PRIMARY") || r.startsWith("REWIND")
                        || r.equals("RECLONE")).isPresent())
                .map(e -> e.field("cause").orElse(e.field("reason").orElse(""))).findFirst().orElse(null));
        row.put("aborted", events.stream().anyMatch(e -> e.is("pg")
                && e.field("reason").filter("SWITCHOVER_ABORTED"::equals).isPresent()));
    }

    @Override
    List<String> summarised() {
        return List.of("stop_ms", "handed_over_ms", "promoted_ms", "vip_acquired_ms");
    }

    private static Double first(List<LogEvent> events, java.util.function.Predicate<LogEvent> p) {
        return events.stream().filter(p).findFirst().map(LogEvent::monoMs).orElse(null);
    }

    private static void put(Map<String, Object> row, String key, double from, Double at) {
        row.put(key, at == null ? null : Stats.round3(at - from));
    }

    @Override
    void recover(VigilCluster cluster, String faulted) {
        // nothing to undo: the old primary is a standby again
    }
}
