package vigil.testkit.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import vigil.testkit.LogEvent;
import vigil.testkit.PgNodes;
import vigil.testkit.PgOptions;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriteLog;

/**
 * A bad link on the primary's node that should cost no failover: the cluster must ride it out. Per run, on the
 * {@link PgRig} (writer through the DB VIP, shipped defaults): the trouble is applied for its whole duration, then
 * cleared; the run ends once 150 more writes (3 s) were acknowledged and a primary streams to two standbys.
 *
 * <p>Per run: longest_gap_s, the longest stretch without acknowledged writes from the start of the trouble to the end
 * of the run (the bound: the link's own longest down time plus 0.5 s); outages, the stretches over 200 ms;
 * failover, whether another node (or a new timeline) is primary afterwards; leaderships, the leases begun during the
 * run (0 when the leader kept its own); self_fences, how often the old primary's PostgreSQL was fenced by its own
 * node (pg reason=SELF_FENCE); lost acknowledged writes and split-brain events, as in the failover scenarios.
 */
abstract class LinkTrouble implements Scenario {
    private static final Duration SETTLE = Duration.ofSeconds(120);
    private static final double OUTAGE_MS = 200;

    /** Applies the trouble to {@code primary} for its whole duration; returns when it is over (and cleared). */
    abstract void trouble(VigilCluster cluster, String primary) throws InterruptedException;

    /** Clears the trouble (also after a failed run). */
    abstract void clear(VigilCluster cluster, String primary);

    /** The longest time the link is wholly down during the trouble, in seconds. */
    abstract double downSeconds();

    @Override
    public Report run(BenchOptions o, Progress progress) throws InterruptedException {
        List<Map<String, Object>> samples = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int lostTotal = 0;
        int splitTotal = 0;
        int failovers = 0;
        double target = downSeconds() + 0.5;
        try (PgRig r = PgRig.start(o.out(), o.timing(), PgOptions.PROOF_REQUIRED)) {
            VigilCluster cluster = r.cluster();
            PgNodes pg = r.pg();
            progress.line("rig " + r.rig().runId() + ": PostgreSQL primary " + pg.awaitPrimaryWithStandbys(SETTLE)
                    + ", writer through the VIP " + r.rig().dbVip() + " (logs in " + r.writer().dir() + ")");
            Set<Long> counted = new TreeSet<>();
            for (int run = 1; run <= o.runs(); run++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("run", run);
                Double value = null;
                String primary = null;
                try {
                    primary = pg.awaitPrimaryWithStandbys(SETTLE);
                    cluster.awaitStable(SETTLE);
                    r.writer().awaitAcksAfter(VigilCluster.monoNowMs(), 25, Duration.ofSeconds(30));
                    long timeline = pg.state(primary).orElseThrow().timeline();
                    row.put("primary", primary);
                    double faultAt = VigilCluster.monoNowMs();
                    try {
                        trouble(cluster, primary);
                    } finally {
                        clear(cluster, primary);
                    }
                    double endAt = VigilCluster.monoNowMs();
                    r.writer().awaitAcksAfter(endAt, 150, Duration.ofSeconds(60));
                    String now = pg.awaitPrimaryWithStandbys(SETTLE);
                    double until = VigilCluster.monoNowMs();
                    WriteLog log = r.writer().log();
                    value = log.outageAfter(faultAt, until).orElseThrow().seconds();
                    Set<Long> lost = log.lost(pg.rows(now));
                    lost.removeAll(counted);
                    counted.addAll(lost);
                    int split = log.splitBrainEvents(faultAt - 1000, until, 500);
                    long timelineAfter = pg.state(now).orElseThrow().timeline();
                    boolean failover = !now.equals(primary) || timelineAfter != timeline;
                    List<LogEvent> events = cluster.allEvents().stream().filter(e -> e.monoMs() >= faultAt).toList();
                    final String old = primary;
                    long fences = events.stream().filter(e -> e.node().equals(old)
                            && PgFailoverScenario.reason(e, "SELF_FENCE")).count();
                    long leaderships = events.stream().filter(e -> e.is("lease_acquired")).count();
                    failovers += failover ? 1 : 0;
                    lostTotal += lost.size();
                    splitTotal += split;
                    row.put("new_primary", now);
                    row.put("failover", failover);
                    row.put("leaderships", leaderships);
                    row.put("self_fences", fences);
                    row.put("outages", log.gapsAfter(faultAt, until, OUTAGE_MS).size());
                    row.put("lost_acknowledged_writes", lost.size());
                    row.put("split_brain_events", split);
                    progress.line(String.format(Locale.ROOT, "run %d/%d: %s on %s -> primary %s%s: longest gap %.3f s,"
                                    + " %d outage(s), %d new lease(s), %d self-fence(s), %d lost, %d split-brain", run,
                            o.runs(), name(), primary, now, failover ? " (FAILOVER)" : "", value, row.get("outages"),
                            leaderships, fences, lost.size(), split));
                } catch (RuntimeException e) {
                    row.put("error", FailoverScenario.firstLine(e.getMessage()));
                    progress.line("run " + run + "/" + o.runs() + ": FAILED: " + FailoverScenario.firstLine(e.getMessage()));
                    notes.add("run " + run + ": " + FailoverScenario.firstLine(e.getMessage()));
                    if (primary != null) clear(cluster, primary);
                }
                row.put("longest_gap_s", value == null ? null : Stats.round3(value));
                samples.add(row);
                values.add(value);
            }
        }
        List<Double> ok = values.stream().filter(v -> v != null).toList();
        Stats stats = Stats.of(ok);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("longest_gap_s", stats.toJson());
        metrics.put("target_s", Stats.round3(target));
        metrics.put("failovers", failovers);
        metrics.put("lost_acknowledged_writes", lostTotal);
        metrics.put("split_brain_events", splitTotal);
        metrics.put("client", "through the DB VIP");
        metrics.put("fencing", "watchdog (the rig's fake device, 1 s)");
        metrics.put("failed_runs", o.runs() - ok.size());
        Chart.Series chart = Chart.perRun(name() + ": longest write gap (" + values.size() + " runs)", "longest_gap_s",
                values, stats, target);
        return new Report(name(), o.runs(), metrics, samples, chart, notes);
    }

    /** The primary's cable goes down for 1 s and up for 1 s, ten times (20 s). */
    static final class Flapping extends LinkTrouble {
        @Override
        public String name() {
            return "flapping";
        }

        @Override
        public String description() {
            return "PostgreSQL: the primary's link down 1 s / up 1 s for 20 s; longest write gap (target: 1.5 s),"
                    + " failovers (target: none)";
        }

        @Override
        double downSeconds() {
            return 1.0;
        }

        @Override
        void trouble(VigilCluster cluster, String primary) throws InterruptedException {
            for (int i = 0; i < 10; i++) {
                cluster.rig().linkDown(primary);
                Thread.sleep(1000); // the fault's own rhythm, not a wait for a condition
                cluster.rig().linkUp(primary);
                Thread.sleep(1000);
            }
        }

        @Override
        void clear(VigilCluster cluster, String primary) {
            cluster.rig().linkUp(primary);
        }
    }

    /** 30 % of the packets between the primary and its peers are lost, each way, for 30 s; the client's pass. */
    static final class Lossy extends LinkTrouble {
        @Override
        public String name() {
            return "lossy";
        }

        @Override
        public String description() {
            return "PostgreSQL: 30 % loss each way on the primary's peer traffic for 30 s; longest write gap"
                    + " (target: 0.5 s), failovers (target: none)";
        }

        @Override
        double downSeconds() {
            return 0;
        }

        @Override
        void trouble(VigilCluster cluster, String primary) throws InterruptedException {
            cluster.rig().peerLoss(primary, 30);
            Thread.sleep(30_000); // the fault's own length
        }

        @Override
        void clear(VigilCluster cluster, String primary) {
            cluster.rig().peerLoss(primary, 0);
        }
    }
}
