package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import vigil.testkit.ClusterShape;
import vigil.testkit.ExecResult;
import vigil.testkit.NetnsRig;
import vigil.testkit.PgOptions;
import vigil.testkit.Timing;
import vigil.testkit.VigilCluster;

/**
 * The HTTP endpoint ({@code node.http}) of three real vigild on real PostgreSQL 15, asked the way HAProxy asks, with
 * curl from the client namespace: in the steady state only the primary's node answers 200 to {@code /primary}, the
 * standbys to {@code /replica}; then the primary is cut off from its peers while clients still reach it, and polling
 * every node throughout shows that it stops answering 200 before another node starts: a balancer following the checks
 * never has two primaries to send writes to, though the cut-off PostgreSQL still runs as a primary for a while; what
 * {@code vigilctl simulate} foretold of that cut, and later of a host crash, is what then happens. Needs root; skipped
 * otherwise.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpChecksIT extends PgClusterIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);

    @Override
    ClusterShape shape() {
        return ClusterShape.of(Timing.DEFAULT).pg(PgOptions.ASYNC).withHttp();
    }

    @Override
    boolean withWriter() {
        return false;
    }

    private String url(String node, String path) {
        return "http://" + rig.address(node) + ":" + ClusterShape.HTTP_PORT + path;
    }

    /**
     * The status code (0: no answer within 300 ms) of each URL, asked at the same moment (one curl, its transfers in
     * parallel) from the client namespace.
     */
    private List<Integer> codes(List<String> urls) {
        List<String> argv = new ArrayList<>(List.of("curl", "--parallel", "--parallel-immediate", "-s", "--max-time", "0.3",
                "-w", "%{url_effective} %{http_code}\\n"));
        for (String u : urls) argv.addAll(List.of("-o", "/dev/null", u));
        ExecResult r = rig.exec(rig.clientNs(), Duration.ofSeconds(5), argv.toArray(String[]::new));
        Map<String, Integer> byUrl = new java.util.HashMap<>();
        r.output().lines().map(l -> l.split(" ")).filter(p -> p.length == 2 && p[1].matches("\\d{3}"))
                .forEach(p -> byUrl.put(p[0], Integer.parseInt(p[1])));
        assertEquals(new java.util.HashSet<>(urls), byUrl.keySet(), "one code per URL: " + r.output());
        return urls.stream().map(byUrl::get).toList();
    }

    private String body(String node, String path) {
        return rig.exec(rig.clientNs(), Duration.ofSeconds(5), "curl", "-s", "--max-time", "1", url(node, path)).output();
    }

    private Map<String, Integer> primaryCodes() {
        List<String> nodes = cluster.nodes();
        List<Integer> codes = codes(nodes.stream().map(n -> url(n, "/primary")).toList());
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) m.put(nodes.get(i), codes.get(i));
        return m;
    }

    @Test
    @Order(1)
    void onlyThePrimaryAnswersPrimaryAndTheStandbysAnswerReplica() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        assertEquals(p, cluster.awaitStable(SETTLE).node());
        List<String> standbys = cluster.nodes().stream().filter(n -> !n.equals(p)).toList();
        for (String n : cluster.nodes()) {
            boolean primary = n.equals(p);
            List<Integer> expected = List.of(primary ? 200 : 503, primary ? 503 : 200, primary ? 503 : 200,
                    primary ? 200 : 503, 200, 404, 400, 503);
            // /sync: 503 everywhere in asynchronous mode (PostgresFaultsIT asks it in synchronous mode)
            List<String> urls = List.of(url(n, "/primary"), url(n, "/replica"), url(n, "/replica?lag=1GB"),
                    url(n, "/leader"), url(n, "/health"), url(n, "/nothing"), url(n, "/replica?lag=much"), url(n, "/sync"));
            // Polled: a standby just cloned may still be restarting its PostgreSQL (then it rightly answers 503).
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            List<Integer> codes = codes(urls);
            while (!codes.equals(expected) && System.nanoTime() < deadline) {
                sleepMs(200);
                codes = codes(urls);
            }
            assertEquals(expected, codes, n + (primary ? " (primary)" : " (standby)"));
        }
        String notSync = body(standbys.get(0), "/sync");
        assertTrue(notSync.contains("not in the synchronous set (empty)"), notSync);
        String refused = body(standbys.get(0), "/primary");
        assertTrue(refused.contains("\"ok\":false,\"reason\":\"this node does not lead (the leader is " + p + ")\""), refused);
        String metrics = body(p, "/metrics");
        assertTrue(metrics.contains("vigil_leader 1.0") && metrics.contains("vigil_postgres_primary 1.0")
                && metrics.contains("vigil_standby_lag_bytes{node=\"" + standbys.get(0) + "\"}"), metrics);
        // A streaming standby of a quiet primary lacks nothing the leader saw it write: its lag in seconds is a
        // number, 0 or a probe's worth (polled: the leader learns the standby's position with its acknowledgements).
        String series = "vigil_standby_lag_seconds{node=\"" + standbys.get(0) + "\"} ";
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        double lagS = lagSeconds(metrics, series);
        while (!(lagS >= 0 && lagS < 5) && System.nanoTime() < until) {
            sleepMs(200);
            metrics = body(p, "/metrics");
            lagS = lagSeconds(metrics, series);
        }
        assertTrue(lagS >= 0 && lagS < 5, series + "= " + lagS + " in:\n" + metrics);
        // vigilctl status --all on a standby: every node answers through it, each with its own failcount.
        String all = cluster.vigilctl(standbys.get(0), "status", "--all").orThrow("vigilctl status --all").output();
        for (String n : cluster.nodes()) {
            assertTrue(all.contains("\n  " + n + ": " + (n.equals(p) ? "leader, PostgreSQL primary" : "follower, PostgreSQL standby")),
                    all);
            String row = all.lines().filter(l -> l.startsWith(n + " ") || l.startsWith(n + "* ")).findFirst().orElseThrow();
            assertTrue(row.trim().split("\\s+")[11].matches("[0-9]+"), "FAIL of " + n + " from its own view: " + row);
        }
        assertTrue(body(standbys.get(0), "/metrics").contains("vigil_leader 0.0"));
    }

    /** The value of one metric series (NaN when it is missing or not a number). */
    private static double lagSeconds(String metrics, String series) {
        int at = metrics.indexOf(series);
        if (at < 0) return Double.NaN;
        int end = metrics.indexOf('\n', at);
        try {
            return Double.parseDouble(metrics.substring(at + series.length(), end < 0 ? metrics.length() : end).trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    @Test
    @Order(2)
    void aPrimaryCutOffFromItsPeersStopsAnsweringBeforeAnotherNodeStarts() {
        String old = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        assertEquals(Map.of(old, 200), Map.copyOf(primaryCodes().entrySet().stream().filter(e -> e.getValue() == 200)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))));
        // What vigilctl simulate says a cut would do, from a standby's view; checked against what then happens.
        String asked = cluster.nodes().stream().filter(n -> !n.equals(old)).findFirst().orElseThrow();
        ExecResult simulated = cluster.vigilctl(asked, "simulate", "partition", old).orThrow("vigilctl simulate partition " + old);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("- (n\\d) would be elected leader").matcher(simulated.output());
        assertTrue(m.find(), simulated.output());
        String predicted = m.group(1);
        assertTrue(simulated.output().contains(old + ": no majority (1 of 3 voters, 2 needed)")
                && simulated.output().contains(predicted + " would promote its PostgreSQL")
                && simulated.output().contains("failover_without_fencing accepts the risk"), simulated.output());
        double cut = VigilCluster.monoNowMs();
        rig.rejectPeers(old, true);
        try {
            double lastOld = Double.NaN;
            double firstNew = Double.NaN;
            String successor = null;
            int rounds = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && successor == null) {
                double at = VigilCluster.monoNowMs();
                Map<String, Integer> codes = primaryCodes();
                rounds++;
                List<String> yes = codes.entrySet().stream().filter(e -> e.getValue() == 200).map(Map.Entry::getKey).toList();
                assertTrue(yes.size() <= 1, "two nodes answer 200 to /primary at once: " + codes + " at +" + (at - cut) + " ms");
                if (yes.contains(old)) lastOld = at;
                if (!yes.isEmpty() && !yes.contains(old)) {
                    successor = yes.get(0);
                    firstNew = at;
                }
            }
            assertTrue(successor != null, "no node answered 200 to /primary within 30 s of the cut");
            assertEquals(predicted, successor, "vigilctl simulate foretold it:\n" + simulated.output());
            // The cut-off node: still reachable by clients, and saying why it refuses.
            String refused = body(old, "/primary");
            assertTrue(refused.contains("\"ok\":false"), refused);
            // On the side without a quorum a switchover is refused, saying why (no leader there to carry it out).
            ExecResult minority = cluster.vigilctl(old, "switchover");
            assertTrue(minority.exitCode() == 1 && minority.output().contains("does not lead"), minority.output());
            System.out.printf("http checks: %s cut off from its peers; its /primary last answered 200 at %+.0f ms, %s's"
                            + " first at %+.0f ms (%d rounds of polling every node); %s now says %s%n", old,
                    Double.isNaN(lastOld) ? Double.NaN : lastOld - cut, successor, firstNew - cut, rounds, old, refused.strip());
        } finally {
            rig.rejectPeers(old, false);
        }
        // Healed, the old primary comes back as a standby and says so.
        long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        int code = 0;
        while (System.nanoTime() < until && (code = codes(List.of(url(old, "/replica"))).get(0)) != 200) sleepMs(200);
        assertEquals(200, code, old + " /replica after healing: " + body(old, "/replica"));
    }

    /** {@code vigilctl reload} on a real vigild: the endpoint moves to the port the file now names, nothing else. */
    @Test
    @Order(3)
    void aReloadMovesTheEndpointToItsNewPort() throws Exception {
        String n = cluster.nodes().get(0);
        java.nio.file.Path file = cluster.configFile(n);
        String before = java.nio.file.Files.readString(file);
        java.nio.file.Files.writeString(file, before.replace("    port: " + ClusterShape.HTTP_PORT + "\n", "    port: 8010\n"));
        try {
            ExecResult reload = cluster.vigilctl(n, "reload").orThrow("vigilctl reload on " + n);
            assertTrue(reload.output().contains("applied: node.http"), reload.output());
            String moved = "http://" + rig.address(n) + ":8010/health";
            assertEquals(List.of(200, 0), codes(List.of(moved, url(n, "/health"))), "served on 8010 only");
            String socket = cluster.adminSocket(n).toString();
            java.nio.file.Files.writeString(file, before.replace("    socket: " + socket + "\n", "    socket: " + socket + ".new\n"));
            ExecResult restart = cluster.vigilctl(n, "reload").orThrow("vigilctl reload on " + n);
            assertTrue(restart.output().contains("applied: node.http; need a restart (systemctl restart vigild): node.admin"),
                    restart.output());
        } finally {
            java.nio.file.Files.writeString(file, before);
            cluster.vigilctl(n, "reload");
        }
        assertEquals(List.of(200), codes(List.of(url(n, "/health"))), "back on " + ClusterShape.HTTP_PORT);
    }

    /**
     * {@code vigilctl reload} of {@code node.postgres.client_access} on a real vigild: the rule that admits the client
     * namespace is taken out of the file, and from the reload's answer on that PostgreSQL refuses the client, without a
     * restart; put back, it admits it again.
     */
    @Test
    @Order(4)
    void aReloadPutsNewClientRulesInForceWithoutARestart() throws Exception {
        String primary = pg.awaitPrimaryWithStandbys(SETTLE);
        pg.psql(primary, "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + vigil.testkit.PgNodes.WRITER_ROLE
                + "') THEN CREATE ROLE " + vigil.testkit.PgNodes.WRITER_ROLE + " LOGIN; END IF; END$$").orThrow("the client's role");
        String n = cluster.nodes().get(0);
        long until = System.nanoTime() + SETTLE.toNanos();
        ExecResult admitted = clientSelect(n);
        while (!admitted.output().strip().equals("1") && System.nanoTime() < until) {
            sleepMs(200);
            admitted = clientSelect(n);
        }
        assertEquals("1", admitted.output().strip(), "the client admitted by the rule at start: " + admitted.output());
        long postmaster = pg.postmasterPid(n).orElseThrow();

        java.nio.file.Path file = cluster.configFile(n);
        String before = java.nio.file.Files.readString(file);
        String without = before.replaceAll("(?m)^    client_access:\n(^      - .*\n)+", "");
        assertTrue(!without.equals(before), "the client rule is in " + file);
        java.nio.file.Files.writeString(file, without);
        try {
            ExecResult reload = cluster.vigilctl(n, "reload").orThrow("vigilctl reload on " + n);
            assertTrue(reload.output().contains("applied: node.postgres.client_access"), reload.output());
            // PostgreSQL reads the file on the reload's signal; a new connection meets it a moment later at most
            long refusedBy = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            ExecResult refused = clientSelect(n);
            while (refused.output().strip().equals("1") && System.nanoTime() < refusedBy) {
                sleepMs(50);
                refused = clientSelect(n);
            }
            assertTrue(refused.output().contains("no pg_hba.conf entry for host \"" + rig.address(NetnsRig.CLIENT) + "\""),
                    refused.output());
        } finally {
            java.nio.file.Files.writeString(file, before);
            cluster.vigilctl(n, "reload");
        }
        assertEquals("1", clientSelect(n).output().strip(), "admitted again after the second reload");
        assertEquals(postmaster, pg.postmasterPid(n).orElseThrow(), "PostgreSQL reloaded, not restarted");
    }

    /**
     * {@code vigilctl simulate fail} on a standby, then that very fault: the primary's host crashes (its cable pulled,
     * then every process on it killed). The node simulate named is elected and promoted, and answers {@code /primary}.
     */
    @Test
    @Order(5)
    void whatSimulateFailForetellsIsWhatAHostCrashThenDoes() {
        String old = pg.awaitPrimaryWithStandbys(SETTLE);
        String leader = cluster.awaitStable(SETTLE).node();
        // Both standbys at the primary's position first (one may still be catching up after its rewind in the test
        // before): simulate ranks them as they stand when asked, and a standby that gains on the other after that
        // would stand first in the real election.
        for (String n : cluster.nodes()) if (!n.equals(old)) awaitLagAtMost(leader, n, 0, SETTLE);
        String asked = cluster.nodes().stream().filter(n -> !n.equals(old)).findFirst().orElseThrow();
        ExecResult simulated = cluster.vigilctl(asked, "simulate", "fail", old).orThrow("vigilctl simulate fail " + old);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("- (n\\d) would be elected leader").matcher(simulated.output());
        assertTrue(m.find(), simulated.output());
        String predicted = m.group(1);
        assertTrue(simulated.output().contains(predicted + " would promote its PostgreSQL"), simulated.output());
        List<String> survivors = cluster.nodes().stream().filter(n -> !n.equals(old)).toList();
        cluster.isolate(old);
        cluster.kill9Vigild(old);
        rig.killAll(rig.ns(old));
        String successor = pg.awaitPrimaryWithStandbys(SETTLE, survivors);
        assertEquals(predicted, successor, "vigilctl simulate foretold it:\n" + simulated.output());
        assertEquals(predicted, cluster.awaitLeader(SETTLE).node(), "and it leads");
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int code = 0;
        while (System.nanoTime() < until && (code = codes(List.of(url(successor, "/primary"))).get(0)) != 200) sleepMs(200);
        assertEquals(200, code, successor + " /primary: " + body(successor, "/primary"));
        // counted by its cause (the cut-off primary of the test before may have been replaced by this node as well)
        String metrics = body(successor, "/metrics");
        java.util.regex.Matcher count = java.util.regex.Pattern
                .compile("(?m)^vigil_promotions_total\\{cause=\"primary_unreachable\"\\} (\\d+)\\.0$").matcher(metrics);
        assertTrue(count.find() && Integer.parseInt(count.group(1)) >= 1, metrics);
        assertFalse(metrics.contains("vigil_promotions_total{cause=\"switchover\"}"), "no switchover here:\n" + metrics);
    }

    /** SELECT 1 over TCP from the client namespace to {@code node}'s PostgreSQL, as the client's role. */
    private ExecResult clientSelect(String node) {
        return rig.exec(rig.clientNs(), Duration.ofSeconds(5), PgOptions.BINDIR.resolve("psql").toString(), "-X", "-At",
                "-c", "SELECT 1", "host=" + rig.address(node) + " port=" + PgOptions.PORT + " user="
                        + vigil.testkit.PgNodes.WRITER_ROLE + " dbname=postgres connect_timeout=2");
    }
}
