package vigil.testkit.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import vigil.testkit.LogEvent;
import vigil.testkit.NetnsRig;
import vigil.testkit.RigException;
import vigil.testkit.VigilCluster;
import vigil.testkit.VigilCluster.Leader;

/**
 * A fault on the current leader, repeated {@code runs} times on one 3-node cluster.
 * new_leader_s = from the fault instant (the bench's System.nanoTime, CLOCK_MONOTONIC) to the
 * lease_start_mono_ms of the first lease_acquired line of a different node: the first moment
 * another node may act as leader. Each run starts from a stable cluster; the faulted node is
 * recovered between runs.
 */
abstract class FailoverScenario implements Scenario {
    static final double TARGET_S = 2.5;
    private static final Duration FIRST_ELECTION = Duration.ofSeconds(120);
    private static final Duration STABLE = Duration.ofSeconds(60);
    private static final Duration NEW_LEADER = Duration.ofSeconds(30);

    /** Applies the fault to {@code leader}; returns the fault instant in mono ms. */
    abstract double inject(VigilCluster cluster, String leader);

    /** Undoes the fault so the next run starts from three healthy nodes. */
    abstract void recover(VigilCluster cluster, String faulted);

    @Override
    public Report run(BenchOptions o, Progress progress) {
        List<Map<String, Object>> samples = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try (NetnsRig rig = NetnsRig.create(3);
             VigilCluster cluster = VigilCluster.start(rig, o.timing(), Map.of())) {
            progress.line("rig " + rig.runId() + " (10.232." + rig.subnet() + ".0/24), waiting for the first leader");
            cluster.awaitStable(FIRST_ELECTION);
            for (int run = 1; run <= o.runs(); run++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("run", run);
                Double value = null;
                Leader old = null;
                try {
                    old = cluster.awaitStable(STABLE);
                    row.put("old_leader", old.node());
                    row.put("term_before", old.term());
                    final String oldNode = old.node();
                    double faultAt = inject(cluster, oldNode);
                    LogEvent lease = cluster.awaitEvent("lease_acquired by a node other than " + oldNode, NEW_LEADER,
                            e -> e.is("lease_acquired") && !e.node().equals(oldNode) && e.monoMs() >= faultAt);
                    value = (lease.mono("lease_start_mono_ms") - faultAt) / 1000.0;
                    row.put("new_leader", lease.node());
                    row.put("term_after", lease.term());
                    progress.line(String.format(Locale.ROOT, "run %d/%d: %s %s -> %s leads after %.3f s (term %d)",
                            run, o.runs(), name(), oldNode, lease.node(), value, lease.term()));
                } catch (RigException e) {
                    row.putIfAbsent("new_leader", null);
                    row.put("error", firstLine(e.getMessage()));
                    progress.line("run " + run + "/" + o.runs() + ": FAILED: " + firstLine(e.getMessage()));
                    notes.add("run " + run + ": " + firstLine(e.getMessage()));
                }
                row.put("new_leader_s", value == null ? null : Stats.round3(value));
                samples.add(row);
                values.add(value);
                if (old != null) {
                    recover(cluster, old.node());
                }
            }
            cluster.awaitStable(STABLE);
        }
        List<Double> ok = values.stream().filter(v -> v != null).toList();
        Stats stats = Stats.of(ok);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("new_leader_s", stats.toJson());
        metrics.put("failed_runs", values.size() - ok.size());
        Chart.Series chart = Chart.perRun(name() + ": time to a new leader's lease (" + values.size() + " runs)", "new_leader_s", values, stats, TARGET_S);
        return new Report(name(), o.runs(), metrics, samples, chart, notes);
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
