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
 * with a writer writing to whichever node answers as the primary (asynchronous replication; the benchmark
 * {@code bin/bench switchover} writes through the DB VIP). One cluster for the
 * class; the scenarios run in order: refusals, a switchover to a named standby, one back to the best standby, and
 * one whose target's machine dies half-way. Needs root; skipped otherwise.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwitchoverIT extends PgClusterIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);

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
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        writer.awaitAcksAfter(VigilCluster.monoNowMs(), 25, Duration.ofSeconds(30));
        String target = standbys(p).get(0);
        double asked = VigilCluster.monoNowMs();
        cluster.vigilctl(p, "switchover", "--to", target).orThrow("vigilctl switchover --to " + target);
        cluster.isolate(target);
        cluster.kill9Vigild(target);
        rig.killAll(rig.ns(target));
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

    /** A switchover from the current primary, to a named standby or to the best one, checked end to end. */
    private void handOver(boolean named) {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        writer.awaitAcksAfter(VigilCluster.monoNowMs(), 25, Duration.ofSeconds(30));
        long timeline = pg.state(p).orElseThrow().timeline();
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
        // the old primary's last acknowledgement is where the outage starts; every one after it is the new primary's
        assertEquals(Set.of(rig.address(q)), log.hostsAfter(outage.fromMs()), "writes go to " + q + " after the outage");
        assertEquals(Set.of(), writer.log().lost(pg.rows(q)), "acknowledged rows lost by a switchover");
        assertEquals(0, log.splitBrainEvents(asked - 1000, VigilCluster.monoNowMs(), 500), "two primaries at once");
        assertTrue(pg.state(q).orElseThrow().streams(p), "the old primary streams from the new one: " + pg.state(q));
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

    private List<String> standbys(String primary) {
        return cluster.nodes().stream().filter(n -> !n.equals(primary)).sorted().toList();
    }
}
