package vigil.testkit.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import vigil.testkit.ExecResult;
import vigil.testkit.NetnsRig;
import vigil.testkit.PgOptions;
import vigil.testkit.ProcFs;
import vigil.testkit.RigException;
import vigil.testkit.RigWatchdog;
import vigil.testkit.VigilCluster;
import vigil.testkit.VigilCluster.Leader;

/**
 * One idle, stable 3-node cluster; over the window, the resident memory (VmRSS, sampled every second) and the CPU
 * (utime+stime delta, scaled to seconds per minute) of two vigild JVMs, the leader's and a follower's, reported apart.
 * {@code idle} runs vigil alone (the shipped timing, no PostgreSQL); {@code idle-pg} runs it as shipped with
 * PostgreSQL supervised (a primary and two streaming standbys, the DB VIP, the rig's watchdog): the probe, the
 * watchdog's keep-alives and the VIP's upkeep are part of what idle costs there. PostgreSQL's own processes are not
 * counted: only the JVM.
 */
final class Idle implements Scenario {
    /** How long the cluster may take to start (PostgreSQL initialised and cloned included). */
    private static final Duration BOOT = Duration.ofSeconds(180);
    private static final int VIGILCTL_CALLS = 20;
    /** The read-only commands timed after the window: what operators and monitors run (issue 8, item 6). */
    private static final List<List<String>> READ_ONLY = List.of(List.of("status"), List.of("history", "-n", "20"),
            List.of("check"), List.of("version"));

    private final boolean withPostgres;

    Idle(boolean withPostgres) {
        this.withPostgres = withPostgres;
    }

    @Override
    public String name() {
        return withPostgres ? "idle-pg" : "idle";
    }

    @Override
    public String description() {
        return withPostgres
                ? "idle 3-node cluster supervising PostgreSQL (shipped defaults): RSS (MB) and CPU s/min of the leader's and a follower's vigild"
                : "idle 3-node cluster without PostgreSQL: RSS (MB) and CPU s/min of the leader's and a follower's vigild";
    }

    /** One measured JVM: its samples and where it started. */
    private static final class Watched {
        final String label;
        final String key;
        final long pid;
        final long cpu0;
        final Map<Long, ProcFs.ThreadRun> threads0;
        Map<Long, ProcFs.ThreadRun> threads1 = Map.of();
        final List<Double> rss = new ArrayList<>();
        long cpu1;

        Watched(String label, String key, long pid) {
            this.label = label;
            this.key = key;
            this.pid = pid;
            this.cpu0 = ProcFs.cpuTicks(pid).orElseThrow(() -> new RigException("vigild pid " + pid + " is gone"));
            this.threads0 = ProcFs.threads(pid);
        }

        /**
         * CPU s/min and runs a second of each thread over the window, grouped by name (a pool's threads share one),
         * busiest first: where an idle daemon's time goes. Threads started in the window count from zero.
         */
        Map<String, Object> threadShares(double elapsedS) {
            Map<String, long[]> byName = new java.util.HashMap<>();
            threads1.forEach((tid, end) -> {
                ProcFs.ThreadRun start = threads0.get(tid);
                long ns = end.runNs() - (start == null ? 0 : start.runNs());
                long slices = end.slices() - (start == null ? 0 : start.slices());
                long[] acc = byName.computeIfAbsent(threadGroup(end.name()), k -> new long[2]);
                acc[0] += ns;
                acc[1] += slices;
            });
            Map<String, Object> out = new LinkedHashMap<>();
            byName.entrySet().stream()
                    .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                    .filter(e -> e.getValue()[0] > 0)
                    .forEach(e -> out.put(e.getKey(), Map.of(
                            "cpu_s_per_min", Stats.round3(e.getValue()[0] / 1e9 / elapsedS * 60.0),
                            "runs_per_s", Stats.round3(e.getValue()[1] / elapsedS))));
            return out;
        }

        double sample() {
            double mb = ProcFs.rssKb(pid).orElseThrow(() -> new RigException("vigild pid " + pid + " is gone")) / 1024.0;
            rss.add(mb);
            cpu1 = ProcFs.cpuTicks(pid).orElseThrow(() -> new RigException("vigild pid " + pid + " is gone"));
            return mb;
        }
    }

    /** A thread's name without a pool's running number ("jgroups-3,vigil,n1" and "jgroups-7,..." group together). */
    static String threadGroup(String comm) {
        return comm.replaceAll("-[0-9]+(?=[,-]|$)", "-N");
    }

    @Override
    public Report run(BenchOptions o, Progress progress) throws InterruptedException {
        long ticksPerSecond = ProcFs.clockTicksPerSecond();
        List<Map<String, Object>> samples = new ArrayList<>();
        Map<String, Object> metrics = new LinkedHashMap<>();
        List<Watched> watched = new ArrayList<>();
        Map<String, List<Double>> vigilctl = new LinkedHashMap<>();
        double elapsedS;
        try (NetnsRig rig = NetnsRig.create(3);
             VigilCluster cluster = withPostgres
                     ? VigilCluster.clusterWithPrimary(rig, o.timing(), PgOptions.ASYNC, BOOT, RigWatchdog.DEFAULT, true)
                     : VigilCluster.start(rig, o.timing(), Map.of())) {
            if (withPostgres) progress.line("PostgreSQL primary " + cluster.pg().awaitPrimaryWithStandbys(BOOT));
            cluster.awaitStable(Duration.ofSeconds(120));
            progress.line("cluster stable; letting the JVMs settle for " + o.idleSettleSeconds()
                    + " s (startup work is not idle)");
            Thread.sleep(o.idleSettleSeconds() * 1000L);
            Leader leader = cluster.awaitStable(Duration.ofSeconds(30));
            String follower = rig.nodes().stream().filter(n -> !n.equals(leader.node())).findFirst().orElseThrow();
            watched.add(new Watched(leader.node() + " (leader)", "leader",
                    cluster.process(leader.node()).orElseThrow().javaPid()));
            watched.add(new Watched(follower + " (follower)", "follower",
                    cluster.process(follower).orElseThrow().javaPid()));
            progress.line("measuring " + watched.stream().map(w -> w.label + " pid " + w.pid).toList() + " for "
                    + o.idleSeconds() + " s");
            long t0 = System.nanoTime();
            long next = t0;
            for (int i = 0; i <= o.idleSeconds(); i++) {
                long now = System.nanoTime();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("t_s", Stats.round3((now - t0) / 1e9));
                for (Watched w : watched) {
                    row.put(w.key + "_rss_mb", Stats.round3(w.sample()));
                    row.put(w.key + "_cpu_s", Stats.round3((double) (w.cpu1 - w.cpu0) / ticksPerSecond));
                }
                samples.add(row);
                next += 1_000_000_000L;
                long wait = (next - System.nanoTime()) / 1_000_000L;
                if (i < o.idleSeconds() && wait > 0) Thread.sleep(wait);
            }
            elapsedS = (System.nanoTime() - t0) / 1e9;
            for (Watched w : watched) w.threads1 = ProcFs.threads(w.pid);
            // After the window (its JVMs would count in no vigild, but they share the two cores): each read-only
            // command an operator or a monitor runs, on the leader, wall time per call as a script sees it, process
            // start included; one status first, which may build vigilctl's class-data archive after a build. check
            // must answer as a Nagios check does (0 OK, 1 WARNING: a reading, not a failure of the command).
            cluster.vigilctl(leader.node(), "status").orThrow("vigilctl status on " + leader.node());
            for (List<String> argv : READ_ONLY) {
                List<Double> walls = new ArrayList<>();
                for (int i = 0; i < VIGILCTL_CALLS; i++) {
                    long c0 = System.nanoTime();
                    ExecResult r = cluster.vigilctl(leader.node(), argv.toArray(String[]::new));
                    walls.add((System.nanoTime() - c0) / 1e9);
                    boolean answered = r.exitCode() == 0 || argv.get(0).equals("check") && r.exitCode() == 1;
                    if (!answered) r.orThrow("vigilctl " + String.join(" ", argv) + " on " + leader.node());
                }
                vigilctl.put(argv.get(0), walls);
            }
            // still healthy at the end: the numbers are of a working daemon, not of one that stopped doing its job
            Leader after = cluster.awaitLeader(Duration.ofSeconds(10));
            if (!after.node().equals(leader.node()) || after.term() != leader.term()) {
                throw new RigException("leadership changed while idle (" + leader + " -> " + after + ")");
            }
        }
        List<Chart.RefLine> lines = new ArrayList<>();
        List<String> ticks = new ArrayList<>();
        for (Map<String, Object> row : samples) ticks.add(String.format(Locale.ROOT, "%.0f", (Double) row.get("t_s")));
        StringBuilder title = new StringBuilder(name() + ": vigild RSS;");
        for (Watched w : watched) {
            double cpuPerMin = (double) (w.cpu1 - w.cpu0) / ticksPerSecond / elapsedS * 60.0;
            Stats s = Stats.of(w.rss);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("node", w.label);
            m.put("rss_mb", s.toJson());
            m.put("cpu_s_per_min", Stats.round3(cpuPerMin));
            m.put("threads", w.threadShares(elapsedS));
            metrics.put(w.key, m);
            title.append(String.format(Locale.ROOT, " %s %.2f CPU s/min", w.key, cpuPerMin));
            lines.add(new Chart.RefLine(String.format(Locale.ROOT, "%s p50 %.1f MB", w.key, s.p50()), s.p50(),
                    w.key.equals("leader") ? new java.awt.Color(30, 90, 200) : new java.awt.Color(200, 90, 30)));
        }
        for (var e : vigilctl.entrySet()) metrics.put("vigilctl_" + e.getKey() + "_wall_s", Stats.of(e.getValue()).toJson());
        metrics.put("postgres", withPostgres ? "supervised (primary + 2 standbys, DB VIP, watchdog)" : "none");
        Chart.Series chart = new Chart.Series(title.toString(), "time (s)", "leader VmRSS (MB)", ticks,
                watched.get(0).rss, lines);
        return new Report(name(), 1, metrics, samples, chart,
                List.of("window " + o.idleSeconds() + " s after a " + o.idleSettleSeconds() + " s settle, one sample per second, CLK_TCK "
                        + ticksPerSecond));
    }
}
