package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import vigil.testkit.LogEvent;
import vigil.testkit.ExecResult;
import vigil.testkit.NetnsRig;
import vigil.testkit.PgNodes;
import vigil.testkit.PgNodes.PgNodeState;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriteLog;
import vigil.testkit.WriterRun;

/**
 * Real PostgreSQL 15 under three real vigild processes, one per network namespace, and a writer in the
 * client namespace. One cluster for the whole class; the scenarios run in order and each starts from
 * the state the previous one left (a primary with two streaming standbys): postmaster crash, vigild
 * crash, node crash (failover), old primary rejoin, vigild crash. Needs root; skipped otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresFailoverIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private NetnsRig rig;
    private VigilCluster cluster;
    private PgNodes pg;
    private WriterRun writer;
    /** Set by the node-crash scenario for the rejoin scenario. */
    private String crashedPrimary;
    private String newPrimary;
    private double nodeCrashAt;

    @RegisterExtension
    final TestWatcher dumpLogsOnFailure = RigIt.dumpOnFailure(() -> cluster == null ? null
            : "node logs (rig " + rig.runId() + ") ====\n" + cluster.dumpLogs(200) + pg.serverLogs(40));

    @BeforeAll
    void startCluster() {
        RigIt.assumeHost("PostgresFailoverIT", NetnsRig.precondition().or(PgNodes::precondition));
        rig = NetnsRig.create(3);
        try {
            cluster = VigilCluster.clusterWithPrimary(rig);
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
            throw e;
        }
        pg = cluster.pg();
        writer = WriterRun.start(cluster, rig.runDir().resolve("writer"));
    }

    @AfterAll
    void stopCluster() {
        if (writer != null) {
            writer.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    @Order(1)
    void postmasterCrashIsRestartedInPlaceOnTheSameTimeline() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        long timeline = pg.state(p).orElseThrow().timeline();

        double fault = pg.kill9Postmaster(p);
        WriteLog log = writer.awaitAcksAfter(fault, 25, Duration.ofSeconds(30));

        assertEquals(p, pg.awaitPrimaryWithStandbys(SETTLE), "the crashed primary stays primary");
        assertEquals(timeline, pg.state(p).orElseThrow().timeline(), "a local restart keeps the timeline");
        assertEquals(Set.of(rig.address(p)), log.hostsAfter(fault), "writes resumed on the same node");
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.is("pg") && e.monoMs() > fault
                && e.field("reason").filter("PRIMARY_CRASHED_RESTART"::equals).isPresent()),
                "vigild logged the local restart");
        Set<Long> lost = writer.log().lost(pg.rows(p));
        assertEquals(Set.of(), lost, "acknowledged rows lost by a postmaster crash");
        // Nothing runs beside the restart that it does not need: the control file is read by vigild itself (no
        // pg_controldata at all), and no pg_waldump begins once the start has been asked (its action began). The rule
        // itself is LocalViewStartTest's; this checks the daemon's wiring, with 25 ms for a probe that looked just
        // before the start was asked and then read pg_wal's directory before running pg_waldump.
        double startBegan = cluster.events(p).stream().filter(e -> e.monoMs() > fault && e.is("pg_action_done")
                        && e.field("action").filter(a -> a.startsWith("StartPrimary[")).isPresent())
                .mapToDouble(e -> e.monoMs() - Double.parseDouble(e.field("duration_ms").orElseThrow()))
                .findFirst().orElseThrow(() -> new AssertionError("no StartPrimary ended on " + p));
        List<LogEvent> commands = cluster.events(p).stream().filter(e -> e.monoMs() > fault && e.is("command")).toList();
        assertEquals(List.of(), commands.stream().filter(e -> e.field("argv").orElse("").contains("pg_controldata")).toList(),
                "pg_controldata ran although vigild reads the control file");
        assertEquals(List.of(), commands.stream().filter(e -> e.field("argv").orElse("").contains("pg_waldump")
                && e.monoMs() - Double.parseDouble(e.field("duration_ms").orElseThrow()) > startBegan + 25).toList(),
                "pg_waldump began during the start (which began at mono_ms " + startBegan + ")");
        System.out.printf("postmaster crash on %s: outage %.3f s, gaps %s%n", p,
                log.outageAfter(fault, fault + 30_000).orElseThrow().seconds(), log.gapsAfter(fault, fault + 30_000, 200));

        // The restart counts against migration_threshold (FAIL in the status) until the operator's cleanup resets it.
        assertEquals(1, failcount(p), "one restart counted");
        String other = cluster.nodes().stream().filter(n -> !n.equals(p)).findFirst().orElseThrow();
        // Another node's cleanup, asked here, is carried out by that node: this node's count stays.
        ExecResult elsewhere = cluster.vigilctl(p, "cleanup", other).orThrow("vigilctl cleanup " + other + " on " + p);
        assertTrue(elsewhere.output().contains("failcount of " + other + " reset: 0 restart(s)"), elsewhere.output());
        assertEquals(1, failcount(p), "still counted here");
        ExecResult cleanup = cluster.vigilctl(p, "cleanup").orThrow("vigilctl cleanup on " + p);
        assertTrue(cleanup.output().contains("failcount of " + p + " reset: 1 restart(s)"), cleanup.output());
        assertEquals(0, failcount(p), "reset");
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.is("cleanup")
                && e.field("reason").filter("OPERATOR_CLEANUP"::equals).isPresent()), "logged with its reason");
    }

    /** FAIL of {@code node}'s own row in its status: local restarts within failure_timeout. */
    private int failcount(String node) {
        ExecResult r = cluster.vigilctl(node, "status", "--json").orThrow("vigilctl status --json on " + node);
        try {
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.output().substring(r.output().indexOf('{')));
            for (var n : json.path("nodes")) {
                if (n.path("self").asBoolean()) return n.path("postgres").path("failcount").asInt(-1);
            }
            throw new AssertionError("no row of its own in " + r.output());
        } catch (java.io.IOException e) {
            throw new AssertionError(r.output(), e);
        }
    }

    @Test
    @Order(4)
    void vigildCrashOnThePrimaryNeitherFailsOverNorStopsWrites() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        assertEquals(p, cluster.awaitStable(SETTLE).node(), "the primary's node leads");

        double fault = cluster.kill9Vigild(p);
        // another node wins the election, probes the old primary, finds it serving: no promotion
        LogEvent seen = cluster.awaitEvent("another node finding " + p + "'s PostgreSQL still serving",
                Duration.ofSeconds(20), e -> e.is("pg") && e.monoMs() > fault && !e.node().equals(p)
                        && e.field("reason").filter(r -> r.equals("OLD_PRIMARY_STILL_SERVING")
                                || r.equals("HAND_BACK_TO_PRIMARY")).isPresent());
        System.out.println("vigild crash on " + p + ": " + seen);
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < until) {
            assertEquals(List.of(p), pg.primaries(), "no other node became primary");
        }
        long elections = cluster.allEvents().stream().filter(e -> e.is("lease_acquired") && e.monoMs() > fault).count();
        System.out.println("vigild crash on " + p + ": " + elections + " leaderships began while its vigild was down");

        double restart = VigilCluster.monoNowMs();
        cluster.startNode(p);
        LogEvent back = cluster.awaitEvent("leadership handed back to " + p, Duration.ofSeconds(60),
                e -> e.is("pg") && e.monoMs() > restart && e.field("reason")
                        .filter(r -> r.equals("HAND_BACK_TO_PRIMARY") || r.equals("RECLAIMING")).isPresent());
        System.out.println("vigild restart on " + p + ": " + back);
        cluster.awaitEvent(p + " leading again", Duration.ofSeconds(30),
                e -> e.is("lease_acquired") && e.node().equals(p) && e.monoMs() > restart);
        assertEquals(p, cluster.awaitStable(SETTLE).node(), "the restarted vigild leads again");
        assertEquals(p, pg.awaitPrimaryWithStandbys(SETTLE), "PostgreSQL primary unchanged");

        WriteLog log = writer.awaitAcksAfter(VigilCluster.monoNowMs(), Duration.ofSeconds(10));
        double worst = log.gapsAfter(fault, VigilCluster.monoNowMs(), 0).stream()
                .mapToDouble(WriteLog.Gap::seconds).max().orElse(0);
        System.out.printf("vigild crash on %s: longest write gap %.3f s%n", p, worst);
        assertTrue(worst <= 1.2, "writes never stopped for more than ~1 s, longest gap " + worst + " s");
        assertEquals(Set.of(rig.address(p)), log.hostsAfter(fault));
    }

    @Test
    @Order(2)
    void nodeCrashPromotesAStandbyOnANewTimeline() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        long timeline = pg.state(p).orElseThrow().timeline();
        List<String> survivors = cluster.nodes().stream().filter(n -> !n.equals(p)).toList();

        // A crashed machine sends nothing, not even a FIN: pull the cable first, then kill everything on it.
        // (Killing first lets the kernel close its connections, and the survivors' reconnects to the dead
        // address then stall their elections: see docs/benchmarks.md, "known problems".)
        double fault = cluster.isolate(p);
        cluster.kill9Vigild(p);
        rig.killAll(rig.ns(p));
        crashedPrimary = p;
        nodeCrashAt = fault;

        String q = pg.awaitPrimaryWithStandbys(Duration.ofSeconds(60), survivors);
        newPrimary = q;
        assertNotEquals(p, q);
        PgNodeState s = pg.state(q).orElseThrow();
        assertTrue(s.timeline() > timeline, "promotion starts a new timeline: " + s.timeline() + " > " + timeline);
        WriteLog log = writer.awaitAcksAfter(fault, 25, Duration.ofSeconds(30));
        assertTrue(log.hostsAfter(fault).contains(rig.address(q)), "writes resumed on " + q);
        Set<Long> lost = writer.log().lost(pg.rows(q));
        System.out.printf("node crash of %s: %s promoted (timeline %d -> %d), outage %.3f s, lost acknowledged"
                + " writes (async, reported only): %d %s%n", p, q, timeline, s.timeline(),
                log.outageAfter(fault, fault + 60_000).orElseThrow().seconds(), lost.size(), lost);

        // What an operator sees on the new primary: the promotion in its history, the crashed node in its check.
        String history = cluster.vigilctl(q, "history", "-n", "500").orThrow("vigilctl history on " + q).output();
        assertTrue(history.lines().anyMatch(l -> l.contains(" role ") && l.contains("→leader")), history);
        assertTrue(history.lines().anyMatch(l -> l.contains(" pg ") && l.contains("reason=PROMOTED")), history);
        // the decision that recorded it says why: the old primary's vigild went silent
        assertTrue(history.lines().anyMatch(l -> l.contains(" pg ") && l.contains("reason=PROMOTING")
                && l.contains(" peer=" + p + " ") && l.contains(" promotion=primary_unreachable")), history);
        ExecResult check = cluster.awaitCheck(q, 1, Duration.ofSeconds(30));
        assertEquals(1, check.exitCode(), check.output());
        assertTrue(check.output().startsWith("VIGIL WARNING - out of reach: " + p + " |"), check.output());
    }

    @Test
    @Order(3)
    void oldPrimaryRejoinsAsAStandbyOfTheNewPrimary() {
        assumeTrue(crashedPrimary != null, "needs the node-crash scenario");
        String old = crashedPrimary;
        rig.linkUp(old);
        double restart = VigilCluster.monoNowMs();
        cluster.startNode(old);

        String primary = pg.await("old primary " + old + " streaming from " + newPrimary, Duration.ofSeconds(120),
                m -> {
                    m.get(old).filter(PgNodeState::primary).ifPresent(st -> fail(old + " answered as a writable"
                            + " primary while rejoining: " + st));
                    return PgNodes.primaryWithStandbys(m, cluster.nodes());
                });
        assertEquals(newPrimary, primary, "the new primary keeps its role");
        // Without divergence (the standby had all of the old primary's WAL) PostgreSQL follows the new
        // timeline by itself; otherwise vigild rewinds, or re-clones when rewind fails.
        List<String> how = cluster.events(old).stream().filter(e -> e.is("pg") && e.monoMs() > restart)
                .map(e -> e.field("reason").orElse(""))
                .filter(r -> r.equals("FOLLOW_PRIMARY") || r.equals("REWIND") || r.equals("RECLONE")).distinct().toList();
        System.out.println("rejoin of " + old + " as a standby of " + primary + " via " + how);
        assertTrue(!how.isEmpty(), "vigild turned the old primary into a standby (follow, rewind or re-clone)");
        assertTrue(pg.state(old).map(st -> !st.primary() && st.timeline() > 1).orElse(false),
                "the old primary streams on the new timeline: " + pg.state(old));
        WriteLog log = writer.log();
        assertEquals(0, log.answers().stream().filter(a -> a.monoMs() > nodeCrashAt + 1000
                && a.host().equals(rig.address(old)) && a.answer() == 'P').count(),
                "the writer's watcher never saw the old primary writable after the crash");
        assertEquals(0, log.splitBrainEvents(nodeCrashAt, VigilCluster.monoNowMs(), 500), "split brain seen");

        // Whole again: the check says so (polled: the rejoined standby's position reaches the leader with its reports).
        ExecResult check = cluster.awaitCheck(primary, 0, Duration.ofSeconds(30));
        assertEquals(0, check.exitCode(), check.output());
        assertTrue(check.output().startsWith("VIGIL OK - " + primary + " leads term "), check.output());
        ExecResult version = cluster.vigilctl(old, "version").orThrow("vigilctl version on " + old);
        assertTrue(version.output().contains("vigild " + vigil.daemon.Version.of() + " on " + old + " "), version.output());
    }

    /**
     * The primary's outgoing replication traffic is dropped while it keeps acknowledging writes, then its
     * node crashes: the promoted standby lacks those writes (asynchronous replication: lost, counted), and the
     * old primary's WAL has diverged, so it must be rewound (or re-cloned) before it may follow.
     */
    @Test
    @Order(5)
    void divergedOldPrimaryIsRewoundBeforeItFollows() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        List<String> survivors = cluster.nodes().stream().filter(n -> !n.equals(p)).toList();
        pg.holdReplication(p, true);
        double held = VigilCluster.monoNowMs();
        writer.awaitAcksAfter(held, 30, Duration.ofSeconds(10)); // acknowledged by the primary alone
        double fault = cluster.isolate(p);
        cluster.kill9Vigild(p);
        rig.killAll(rig.ns(p));
        pg.holdReplication(p, false);
        String q = pg.awaitPrimaryWithStandbys(Duration.ofSeconds(60), survivors);
        WriteLog log = writer.awaitAcksAfter(fault, 25, Duration.ofSeconds(30));
        Set<Long> lost = log.lost(pg.rows(q));
        System.out.printf("diverged node crash of %s: %s promoted, outage %.3f s, lost acknowledged writes: %d%n", p, q,
                log.outageAfter(fault, VigilCluster.monoNowMs()).orElseThrow().seconds(), lost.size());
        assertTrue(lost.size() >= 30, "the writes only the old primary had are lost (async): " + lost.size());

        rig.linkUp(p);
        double restart = VigilCluster.monoNowMs();
        cluster.startNode(p);
        // How "never serves reads from the lost timeline" is checked: from its restart until it streams from q,
        // every time p's PostgreSQL answers at all (polled about every 100 ms), it is asked for the writer's rows,
        // and none of the writes only it had (lost) may be among them. A diverged node started as a hot standby
        // before its rewind would serve exactly those rows until the stall rule caught it, seconds later.
        int answers = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            var m = pg.states();
            m.get(p).filter(PgNodeState::primary).ifPresent(st -> fail(p + " answered as a writable primary while"
                    + " rejoining: " + st));
            if (m.get(p).isPresent()) {
                answers++;
                Set<Long> served;
                try {
                    served = pg.rows(p);
                } catch (vigil.testkit.RigException goneMeanwhile) {
                    served = Set.of();
                }
                Set<Long> leaked = new java.util.HashSet<>(served);
                leaked.retainAll(lost);
                assertTrue(leaked.isEmpty(), p + " served rows of the lost timeline before its rewind: " + leaked);
            }
            if (PgNodes.primaryWithStandbys(m, cluster.nodes()).isPresent()) break;
            if (System.nanoTime() > deadline) fail("diverged old primary " + p + " not streaming from " + q + ": " + m);
        }
        System.out.println("diverged " + p + " answered " + answers + " times while rejoining, never with a lost row");
        List<String> how = cluster.events(p).stream().filter(e -> e.is("pg") && e.monoMs() > restart)
                .map(e -> e.field("reason").orElse("")).filter(r -> r.equals("REWIND") || r.equals("RECLONE"))
                .distinct().toList();
        System.out.println("rejoin of diverged " + p + " via " + how);
        assertTrue(!how.isEmpty(), "a diverged old primary is rewound or re-cloned, never just restarted");
        Set<Long> onNewPrimary = pg.rows(q);
        Set<Long> onOld = pg.await("the rejoined " + p + " to replay " + q + "'s rows", Duration.ofSeconds(20), m -> {
            Set<Long> r = pg.rows(p);
            return r.containsAll(onNewPrimary) ? Optional.of(r) : Optional.empty();
        });
        assertTrue(java.util.Collections.disjoint(onOld, lost),
                "the rewound old primary keeps none of the writes only it had: " + lost);
    }
}
