package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import vigil.testkit.ClusterShape;
import vigil.testkit.ExecResult;
import vigil.testkit.NodeProcess;
import vigil.testkit.PgOptions;
import vigil.testkit.RigWatchdog;
import vigil.testkit.Timing;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriteLog;

/**
 * {@code vigilctl restart-daemon} on the leader of three real vigild on real PostgreSQL 15, each with an armed (fake)
 * watchdog, a writer writing through the VIP meanwhile: the leader withdraws its watchdog announcement, ends with status 75 once both
 * standbys heard it, and is started again as systemd would. Meanwhile the primary is cut off from its peers for 3 s (its
 * clients still reach it): the next leader cannot see it serving and, with no failover_without_fencing, waits for a
 * proof instead of promoting on the withdrawn watchdog. Its PostgreSQL never stops, nothing is promoted, the watchdog
 * does not reset the host, and the restarted vigild leads again. The VIP stays with the primary throughout: found at
 * start, it is kept while the restarted vigild reclaims (removed at start, it was gone until the node led again, here
 * more than 3 s; in bin/bench restart-daemon 0.5-1.3 s in every run). Needs root; skipped otherwise.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class DaemonRestartIT extends PgClusterIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);

    @Override
    ClusterShape shape() {
        return ClusterShape.of(Timing.DEFAULT).pg(PgOptions.PROOF_REQUIRED).watchdog(RigWatchdog.DEFAULT).withDbVip();
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void aPlannedRestartOfTheLeadersVigildKeepsPostgresServingAndFailsNothingOver() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        assertEquals(p, cluster.awaitStable(SETTLE).node());
        cluster.watchdog(p).awaitArmed(Duration.ofSeconds(10));
        long timeline = pg.state(p).orElseThrow().timeline();
        String started = pg.psql(p, "select pg_postmaster_start_time()").orThrow("start time of " + p).output().strip();

        double asked = VigilCluster.monoNowMs();
        ExecResult r = cluster.vigilctl(p, "restart-daemon").orThrow("vigilctl restart-daemon on " + p);
        assertTrue(r.output().contains("vigild on " + p + " ends once a majority acknowledged the record saying that its"
                + " watchdog no longer covers PostgreSQL"), r.output());
        // The moment vigild has ended, the primary is cut off from its peers for 3 s (its clients still reach it): a
        // next leader cannot see its PostgreSQL serving, and must not promote on the watchdog the restart withdrew.
        NodeProcess old = cluster.process(p).orElseThrow();
        assertEquals(75, old.waitForExit(Duration.ofSeconds(15)), "vigild ends with the status the unit restarts on");
        rig.peerLoss(p, 100);
        double cut = VigilCluster.monoNowMs();
        assertEquals(75, cluster.awaitExitAndRestart(p, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.is("restarting")), "it says why it ends");
        String waiting = cluster.awaitEvent("a next leader waiting for a proof about " + p, Duration.ofSeconds(10),
                e -> e.monoMs() > cut && e.is("pg") && e.field("reason").filter(x -> x.equals("FENCING_REQUIRED")).isPresent()
                        && e.field("peer").filter(p::equals).isPresent()).node();
        sleepMs(Math.max(0, (long) (cut + 3_000 - VigilCluster.monoNowMs())));
        rig.peerLoss(p, 0);

        // Another node may lead for a moment (it finds the primary serving and hands leadership back): polled.
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!cluster.tryStatus(p).map(st -> st.leader().filter(p::equals).isPresent()).orElse(false) && System.nanoTime() < deadline) {
            sleepMs(100);
        }
        double led = VigilCluster.monoNowMs();
        assertEquals(p, cluster.awaitStable(SETTLE).node(), "the restarted vigild leads again");
        assertEquals(p, pg.awaitPrimaryWithStandbys(SETTLE));
        assertEquals(timeline, pg.state(p).orElseThrow().timeline(), "no failover: the same timeline");
        assertEquals(started, pg.psql(p, "select pg_postmaster_start_time()").orThrow("start time of " + p).output().strip(),
                "PostgreSQL never stopped");
        assertEquals(0, cluster.watchdog(p).resets().size(), "the watchdog was closed, not left to reset the host");
        assertEquals(0, cluster.allEvents().stream().filter(e -> e.monoMs() > asked && e.is("pg")
                && e.field("reason").filter(x -> x.equals("PROMOTING") || x.equals("SELF_FENCE")).isPresent()).count(),
                "nothing promoted, nothing fenced");
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.monoMs() > asked && e.is("pg")
                && e.field("reason").filter(x -> x.equals("RECLAIMING")).isPresent()), "it kept its primary while regaining the lead");
        WriteLog log = writer.awaitAcksAfter(VigilCluster.monoNowMs(), 10, Duration.ofSeconds(30));
        assertEquals(Set.of(), writer.log().lost(pg.rows(p)), "acknowledged rows lost");
        // Through the VIP: a write gap of a second or more means the address left the primary that kept serving.
        assertEquals(List.of(), log.gapsAfter(asked, VigilCluster.monoNowMs(), 1_000), "writes through the VIP stopped");
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.monoMs() > asked && e.is("vip_acquired")
                && e.field("kept_from_start").filter("true"::equals).isPresent()), "claimed in place, no service action");
        System.out.printf("restart-daemon on %s, then cut from its peers for 3 s: %s led meanwhile and waited for a proof;"
                + " %s led again %.3f s after the request; longest write gap meanwhile %.3f s%n", p, waiting, p,
                (led - asked) / 1000, log.outageAfter(asked, VigilCluster.monoNowMs()).map(g -> g.seconds()).orElse(0.0));
    }

    /**
     * {@code restart-daemon --switchover} on the primary: the primary role goes to a standby first (the switchover logged
     * with its purpose, {@code restart-daemon}), the old primary's PostgreSQL restarts as the new one's standby, and only
     * then does its vigild end to be started again. Nothing acknowledged is lost and nothing fails over afterwards.
     */
    @Test
    @org.junit.jupiter.api.Order(2)
    void aRestartWithASwitchoverHandsThePrimaryAwayBeforeVigildEnds() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        assertEquals(p, cluster.awaitStable(SETTLE).node());
        long timeline = pg.state(p).orElseThrow().timeline();
        double asked = VigilCluster.monoNowMs();
        ExecResult r = cluster.vigilctl(p, "restart-daemon", "--switchover")
                .orThrow("vigilctl restart-daemon --switchover on " + p);
        assertEquals(75, cluster.awaitExitAndRestart(p, Duration.ofSeconds(15), Duration.ofSeconds(1)), r.output());
        String q = pg.awaitPrimaryWithStandbys(SETTLE);
        org.junit.jupiter.api.Assertions.assertNotEquals(p, q, "the primary role moved: " + r.output());
        assertTrue(r.output().contains(q + " leads as the primary on timeline " + (timeline + 1)), r.output());
        assertEquals(timeline + 1, pg.state(q).orElseThrow().timeline());
        assertTrue(pg.state(q).orElseThrow().streams(p), p + " streams from " + q + ": " + pg.state(q));
        var begun = cluster.events(p).stream().filter(e -> e.monoMs() > asked && e.is("switchover")).findFirst()
                .orElseThrow(() -> new AssertionError("no switchover logged on " + p));
        assertEquals("restart-daemon", begun.field("purpose").orElse(""), begun.toString());
        double promoted = cluster.events(q).stream().filter(e -> e.monoMs() > asked && e.is("pg")
                && e.field("reason").filter("PROMOTED"::equals).isPresent()).mapToDouble(e -> e.monoMs()).min().orElseThrow();
        double ended = cluster.events(p).stream().filter(e -> e.monoMs() > asked && e.is("restarting"))
                .mapToDouble(e -> e.monoMs()).min().orElseThrow();
        assertTrue(promoted < ended, "the switchover ended before vigild did: promoted at " + promoted + ", ended at " + ended);
        // after the restart: no other promotion, the restarted vigild follows
        assertEquals(q, cluster.awaitStable(SETTLE).node());
        assertEquals(List.of(q), cluster.allEvents().stream().filter(e -> e.monoMs() > asked && e.is("pg_action_done")
                && e.field("action").filter(a -> a.startsWith("Promote")).isPresent()).map(e -> e.node()).toList(),
                "one promotion, the switchover's");
        writer.awaitAcksAfter(VigilCluster.monoNowMs(), 10, Duration.ofSeconds(30));
        assertEquals(Set.of(), writer.log().lost(pg.rows(q)), "acknowledged rows lost");
        assertEquals(0, cluster.watchdog(p).resets().size(), "the watchdog did not reset " + p);
        System.out.printf("restart-daemon --switchover on %s: %s promoted %.3f s after the request, %s's vigild ended"
                + " %.3f s after it%n", p, q, (promoted - asked) / 1000, p, (ended - asked) / 1000);
    }
}
