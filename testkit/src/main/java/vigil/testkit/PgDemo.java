package vigil.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The PostgreSQL part of {@code bin/demo}: three nodes with managed PostgreSQL 15 (asynchronous replication), the
 * test watchdog device on every node (a FIFO watched by the rig, which "resets" a node by killing its namespace: the
 * real {@code /dev/watchdog} is never opened), two VIPs that follow the primary — {@code db} for PostgreSQL and
 * {@code region} with an HTTP service started by a service action ({@link RegionService}, standing in for MAAS) — a
 * client writing every 20 ms through the db VIP, the primary's node crashed (cable pulled, every process killed,
 * its addresses forgotten as in a reboot), and the seconds of each step after the crash: a new leader, its promotion
 * on the watchdog proof (no {@code failover_without_fencing}), the VIP claimed, the client's neighbour entry moved,
 * writes resuming, nothing acknowledged lost, the region service answering from the new node, the old node rejoining
 * as a standby without a VIP. Every step is checked, not only printed: a step that does not happen fails the demo.
 */
final class PgDemo {
    private static final Duration BOOT = Duration.ofSeconds(180);
    private static final Duration STEP = Duration.ofSeconds(60);

    /** One line of the timeline: {@code at} in mono ms. */
    private record Step(double at, String text) {
    }

    private final NetnsRig rig;
    private final VigilCluster cluster;

    private PgDemo(NetnsRig rig, VigilCluster cluster) {
        this.rig = rig;
        this.cluster = cluster;
    }

    static int run(NetnsRig rig) throws Exception {
        say("starting vigild with PostgreSQL 15 on n1, n2, n3 in namespaces vg" + rig.runId() + "n1..n3 (10.232."
                + rig.subnet() + ".0/24); each node has the test watchdog device (a FIFO; /dev/watchdog is never"
                + " opened); initdb, clone and start take a minute on a small machine ...");
        say("two VIPs follow the primary: db " + rig.dbVip() + " (PostgreSQL) and region " + rig.regionVip()
                + " (a service action starts an HTTP server on it, port " + RegionService.PORT
                + ", standing in for MAAS's region API)");
        try (VigilCluster cluster = VigilCluster.clusterWithPrimary(rig, Timing.DEFAULT, PgOptions.PROOF_REQUIRED, BOOT,
                RigWatchdog.DEFAULT, true, null, true)) {
            return new PgDemo(rig, cluster).show();
        }
    }

    private int show() {
        PgNodes pg = cluster.pg();
        String primary = pg.awaitPrimaryWithStandbys(STEP);
        cluster.watchdog(primary).awaitArmed(Duration.ofSeconds(10));
        await("both VIPs on " + primary + " and the region service answering", STEP,
                () -> holds(primary) && RegionService.fetch(rig).filter(RegionService.page(primary)::equals).isPresent());
        try (WriterRun writer = WriterRun.start(cluster, rig.runDir().resolve("writer"), rig.dbVip())) {
            writer.awaitAcksAfter(VigilCluster.monoNowMs(), 50, Duration.ofSeconds(30));
            say("\n$ vigilctl status   # on " + primary);
            say(cluster.statusTable(primary).stripTrailing());
            say("\n" + primary + "'s eth0: " + String.join(" ", rig.addresses(primary)));
            say("a client in its own namespace inserts a row every 20 ms through the db VIP; "
                    + writer.log().acks().size() + " acknowledged so far; its neighbour entry for " + rig.dbVip()
                    + " is " + neighbour(rig.dbVip()).orElse("(none)") + " (" + primary + "'s eth0)");
            say("$ curl -s " + RegionService.url(rig) + "   # from the client");
            say(RegionService.fetch(rig).orElse("(no answer)"));

            List<String> survivors = cluster.nodes().stream().filter(n -> !n.equals(primary)).toList();
            Map<String, String> macs = new LinkedHashMap<>();
            survivors.forEach(n -> macs.put(rig.mac(n), n));
            say("\ncrash " + primary + ": its cable is pulled, every process on it is killed (kill -9), its addresses"
                    + " are forgotten (as in a reboot)");
            double fault = cluster.isolate(primary);
            cluster.kill9Vigild(primary);
            rig.killAll(rig.ns(primary));
            rig.forgetAddresses(primary);

            List<Step> steps = new ArrayList<>();
            double[] seen = {-1, -1};
            await("the client's neighbour entry at a survivor's MAC and the region service answering from it", STEP,
                    () -> {
                        if (seen[0] < 0) {
                            Optional<String> n = neighbour(rig.dbVip()).filter(macs::containsKey);
                            if (n.isPresent()) {
                                seen[0] = VigilCluster.monoNowMs();
                                steps.add(new Step(seen[0], "the client's neighbour entry for " + rig.dbVip() + " is "
                                        + n.get() + " (" + macs.get(n.get()) + "'s eth0)"));
                            }
                        }
                        if (seen[1] < 0 && afterFault(fault, e -> e.is("vip_acquired") && vip(e, RegionService.VIP))) {
                            Optional<String> page = RegionService.fetch(rig)
                                    .filter(p -> survivors.stream().map(RegionService::page).anyMatch(p::equals));
                            if (page.isPresent()) {
                                seen[1] = VigilCluster.monoNowMs();
                                steps.add(new Step(seen[1], "curl " + RegionService.url(rig) + " answers: "
                                        + page.get()));
                            }
                        }
                        return seen[0] >= 0 && seen[1] >= 0;
                    });
            String now = pg.awaitPrimaryWithStandbys(STEP, survivors);
            WriteLog log = writer.awaitAcksAfter(fault, 50, STEP);
            double until = VigilCluster.monoNowMs();
            LogEvent lease = event("the new leader's lease", fault,
                    e -> e.is("lease_acquired") && !e.node().equals(primary));
            LogEvent promoted = event("the promotion", fault, e -> e.node().equals(now) && e.is("pg")
                    && e.field("reason").filter("PROMOTING"::equals).isPresent());
            LogEvent done = event("pg_promote done", fault, e -> e.node().equals(now) && e.is("pg_action_done")
                    && e.field("action").filter(a -> a.startsWith("Promote")).isPresent()
                    && e.field("outcome").filter("OK"::equals).isPresent());
            LogEvent db = event("the db VIP on " + now, fault,
                    e -> e.node().equals(now) && e.is("vip_acquired") && vip(e, "db"));
            LogEvent region = event("the region VIP on " + now, fault,
                    e -> e.node().equals(now) && e.is("vip_acquired") && vip(e, RegionService.VIP));
            LogEvent action = event("the region service action on " + now, fault, e -> e.node().equals(now)
                    && e.is("service_action") && vip(e, RegionService.VIP)
                    && e.field("trigger").filter("acquired"::equals).isPresent());
            WriteLog.Gap gap = log.outageAfter(fault, until).orElseThrow();
            Set<Long> lost = log.lost(pg.rows(now));
            steps.add(new Step(lease.mono("lease_start_mono_ms"), lease.node() + " leads (term " + lease.term()
                    + "): " + primary + "'s lease had ended"));
            steps.add(new Step(promoted.monoMs(), now + " promotes: " + promoted.field("cause").orElse("")));
            steps.add(new Step(done.monoMs(), now + "'s promotion action ends (pg_action_done)"));
            // vip_acquired is logged once every VIP is claimed; duration_ms is the whole claim (ip addr add, ARP)
            long claim = db.longField("duration_ms").orElse(0);
            steps.add(new Step(db.monoMs() - claim, now + " claims VIPs db and region: ip addr add, gratuitous ARP"));
            steps.add(new Step(Math.max(db.monoMs(), region.monoMs()), now + " holds both VIPs (vip_acquired; the"
                    + " claim took " + claim + " ms); its service action for region starts"));
            steps.add(new Step(action.monoMs(), "the service action (region-http start) on " + now + ": "
                    + action.field("outcome").orElse("?") + " after " + action.field("duration_ms").orElse("?")
                    + " ms"));
            steps.add(new Step(gap.toMs(), "writes resume through the db VIP"));
            say("  +0.00 s  " + primary + " is down");
            steps.stream().sorted(Comparator.comparingDouble(Step::at)).forEach(s ->
                    say(String.format(Locale.ROOT, "  +%.2f s  %s", secs(s.at(), fault), s.text())));
            say(String.format(Locale.ROOT, "  writes stopped for %.2f s; %d acknowledged writes lost (%d checked on %s)",
                    gap.seconds(), lost.size(), log.ackedSeqs().size(), now));
            say("\n$ vigilctl status   # on " + now);
            say(cluster.statusTable(now).stripTrailing());

            say("\n" + primary + " comes back (cable in, vigild started): it rejoins as a standby of " + now + " ...");
            double back = VigilCluster.monoNowMs();
            cluster.heal(primary);
            cluster.startNode(primary);
            pg.await(primary + " streaming from " + now, Duration.ofSeconds(120),
                    m -> PgNodes.primaryWithStandbys(m, cluster.nodes()).filter(now::equals));
            say(String.format(Locale.ROOT, "  +%.2f s  %s streams from %s again", secs(VigilCluster.monoNowMs(), back),
                    primary, now));
            boolean noVip = rig.addresses(primary).equals(List.of(rig.address(primary) + "/24"))
                    && cluster.events(primary).stream().noneMatch(e -> e.monoMs() >= back && e.is("vip_acquired"));
            String answer = RegionService.fetch(rig).orElse("(no answer)");
            say("  " + primary + "'s eth0: " + String.join(" ", rig.addresses(primary)) + (noVip ? " (no VIP)"
                    : "  <- a VIP on the rejoined node: this is a bug"));
            say("  both VIPs stay on " + now + " (eth0: " + String.join(" ", rig.addresses(now)) + "); curl: " + answer);
            say(cluster.statusTable(now).stripTrailing());
            boolean ok = lost.isEmpty() && noVip && holds(now) && answer.equals(RegionService.page(now));
            return ok ? 0 : 1;
        }
    }

    /** Both VIPs are on {@code node}'s eth0. */
    private boolean holds(String node) {
        List<String> a = rig.addresses(node);
        return a.contains(rig.dbVip() + "/24") && a.contains(rig.regionVip() + "/24");
    }

    private static boolean vip(LogEvent e, String name) {
        return e.field("vip").filter(name::equals).isPresent();
    }

    private boolean afterFault(double fault, Predicate<LogEvent> p) {
        return cluster.allEvents().stream().anyMatch(e -> e.monoMs() >= fault && p.test(e));
    }

    private LogEvent event(String what, double fault, Predicate<LogEvent> p) {
        return cluster.awaitEvent(what, Duration.ofSeconds(5), e -> e.monoMs() >= fault && p.test(e));
    }

    /** The client's neighbour entry for {@code address}: its MAC, if it has a usable one. */
    private Optional<String> neighbour(String address) {
        String out = rig.exec(rig.clientNs(), NetnsRig.IP, "neigh", "show", address, "dev", "eth0").output().trim();
        String[] f = out.split("\\s+");
        for (int i = 0; i + 1 < f.length; i++) {
            if (f[i].equals("lladdr") && !out.contains("FAILED")) {
                return Optional.of(f[i + 1]);
            }
        }
        return Optional.empty();
    }

    private void await(String what, Duration limit, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            cluster.failIfADaemonDied();
            if (System.nanoTime() > deadline) {
                throw new RigException("no " + what + " within " + limit + "\n" + cluster.dumpLogs(40));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RigException("interrupted", e);
            }
        }
    }

    private static double secs(double monoMs, double fromMs) {
        return (monoMs - fromMs) / 1000.0;
    }

    private static void say(String s) {
        if (!Demo.stopping()) {
            System.out.println(s);
        }
    }
}
