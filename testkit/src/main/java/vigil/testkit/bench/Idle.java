package vigil.testkit.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import vigil.testkit.NetnsRig;
import vigil.testkit.ProcFs;
import vigil.testkit.RigException;
import vigil.testkit.VigilCluster;
import vigil.testkit.VigilCluster.Leader;

/**
 * One idle, stable 3-node cluster; over the window, the leader's vigild JVM's resident memory
 * (VmRSS, sampled every second) and CPU (utime+stime delta, scaled to seconds per minute).
 */
final class Idle implements Scenario {
    private static final int SETTLE_S = 10;

    @Override
    public String name() {
        return "idle";
    }

    @Override
    public String description() {
        return "idle 3-node cluster: RSS (MB) and CPU s/min of one vigild JVM over 60 s";
    }

    @Override
    public Report run(BenchOptions o, Progress progress) throws InterruptedException {
        long ticksPerSecond = ProcFs.clockTicksPerSecond();
        List<Map<String, Object>> samples = new ArrayList<>();
        List<Double> rss = new ArrayList<>();
        Map<String, Object> metrics = new LinkedHashMap<>();
        String measured;
        double cpuPerMin;
        try (NetnsRig rig = NetnsRig.create(3);
             VigilCluster cluster = VigilCluster.start(rig, o.timing(), Map.of())) {
            cluster.awaitStable(Duration.ofSeconds(120));
            progress.line("cluster stable; letting the JVMs settle for " + SETTLE_S + " s (startup work is not idle)");
            Thread.sleep(SETTLE_S * 1000L);
            Leader leader = cluster.awaitStable(Duration.ofSeconds(30));
            long pid = cluster.process(leader.node()).orElseThrow().javaPid();
            measured = leader.node() + " (leader, pid " + pid + ")";
            progress.line("measuring vigild on " + measured + " for " + o.idleSeconds() + " s");
            long t0 = System.nanoTime();
            long cpu0 = ProcFs.cpuTicks(pid).orElseThrow(() -> new RigException("vigild pid " + pid + " is gone"));
            long next = t0;
            for (int i = 0; i <= o.idleSeconds(); i++) {
                long now = System.nanoTime();
                double mb = ProcFs.rssKb(pid).orElseThrow(() -> new RigException("vigild pid " + pid + " is gone"))
                        / 1024.0;
                long cpu = ProcFs.cpuTicks(pid).orElseThrow();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("t_s", Stats.round3((now - t0) / 1e9));
                row.put("rss_mb", Stats.round3(mb));
                row.put("cpu_s", Stats.round3((double) (cpu - cpu0) / ticksPerSecond));
                samples.add(row);
                rss.add(mb);
                next += 1_000_000_000L;
                long wait = (next - System.nanoTime()) / 1_000_000L;
                if (i < o.idleSeconds() && wait > 0) {
                    Thread.sleep(wait);
                }
            }
            long elapsed = System.nanoTime() - t0;
            long cpu1 = ProcFs.cpuTicks(pid).orElseThrow();
            cpuPerMin = (double) (cpu1 - cpu0) / ticksPerSecond / (elapsed / 1e9) * 60.0;
            cluster.awaitLeader(Duration.ofSeconds(10)); // still healthy at the end: the numbers are of a working daemon
        }
        Stats s = Stats.of(rss);
        metrics.put("rss_mb", s.toJson());
        metrics.put("cpu_s_per_min", Stats.round3(cpuPerMin));
        metrics.put("measured", measured);
        List<String> ticks = new ArrayList<>();
        for (Map<String, Object> row : samples) {
            ticks.add(String.format(Locale.ROOT, "%.0f", (Double) row.get("t_s")));
        }
        Chart.Series chart = new Chart.Series(String.format(Locale.ROOT,
                "idle: vigild RSS, CPU %.2f s/min (%s)", cpuPerMin, measured), "time (s)", "VmRSS (MB)", ticks, rss,
                List.of(new Chart.RefLine(String.format(Locale.ROOT, "p50 %.1f MB", s.p50()), s.p50(),
                        new java.awt.Color(30, 90, 200))));
        return new Report(name(), 1, metrics, samples, chart,
                List.of("window " + o.idleSeconds() + " s after a " + SETTLE_S + " s settle, one sample per second, CLK_TCK "
                        + ticksPerSecond));
    }
}
