package vigil.testkit.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import vigil.testkit.LogEvent;
import vigil.testkit.VigilCluster;

/**
 * A planned switchover: {@code vigilctl switchover --to NODE} on the primary's node, NODE being the next standby by
 * name, with the writer writing through the DB VIP. Unavailability runs from the last write acknowledged before the
 * old primary stops to the first one the new primary acknowledges, as the writer sees it: an attempt that sent its
 * SYN to the old primary's MAC between the VIP's release and its claim waits for its 250 ms deadline; the target is 0.5 s (Patroni 1.36 to 1.40 s, PAF
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
        cluster.vigilctl(primary, "switchover", "--to", target).orThrow("vigilctl switchover --to " + target);
        // vigilctl answers once the switchover began (its CHECKPOINT runs, writes go on): the fault counts from here,
        // not from vigilctl's start (a JVM's, up to 2 s when it records its class list), so that the writes seen
        // after the fault are those after the outage
        return VigilCluster.monoNowMs();
    }

    private static String next(VigilCluster cluster, String primary) {
        List<String> nodes = cluster.nodes().stream().sorted().toList();
        return nodes.get((nodes.indexOf(primary) + 1) % nodes.size());
    }

    @Override
    String awaitRecovered(VigilCluster cluster, String faulted) {
        // vigilctl answers once the switchover began: wait for the new primary, with the old one streaming from it
        return cluster.pg().await("a primary other than " + faulted + " with every standby streaming",
                Duration.ofSeconds(60), m -> vigil.testkit.PgNodes.primaryWithStandbys(m, cluster.nodes())
                        .filter(p -> !p.equals(faulted)));
    }

    @Override
    void details(VigilCluster cluster, String faulted, double faultAt, Map<String, Object> row) {
        // from a little before the fault: the CHECKPOINT is logged just before vigilctl's answer
        List<LogEvent> events = cluster.allEvents().stream().filter(e -> e.monoMs() >= faultAt - 1000).toList();
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
        return List.of("primary_back_s", "stop_ms", "handed_over_ms", "promoted_ms", "vip_acquired_ms");
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
