package vigil.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The PostgreSQL part of {@code bin/demo}: three nodes with managed PostgreSQL 15 (asynchronous replication) and
 * the test watchdog device on every node (a FIFO watched by the rig, which "resets" a node by killing its namespace:
 * the real {@code /dev/watchdog} is never opened), a client writing every 20 ms, the primary's node crashed (cable
 * pulled, every process killed), and the seconds of each step: a new leader, its promotion on the watchdog proof (no
 * {@code failover_without_fencing}), writes resuming, nothing acknowledged lost, the old node rejoining as a standby.
 */
final class PgDemo {
    private static final Duration BOOT = Duration.ofSeconds(180);
    private static final Duration STEP = Duration.ofSeconds(60);

    private PgDemo() {
    }

    static int run(NetnsRig rig) throws Exception {
        say("starting vigild with PostgreSQL 15 on n1, n2, n3 in namespaces vg" + rig.runId() + "n1..n3 (10.232."
                + rig.subnet() + ".0/24); each node has the test watchdog device (a FIFO; /dev/watchdog is never"
                + " opened); initdb, clone and start take a minute on a small machine ...");
        Path dir = Files.createTempDirectory("vigil-demo-writer-");
        try (VigilCluster cluster = VigilCluster.clusterWithPrimary(rig, Timing.DEFAULT, PgOptions.PROOF_REQUIRED, BOOT,
                RigWatchdog.DEFAULT); WriterRun writer = WriterRun.start(cluster, dir)) {
            PgNodes pg = cluster.pg();
            String primary = pg.awaitPrimaryWithStandbys(STEP);
            cluster.watchdog(primary).awaitArmed(Duration.ofSeconds(10));
            writer.awaitAcksAfter(VigilCluster.monoNowMs(), 50, Duration.ofSeconds(30));
            say("\n$ vigilctl status   # on " + primary);
            System.out.println(cluster.statusTable(primary).stripTrailing());
            say("\na client in its own namespace inserts a row every 20 ms; " + writer.log().acks().size()
                    + " acknowledged so far");

            say("\ncrash " + primary + ": its cable is pulled, then every process on it is killed (kill -9)");
            double fault = cluster.isolate(primary);
            cluster.kill9Vigild(primary);
            rig.killAll(rig.ns(primary));
            List<String> survivors = cluster.nodes().stream().filter(n -> !n.equals(primary)).toList();
            String now = pg.awaitPrimaryWithStandbys(STEP, survivors);
            WriteLog log = writer.awaitAcksAfter(fault, 50, STEP);
            double until = VigilCluster.monoNowMs();
            LogEvent lease = cluster.awaitEvent("the new leader's lease", Duration.ofSeconds(5),
                    e -> e.is("lease_acquired") && !e.node().equals(primary) && e.monoMs() >= fault);
            LogEvent promoted = cluster.awaitEvent("the promotion", Duration.ofSeconds(5),
                    e -> e.node().equals(now) && e.monoMs() >= fault && e.is("pg")
                            && e.field("reason").filter("PROMOTING"::equals).isPresent());
            LogEvent done = cluster.awaitEvent("pg_promote done", Duration.ofSeconds(5),
                    e -> e.node().equals(now) && e.monoMs() >= fault && e.is("pg")
                            && e.field("reason").filter("PROMOTED"::equals).isPresent());
            WriteLog.Gap gap = log.outageAfter(fault, until).orElseThrow();
            Set<Long> lost = log.lost(pg.rows(now));
            say(String.format(Locale.ROOT, "  +%.2f s  %s leads (term %d): %s's lease had ended", secs(lease.mono(
                    "lease_start_mono_ms"), fault), lease.node(), lease.term(), primary));
            say(String.format(Locale.ROOT, "  +%.2f s  %s promotes: %s", secs(promoted.monoMs(), fault), now,
                    promoted.field("cause").orElse("")));
            say(String.format(Locale.ROOT, "  +%.2f s  %s is primary", secs(done.monoMs(), fault), now));
            say(String.format(Locale.ROOT, "  writes stopped for %.2f s; %d acknowledged writes lost", gap.seconds(),
                    lost.size()));
            say("\n$ vigilctl status   # on " + now);
            System.out.println(cluster.statusTable(now).stripTrailing());

            say("\n" + primary + " comes back (cable in, vigild started): it rejoins as a standby of " + now + " ...");
            double back = VigilCluster.monoNowMs();
            cluster.heal(primary);
            cluster.startNode(primary);
            pg.await(primary + " streaming from " + now, Duration.ofSeconds(120),
                    m -> PgNodes.primaryWithStandbys(m, cluster.nodes()).filter(now::equals));
            say(String.format(Locale.ROOT, "  +%.2f s  %s streams from %s again", secs(VigilCluster.monoNowMs(), back),
                    primary, now));
            System.out.println(cluster.statusTable(now).stripTrailing());
            return lost.isEmpty() ? 0 : 1;
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double secs(double monoMs, double fromMs) {
        return (monoMs - fromMs) / 1000.0;
    }

    private static void say(String s) {
        System.out.println(s);
    }
}
