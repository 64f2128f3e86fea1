package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import vigil.testkit.LogEvent;
import vigil.testkit.NetnsRig;
import vigil.testkit.PgOptions;
import vigil.testkit.RegionService;
import vigil.testkit.RigWatchdog;
import vigil.testkit.Timing;
import vigil.testkit.VigilCluster;

/**
 * Service actions on real vigild with PostgreSQL 15 in namespaces: the region VIP follows the primary, and each
 * node's service action ({@code node.services}, {@code on: acquired}, {@code vip: region}) starts a small HTTP server
 * bound to that VIP on port 5240 — a python3 {@code http.server}, standing in for MAAS's region API
 * ({@link RegionService}). The primary's node crashes: the new primary's action runs, its outcome is logged, and the
 * service answers on the VIP from the new node. Needs root.
 */
class ServiceIT {
    private NetnsRig rig;
    private VigilCluster cluster;

    @AfterEach
    void cleanUp() {
        if (cluster != null) cluster.close();
        if (rig != null) rig.close();
    }

    @Test
    void theServiceBoundToTheRegionVipIsStartedOnTheNewHolderAndAnswersThere() {
        Optional<String> why = NetnsRig.precondition();
        Assumptions.assumeTrue(why.isEmpty(), why.orElse(""));
        rig = NetnsRig.create(3);
        cluster = VigilCluster.clusterWithPrimary(rig, Timing.DEFAULT, PgOptions.PROOF_REQUIRED, Duration.ofSeconds(150),
                RigWatchdog.DEFAULT, true, null, true);
        String p = cluster.pg().awaitPrimaryWithStandbys(Duration.ofSeconds(120));
        String first = awaitPage(Duration.ofSeconds(20));
        assertEquals(RegionService.page(p), first, "the service answers from the primary's node");

        double fault = VigilCluster.monoNowMs();
        cluster.kill9Vigild(p);
        rig.killAll(rig.ns(p));
        rig.linkDown(p);
        rig.forgetAddresses(p);
        LogEvent action = cluster.awaitEvent("the service action on the new primary", Duration.ofSeconds(40),
                e -> !e.node().equals(p) && e.monoMs() > fault && e.is("service_action")
                        && e.field("trigger").filter("acquired"::equals).isPresent()
                        && e.field("vip").filter("region"::equals).isPresent());
        assertEquals("ok", action.field("outcome").orElse(""), action.toString());
        String q = action.node();
        String page = awaitPageOf(q, Duration.ofSeconds(20));
        System.out.printf("region service: %s crashed; %s's action ok %+.0f ms after the fault (%s ms); the VIP answers: %s%n",
                p, q, action.monoMs() - fault, action.field("duration_ms").orElse("?"), page);
        String status = cluster.statusTable(q);
        assertTrue(status.contains("service action") && status.contains("(acquired region): ok"),
                "vigilctl status shows the outcome:\n" + status);
    }

    private String awaitPage(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> page = RegionService.fetch(rig);
            if (page.isPresent()) return page.get();
            pause();
        }
        throw new AssertionError("nothing answers on the region VIP\n" + cluster.dumpLogs(30));
    }

    private String awaitPageOf(String node, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = RegionService.fetch(rig).orElse("");
            if (last.equals(RegionService.page(node))) return last;
            pause();
        }
        throw new AssertionError("the region VIP never answered from " + node + " (last: " + last + ")\n" + cluster.dumpLogs(30));
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }
}
