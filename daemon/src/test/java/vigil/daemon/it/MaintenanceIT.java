package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import vigil.testkit.ExecResult;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriteLog;

/**
 * {@code vigilctl pause} and {@code resume} on real PostgreSQL 15 under three real vigild processes, one per network
 * namespace, with a writer writing to whichever node answers as the primary: in maintenance mode a killed primary postmaster stays dead (nothing
 * restarts it, nothing fails over) and every status says so; resumed, the primary is restarted in place with nothing
 * lost. Then {@code vigilctl ban}: a banned standby is never handed the primary role, by any leader; and
 * {@code vigilctl failover --to}, when the primary is lost in maintenance mode. Needs root; skipped otherwise.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MaintenanceIT extends PgClusterIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);

    @Test
    @Order(1)
    void inMaintenanceNothingRestartsAKilledPrimaryAndResumeDoes() throws Exception {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        assertEquals(p, cluster.awaitStable(SETTLE).node(), "the primary's node leads");
        long timeline = pg.state(p).orElseThrow().timeline();
        String standby = cluster.nodes().stream().filter(n -> !n.equals(p)).findFirst().orElseThrow();

        // Given on a standby, the pause is carried out by the leader, whose answer the operator reads.
        ExecResult paused = cluster.vigilctl(standby, "pause").orThrow("vigilctl pause on " + standby);
        assertTrue(paused.output().contains("maintenance mode on: recorded by " + p + ", leader in term"), paused.output());
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.is("pause")
                && e.field("operator").filter(o -> o.endsWith(" on " + standby)).isPresent()), "the leader logs where it was given");
        ExecResult twice = cluster.vigilctl(p, "pause");
        assertTrue(twice.output().contains("already in maintenance mode"), twice.output());
        ExecResult switchover = cluster.vigilctl(standby, "switchover", "--to", standby);
        assertTrue(switchover.output().contains("maintenance mode") && switchover.exitCode() == 1, switchover.output());

        // Every node hears of it with the record, and says so.
        for (String n : cluster.nodes()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String table = cluster.vigilctl(n, "status").output();
            while (!table.contains("*** MAINTENANCE MODE: paused by ") && System.nanoTime() < deadline) {
                sleepMs(100);
                table = cluster.vigilctl(n, "status").output();
            }
            assertTrue(table.contains("*** MAINTENANCE MODE: paused by "), n + ": " + table);
        }
        ExecResult check = cluster.vigilctl(p, "check");
        assertEquals(1, check.exitCode(), check.output());
        assertTrue(check.output().startsWith("VIGIL WARNING - maintenance mode, paused by "), check.output());

        double fault = pg.kill9Postmaster(p);
        long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        while (System.nanoTime() < until) {
            List<String> primaries = pg.primaries();
            assertEquals(List.of(), primaries, "nothing restarted or promoted in maintenance mode");
            sleepMs(200);
        }
        String status = cluster.vigilctl(p, "status").output();
        assertTrue(status.contains("last action PAUSED(") || status.contains("last action PAUSED:"), status);
        assertEquals(0, cluster.allEvents().stream().filter(e -> e.monoMs() > fault && e.is("pg")
                && e.field("reason").filter(r -> r.equals("PRIMARY_CRASHED_RESTART") || r.equals("PROMOTING")
                        || r.equals("START_PRIMARY")).isPresent()).count(), "no restart, no failover decided");

        // As a postmaster killed while starting leaves them: its lock files empty. PostgreSQL refuses to start beside
        // one until someone removes it (seen in CI); vigild removes such remnants before it starts PostgreSQL.
        List<java.nio.file.Path> locks = List.of(pg.dataDir(p).resolve("postmaster.pid"),
                pg.socketDir(p).resolve(".s.PGSQL." + vigil.testkit.PgOptions.PORT + ".lock"));
        for (java.nio.file.Path lock : locks) {
            java.nio.file.Files.write(lock, new byte[0]);
            java.nio.file.Files.setLastModifiedTime(lock, java.nio.file.attribute.FileTime.from(
                    java.time.Instant.now().minusSeconds(10)));
        }

        double resumed = VigilCluster.monoNowMs();
        cluster.vigilctl(p, "resume").orThrow("vigilctl resume on " + p);
        assertEquals(p, pg.awaitPrimaryWithStandbys(SETTLE), "restarted in place once resumed");
        for (java.nio.file.Path lock : locks) {
            assertTrue(cluster.events(p).stream().anyMatch(e -> e.monoMs() > resumed && e.is("command")
                    && e.field("argv").filter(a -> a.contains("unlink") && a.contains(lock.toString())).isPresent()),
                    "the empty " + lock.getFileName() + " removed, and logged:\n" + cluster.dumpLogs(30));
        }
        assertEquals(timeline, pg.state(p).orElseThrow().timeline(), "same timeline: a restart, not a failover");
        WriteLog log = writer.awaitAcksAfter(resumed, 25, Duration.ofSeconds(30));
        assertEquals(Set.of(rig.address(p)), log.hostsAfter(resumed + 1), "writes go on, on " + p);
        assertEquals(Set.of(), writer.log().lost(pg.rows(p)), "acknowledged rows lost");
        double back = log.acks().stream().mapToDouble(WriteLog.Attempt::endMs).filter(t -> t > resumed).min().orElse(Double.NaN);
        System.out.printf("maintenance: %s's postmaster killed while paused, nothing restarted it for 6 s; resumed,"
                + " the first write acknowledged %.3f s after the resume%n", p, (back - resumed) / 1000);
    }

    @Test
    @Order(2)
    void aBannedStandbyIsNeverHandedThePrimaryRoleByAnyLeader() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        assertEquals(p, cluster.awaitStable(SETTLE).node());
        List<String> standbys = cluster.nodes().stream().filter(n -> !n.equals(p)).sorted().toList();
        String banned = standbys.get(0);
        String other = standbys.get(1);
        ExecResult primary = cluster.vigilctl(p, "ban", p);
        assertTrue(primary.exitCode() == 1 && primary.output().contains("is the primary: hand the role"), primary.output());
        cluster.vigilctl(other, "ban", banned).orThrow("vigilctl ban " + banned + " on " + other + " (forwarded)");
        ExecResult refused = cluster.vigilctl(p, "switchover", "--to", banned);
        assertTrue(refused.exitCode() == 1 && refused.output().contains(banned + " is banned (vigilctl unban " + banned + ")"),
                refused.output());
        // Without a target the switchover picks the standby that is not banned, whichever is ahead; asked on the
        // banned standby, it is carried out by the leader and followed from there.
        ExecResult moved = cluster.vigilctl(banned, "switchover", "--wait").orThrow("vigilctl switchover --wait on " + banned);
        assertTrue(moved.output().contains(other + " leads as the primary"), moved.output());
        assertEquals(other, pg.awaitPrimaryWithStandbys(SETTLE));
        // The ban is in the record: the new leader honours and shows it.
        String table = cluster.vigilctl(other, "status").output();
        assertTrue(table.contains("banned (never promoted): " + banned), table);
        ExecResult again = cluster.vigilctl(other, "switchover", "--to", banned);
        assertTrue(again.exitCode() == 1 && again.output().contains(banned + " is banned"), again.output());
        cluster.vigilctl(other, "unban", banned).orThrow("vigilctl unban " + banned);
        // A node's own commands, asked on another: its failcount, its history.
        ExecResult cleanup = cluster.vigilctl(other, "cleanup", banned).orThrow("vigilctl cleanup " + banned + " on " + other);
        assertTrue(cleanup.output().contains("failcount of " + banned + " reset"), cleanup.output());
        ExecResult history = cluster.vigilctl(other, "history", "--node", banned, "-n", "500")
                .orThrow("vigilctl history --node " + banned);
        assertTrue(history.output().contains(" on " + other + "\" reason=OPERATOR_CLEANUP"), history.output());
        ExecResult nobody = cluster.vigilctl(other, "cleanup", "n9");
        assertTrue(nobody.exitCode() == 1 && nobody.output().contains("n9 is not a node of this cluster"), nobody.output());
        assertTrue(!cluster.vigilctl(other, "status").output().contains("banned (never promoted)"));
        assertEquals(Set.of(), writer.log().lost(pg.rows(other)), "acknowledged rows lost");
    }

    /**
     * In maintenance mode the primary's node crashes: the standby that is not banned is elected and, paused, promotes
     * nothing. {@code vigilctl failover --to} the banned standby (given on the leader, carried out by the target) is
     * refused while it would skip the ban, saying so; with {@code --accept-data-loss} the target takes the order, the
     * leader resigns in its favour, and the target is elected, proves the old primary cannot write and is promoted, its
     * ban lifted, the cluster still paused; resumed, the other standby follows it. Last case: the crashed node stays down.
     */
    @Test
    @Order(3)
    void inMaintenanceAnOrderedFailoverIsHandedToItsTargetAndCarriedOut() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        assertEquals(p, cluster.awaitStable(SETTLE).node());
        List<String> standbys = cluster.nodes().stream().filter(n -> !n.equals(p)).sorted().toList();
        String target = standbys.get(0);
        String other = standbys.get(1);
        cluster.vigilctl(p, "ban", target).orThrow("vigilctl ban " + target);
        ExecResult running = cluster.vigilctl(other, "failover", "--to", target, "--accept-data-loss");
        assertTrue(running.exitCode() == 1 && running.output().contains("the primary " + p + " leads term ")
                && running.output().contains("switched over, not failed over"), running.output());
        cluster.vigilctl(p, "pause").orThrow("vigilctl pause");
        awaitInStatus(other, "*** MAINTENANCE MODE: paused by ");

        double fault = cluster.isolate(p);
        cluster.kill9Vigild(p);
        rig.killAll(rig.ns(p));
        awaitInStatus(other, ", leader " + other + ", quorum ");
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < until) {
            assertEquals(List.of(), pg.primaries(), "paused: the new leader promotes nothing by itself");
            sleepMs(200);
        }
        ExecResult refused = cluster.vigilctl(other, "failover", "--to", target);
        assertTrue(refused.exitCode() == 1 && refused.output().contains(target + " is banned: vigilctl failover --to "
                + target + " --accept-data-loss promotes it anyway (or vigilctl unban " + target + ")"), refused.output());

        double ordered = VigilCluster.monoNowMs();
        ExecResult taken = cluster.vigilctl(other, "failover", "--to", target, "--accept-data-loss")
                .orThrow("vigilctl failover --to " + target + " --accept-data-loss on " + other);
        assertTrue(taken.output().contains(target + " holds the order of ") && taken.output().contains("accepting data loss: ")
                && taken.output().contains(other + ", leader in term ") && taken.output().contains("resigned in favour of " + target),
                taken.output());
        pg.await(target + " promoted", Duration.ofSeconds(60), m -> m.get(target).filter(s -> s.primary()).map(s -> target));
        String history = cluster.vigilctl(target, "history", "-n", "500").orThrow("vigilctl history on " + target).output();
        assertTrue(history.lines().anyMatch(l -> l.contains("reason=PROMOTING") && l.contains("ordered by ")
                && l.contains(" on " + other) && l.contains("accepting data loss") && l.contains(" promotion=ordered")),
                history);
        assertTrue(cluster.events(target).stream().anyMatch(e -> e.is("failover_ordered")), "the target logs the order");
        assertTrue(cluster.events(other).stream().anyMatch(e -> e.is("failover_handover")), "the leader logs its hand-over");
        String table = cluster.vigilctl(target, "status").output();
        assertTrue(table.contains("*** MAINTENANCE MODE: paused by ") && !table.contains("banned (never promoted)"),
                "still paused, the promoted node's ban lifted: " + table);
        WriteLog log = writer.awaitAcksAfter(ordered, 25, Duration.ofSeconds(30));
        assertTrue(log.hostsAfter(ordered).contains(rig.address(target)), "writes resumed on " + target);
        double first = log.acks().stream().mapToDouble(WriteLog.Attempt::endMs).filter(t -> t > ordered).min().orElse(Double.NaN);

        cluster.vigilctl(target, "resume").orThrow("vigilctl resume");
        assertEquals(target, pg.awaitPrimaryWithStandbys(Duration.ofSeconds(60), standbys), other + " follows it once resumed");
        System.out.printf("ordered failover in maintenance mode: %s crashed; %s (banned) promoted, %s handed leadership"
                + " over; first write %.3f s after the order (%.3f s after the crash); lost acknowledged writes (async,"
                + " accepted): %d%n", p, target, other, (first - ordered) / 1000, (ordered - fault) / 1000,
                writer.log().lost(pg.rows(target)).size());
    }

    /** Polls {@code node}'s status table until it contains {@code text} (30 s), else fails showing the last one. */
    private void awaitInStatus(String node, String text) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String table = cluster.vigilctl(node, "status").output();
        while (!table.contains(text) && System.nanoTime() < deadline) {
            sleepMs(100);
            table = cluster.vigilctl(node, "status").output();
        }
        assertTrue(table.contains(text), node + ": " + table);
    }
}
