package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import vigil.testkit.ExecResult;
import vigil.testkit.LogEvent;
import vigil.testkit.NetnsRig;
import vigil.testkit.PgNodes;
import vigil.testkit.PgNodes.PgNodeState;
import vigil.testkit.PgOptions;
import vigil.testkit.Timing;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriteLog;
import vigil.testkit.WriterRun;

/**
 * The faults of issue 3 that {@link PostgresFailoverIT} does not cover, on real PostgreSQL 15 under three real
 * vigild processes in network namespaces, with the writer in the client namespace: isolation of the primary
 * (self-fence before the promotion elsewhere, rejoin by pg_rewind), a SIGSTOPped postmaster, rejoin by re-clone
 * when pg_rewind cannot work, and a node crash in synchronous mode (zero acknowledged writes lost).
 *
 * <p>The asynchronous cases share one cluster and each starts by waiting for a primary with two streaming
 * standbys; the synchronous case gets a cluster of its own (the previous one is closed first, so only one rig
 * runs at a time). Any case run alone builds the cluster it needs. Needs root; skipped otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresFaultsIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final PgOptions SYNC = new PgOptions(true);

    private NetnsRig rig;
    private VigilCluster cluster;
    private PgOptions options;
    private PgNodes pg;
    private WriterRun writer;

    @RegisterExtension
    final TestWatcher dumpLogsOnFailure = RigIt.dumpOnFailure(() -> cluster == null ? null
            : "node logs (rig " + rig.runId() + ") ====\n" + cluster.dumpLogs(200) + pg.serverLogs(40));

    @BeforeAll
    void checkHost() {
        RigIt.assumeHost("PostgresFaultsIT", NetnsRig.precondition().or(PgNodes::precondition));
    }

    /** The current cluster if it runs with {@code wanted}, else (after closing the current one) a fresh one. */
    private void useCluster(PgOptions wanted) {
        if (cluster != null && wanted.equals(options)) {
            return;
        }
        closeCluster();
        double t0 = VigilCluster.monoNowMs();
        rig = NetnsRig.create(3);
        try {
            // the synchronous cluster also serves HTTP, for the /sync check
            vigil.testkit.ClusterShape shape = vigil.testkit.ClusterShape.of(Timing.DEFAULT).pg(wanted);
            cluster = VigilCluster.clusterWithPrimary(rig, wanted.synchronous() ? shape.withHttp() : shape,
                    Duration.ofSeconds(150));
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
            throw e;
        }
        options = wanted;
        pg = cluster.pg();
        writer = WriterRun.start(cluster, rig.runDir().resolve("writer"));
        System.out.printf("cluster %s (%s) ready with the writer in %.1f s%n", rig.runId(),
                wanted.synchronous() ? "synchronous" : "asynchronous", (VigilCluster.monoNowMs() - t0) / 1000);
    }

    @AfterAll
    void closeCluster() {
        if (writer != null) {
            writer.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (rig != null) {
            rig.close();
        }
        writer = null;
        cluster = null;
        rig = null;
        options = null;
    }

    @Test
    @Order(1)
    void isolatedPrimarySelfFencesBeforeAnotherIsPromotedThenRejoinsByRewind() {
        useCluster(PgOptions.ASYNC);
        double t0 = VigilCluster.monoNowMs();
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        long timeline = pg.state(p).orElseThrow().timeline();
        List<String> others = others(p);

        double fault = cluster.isolate(p);
        String q;
        LogEvent stopped;
        try {
            LogEvent fence = cluster.awaitEvent(p + " self-fencing", Duration.ofSeconds(10),
                    e -> e.node().equals(p) && e.monoMs() > fault && pgReason(e, "SELF_FENCE"));
            stopped = cluster.awaitEvent(p + "'s self-fence verified", Duration.ofSeconds(20),
                    e -> e.node().equals(p) && e.monoMs() > fault && fenceVerified(e));
            LogEvent lapse = cluster.awaitEvent(p + " losing its lease", Duration.ofSeconds(10),
                    e -> e.node().equals(p) && e.monoMs() > fault && e.is("role") && e.roleFrom().equals("leader"));
            double leaseEnd = lapse.field("lease_ended_mono_ms").map(Double::valueOf).orElse(lapse.monoMs());
            assertTrue(fence.monoMs() <= leaseEnd, "SELF_FENCE decided at " + fence.monoMs()
                    + " after the lease ended at " + leaseEnd);
            assertTrue(stopped.monoMs() <= leaseEnd, "PostgreSQL on " + p + " stopped at " + stopped.monoMs()
                    + ", after its lease ended at " + leaseEnd);
            assertFalse(pg.state(p).map(PgNodeState::primary).orElse(false), p + " still answers as a primary");

            q = pg.awaitPrimaryWithStandbys(SETTLE, others);
            LogEvent promoted = cluster.awaitEvent(q + "'s promotion done", Duration.ofSeconds(10),
                    e -> e.node().equals(q) && e.monoMs() > fault && actionDone(e, "Promote[", true));
            assertTrue(stopped.monoMs() < promoted.monoMs(), "the old primary " + p + " stopped at "
                    + stopped.monoMs() + ", not before " + q + "'s promotion completed at " + promoted.monoMs());
            long newTimeline = pg.state(q).orElseThrow().timeline();
            assertTrue(newTimeline > timeline, "promotion starts a new timeline: " + newTimeline + " > " + timeline);
            WriteLog log = writer.awaitAcksAfter(fault, 25, Duration.ofSeconds(30));
            assertTrue(log.hostsAfter(fault).contains(rig.address(q)), "writes resumed on " + q);
            System.out.printf("isolation of %s: fence decided %+.0f ms, stopped %+.0f ms, lease end %+.0f ms,"
                    + " %s promoted %+.0f ms (after the stop by %.0f ms), timeline %d -> %d, outage %.3f s,"
                    + " lost acknowledged writes (async, reported only): %d%n", p, fence.monoMs() - fault,
                    stopped.monoMs() - fault, leaseEnd - fault, q, promoted.monoMs() - fault,
                    promoted.monoMs() - stopped.monoMs(), timeline, newTimeline,
                    log.outageAfter(fault, fault + 60_000).orElseThrow().seconds(), log.lost(pg.rows(q)).size());
        } finally {
            cluster.heal(p);
        }
        double healed = VigilCluster.monoNowMs();
        awaitRejoin(p, q);
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.monoMs() > healed && actionDone(e, "Rewind[", true)),
                p + " rejoined by a successful pg_rewind: " + reasonsSince(p, healed));
        assertNeverWritableSince(p, stopped.monoMs());
        System.out.printf("isolation of %s: rejoined as a standby of %s %.1f s after link up via %s; case took %.1f s%n",
                p, q, (VigilCluster.monoNowMs() - healed) / 1000, reasonsSince(p, healed),
                (VigilCluster.monoNowMs() - t0) / 1000);
    }

    /**
     * A SIGSTOPped postmaster accepts no new connection while its backends keep serving the sessions they have,
     * so "writes resume" alone proves nothing: recovery means a primary that serves new connections again, with
     * the stopped postmaster out of the way, within 20 s (detection takes about one probe timeout).
     */
    @Test
    @Order(2)
    void stoppedPostmasterIsDetectedAndWritesResumeOnOnePrimary() {
        useCluster(PgOptions.ASYNC);
        double t0 = VigilCluster.monoNowMs();
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        long pid = pg.postmasterPid(p).orElseThrow(() -> new AssertionError("no postmaster.pid on " + p));
        double fault = VigilCluster.monoNowMs();
        rig.sigstop(pid);
        String now;
        try {
            LogEvent reaction = cluster.awaitEvent("vigild acting on the stopped postmaster of " + p,
                    Duration.ofSeconds(10), e -> e.monoMs() > fault && e.is("pg")
                            && e.field("reason").filter(r -> r.equals("PRIMARY_CRASHED_RESTART")
                                    || r.equals("PROMOTING") || r.equals("MIGRATION_THRESHOLD_REACHED")).isPresent());
            System.out.println("SIGSTOP of " + p + "'s postmaster " + pid + ": " + reaction);
            // Recovered: one primary again, serving new connections, with the stopped postmaster out of the way.
            now = pg.await("a primary with streaming standbys and not postmaster " + pid, Duration.ofSeconds(20),
                    m -> PgNodes.primaryWithStandbys(m, cluster.nodes())
                            .filter(n -> !n.equals(p) || pg.postmasterPid(p).filter(x -> x != pid).isPresent()));
        } finally {
            try {
                rig.sigcont(pid); // lets a pending SIGQUIT take effect if vigild could not end it
            } catch (RuntimeException alreadyGone) {
                // vigild killed it already
            }
        }
        double recovered = VigilCluster.monoNowMs();
        WriteLog log = writer.awaitAcksAfter(recovered, 25, Duration.ofSeconds(30));
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < until) {
            assertEquals(List.of(now), pg.primaries(), "exactly one primary");
        }
        assertEquals(Set.of(rig.address(now)), writer.log().hostsAfter(recovered + 1000), "writes go to " + now);
        assertEquals(0, writer.log().splitBrainEvents(fault, VigilCluster.monoNowMs(), 300),
                "the writer's watcher saw two primaries at once");
        List<String> reasons = cluster.allEvents().stream().filter(e -> e.is("pg") && e.monoMs() > fault)
                .map(e -> e.node() + ":" + e.field("reason").orElse("")).distinct().toList();
        System.out.printf("SIGSTOP of %s's postmaster: primary now %s (%s), recovered %.3f s after the fault,"
                + " longest write gap %.3f s, pg reasons %s; case took %.1f s%n", p, now,
                now.equals(p) ? "restarted in place" : "failed over", (recovered - fault) / 1000,
                log.outageAfter(fault, recovered).map(WriteLog.Gap::seconds).orElse(0.0), reasons,
                (VigilCluster.monoNowMs() - t0) / 1000);
    }

    /**
     * pg_rewind cannot work without the target's WAL from the last common checkpoint on: after an immediate
     * shutdown it first runs crash recovery in single-user mode, which fails with no checkpoint record to start
     * from. Deleting the WAL segments of the fenced old primary (as if they had been recycled) therefore makes
     * pg_rewind fail reliably and leaves vigild only the re-clone.
     */
    @Test
    @Order(3)
    void oldPrimaryWhoseRewindFailsRejoinsByReclone() throws IOException {
        useCluster(PgOptions.ASYNC);
        double t0 = VigilCluster.monoNowMs();
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        Path data = pg.dataDir(p);
        Path marker = data.resolve("vigil-test-old-copy");
        double fault = cluster.isolate(p);
        String q;
        LogEvent stopped;
        try {
            stopped = cluster.awaitEvent(p + "'s self-fence verified", Duration.ofSeconds(20),
                    e -> e.node().equals(p) && e.monoMs() > fault && fenceVerified(e));
            assertTrue(pg.state(p).isEmpty(), "PostgreSQL on " + p + " still answers after its fence");
            q = pg.awaitPrimaryWithStandbys(SETTLE, others(p));
            int removed = 0;
            try (Stream<Path> wal = Files.list(data.resolve("pg_wal"))) {
                for (Path f : wal.filter(Files::isRegularFile).toList()) {
                    Files.delete(f);
                    removed++;
                }
            }
            assertTrue(removed > 0, "no WAL segment to remove in " + data.resolve("pg_wal"));
            Files.writeString(marker, "written by PostgresFaultsIT: a re-clone must not keep this file\n");
        } finally {
            cluster.heal(p);
        }
        double healed = VigilCluster.monoNowMs();
        awaitRejoin(p, q);
        List<String> how = reasonsSince(p, healed);
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.monoMs() > healed && actionDone(e, "Rewind[", false)),
                "pg_rewind was tried and failed: " + how);
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.monoMs() > healed && pgReason(e, "RECLONE")),
                "vigild logged RECLONE: " + how);
        assertTrue(cluster.events(p).stream().anyMatch(e -> e.monoMs() > healed && actionDone(e, "Clone[", true)),
                "the clone succeeded: " + how);
        assertFalse(Files.exists(marker), "the data directory of " + p + " is a fresh copy (marker gone)");
        assertNeverWritableSince(p, stopped.monoMs());
        System.out.printf("re-clone of %s from %s: streaming %.1f s after link up via %s; case took %.1f s%n", p, q,
                (VigilCluster.monoNowMs() - healed) / 1000, how, (VigilCluster.monoNowMs() - t0) / 1000);
    }

    @Test
    @Order(4)
    void nodeCrashInSynchronousModeLosesNoAcknowledgedWrite() {
        useCluster(SYNC);
        double t0 = VigilCluster.monoNowMs();
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        String names = pg.await("synchronous_standby_names set on " + p, Duration.ofSeconds(30), m -> {
            String v = pg.psql(p, "SHOW synchronous_standby_names").output().strip();
            return v.isEmpty() ? Optional.empty() : Optional.of(v);
        });
        assertTrue(names.startsWith("ANY "), "vigil sets ANY k (...): " + names);
        writer.awaitAcksAfter(VigilCluster.monoNowMs(), 150, Duration.ofSeconds(30)); // ~3 s of synchronous commits
        List<String> survivors = others(p);
        // HAProxy's /sync check: 200 on a standby in the synchronous set the cluster record names (which vigil keeps a
        // superset of what PostgreSQL counts on), 503 on the primary; polled: a standby's vigild learns the record with
        // the leader's next heartbeat.
        List<String> recorded = cluster.status(p).recordedSync();
        String sync = null;
        for (String n : cluster.nodes()) {
            int expected = !n.equals(p) && recorded.contains(n) ? 200 : 503;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int code = httpCode(n, "/sync");
            while (code != expected && System.nanoTime() < deadline) {
                PgClusterIT.sleepMs(200);
                code = httpCode(n, "/sync");
            }
            assertEquals(expected, code, "/sync on " + n + " (primary " + p + ", recorded " + recorded + ", " + names + ")");
            if (code == 200) sync = n;
        }
        assertTrue(sync != null, "a synchronous standby answers /sync: recorded " + recorded + ", " + names);
        outOfTheSetIsNoSwitchoverTarget(p);

        double fault = cluster.isolate(p); // cable first, then everything on the node (see PostgresFailoverIT)
        cluster.kill9Vigild(p);
        rig.killAll(rig.ns(p));

        String q = pg.awaitPrimaryWithStandbys(SETTLE, survivors);
        writer.awaitAcksAfter(fault, 25, Duration.ofSeconds(30));
        // The acknowledgements first, then the table: a commit still waiting for its synchronous standby is not
        // yet visible to the reading session, so reading the log after the table could count it as lost.
        WriteLog log = writer.log();
        Set<Long> lost = log.lost(pg.rows(q));
        long ackedBefore = log.acks().stream().filter(a -> a.endMs() <= fault).count();
        assertTrue(ackedBefore >= 150, "writes were acknowledged before the crash: " + ackedBefore);
        assertEquals(Set.of(), lost, "acknowledged writes missing on the new primary " + q);
        System.out.printf("sync node crash of %s (%s): %s promoted, %d acknowledged before the crash, 0 lost,"
                + " outage %.3f s; case took %.1f s%n", p, names, q, ackedBefore,
                log.outageAfter(fault, fault + 60_000).orElseThrow().seconds(), (VigilCluster.monoNowMs() - t0) / 1000);
    }

    /**
     * Synchronous mode: a standby whose WAL is held back leaves the synchronous set once it is more than twice
     * max_lag_on_failover behind (commits go on, acknowledged by the other standby), and a switchover to it is then
     * refused; released, it catches up and is counted on again. The refusal names its lag: a standby outside the set
     * that is within max_lag_on_failover and acknowledges the leader is put back in the set by the leader's next step,
     * so "not in the synchronous set" itself is a refusal of that one step's window (SwitchoverTest covers it).
     */
    private void outOfTheSetIsNoSwitchoverTarget(String p) {
        String out = others(p).get(0);
        long maxLag = 1L << 20; // the rig's max_lag_on_failover (the shipped default)
        pg.holdReplication(p, true, List.of(out));
        try {
            pg.psql(p, "create table sync_fill as select g, repeat('x', 200) as pad from generate_series(1, 30000) g")
                    .orThrow("bulk write on " + p);
            pg.await(out + " out of the synchronous set", Duration.ofSeconds(15), m -> {
                var status = cluster.status(p);
                return !status.recordedSync().contains(out) && status.lagBytes(out).orElse(0L) > 2 * maxLag
                        ? Optional.of(status) : Optional.empty();
            });
            ExecResult refused = cluster.vigilctl(p, "switchover", "--to", out);
            assertTrue(refused.exitCode() == 1 && refused.output().matches("(?s).*" + out + " is \\d+ bytes behind"
                    + " \\(max_lag_on_failover " + maxLag + "\\).*"), refused.output());
            assertEquals(List.of(p), pg.primaries(), "nothing changed");
        } finally {
            pg.holdReplication(p, false, List.of(out));
        }
        pg.psql(p, "drop table sync_fill").orThrow("drop table sync_fill");
        pg.await(out + " back in the synchronous set", Duration.ofSeconds(30), m -> cluster.status(p).recordedSync()
                .contains(out) ? Optional.of(out) : Optional.empty());
    }

    /** The HTTP status code of {@code path} on {@code node}'s endpoint, asked from the client namespace (0: none). */
    private int httpCode(String node, String path) {
        String out = rig.exec(rig.clientNs(), Duration.ofSeconds(5), "curl", "-s", "-o", "/dev/null", "--max-time", "1",
                "-w", "%{http_code}", "http://" + rig.address(node) + ":" + vigil.testkit.ClusterShape.HTTP_PORT + path)
                .output().strip();
        return out.matches("\\d{3}") ? Integer.parseInt(out) : 0;
    }

    /** Polls until {@code old} streams from {@code primary}; fails as soon as {@code old} answers as a primary. */
    private void awaitRejoin(String old, String primary) {
        String now = pg.await(old + " streaming from " + primary, Duration.ofSeconds(90), m -> {
            m.get(old).filter(PgNodeState::primary).ifPresent(st -> fail(old + " answered as a writable primary"
                    + " while rejoining: " + st));
            return PgNodes.primaryWithStandbys(m, cluster.nodes());
        });
        assertEquals(primary, now, "the new primary keeps its role");
        // Streaming as the primary reports it; vigild may still restart the standby once right after a rewind
        // (a probe taken while PostgreSQL was down arrives after the action: see the report), so wait for an answer.
        pg.await(old + " answering as a standby", Duration.ofSeconds(15), m -> m.get(old).map(st -> {
            assertFalse(st.primary(), old + " answered as a writable primary after rejoining: " + st);
            return st;
        }));
    }

    /** Neither the writer nor its watcher got a "primary" answer from {@code node} after {@code sinceMs}. */
    private void assertNeverWritableSince(String node, double sinceMs) {
        WriteLog log = writer.log();
        String host = rig.address(node);
        assertEquals(0, log.answers().stream().filter(a -> a.monoMs() > sinceMs && a.host().equals(host)
                && a.answer() == 'P').count(), "the writer's watcher saw " + node + " writable after its fence");
        assertEquals(0, log.acks().stream().filter(a -> a.startMs() > sinceMs && a.host().equals(host)).count(),
                "a write was acknowledged by " + node + " after its fence");
    }

    private List<String> others(String node) {
        return cluster.nodes().stream().filter(n -> !n.equals(node)).toList();
    }

    private List<String> reasonsSince(String node, double sinceMs) {
        return cluster.events(node).stream().filter(e -> e.is("pg") && e.monoMs() > sinceMs)
                .map(e -> e.field("reason").orElse("")).distinct().toList();
    }

    private static boolean pgReason(LogEvent e, String reason) {
        return e.is("pg") && e.field("reason").filter(reason::equals).isPresent();
    }

    /** The fence killed every process of PostgreSQL and verified that none is left (by the lease guard or the loop). */
    static boolean fenceVerified(LogEvent e) {
        return e.is("fence") && e.field("verified").filter("true"::equals).isPresent();
    }

    private static boolean actionDone(LogEvent e, String actionPrefix, boolean ok) {
        Predicate<String> action = a -> a.startsWith(actionPrefix);
        return e.is("pg_action_done") && e.field("action").filter(action).isPresent()
                && e.field("outcome").filter(o -> o.equals("OK") == ok).isPresent();
    }
}
