package vigil.daemon.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.PgClusterView;
import vigil.protocol.admin.PgNodeView;
import vigil.protocol.admin.ServiceOutcomeView;
import vigil.protocol.admin.StatusView;

/** {@link Check}: each problem found with its state, the worst state wins, and a healthy cluster is said so. */
class CheckTest {
    private static final long WARN = 16L << 20;
    private static final long CRIT = 256L << 20;

    private static PgNodeView pg(String role, Long lag) {
        return new PgNodeView(role, 1L, "0/3000060", lag, false, true, 0, "watchdog-armed");
    }

    private static NodeStatusView node(String name, String role, boolean reachable, boolean self, PgNodeView pg) {
        return new NodeStatusView(name, "data", role, reachable, self, pg);
    }

    /** n1 leads and is primary; n2 and n3 stream; w1 is a witness. Answered by n1. */
    private static StatusView healthy(String reason, List<NodeStatusView> nodes) {
        return new StatusView(1, "n1", "maas", "leader", 3, "n1", 1200, true, 4, 4, nodes,
                new PgClusterView("n1", 1, List.of(), false, reason));
    }

    private static List<NodeStatusView> nodes(PgNodeView n2, boolean n2Reachable) {
        return List.of(node("n1", "leader", true, true, pg("primary", null)),
                node("n2", n2Reachable ? "follower" : "unknown", n2Reachable, false, n2),
                node("n3", "follower", true, false, pg("standby", 0L)),
                new NodeStatusView("w1", "witness", "witness", true, false));
    }

    @Test
    void aHealthyClusterIsOkAndSaysWhoLeadsAndServes() {
        Check c = Check.of(healthy("PRIMARY_HEALTHY", nodes(pg("standby", 4096L), true)), WARN, CRIT);
        assertEquals(Check.OK, c.code());
        assertEquals("VIGIL OK - n1 leads term 3 (4/4 voters); primary n1, standbys n2 n3 | term=3 voters_reachable=4;;;0;4"
                + " max_lag_bytes=4096B;16777216;268435456;0", c.line());
    }

    @Test
    void aLaggingStandbyIsAWarningThenCritical() {
        Check warn = Check.of(healthy("PRIMARY_HEALTHY", nodes(pg("standby", 20L << 20), true)), WARN, CRIT);
        assertEquals(Check.WARNING, warn.code());
        assertEquals("VIGIL WARNING - n2 lags 20.0 MB | term=3 voters_reachable=4;;;0;4"
                + " max_lag_bytes=20971520B;16777216;268435456;0", warn.line());
        Check crit = Check.of(healthy("PRIMARY_HEALTHY", nodes(pg("standby", 300L << 20), true)), WARN, CRIT);
        assertEquals(Check.CRITICAL, crit.code());
        assertEquals("VIGIL CRITICAL - n2 lags 300.0 MB", crit.line().substring(0, crit.line().indexOf(" |")));
    }

    @Test
    void aStandbyOutOfReachOrDownIsAWarningOnce() {
        Check gone = Check.of(healthy("PRIMARY_HEALTHY", nodes(pg("unknown", null), false)), WARN, CRIT);
        assertEquals(Check.WARNING, gone.code());
        assertEquals("VIGIL WARNING - out of reach: n2", gone.line().substring(0, gone.line().indexOf(" |")));
        Check down = Check.of(healthy("PRIMARY_HEALTHY", nodes(pg("stopped", null), true)), WARN, CRIT);
        assertEquals("VIGIL WARNING - standby n2 is stopped", down.line().substring(0, down.line().indexOf(" |")));
    }

    @Test
    void theCriticalProblemsComeFirstAndTheWorstStateWins() {
        StatusView s = new StatusView(1, "n2", "maas", "follower", 4, null, 0, false, 3, 1,
                List.of(node("n1", "unknown", false, false, pg("primary", null)),
                        node("n2", "follower", true, true, pg("standby", 0L)),
                        node("n3", "unknown", false, false, pg("unknown", null))),
                new PgClusterView("n1", 1, List.of(), false,
                        "FENCING_REQUIRED(n1): no proof that n1's PostgreSQL cannot write (no watchdog, no fence agent)"));
        Check c = Check.of(s, WARN, CRIT);
        assertEquals(Check.CRITICAL, c.code());
        assertEquals("VIGIL CRITICAL - no quorum: 1 of 3 voters reachable from n2; no leader in term 4; primary n1 out of"
                + " reach; n2: FENCING_REQUIRED(n1): no proof that n1's PostgreSQL cannot write (no watchdog, no fence"
                + " agent); out of reach: n3", c.line().substring(0, c.line().indexOf(" |")));
    }

    @Test
    void aPrimaryNotRunningOrNoneRecordedIsCritical() {
        List<NodeStatusView> hung = List.of(node("n1", "leader", true, true, pg("hung", null)),
                node("n2", "follower", true, false, pg("standby", 0L)));
        Check c = Check.of(new StatusView(1, "n1", "maas", "leader", 3, "n1", 1200, true, 2, 2, hung,
                new PgClusterView("n1", 1, List.of(), false, "PRIMARY_FAILING: no answer within 500 ms")), WARN, CRIT);
        assertEquals("VIGIL CRITICAL - primary n1 is hung; n1: PRIMARY_FAILING: no answer within 500 ms",
                c.line().substring(0, c.line().indexOf(" |")));
        Check none = Check.of(new StatusView(1, "n1", "maas", "leader", 3, "n1", 1200, true, 2, 2, hung,
                new PgClusterView(null, 0, List.of(), false, "WAITING")), WARN, CRIT);
        assertEquals(Check.CRITICAL, none.code());
        assertEquals("VIGIL CRITICAL - no primary recorded; standby n1 is hung",
                none.line().substring(0, none.line().indexOf(" |")));
    }

    @Test
    void aLeaseInDoubtAndAFailedServiceActionAreWarnings() {
        StatusView s = healthy("LEASE_IN_DOUBT: no majority acknowledged a heartbeat sent in the last 378 ms",
                nodes(pg("standby", 0L), true)).withServices(List.of(
                new ServiceOutcomeView("restart apache2|squid", "acquired", "region", false, 1, 3, 0L, "exit 1"),
                new ServiceOutcomeView("reload squid", "acquired", "region", true, 0, 1, 0L, "")));
        Check c = Check.of(s, WARN, CRIT);
        assertEquals(Check.WARNING, c.code());
        assertEquals("VIGIL WARNING - n1: LEASE_IN_DOUBT: no majority acknowledged a heartbeat sent in the last 378 ms;"
                + " service action \"restart apache2/squid\" failed (exit 1)", c.line().substring(0, c.line().indexOf(" |")));
        assertEquals(1, c.line().chars().filter(ch -> ch == '|').count(), "one '|': the performance data's");
    }

    @Test
    void withoutPostgresOnlyTheElectionIsChecked() {
        StatusView s = new StatusView(1, "n1", "maas", "leader", 2, "n1", 1200, true, 3, 3, List.of(
                new NodeStatusView("n1", "data", "leader", true, true),
                new NodeStatusView("n2", "data", "follower", true, false),
                new NodeStatusView("n3", "data", "follower", true, false)));
        assertEquals("VIGIL OK - n1 leads term 2 (3/3 voters) | term=2 voters_reachable=3;;;0;3", Check.of(s, WARN, CRIT).line());
    }

    @Test
    void sizesAreReadAsPostgresWritesThem() {
        assertEquals(16L << 20, Check.parseSize("16MB"));
        assertEquals(1L << 30, Check.parseSize("1gb"));
        assertEquals(512, Check.parseSize("512"));
        assertEquals(2048, Check.parseSize("2 kB"));
        assertEquals(-1, Check.parseSize("lots"));
        assertEquals(-1, Check.parseSize("-5MB"));
    }

    @Test
    void aSecondNodeRunningAsPrimaryIsCritical() {
        Check c = Check.of(healthy("PRIMARY_HEALTHY", nodes(pg("primary", null), true)), WARN, CRIT);
        assertEquals(Check.CRITICAL, c.code());
        assertEquals("VIGIL CRITICAL - n2 runs as a primary, but n1 is the recorded one",
                c.line().substring(0, c.line().indexOf(" |")));
    }

    @Test
    void theReasonsNameIsReadWithOrWithoutPeerAndCause() {
        assertEquals("SELF_FENCE", Check.reasonCode("SELF_FENCE: lease ends in 120 ms"));
        assertEquals("FENCING_REQUIRED", Check.reasonCode("FENCING_REQUIRED(n1): no proof"));
        assertEquals("PRIMARY_HEALTHY", Check.reasonCode("PRIMARY_HEALTHY"));
        assertEquals(null, Check.reasonCode(null));
    }
}
