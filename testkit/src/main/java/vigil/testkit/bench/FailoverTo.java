package vigil.testkit.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import vigil.testkit.ExecResult;
import vigil.testkit.LogEvent;
import vigil.testkit.RigException;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriteLog;

/**
 * An ordered failover, the case {@code vigilctl failover --to NODE} exists for: in maintenance mode ({@code vigilctl
 * pause}) the primary's node loses power as in {@link NodeCrash}; a survivor is elected and, paused, promotes nothing.
 * Once it leads, the operator orders the other survivor promoted ({@code vigilctl failover --to} given on the leader,
 * so the leader must resign in the target's favour), or the leader itself when that order is refused (typically the
 * other is behind the leader, and without {@code --accept-data-loss} nothing known may be lost; stood_s is then null,
 * as the leader does not stand again). The figure runs from the order to the first write
 * the new primary acknowledges through the DB VIP: the wait before the order is the operator's. The target is the
 * automatic failover's floor after the lease: a second.
 *
 * <p>Per run: ordered (the target), handed_over (the leader resigned in its favour), refused (the first order's
 * refusal, if any), crash_to_order_s (the election after the crash, as the operator waited for it); from the order:
 * answered_s (vigilctl returned, its JVM start included), stood_s (the target stood for election), promoted_s (its
 * PROMOTED line); proof (what PROMOTING named). The crashed node is brought back and
 * the cluster resumed before the next run.
 */
class FailoverTo extends PgFailoverScenario {
    private static final Duration LEADS = Duration.ofSeconds(30);
    /** Status JSON in maintenance mode ({@code "paused": "paused by OPERATOR at TIME ..."}, null otherwise). */
    private static final java.util.regex.Pattern PAUSED = java.util.regex.Pattern.compile("\"paused\"\\s*:\\s*\"paused by ");
    private String ordered;
    private boolean handedOver;
    private String refused;
    private double crashedAt;
    private double answeredAt;

    @Override
    public String name() {
        return "failover-to";
    }

    @Override
    public String description() {
        return "PostgreSQL: in maintenance mode the primary's node loses power; vigilctl failover --to a survivor once"
                + " one leads; from the order to the first write through the DB VIP";
    }

    @Override
    double targetSeconds() {
        return 1.0;
    }

    @Override
    double inject(VigilCluster cluster, String primary) {
        ordered = null;
        handedOver = false;
        refused = null;
        answeredAt = Double.NaN;
        cluster.vigilctl(primary, "pause").orThrow("vigilctl pause");
        awaitPaused(cluster);
        crashedAt = cluster.isolate(primary);
        cluster.kill9Vigild(primary);
        cluster.rig().killAll(cluster.rig().ns(primary));
        cluster.rig().forgetAddresses(primary);
        String leader = cluster.awaitNewLeader(primary, LEADS).node();
        String other = cluster.nodes().stream().filter(n -> !n.equals(primary) && !n.equals(leader)).findFirst()
                .orElseThrow();
        double at = VigilCluster.monoNowMs();
        ExecResult r = cluster.vigilctl(leader, "failover", "--to", other);
        answeredAt = VigilCluster.monoNowMs();
        if (r.exitCode() == 0) {
            ordered = other;
            handedOver = r.output().contains("resigned in favour of " + other);
            return at;
        }
        // Refused (typically "LEADER is N bytes ahead": nothing known may be lost without --accept-data-loss): the
        // operator orders the standby the refusal names instead, the leader itself.
        refused = firstLine(r.output().strip());
        at = VigilCluster.monoNowMs();
        cluster.vigilctl(leader, "failover", "--to", leader).orThrow("vigilctl failover --to " + leader);
        answeredAt = VigilCluster.monoNowMs();
        ordered = leader;
        handedOver = false;
        return at;
    }

    private static void awaitPaused(VigilCluster cluster) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!cluster.nodes().stream().allMatch(n -> cluster.tryStatus(n)
                .map(s -> PAUSED.matcher(s.json()).find()).orElse(false))) {
            if (System.nanoTime() > deadline) {
                throw new RigException("not every node shows maintenance mode 10 s after vigilctl pause: "
                        + cluster.statuses());
            }
            sleep(50);
        }
    }

    @Override
    String awaitRecovered(VigilCluster cluster, String faulted) {
        String target = ordered;
        return cluster.pg().await(target + " promoted", Duration.ofSeconds(60),
                m -> m.get(target).filter(s -> s.primary()).map(s -> target));
    }

    /** From the order to the first acknowledged write after it. */
    @Override
    double unavailability(WriteLog log, double orderedAt, double until) {
        return log.acks().stream().mapToDouble(WriteLog.Attempt::endMs).filter(t -> t > orderedAt).min()
                .orElseThrow(() -> new RigException("no write acknowledged after the order")) / 1000.0 - orderedAt / 1000.0;
    }

    @Override
    void details(VigilCluster cluster, String faulted, double orderedAt, Map<String, Object> row) {
        row.put("ordered", ordered);
        row.put("handed_over", handedOver);
        row.put("refused", refused);
        row.put("crash_to_order_s", Stats.round3((orderedAt - crashedAt) / 1000.0));
        row.put("answered_s", Stats.round3((answeredAt - orderedAt) / 1000.0));
        row.put("stood_s", secondsTo(cluster, orderedAt, e -> e.node().equals(ordered) && e.is("role")
                && e.roleTo().equals("candidate")));
        row.put("promoted_s", secondsTo(cluster, orderedAt, e -> e.node().equals(ordered) && reason(e, "PROMOTED")));
        row.put("proof", cluster.allEvents().stream().filter(e -> e.monoMs() >= orderedAt && e.node().equals(ordered)
                        && reason(e, "PROMOTING")).map(e -> e.field("cause").orElse("")).filter(c -> c.contains("proof"))
                .findFirst().orElse(null));
    }

    @Override
    List<String> summarised() {
        return List.of("answered_s", "stood_s", "promoted_s", "crash_to_order_s");
    }

    /** The crashed node back, and maintenance mode ended (resumed through any node that answers, until none shows it). */
    @Override
    void recover(VigilCluster cluster, String faulted) {
        try {
            cluster.heal(faulted);
            if (cluster.process(faulted).isEmpty()) {
                cluster.startNode(faulted);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String last = "";
            while (cluster.nodes().stream().anyMatch(n -> cluster.tryStatus(n).map(st -> PAUSED.matcher(st.json()).find())
                    .orElse(true))) {
                if (System.nanoTime() > deadline) {
                    throw new RigException("the cluster is still paused 60 s after the run (last vigilctl resume: " + last + ")");
                }
                for (String n : cluster.nodes()) {
                    if (cluster.tryStatus(n).map(st -> PAUSED.matcher(st.json()).find()).orElse(false)) {
                        last = firstLine(cluster.vigilctl(n, "resume").output().strip());
                        break;
                    }
                }
                sleep(200);
            }
        } catch (RuntimeException e) {
            throw e instanceof RigException r ? r : new RigException("recovery after an ordered failover: " + e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RigException("interrupted");
        }
    }
}
