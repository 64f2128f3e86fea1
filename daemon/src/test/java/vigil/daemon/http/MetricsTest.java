package vigil.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.PgClusterView;
import vigil.protocol.admin.PgNodeView;
import vigil.protocol.admin.StatusView;

/** {@link Metrics}: gauges from the node's status at each scrape, counters from the events the daemon logs. */
class MetricsTest {
    private final Log log = new Log("n1", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            Priority.INFO);
    private StatusView status = new StatusView(1, "n1", "maas", "leader", 7, "n1", 1250, true, 3, 3, List.of(
            new NodeStatusView("n1", "data", "leader", true, true, new PgNodeView("primary", 1L, "0/3000060", null, false, true, 0)),
            new NodeStatusView("n2", "data", "follower", true, false, new PgNodeView("standby", 1L, "0/3000000", 96L, 0.5, true, true, null, null)),
            new NodeStatusView("n3", "data", "unknown", false, false, new PgNodeView("unknown", null, null, null, false, false, null))),
            new PgClusterView("n1", 1, List.of("n2"), true, "PRIMARY_HEALTHY"));
    private final Metrics metrics = new Metrics(() -> status, List.of("n1", "n2", "n3"));

    @AfterEach
    void close() {
        log.untap(metrics);
        metrics.close();
    }

    static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertTrue(m.find(), series + " in:\n" + scrape);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void gaugesReadTheStatusOfEachScrape() {
        String s = metrics.scrape();
        assertEquals(1, value(s, "vigil_leader"));
        assertEquals(7, value(s, "vigil_term"));
        assertEquals(1.25, value(s, "vigil_lease_remaining_seconds"));
        assertEquals(1, value(s, "vigil_quorum"));
        assertEquals(3, value(s, "vigil_voters_reachable"));
        assertEquals(1, value(s, "vigil_postgres_primary"));
        assertEquals(1, value(s, "vigil_postgres_up"));
        assertEquals(0, value(s, "vigil_paused"));
        assertEquals(96, value(s, "vigil_standby_lag_bytes{node=\"n2\"}"));
        assertTrue(Double.isNaN(value(s, "vigil_standby_lag_bytes{node=\"n3\"}")), "unknown is NaN, not 0");
        assertEquals(0.5, value(s, "vigil_standby_lag_seconds{node=\"n2\"}"));
        assertTrue(Double.isNaN(value(s, "vigil_standby_lag_seconds{node=\"n1\"}")), "the primary is no standby: NaN");
        assertTrue(s.contains("jvm_memory_used_bytes{area=\"heap\"") && s.contains("process_uptime_seconds"), "JVM metrics too");
        status = new StatusView(1, "n1", "maas", "follower", 8, "n2", 0, true, 3, 2, status.nodes(), status.postgres());
        String later = metrics.scrape();
        assertEquals(0, value(later, "vigil_leader"));
        assertEquals(8, value(later, "vigil_term"));
    }

    @Test
    void countersCountWhatTheJournalShows() {
        log.tap(metrics);
        log.event(Priority.NOTICE, "pg", "reason", "PROMOTING", "peer", "n1", "promotion", "primary_unreachable");
        log.event(Priority.NOTICE, "pg_action_done", "id", 4, "action", "Promote[checkpoint=false]", "outcome", "OK",
                "duration_ms", 40);
        log.event(Priority.NOTICE, "pg", "reason", "PROMOTING", "actions", "[Promote#4]"); // the same decision again
        log.event(Priority.NOTICE, "pg", "reason", "PROMOTED", "promotion", null); // written "-": no cause, not counted
        log.event(Priority.WARNING, "switchover_refused", "peer", "n3", "reason", "SWITCHOVER_REFUSED");
        log.event(Priority.NOTICE, "switchover", "peer", "n2", "purpose", "rolling-restart", "reason", "OPERATOR_SWITCHOVER");
        log.event(Priority.NOTICE, "pg", "reason", "SWITCHOVER_ABORTED", "cause", "the stop took too long");
        log.event(Priority.ERR, "fence", "target", "n1", "action", "off", "proven_off", false, "reason", "FENCE_FAILED",
                "duration_ms", 3000);
        log.event(Priority.NOTICE, "fence", "id", 5, "verified", true, "duration_ms", 30);
        log.event(Priority.NOTICE, "fence", "target", "n1", "action", "status", "proven_off", false, "reason", null);
        log.event(Priority.NOTICE, "fence", "target", "n1", "action", "off", "proven_off", true, "reason", null);
        log.event(Priority.ERR, "vip_conflict", "vip", "db", "reason", "VIP_HELD_ELSEWHERE");
        log.event(Priority.NOTICE, "vip_acquired", "vip", "db", "duration_ms", 7);
        log.event(Priority.NOTICE, "vip_acquired", "vip", "db", "kept_from_start", true, "duration_ms", 0);
        log.event(Priority.NOTICE, "service_action", "action", "systemctl restart apache2", "outcome", "ok",
                "duration_ms", 800);
        log.event(Priority.WARNING, "hook", "reason", "HOOK_TIMEOUT", "duration_ms", 5000);
        // a promotion is counted by the line of its own decision, whatever was logged before it
        log.event(Priority.NOTICE, "pg", "reason", "PROMOTING", "peer", "n1", "promotion", "switchover");
        String s = metrics.scrape();
        assertEquals(2, value(s, "vigil_decisions_total{reason=\"PROMOTING\"}"), "two promotions, one repeated line");
        assertEquals(1, value(s, "vigil_promotions_total{cause=\"primary_unreachable\"}"),
                "counted once: the line of its pg_promote names no cause");
        assertEquals(1, value(s, "vigil_promotions_total{cause=\"switchover\"}"), "its own line counts it");
        assertFalse(s.contains("vigil_promotions_total{cause=\"\"}"), s);
        assertEquals(1, value(s, "vigil_decisions_total{reason=\"SWITCHOVER_ABORTED\"}"));
        assertEquals(1, value(s, "vigil_switchovers_total{outcome=\"begun\",purpose=\"rolling-restart\"}"));
        assertEquals(1, value(s, "vigil_switchovers_total{outcome=\"refused\",purpose=\"operator\"}"), "no purpose: the operator's");
        assertEquals(1, value(s, "vigil_switchovers_total{outcome=\"aborted\",purpose=\"rolling-restart\"}"),
                "an abort counts under the purpose of the switchover it ends");
        assertEquals(1, value(s, "vigil_postgres_actions_seconds_count{action=\"Promote\",outcome=\"OK\"}"));
        assertEquals(1, value(s, "vigil_postgres_actions_seconds_bucket{action=\"Promote\",outcome=\"OK\",le=\"0.05\"}"));
        assertEquals(0, value(s, "vigil_postgres_actions_seconds_bucket{action=\"Promote\",outcome=\"OK\",le=\"0.01\"}"));
        assertEquals(1, value(s, "vigil_fences_seconds_count{action=\"off\",kind=\"node\",outcome=\"FENCE_FAILED\"}"));
        assertEquals(3.0, value(s, "vigil_fences_seconds_sum{action=\"off\",kind=\"node\",outcome=\"FENCE_FAILED\"}"));
        assertEquals(1, value(s, "vigil_fences_seconds_count{action=\"off\",kind=\"node\",outcome=\"proven_off\"}"));
        assertEquals(1, value(s, "vigil_fences_seconds_count{action=\"status\",kind=\"node\",outcome=\"ok\"}"));
        assertEquals(1, value(s, "vigil_fences_seconds_bucket{action=\"kill\",kind=\"postgres\",outcome=\"verified\",le=\"0.05\"}"));
        assertEquals(0, value(s, "vigil_fences_seconds_bucket{action=\"kill\",kind=\"postgres\",outcome=\"verified\",le=\"0.01\"}"));
        assertEquals(1, value(s, "vigil_vip_changes_total{change=\"held_elsewhere\",vip=\"db\"}"));
        assertEquals(2, value(s, "vigil_vip_changes_total{change=\"acquired\",vip=\"db\"}"));
        assertEquals(1, value(s, "vigil_vip_claims_seconds_bucket{vip=\"db\",le=\"0.01\"}"), "one claimed, one kept");
        assertEquals(1, value(s, "vigil_vip_claims_seconds_count{vip=\"db\"}"));
        assertEquals(1, value(s, "vigil_service_actions_seconds_bucket{action=\"systemctl restart apache2\",outcome=\"ok\",le=\"1.0\"}"));
        assertEquals(0, value(s, "vigil_service_actions_seconds_bucket{action=\"systemctl restart apache2\",outcome=\"ok\",le=\"0.5\"}"));
        assertEquals(1, value(s, "vigil_hooks_seconds_count{outcome=\"HOOK_TIMEOUT\"}"));
    }
}
