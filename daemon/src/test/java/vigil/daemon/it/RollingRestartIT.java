package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import vigil.testkit.ExecResult;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriteLog;

/**
 * {@code vigilctl restart-pg} on real PostgreSQL 15 under three real vigild, with a writer writing to whichever node
 * answers as the primary: a standby restarted on request (from another node) comes back as a standby with nothing
 * counted against it, the primary is refused; then {@code --rolling} restarts every PostgreSQL, the standbys first,
 * the primary after a switchover, with no acknowledged write lost and writes stopped only during the switchover. A
 * restart is judged by PostgreSQL's own start time, not by a PID. Needs root; skipped otherwise.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RollingRestartIT extends PgClusterIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);

    /** When each node's PostgreSQL last started, as it says itself. */
    private Map<String, String> startTimes() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : cluster.nodes()) {
            m.put(n, pg.psql(n, "select pg_postmaster_start_time()").orThrow("start time of " + n).output().strip());
        }
        return m;
    }

    @Test
    @Order(1)
    void aStandbyIsRestartedOnRequestAndThePrimaryIsRefused() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        String standby = cluster.nodes().stream().filter(n -> !n.equals(p)).sorted().findFirst().orElseThrow();
        ExecResult refused = cluster.vigilctl(standby, "restart-pg", p);
        assertEquals(1, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("PostgreSQL on " + p + " is the primary: hand the role to a standby first"),
                refused.output());

        Map<String, String> before = startTimes();
        ExecResult restarted = cluster.vigilctl(p, "restart-pg", standby).orThrow("vigilctl restart-pg " + standby + " on " + p);
        assertTrue(restarted.output().contains(standby + ": a healthy standby again"), restarted.output());
        Map<String, String> after = startTimes();
        assertNotEquals(before.get(standby), after.get(standby), standby + "'s PostgreSQL started again");
        assertEquals(before.get(p), after.get(p), "the primary was not touched");
        assertEquals(p, pg.awaitPrimaryWithStandbys(SETTLE));
        assertTrue(cluster.events(standby).stream().anyMatch(e -> e.is("restart_pg")
                && e.field("operator").filter(o -> o.endsWith(" on " + p)).isPresent()), "logged where it was asked");
        assertEquals(Set.of(), writer.log().lost(pg.rows(p)), "acknowledged rows lost");
    }

    @Test
    @Order(2)
    void aRollingRestartRestartsEveryPostgresWithWritesStoppedOnlyForTheSwitchover() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        long timeline = pg.state(p).orElseThrow().timeline();
        Map<String, String> before = startTimes();
        String asked = cluster.nodes().stream().filter(n -> !n.equals(p)).findFirst().orElseThrow();
        double begun = VigilCluster.monoNowMs();
        ExecResult rolling = cluster.vigilctl(asked, "restart-pg", "--rolling").orThrow("vigilctl restart-pg --rolling");
        double ended = VigilCluster.monoNowMs();
        assertTrue(rolling.output().contains("rolling restart of ") && rolling.output().contains(" done in "), rolling.output());
        String now = pg.awaitPrimaryWithStandbys(SETTLE);
        assertNotEquals(p, now, "the primary role moved by a switchover");
        assertEquals(timeline + 1, pg.state(now).orElseThrow().timeline());
        Map<String, String> after = startTimes();
        for (String n : cluster.nodes()) {
            // the new primary too: it was restarted as a standby before the switchover promoted it
            assertNotEquals(before.get(n), after.get(n), n + "'s PostgreSQL started again");
        }
        WriteLog log = writer.awaitAcksAfter(ended, 25, Duration.ofSeconds(30));
        assertEquals(Set.of(), log.lost(pg.rows(now)), "acknowledged rows lost");
        List<WriteLog.Gap> gaps = log.gapsAfter(begun, ended, 200);
        double total = gaps.stream().mapToDouble(WriteLog.Gap::seconds).sum();
        assertTrue(gaps.size() <= 1, "writes stopped once (the switchover), not at each restart: " + gaps);
        assertTrue(cluster.allEvents().stream().noneMatch(e -> e.monoMs() > begun && e.is("pg")
                && e.field("reason").filter(r -> r.equals("PRIMARY_CRASHED_RESTART") || r.startsWith("REWIND")
                        || r.equals("RECLONE")).isPresent()), "no crash restart, rewind or re-clone");
        System.out.printf("rolling restart from %s: %.1f s in all, primary %s -> %s, writes stopped %.3f s in %d gap(s)%n",
                asked, (ended - begun) / 1000, p, now, total, gaps.size());
    }
}
