package vigil.daemon.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.PgNodeView;
import vigil.protocol.admin.StatusView;
import vigil.protocol.admin.SwitchoverPurpose;

/**
 * vigild's Prometheus metrics ({@code /metrics}). Gauges are read from this node's status at each scrape (the same view
 * {@code vigilctl status} prints); counters and histograms are fed by the events the daemon logs, so that a metric
 * counts exactly what the journal shows: every decision by its reason ({@code PROMOTING}, {@code SWITCHOVER}, and so
 * on), promotions in place of another primary by their cause (failovers, and the targets' side of switchovers),
 * switchovers begun, refused and aborted by their purpose, VIP claims and
 * releases; and, as histograms of their durations, PostgreSQL actions, fences, VIP claims, service actions and hooks
 * with their outcomes. JVM memory, GC, threads and CPU come from Micrometer's own binders. Nothing here runs unless
 * {@code node.http} is set.
 */
public final class Metrics implements Log.Tap {
    /** Histogram buckets of action durations: from a promote or a VIP claim (ms) to a clone (minutes). */
    private static final Duration[] BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(120)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Supplier<StatusView> status;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /** The status read at the start of the current scrape: every gauge of one scrape sees the same one. */
    private volatile StatusView current;
    /** The supervisor's last reason logged: a decision is counted when the reason changes (a pg line repeats it). */
    private String lastReason = "";
    /** Why the last switchover begun here was asked: an abort, decided by the core, is counted under it. */
    private volatile String switchoverPurpose = SwitchoverPurpose.OPERATOR.word();

    /**
     * @param status    this node's status, read once per scrape
     * @param dataNodes the data nodes, one lag series each
     */
    public Metrics(Supplier<StatusView> status, List<String> dataNodes) {
        this.status = status;
        gauge("vigil.leader", "1 while this node leads", s -> s.role().equals("leader") ? 1 : 0);
        gauge("vigil.term", "the election term this node is in", StatusView::term);
        Gauge.builder("vigil.lease.remaining", this, m -> m.read(s -> s.leaseRemainingMs() / 1000.0))
                .baseUnit("seconds").description("the leader's lease left (0 on a follower)").register(registry);
        gauge("vigil.quorum", "1 while a majority of voters is reachable from this node", s -> s.quorum() ? 1 : 0);
        gauge("vigil.voters.reachable", "voters this node reaches, itself included", StatusView::reachableVoters);
        gauge("vigil.paused", "1 while the cluster is in maintenance mode",
                s -> s.postgres() != null && s.postgres().paused() != null ? 1 : 0);
        gauge("vigil.postgres.primary", "1 while PostgreSQL here runs as a primary", s -> selfRole(s).equals("primary") ? 1 : 0);
        gauge("vigil.postgres.up", "1 while PostgreSQL here runs (either role)",
                s -> selfRole(s).equals("primary") || selfRole(s).equals("standby") ? 1 : 0);
        gauge("vigil.vips.held", "1 while this node holds the VIPs that follow the primary (kept from before a restart"
                        + " of vigild included)",
                s -> s.postgres() != null && s.postgres().vips() != null
                        && (s.postgres().vips().equals("held") || s.postgres().vips().startsWith("kept")) ? 1 : 0);
        for (String node : dataNodes) {
            Gauge.builder("vigil.standby.lag", this, m -> m.read(s -> pgOf(s, node, PgNodeView::lagBytes))).tag("node", node)
                    .baseUnit("bytes")
                    .description("how far a standby is behind the primary's last reported position, as this node knows it"
                            + " (NaN when unknown or not a standby)")
                    .register(registry);
            Gauge.builder("vigil.standby.lag.seconds", this, m -> m.read(s -> pgOf(s, node, PgNodeView::lagSeconds)))
                    .tag("node", node)
                    .description("how long ago this node first saw the primary beyond a standby's position: the age of"
                            + " the oldest WAL the standby lacks (0 when it lacks none known; NaN when unknown or not a standby)")
                    .register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private void gauge(String name, String description, ToDoubleFunction<StatusView> f) {
        Gauge.builder(name, this, m -> m.read(f)).description(description).register(registry);
    }

    private double read(ToDoubleFunction<StatusView> f) {
        StatusView s = current;
        return s == null ? Double.NaN : f.applyAsDouble(s);
    }

    private static String selfRole(StatusView s) {
        for (NodeStatusView n : s.nodes()) if (n.self() && n.postgres() != null) return n.postgres().role();
        return "";
    }

    /** A figure of {@code node}'s PostgreSQL as this node knows it; NaN when unknown. */
    private static double pgOf(StatusView s, String node, java.util.function.Function<PgNodeView, Number> figure) {
        for (NodeStatusView n : s.nodes()) {
            if (n.name().equals(node) && n.postgres() != null) {
                Number v = figure.apply(n.postgres());
                return v == null ? Double.NaN : v.doubleValue();
            }
        }
        return Double.NaN;
    }

    /** The Prometheus text exposition, every gauge read from one status. */
    public synchronized String scrape() {
        current = status.get();
        return registry.scrape();
    }

    @Override
    public void event(Priority priority, String event, Map<String, String> f, String line) {
        switch (event) {
            case "pg" -> {
                // on the one line of the decision that records the promotion (Logs), whatever the reason before it
                if (!f.getOrDefault("promotion", "").isEmpty()) {
                    count("vigil.promotions", "promotions of this node in place of another primary, by cause: switchover"
                            + " (handed over by name), ordered (vigilctl failover --to), primary_stepped_down (its vigild gave"
                            + " the role up), primary_unreachable (its vigild went silent); all but switchover are"
                            + " failovers", "cause", f.get("promotion"));
                }
                String reason = f.getOrDefault("reason", "");
                synchronized (this) {
                    if (reason.isEmpty() || reason.equals(lastReason)) return; // the same decision, its actions logged again
                    lastReason = reason;
                }
                count("vigil.decisions", "the PostgreSQL supervisor's decisions, counted when its reason changes", "reason", reason);
                if (reason.equals("SWITCHOVER_ABORTED")) switchovers("aborted", switchoverPurpose);
            }
            case "switchover" -> {
                switchoverPurpose = purpose(f);
                switchovers("begun", switchoverPurpose);
            }
            case "switchover_refused" -> switchovers("refused", purpose(f));
            case "pg_action_done" -> {
                String action = f.getOrDefault("action", "");
                int bracket = action.indexOf('[');
                timed("vigil.postgres.actions", "PostgreSQL actions carried out, by kind and outcome", f,
                        "action", bracket < 0 ? action : action.substring(0, bracket), "outcome", f.getOrDefault("outcome", ""));
            }
            case "fence" -> {
                if (f.containsKey("target")) {
                    String reason = f.getOrDefault("reason", "");
                    timed("vigil.fences", FENCES, f, "kind", "node", "action", f.getOrDefault("action", ""),
                            "outcome", "true".equals(f.get("proven_off")) ? "proven_off" : reason.isEmpty() ? "ok" : reason);
                } else {
                    timed("vigil.fences", FENCES, f, "kind", "postgres", "action", "kill",
                            "outcome", "true".equals(f.get("verified")) ? "verified" : "not_verified");
                }
            }
            case "vip_conflict" -> count("vigil.vip.changes", "VIP claims and releases", "vip", f.getOrDefault("vip", ""),
                    "change", "held_elsewhere");
            case "vip_acquired" -> {
                count("vigil.vip.changes", "VIP claims and releases", "vip", f.getOrDefault("vip", ""), "change", "acquired");
                // a VIP kept from before a restart of vigild was not claimed: nothing to time
                if (!"true".equals(f.get("kept_from_start"))) {
                    timed("vigil.vip.claims", "claims that ended with the VIPs up here, each VIP timed by its group's"
                            + " claim: the addresses added, their duplicate check and first gratuitous ARP", f,
                            "vip", f.getOrDefault("vip", ""));
                }
            }
            case "vip_released" -> count("vigil.vip.changes", "VIP claims and releases", "vip", f.getOrDefault("vip", ""),
                    "change", priority == Priority.ERR ? "release_failed" : "released");
            case "vip_claim_failed" -> count("vigil.vip.changes", "VIP claims and releases", "vip", f.getOrDefault("vip", ""),
                    "change", "claim_failed");
            case "service_action" -> timed("vigil.service.actions", "service actions run (all attempts), by action and"
                    + " outcome", f, "action", f.getOrDefault("action", ""), "outcome", f.getOrDefault("outcome", ""));
            case "hook" -> timed("vigil.hooks", "event hooks run, by outcome", f, "outcome",
                    f.getOrDefault("reason", "").isEmpty() ? "ok" : f.get("reason"));
            default -> { }
        }
    }

    private static final String FENCES = "fences of PostgreSQL here (kind postgres) and fence-agent runs against another"
            + " node (kind node, by action), by outcome";

    private void count(String name, String description, String... tags) {
        Counter.builder(name).description(description).tags(tags).register(registry).increment();
    }

    /** One more event of {@code name} into its histogram, its duration from the event's {@code duration_ms}. */
    private void timed(String name, String description, Map<String, String> f, String... tags) {
        Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(BUCKETS).register(registry)
                .record(Duration.ofMillis(parse(f.get("duration_ms"))));
    }

    private void switchovers(String outcome, String purpose) {
        count("vigil.switchovers", "planned switchovers by outcome, and by purpose: why they were asked (operator,"
                + " scheduled, rolling-restart, restart-daemon)", "outcome", outcome, "purpose", purpose);
    }

    /** The event's purpose as a known word (the daemon logs only known ones; anything else counts as the operator's). */
    private static String purpose(Map<String, String> f) {
        try {
            return SwitchoverPurpose.of(f.get("purpose")).word();
        } catch (IllegalArgumentException e) {
            return SwitchoverPurpose.OPERATOR.word();
        }
    }

    private static long parse(String ms) {
        try {
            return ms == null ? 0 : Long.parseLong(ms);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Stops the GC listener. */
    public void close() {
        gc.close();
        registry.close();
    }
}
