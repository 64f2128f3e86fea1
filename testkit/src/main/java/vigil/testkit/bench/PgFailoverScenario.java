package vigil.testkit.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import vigil.testkit.ClientWire;
import vigil.testkit.NetnsRig;
import vigil.testkit.PgNodes;
import vigil.testkit.PgOptions;
import vigil.testkit.RigException;
import vigil.testkit.RigWatchdog;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriteLog;
import vigil.testkit.WriterRun;

/**
 * A fault on the node whose PostgreSQL is primary, with the writer running, repeated {@code runs} times on one
 * 3-node cluster with managed PostgreSQL and the shipped defaults: asynchronous replication unless {@link #pgOptions()}
 * says otherwise, a failover only on a proof that the old primary cannot write (no failover_without_fencing), every
 * node with a watchdog ({@link RigWatchdog#DEFAULT}: the rig's fake device, 1 s timeout; a firing one resets its node),
 * and the database VIP ({@link NetnsRig#dbVip}) following the primary. The writer writes through the VIP only, as a
 * client of the cluster does; its watchers ask every node's own address, so a split brain stays visible.
 *
 * <p>Per run: unavailability = the longest stretch without acknowledged writes that ends after the fault (from
 * the last ack before it to the first ack after it); outages = stretches longer than 200 ms; lost acknowledged
 * writes = seqs the writer saw acknowledged that the primary after recovery lacks; split-brain events = moments
 * the writer's watcher saw two nodes answer as primary within 500 ms of each other; primary_back_s = from the
 * fault to the watcher's first "primary" answer from a node that had stopped answering so (server side, without
 * the writer's 1 s connect and socket timeouts). {@link ClientWire} records the client's wire throughout (the
 * node-crash scenarios read vip_move_ms from it). The faulted node is
 * recovered, and the cluster back to one primary with two streaming standbys, before the next run.
 */
abstract class PgFailoverScenario extends FailoverScenario {
    private static final Duration SETTLE = Duration.ofSeconds(120);
    private static final Duration RECOVERED = Duration.ofSeconds(60);
    private static final double OUTAGE_MS = 200;

    /** Asynchronous replication, a failover needs a proof (the shipped defaults), unless a scenario says otherwise. */
    PgOptions pgOptions() {
        return PgOptions.PROOF_REQUIRED;
    }

    /**
     * Requests a second of a rate-limited HTTP client asking every node's endpoint throughout ({@link HttpLoad}); 0:
     * no endpoint, no load (every scenario but {@code node-crash-http-load}).
     */
    int httpLoad() {
        return 0;
    }

    /** The client's wire during the runs (set while {@link #run} runs). */
    ClientWire wire;

    /** The median unavailability the issue asks for. */
    abstract double targetSeconds();

    @Override
    public Report run(BenchOptions o, Progress progress) {
        List<Map<String, Object>> samples = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Double> vipMoves = new ArrayList<>();
        List<Integer> rounds = new ArrayList<>();
        int lostTotal = 0;
        int splitTotal = 0;
        HttpLoad load = null;
        try (PgRig r = PgRig.start(o.out(), o.timing(), pgOptions(), httpLoad() > 0)) {
            if (httpLoad() > 0) {
                load = HttpLoad.start(r.rig(), vigil.testkit.ClusterShape.HTTP_PORT, httpLoad(), o.out().resolve("http-load.log"));
                progress.line("HTTP load: " + httpLoad() + " requests a second to every node's endpoint in turn");
            }
            NetnsRig rig = r.rig();
            VigilCluster cluster = r.cluster();
            WriterRun writer = r.writer();
            wire = r.wire();
            PgNodes pg = cluster.pg();
            progress.line("rig " + rig.runId() + " (10.232." + rig.subnet() + ".0/24): PostgreSQL primary "
                    + pg.awaitPrimaryWithStandbys(SETTLE) + ", writer running through the VIP " + rig.dbVip()
                    + " (logs in " + writer.dir() + ")");
            Set<Long> counted = new TreeSet<>();
            for (int run = 1; run <= o.runs(); run++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("run", run);
                Double value = null;
                String primary = null;
                try {
                    primary = pg.awaitPrimaryWithStandbys(SETTLE);
                    cluster.awaitStable(SETTLE);
                    writer.awaitAcksAfter(VigilCluster.monoNowMs(), 25, Duration.ofSeconds(30)); // steady writes
                    long timeline = pg.state(primary).orElseThrow().timeline();
                    row.put("old_primary", primary);
                    row.put("timeline_before", timeline);
                    double faultAt = inject(cluster, primary);
                    String now = awaitRecovered(cluster, primary);
                    writer.awaitAcksAfter(faultAt, 50, RECOVERED);
                    // An outage still under way when the cluster counts as recovered ends only with an acknowledgement
                    // after that moment: without waiting for some, a gap with no closing ack yet was not seen at all
                    // (restart-daemon: the restarted vigild released the VIP it found and claimed it again only after
                    // it led, and the runs reported 0.03 s for a second without writes).
                    WriteLog log = writer.awaitAcksAfter(VigilCluster.monoNowMs(), 10, RECOVERED);
                    double until = VigilCluster.monoNowMs();
                    value = unavailability(log, faultAt, until);
                    Set<Long> lost = log.lost(pg.rows(now));
                    lost.removeAll(counted);
                    counted.addAll(lost);
                    int split = log.splitBrainEvents(faultAt - 1000, until, 500);
                    lostTotal += lost.size();
                    splitTotal += split;
                    row.put("new_primary", now);
                    row.put("timeline_after", pg.state(now).map(PgNodes.PgNodeState::timeline).orElse(-1L));
                    row.put("outages", log.gapsAfter(faultAt, until, OUTAGE_MS).size());
                    row.put("lost_acknowledged_writes", lost.size());
                    row.put("split_brain_events", split);
                    row.put("primary_back_s", log.primaryBackAt(faultAt)
                            .map(t -> Stats.round3((t - faultAt) / 1000.0)).orElse(null));
                    row.put("fault_mono_ms", Stats.round3(faultAt));
                    electionRounds(cluster, primary, faultAt, row);
                    if (row.get("election_rounds") instanceof Integer n) rounds.add(n);
                    details(cluster, primary, faultAt, row, log, lost);
                    if (row.get("vip_move_ms") instanceof Double d) {
                        vipMoves.add(d);
                    }
                    progress.line(String.format(Locale.ROOT, "run %d/%d: %s on %s -> primary %s (timeline %d -> %s):"
                                    + " %.3f s without acknowledged writes, %d outage(s), %d lost, %d split-brain%s", run,
                            o.runs(), name(), primary, now, timeline, row.get("timeline_after"), value,
                            row.get("outages"), lost.size(), split,
                            row.containsKey("vip_move_ms") ? ", VIP moved in " + row.get("vip_move_ms") + " ms" : ""));
                } catch (RuntimeException e) {
                    row.putIfAbsent("new_primary", null);
                    row.put("error", firstLine(e.getMessage()));
                    progress.line("run " + run + "/" + o.runs() + ": FAILED: " + firstLine(e.getMessage()));
                    notes.add("run " + run + ": " + firstLine(e.getMessage()));
                    System.err.println(e.getMessage());
                }
                row.put("unavailability_s", value == null ? null : Stats.round3(value));
                samples.add(row);
                values.add(value);
                if (primary != null) {
                    try {
                        recover(cluster, primary);
                        pg.awaitPrimaryWithStandbys(SETTLE);
                    } catch (RigException e) {
                        notes.add("recovery after run " + run + " failed: " + firstLine(e.getMessage()));
                        progress.line("recovery after run " + run + " FAILED: " + firstLine(e.getMessage()));
                        break;
                    }
                }
            }
            if (load != null) {
                notes.add("HTTP load throughout, requests by status: " + load.counts());
                progress.line("HTTP load: " + load.counts());
                load.close();
            }
        }
        List<Double> ok = values.stream().filter(v -> v != null).toList();
        Stats stats = Stats.of(ok);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("unavailability_s", stats.toJson());
        if (!vipMoves.isEmpty()) {
            metrics.put("vip_move_ms", Stats.of(vipMoves).toJson());
        }
        if (!rounds.isEmpty()) {
            metrics.put("election_rounds", Map.of("one_round_runs", rounds.stream().filter(r -> r == 1).count(),
                    "max", rounds.stream().mapToInt(Integer::intValue).max().orElse(0)));
        }
        for (String field : summarised()) {
            List<Double> v = samples.stream().map(row -> row.get(field)).filter(x -> x instanceof Number)
                    .map(x -> ((Number) x).doubleValue()).toList();
            if (!v.isEmpty()) metrics.put(field, Stats.of(v).toJson());
        }
        metrics.put("lost_acknowledged_writes", lostTotal);
        metrics.put("split_brain_events", splitTotal);
        metrics.put("sync_mode", pgOptions().synchronous() ? "sync" : "async");
        metrics.put("client", "through the DB VIP");
        metrics.put("failover_without_fencing", pgOptions().failoverWithoutFencing());
        metrics.put("fencing", "watchdog (the rig's fake device, 1 s)");
        metrics.put("failed_runs", o.runs() - ok.size());
        Chart.Series chart = Chart.perRun(name() + ": write unavailability (" + values.size() + " runs)", "unavailability_s", values, stats, targetSeconds());
        return new Report(name(), o.runs(), metrics, samples, chart, notes);
    }

    /**
     * election_rounds: the terms in which some survivor stood for election, from the fault until a survivor's lease
     * began (1 when the first round elected); stood: who stood in which term and when (ms after the fault), so a split
     * vote shows as two nodes in one term.
     */
    static void electionRounds(VigilCluster cluster, String faulted, double faultAt, Map<String, Object> row) {
        List<vigil.testkit.LogEvent> events = cluster.allEvents();
        double leaseAt = events.stream().filter(e -> e.is("lease_acquired") && !e.node().equals(faulted)
                && e.monoMs() >= faultAt).mapToDouble(vigil.testkit.LogEvent::monoMs).findFirst().orElse(-1);
        if (leaseAt < 0) return;
        java.util.TreeMap<Long, List<String>> stood = new java.util.TreeMap<>();
        for (vigil.testkit.LogEvent e : events) {
            if (e.monoMs() < faultAt || e.monoMs() > leaseAt || !e.is("role") || !e.roleTo().equals("candidate")) continue;
            stood.computeIfAbsent(e.term(), t -> new ArrayList<>()).add(e.node() + "@" + Math.round(e.monoMs() - faultAt));
        }
        row.put("election_rounds", Math.max(1, stood.size()));
        row.put("stood", stood.entrySet().stream().map(en -> "t" + en.getKey() + ":" + String.join("+", en.getValue()))
                .collect(java.util.stream.Collectors.joining(" ")));
    }

    /** A run's figure: the longest stretch without acknowledged writes that ends after the fault. */
    double unavailability(WriteLog log, double faultAt, double until) {
        return log.outageAfter(faultAt, until).orElseThrow().seconds();
    }

    /** Adds where the time went (from the daemons' log lines) to a finished run's row. */
    void details(VigilCluster cluster, String faulted, double faultAt, Map<String, Object> row) {
    }

    /** The same, for a scenario that also reads the writer's log and the run's lost writes. */
    void details(VigilCluster cluster, String faulted, double faultAt, Map<String, Object> row, WriteLog log,
                 Set<Long> lost) {
        details(cluster, faulted, faultAt, row);
    }

    /** Row fields (numbers) whose p50/p90/max across the runs go into the summary's metrics too. */
    List<String> summarised() {
        return List.of();
    }

    /** Seconds from {@code faultAt} to the first log event matching {@code p}, at its mono_ms; null if none. */
    static Double secondsTo(VigilCluster cluster, double faultAt, java.util.function.Predicate<vigil.testkit.LogEvent> p) {
        return cluster.allEvents().stream().filter(e -> e.monoMs() >= faultAt).filter(p).findFirst()
                .map(e -> Stats.round3((e.monoMs() - faultAt) / 1000.0)).orElse(null);
    }

    static boolean reason(vigil.testkit.LogEvent e, String reason) {
        return e.is("pg") && e.field("reason").filter(reason::equals).isPresent();
    }

    /** Waits until the cluster serves writes again after the fault on {@code faulted}; returns the primary. */
    abstract String awaitRecovered(VigilCluster cluster, String faulted);
}
