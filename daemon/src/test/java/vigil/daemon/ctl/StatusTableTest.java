package vigil.daemon.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.PgClusterView;
import vigil.protocol.admin.PgNodeView;
import vigil.protocol.admin.StatusView;

class StatusTableTest {
    static StatusView clusterWithPrimary() {
        return new StatusView(1, "n1", "maas", "leader", 7, "n1", 1312, true, 3, 3, List.of(
                new NodeStatusView("n1", "data", "leader", true, true,
                        new PgNodeView("primary", 3L, PgNodeView.lsn(0x3_0000_2A10L), null, false, true, 1,
                                "watchdog-armed")),
                new NodeStatusView("n2", "data", "follower", true, false,
                        new PgNodeView("standby", 3L, PgNodeView.lsn(0x3_0000_2000L), 0xA10L, 0.25, true, true, null,
                                null)),
                new NodeStatusView("w1", "witness", "witness", true, false)),
                new PgClusterView("n1", 3, List.of("n2"), true, "PRIMARY_HEALTHY"));
    }

    @Test
    void showsEachNodesPostgresLikeCrmMon() {
        String out = StatusTable.render(clusterWithPrimary());
        assertTrue(out.contains("postgres: primary n1, timeline 3, synchronous [n2], last action PRIMARY_HEALTHY"), out);
        List<String> lines = out.lines().toList();
        assertEquals(List.of("NODE", "KIND", "ROLE", "REACHABLE", "LEADER", "PG", "TL", "LSN", "LAG", "LAG_S", "SYNC",
                "FAIL", "PROOF"),
                List.of(lines.get(2).trim().split("\\s+")));
        assertEquals(List.of("n1*", "data", "leader", "yes", "yes", "primary", "3", "3/2A10", "-", "-", "no", "1",
                "watchdog-armed"),
                List.of(lines.get(3).trim().split("\\s+")));
        assertEquals(List.of("n2", "data", "follower", "yes", "no", "standby", "3", "3/2000", "2576", "0.3", "yes", "-",
                "-"),
                List.of(lines.get(4).trim().split("\\s+")));
        assertTrue(lines.get(5).startsWith("w1 ") && lines.get(5).trim().endsWith("-"), lines.get(5));
    }

    /**
     * {@code status --all}: the asked node's table with each node's own failcount, then what only each node knows of
     * itself (its VIPs, failcount, last reason, service actions), or why it did not answer.
     */
    @Test
    void everyNodesOwnViewFillsWhatOnlyItKnows() {
        StatusView local = clusterWithPrimary().withServices(List.of(new vigil.protocol.admin.ServiceOutcomeView(
                "restart apache2", "acquired", "db", true, 0, 1, 1_764_500_000_000L, "")));
        StatusView n2 = new StatusView(1, "n2", "maas", "follower", 7, "n1", 0, true, 3, 3, List.of(
                new NodeStatusView("n1", "data", "leader", true, false,
                        new PgNodeView("primary", 3L, PgNodeView.lsn(0x3_0000_2A10L), null, false, true, null)),
                new NodeStatusView("n2", "data", "follower", true, true,
                        new PgNodeView("standby", 3L, PgNodeView.lsn(0x3_0000_2000L), 0xA10L, true, true, 2))),
                new PgClusterView("n1", 3, List.of("n2"), true, "STANDBY_HEALTHY", "not held"));
        String out = StatusTable.renderAll(local, java.util.Map.of("n1", local, "n2", n2),
                java.util.Map.of("w1", "no reply within 5 s"));
        List<String> lines = out.lines().toList();
        assertEquals(List.of("n2", "data", "follower", "yes", "no", "standby", "3", "3/2000", "2576", "0.3", "yes", "2",
                "-"), List.of(lines.get(4).trim().split("\\s+")), "n2's FAIL is its own count");
        assertTrue(out.contains("each node's own view:\n"
                + "  n1: leader, PostgreSQL primary, failcount 1, last action PRIMARY_HEALTHY\n"
                + "    service action restart apache2 (acquired db): ok, exit 0, 1 attempt, at 2025-11-30T10:53:20Z\n"
                + "  n2: follower, PostgreSQL standby, VIPs not held, failcount 2, last action STANDBY_HEALTHY\n"
                + "  w1: no answer: no reply within 5 s\n"), out);
        assertEquals(1, out.split("service action restart apache2", -1).length - 1, "the local outcomes once, in the block");
    }

    /**
     * Below the table, each data node that could not be promoted now, with why; under {@code --all} in that node's own
     * words, which replace the flag the asked node saw.
     */
    @Test
    void saysWhyANodeIsNotACandidateInItsOwnWordsUnderAll() {
        String mine = "it reports itself not a candidate (its own status says why)";
        StatusView local = new StatusView(1, "n1", "maas", "leader", 7, "n1", 1312, true, 3, 3, List.of(
                new NodeStatusView("n1", "data", "leader", true, true,
                        new PgNodeView("primary", 3L, "3/2A10", null, null, false, true, 0, null, null)),
                new NodeStatusView("n2", "data", "follower", true, false,
                        new PgNodeView("standby", 3L, "3/2000", 2576L, 0.3, false, false, null, null, mine)),
                new NodeStatusView("n3", "data", "follower", true, false,
                        new PgNodeView("standby", 3L, "3/2A10", 0L, 0.0, false, true, null, null, null))),
                new PgClusterView("n1", 3, List.of(), false, "PRIMARY_HEALTHY"));
        String out = StatusTable.render(local);
        assertTrue(out.endsWith("(* = this node)\nnot a candidate: n2: " + mine + "\n"), out);
        String own = "17825792 bytes behind n1's last reported position, more than max_lag_on_failover (16777216 bytes)";
        StatusView n2 = new StatusView(1, "n2", "maas", "follower", 7, "n1", 0, true, 3, 3, List.of(
                new NodeStatusView("n2", "data", "follower", true, true,
                        new PgNodeView("standby", 3L, "3/2000", 2576L, null, false, false, 0, null, own))),
                new PgClusterView("n1", 3, List.of(), false, "STANDBY_HEALTHY"));
        String all = StatusTable.renderAll(local, java.util.Map.of("n1", local, "n2", n2), java.util.Map.of());
        assertTrue(all.contains("\nnot a candidate: n2: " + own + "\n"), all);
        assertFalse(all.contains(mine), "n2's own reason replaces what n1 saw: " + all);
        assertFalse(all.contains("not a candidate: n1") || all.contains("not a candidate: n3"), all);
        // n2's vigild older than the field: not a candidate, no reason given; the asked node's line stays
        StatusView old = new StatusView(1, "n2", "maas", "follower", 7, "n1", 0, true, 3, 3, List.of(
                new NodeStatusView("n2", "data", "follower", true, true,
                        new PgNodeView("standby", 3L, "3/2000", 2576L, null, false, false, 0, null, null))),
                new PgClusterView("n1", 3, List.of(), false, "STANDBY_HEALTHY"));
        String older = StatusTable.renderAll(local, java.util.Map.of("n1", local, "n2", old), java.util.Map.of());
        assertTrue(older.contains("\nnot a candidate: n2: " + mine + "\n"), older);
        var json = AdminCodec.toTree(local).get("nodes").get(1).get("postgres");
        assertEquals(mine, json.get("not_candidate").asText());
    }

    @Test
    void showsTheSwitchoverHeldForLater() {
        assertFalse(StatusTable.render(clusterWithPrimary()).contains("switchover scheduled"));
        String out = StatusTable.render(clusterWithPrimary().withScheduledSwitchover(
                "to n2 at 2026-12-03T02:00:00Z, asked by alice, held by n1"));
        assertTrue(out.contains("switchover scheduled: to n2 at 2026-12-03T02:00:00Z, asked by alice, held by n1"
                + " (vigilctl switchover --cancel drops it)\n"), out);
    }

    @Test
    void saysWhetherThisNodeHoldsTheVips() {
        StatusView v = clusterWithPrimary();
        StatusView held = new StatusView(v.version(), v.node(), v.cluster(), v.role(), v.term(), v.leader(),
                v.leaseRemainingMs(), v.quorum(), v.voters(), v.reachableVoters(), v.nodes(),
                new PgClusterView("n1", 3, List.of("n2"), true, "PRIMARY_HEALTHY", "held"));
        String out = StatusTable.render(held);
        assertTrue(out.contains("synchronous [n2], VIPs held here, last action PRIMARY_HEALTHY"), out);
    }

    @Test
    void showsTheLastOutcomeOfEachServiceAction() {
        StatusView v = clusterWithPrimary().withServices(List.of(
                new vigil.protocol.admin.ServiceOutcomeView("restart apache2", "acquired", "db", true, 0, 1,
                        1_764_500_000_000L, ""),
                new vigil.protocol.admin.ServiceOutcomeView("rndc reconfig", "acquired", "db", false, 1, 3,
                        1_764_500_001_000L, "exit 1: rndc: connect failed")));
        String out = StatusTable.render(v);
        assertTrue(out.contains("service action restart apache2 (acquired db): ok, exit 0, 1 attempt, at 2025-11-30T10:53:20Z\n"), out);
        assertTrue(out.contains("service action rndc reconfig (acquired db): FAILED, exit 1, 3 attempts, at 2025-11-30T10:53:21Z:"
                + " exit 1: rndc: connect failed\n"), out);
        assertEquals(v, vigil.protocol.admin.AdminCodec.decodeResult(vigil.protocol.admin.AdminCodec.toTree(v),
                StatusView.class).value(), "the outcomes survive the wire");
    }

    @Test
    void withoutManagedPostgresTheTableKeepsItsFiveColumnsAndTheJsonItsShape() {
        StatusView plain = new StatusView(1, "n1", "maas", "leader", 7, "n1", 1312, true, 3, 3,
                List.of(new NodeStatusView("n1", "data", "leader", true, true)));
        assertEquals(List.of("NODE", "KIND", "ROLE", "REACHABLE", "LEADER"),
                List.of(StatusTable.render(plain).lines().toList().get(1).trim().split("\\s+")));
        String json = AdminCodec.toTree(plain).toString();
        assertTrue(!json.contains("postgres"), json);
        assertEquals(plain, AdminCodec.decodeResult(AdminCodec.toTree(plain), StatusView.class).value(),
                "a daemon without PostgreSQL: its status decodes too");
        assertEquals(clusterWithPrimary(),
                AdminCodec.decodeResult(AdminCodec.toTree(clusterWithPrimary()), StatusView.class).value());
    }
}
