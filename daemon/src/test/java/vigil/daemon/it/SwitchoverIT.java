package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import vigil.testkit.ExecResult;
import vigil.testkit.LogEvent;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriteLog;

/**
 * {@code vigilctl switchover} on real PostgreSQL 15 under three real vigild processes, one per network namespace,
 * with a writer writing through the DB VIP, which follows the primary (asynchronous replication). One cluster for the
 * class; the scenarios run in order: refusals (maintenance mode, no standby fit, a standby too far behind, one
 * already under way), a switchover to a named standby, one back to the best standby, one held for later, one whose
 * target's machine dies half-way, and one whose old primary's machine does. Needs root; skipped otherwise.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwitchoverIT extends PgClusterIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    /** The rig's max_lag_on_failover (the shipped default). */
    private static final long MAX_LAG = 1L << 20;

    @Override
    vigil.testkit.ClusterShape shape() {
        return vigil.testkit.ClusterShape.of(vigil.testkit.Timing.DEFAULT).pg(vigil.testkit.PgOptions.ASYNC).withDbVip();
    }

    @Test
    @Order(1)
    void anUnsafeSwitchoverIsRefusedWithItsReason() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        String leader = cluster.awaitStable(SETTLE).node();
        assertEquals(p, leader, "the primary's node leads");
        String standby = standbys(p).get(0);

        // Given on a standby, it is forwarded to the leader, whose refusal the operator reads.
        ExecResult stranger = cluster.vigilctl(standby, "switchover", "--to", "nowhere");
        assertEquals(1, stranger.exitCode(), stranger.output());
        assertTrue(stranger.output().contains("nowhere is not a member of this cluster"), stranger.output());
        ExecResult self = cluster.vigilctl(p, "switchover", "--to", p);
        assertTrue(self.output().contains(p + " is this node, the primary already"), self.output());
        assertEquals(List.of(p), pg.primaries(), "nothing changed");
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.is("switchover_refused")
                && e.field("cause").filter(c -> c.contains("nowhere is not a member")).isPresent()), "logged with its cause");

        // Maintenance mode: nothing is handed over until vigilctl resume.
        cluster.vigilctl(standby, "pause").orThrow("vigilctl pause");
        ExecResult paused = cluster.vigilctl(p, "switchover", "--to", standby);
        assertTrue(paused.exitCode() == 1 && paused.output().contains("the cluster is in maintenance mode")
                && paused.output().contains("vigilctl resume first"), paused.output());
        cluster.vigilctl(standby, "resume").orThrow("vigilctl resume");

        // No standby fit: both banned. Status names each, and why, under the table.
        List<String> both = standbys(p);
        for (String b : both) cluster.vigilctl(p, "ban", b).orThrow("vigilctl ban " + b);
        ExecResult none = cluster.vigilctl(p, "switchover");
        assertTrue(none.exitCode() == 1 && none.output().contains("no standby can take over: " + both.get(0) + " is banned")
                && none.output().contains(both.get(1) + " is banned (vigilctl unban " + both.get(1) + ")"), none.output());
        String table = cluster.vigilctl(p, "status").orThrow("vigilctl status").output();
        for (String b : both) {
            assertTrue(table.contains("not a candidate: " + b + ": banned by an operator (vigilctl unban " + b + ")"), table);
        }
        for (String b : both) cluster.vigilctl(p, "unban", b).orThrow("vigilctl unban " + b);

        // A standby too far behind: the primary's WAL is held back from both standbys while it writes more than
        // max_lag_on_failover. Refused, saying by how much; and the standby's own status says why it is no candidate.
        pg.holdReplication(p, true);
        try {
            pg.psql(p, "create table lag_fill as select g, repeat('x', 200) as pad from generate_series(1, 12000) g")
                    .orThrow("bulk write on " + p);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!(cluster.status(p).lagBytes(standby).orElse(0L) > MAX_LAG) && System.nanoTime() < deadline) sleepMs(100);
            ExecResult behind = cluster.vigilctl(p, "switchover", "--to", standby);
            assertTrue(behind.exitCode() == 1 && behind.output().matches("(?s).*" + standby + " is \\d+ bytes behind"
                    + " \\(max_lag_on_failover " + MAX_LAG + "\\).*"), behind.output());
            String why = "(?s).*not a candidate: " + standby + ": \\d+ bytes behind " + p + "'s last reported position,"
                    + " more than max_lag_on_failover \\(" + MAX_LAG + " bytes\\).*";
            long ownBy = System.nanoTime() + Duration.ofSeconds(10).toNanos(); // the leader relays the position it sees
            String own = cluster.vigilctl(p, "status", "--all").output();
            while (!own.matches(why) && System.nanoTime() < ownBy) {
                sleepMs(100);
                own = cluster.vigilctl(p, "status", "--all").output();
            }
            assertTrue(own.matches(why), own);
        } finally {
            pg.holdReplication(p, false);
        }
        pg.psql(p, "drop table lag_fill").orThrow("drop table lag_fill");
        for (String b : both) awaitLagAtMost(p, b, 256 * 1024, SETTLE);
        assertEquals(List.of(p), pg.primaries(), "nothing changed");

        // Two at once: the second, arriving while the first runs, is refused. Straight over the socket: a vigilctl JVM
        // per request takes longer to start than the switchover takes.
        String ask = "{\"version\":1,\"command\":\"switchover\",\"args\":{\"operator\":\"SwitchoverIT\"}}";
        String first = cluster.admin(p, ask).orElseThrow(() -> new AssertionError("no reply from " + p));
        String second = cluster.admin(p, ask).orElseThrow(() -> new AssertionError("no reply from " + p));
        assertTrue(first.contains("\"accepted\":true"), first);
        assertTrue(second.contains("\"ok\":false") && second.contains("is already under way"), second);
        // the first one goes through: another primary, streamed from by both others
        pg.await("the primary role moved from " + p, SETTLE, m -> vigil.testkit.PgNodes.primaryWithStandbys(m,
                cluster.nodes()).filter(q -> !q.equals(p)));
    }

    @Test
    @Order(2)
    void aSwitchoverHandsThePrimaryToTheNamedStandbyWithoutLosingAWrite() {
        handOver(true);
    }

    @Test
    @Order(3)
    void aSwitchoverWithoutATargetPicksTheBestStandby() {
        handOver(false);
    }

    /** {@code switchover --at}: held by the leader, dropped by --cancel, or run at its time. */
    @Test
    @Order(4)
    void aSwitchoverHeldForLaterRunsAtItsTimeAndACancelledOneNever() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        String target = standbys(p).get(0);
        String asked = standbys(p).get(1);
        // held by the leader (asked on a standby), dropped, and not run at its time
        String soon = java.time.Instant.now().plusSeconds(4).toString();
        cluster.vigilctl(asked, "switchover", "--to", target, "--at", soon).orThrow("vigilctl switchover --at");
        ExecResult cancelled = cluster.vigilctl(asked, "switchover", "--cancel").orThrow("vigilctl switchover --cancel");
        assertTrue(cancelled.output().contains("scheduled switchover cancelled (was to " + target), cancelled.output());
        sleepMs(6000); // past its time: nothing must happen (nothing to poll for)
        assertEquals(p, pg.awaitPrimaryWithStandbys(SETTLE), "a cancelled switchover never runs");
        // held, then run at its time as vigilctl switchover would be
        double at = VigilCluster.monoNowMs() + 3000;
        ExecResult held = cluster.vigilctl(asked, "switchover", "--to", target, "--at",
                java.time.Instant.now().plusSeconds(3).toString()).orThrow("vigilctl switchover --at");
        assertTrue(held.output().contains("switchover scheduled to " + target + " at ") && held.output().contains("held by " + p),
                held.output());
        assertEquals(target, pg.awaitPrimaryWithStandbys(SETTLE, List.of(target)), "run at its time");
        LogEvent begun = cluster.awaitEvent("the scheduled switchover's outcome", Duration.ofSeconds(30),
                e -> e.node().equals(p) && e.is("switchover_scheduled_ran"));
        assertEquals("SCHEDULED_SWITCHOVER_BEGUN", begun.field("reason").orElse(""), begun.toString());
        assertTrue(begun.monoMs() >= at - 200, "not before its time: " + (begun.monoMs() - at) + " ms");
        assertEquals(Set.of(), writer.log().lost(pg.rows(target)), "acknowledged rows lost");
    }

    /**
     * The target's machine dies right after the switchover began: whichever way it ends (aborted before the
     * hand-over, the primary started again; or another standby elected after it), one primary serves writes again,
     * nothing acknowledged is lost, and never two primaries at once.
     */
    @Test
    @Order(5)
    void aSwitchoverWhoseTargetDiesHalfWayLeavesOnePrimary() {
        HalfWay h = switchoverThenCrash(true);
        String target = h.target();
        double asked = h.asked();
        List<String> survivors = cluster.nodes().stream().filter(n -> !n.equals(target)).toList();
        String now = pg.awaitPrimaryWithStandbys(SETTLE, survivors);
        WriteLog log = writer.awaitAcksAfter(asked, 25, Duration.ofSeconds(30));
        String how = cluster.allEvents().stream().filter(e -> e.monoMs() > asked && e.is("pg")
                && e.field("reason").filter(r -> r.startsWith("SWITCHOVER")).isPresent())
                .map(e -> e.node() + " " + e.field("reason").orElse("") + " " + e.field("cause").orElse(""))
                .reduce((a, b) -> a + " | " + b).orElse("none");
        System.out.printf("switchover to %s, killed half-way: %s primary; outage %.3f s; %s%n", target, now,
                log.outageAfter(asked, VigilCluster.monoNowMs()).orElseThrow().seconds(), how);
        assertEquals(Set.of(), writer.log().lost(pg.rows(now)), "acknowledged rows lost");
        assertEquals(0, log.splitBrainEvents(asked - 1000, VigilCluster.monoNowMs(), 500), "two primaries at once");

        rig.linkUp(target);
        cluster.startNode(target);
        pg.awaitPrimaryWithStandbys(Duration.ofSeconds(120));
    }

    /**
     * The old primary's machine dies right after the switchover began (during its CHECKPOINT or clean shutdown, or
     * after it resigned): one of the survivors becomes the primary, never two at once, and status names it. In
     * asynchronous mode a primary that dies may take acknowledged commits with it, as any node crash: reported only.
     */
    @Test
    @Order(6)
    void aSwitchoverWhoseOldPrimaryDiesHalfWayLeavesOnePrimary() {
        HalfWay h = switchoverThenCrash(false);
        String p = h.primary();
        String target = h.target();
        double asked = h.asked();
        List<String> survivors = standbys(p);
        String now = pg.awaitPrimaryWithStandbys(SETTLE, survivors);
        WriteLog log = writer.awaitAcksAfter(asked, 25, Duration.ofSeconds(30));
        assertEquals(List.of(now), pg.primaries(), "one primary among " + survivors);
        assertEquals(0, log.splitBrainEvents(asked - 1000, VigilCluster.monoNowMs(), 500), "two primaries at once");
        String leader = cluster.awaitLeader(SETTLE).node();
        String table = cluster.vigilctl(leader, "status").orThrow("vigilctl status on " + leader).output();
        assertTrue(table.contains(now) && table.contains("primary"), table);
        assertEquals(now, cluster.status(leader).recordedPrimary().orElse(null), "the record names it:\n" + table);
        String cause = cluster.events(now).stream().filter(e -> e.is("pg") && e.monoMs() > asked)
                .flatMap(e -> e.field("promotion").stream()).reduce((a, b) -> a + ", " + b).orElse("none");
        System.out.printf("switchover %s -> %s, old primary killed half-way: %s primary (promotion: %s); outage %.3f s;"
                + " lost acknowledged writes (async, reported only): %d%n", p, target, now, cause,
                log.outageAfter(asked, VigilCluster.monoNowMs()).orElseThrow().seconds(),
                writer.log().lost(pg.rows(now)).size());

        rig.linkUp(p);
        cluster.startNode(p);
        pg.awaitPrimaryWithStandbys(Duration.ofSeconds(120));
    }

    /** A switchover from {@code primary} to {@code target} asked at {@code asked} (monotonic ms). */
    private record HalfWay(String primary, String target, double asked) {}

    /**
     * Asks for a switchover to the first standby, then at once pulls the cable of the target's machine
     * ({@code killTarget}) or of the old primary's, and kills everything on it.
     */
    private HalfWay switchoverThenCrash(boolean killTarget) {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        writer.awaitAcksAfter(VigilCluster.monoNowMs(), 25, Duration.ofSeconds(30));
        String target = standbys(p).get(0);
        double asked = VigilCluster.monoNowMs();
        cluster.vigilctl(p, "switchover", "--to", target).orThrow("vigilctl switchover --to " + target);
        String victim = killTarget ? target : p;
        cluster.isolate(victim);
        cluster.kill9Vigild(victim);
        rig.killAll(rig.ns(victim));
        return new HalfWay(p, target, asked);
    }

    /** A switchover from the current primary, to a named standby or to the best one, checked end to end. */
    private void handOver(boolean named) {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        writer.awaitAcksAfter(VigilCluster.monoNowMs(), 25, Duration.ofSeconds(30));
        long timeline = pg.state(p).orElseThrow().timeline();
        long before = lsn(pg.psql(p, "select pg_current_wal_lsn()").orThrow("position of " + p).output().strip());
        String target = named ? standbys(p).get(1) : null;

        double asked = VigilCluster.monoNowMs();
        ExecResult r = named ? cluster.vigilctl(p, "switchover", "--to", target, "--wait")
                : cluster.vigilctl(p, "switchover", "--wait");
        r.orThrow("vigilctl switchover");
        String q = pg.awaitPrimaryWithStandbys(SETTLE);
        assertNotEquals(p, q, "the primary role moved");
        if (named) assertEquals(target, q, "to the standby named");
        assertTrue(r.output().contains(q + " leads as the primary on timeline " + (timeline + 1)), r.output());
        assertEquals(timeline + 1, pg.state(q).orElseThrow().timeline(), "a promotion: one timeline more");

        WriteLog log = writer.awaitAcksAfter(asked, 25, Duration.ofSeconds(30));
        WriteLog.Gap outage = log.outageAfter(asked, VigilCluster.monoNowMs()).orElseThrow();
        // every write goes through the VIP, which moved with the primary role (and only there: no other node has it)
        assertEquals(Set.of(rig.dbVip()), log.hostsAfter(outage.fromMs()), "writes through the VIP after the outage");
        assertEquals(List.of(q), vipHolders(), "the VIP on the new primary only");
        assertTrue(cluster.events(q).stream().anyMatch(e -> e.monoMs() > asked && e.is("vip_acquired")), "claimed by " + q);
        // The target names its promotion a switchover (counted apart from failovers in vigil_promotions_total).
        assertEquals(List.of("switchover"), cluster.events(q).stream().filter(e -> e.is("pg") && e.monoMs() > asked)
                .flatMap(e -> e.field("promotion").stream()).toList(), "the promotion's cause on " + q);
        assertEquals(Set.of(), writer.log().lost(pg.rows(q)), "acknowledged rows lost by a switchover");
        // The new timeline's history: it forked from the old one, at or after where the old primary was when asked.
        String[] fork = pg.psql(q, String.format("select pg_read_file('pg_wal/%08X.history')", timeline + 1))
                .orThrow("timeline history on " + q).output().strip().lines().reduce((a, b) -> b).orElseThrow().split("\t");
        assertEquals(timeline, Long.parseLong(fork[0]), "the new timeline's parent: " + String.join(" ", fork));
        assertTrue(lsn(fork[1]) >= before, "forked at " + fork[1] + ", before the old primary's position when asked");
        assertEquals(0, log.splitBrainEvents(asked - 1000, VigilCluster.monoNowMs(), 500), "two primaries at once");
        assertTrue(pg.state(q).orElseThrow().streams(p), "the old primary streams from the new one: " + pg.state(q));
        assertEquals(timeline + 1, pg.state(p).orElseThrow().timeline(), "the old primary receives the new timeline");
        List<String> rejoin = cluster.events(p).stream().filter(e -> e.is("pg") && e.monoMs() > asked)
                .map(e -> e.field("reason").orElse("")).filter(x -> x.startsWith("REWIND") || x.equals("RECLONE")
                        || x.equals("CLONE")).toList();
        assertEquals(List.of(), rejoin, "the old primary rejoined without pg_rewind or a copy");
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.is("pg") && e.monoMs() > asked
                && e.field("cause").filter(c -> c.contains("no rewind needed")).isPresent()), "and said why");
        System.out.printf("switchover %s -> %s: outage %.3f s, gaps over 100 ms %s, %s%n", p, q,
                log.outageAfter(asked, VigilCluster.monoNowMs()).orElseThrow().seconds(),
                log.gapsAfter(asked, VigilCluster.monoNowMs(), 100), r.output().strip().replace('\n', ' '));
    }

    /** The nodes whose namespace has the DB VIP up now, polled until one alone has it (or 10 s pass). */
    private List<String> vipHolders() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> holders = List.of();
        while (System.nanoTime() < deadline) {
            holders = cluster.nodes().stream().filter(n -> rig.addresses(n).contains(rig.dbVip() + "/24")).toList();
            if (holders.size() == 1) return holders;
            sleepMs(100);
        }
        return holders;
    }

    /** An LSN as PostgreSQL writes it (X/Y), as a number. */
    private static long lsn(String text) {
        String[] parts = text.split("/");
        return (Long.parseLong(parts[0], 16) << 32) | Long.parseLong(parts[1], 16);
    }

    private List<String> standbys(String primary) {
        return cluster.nodes().stream().filter(n -> !n.equals(primary)).sorted().toList();
    }
}
