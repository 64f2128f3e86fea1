package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Replication slots ({@code cluster.postgres.replication_slots}, on by default) on real PostgreSQL 15 under three real
 * vigild: every standby streams through its own slot on the primary; the standbys keep the others' slots without
 * holding WAL; a standby away while the primary writes and checkpoints finds its WAL kept and streams again without a
 * copy; after a switchover the new primary's slots are in use at once. Needs root; skipped otherwise.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicationSlotsIT extends PgClusterIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);

    /** {@code node}'s slots: name → "active restart_lsn" as PostgreSQL shows them. */
    private Map<String, String> slots(String node) {
        Map<String, String> m = new TreeMap<>();
        pg.psql(node, "select slot_name, active, coalesce(restart_lsn::text, 'none') from pg_replication_slots")
                .orThrow("slots of " + node).output().lines().filter(l -> !l.isBlank()).forEach(l -> {
                    String[] f = l.split("\\|");
                    m.put(f[0], (f[1].equals("t") ? "active " : "inactive ") + f[2]);
                });
        return m;
    }

    private static String slotOf(String node) {
        return "vigil_" + node;
    }

    /** Polls until {@code node} has its slots as {@code expected} says (a predicate on the map), or fails. */
    private Map<String, String> awaitSlots(String node, String what, java.util.function.Predicate<Map<String, String>> ok) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, String> m = slots(node);
        while (!ok.test(m) && System.nanoTime() < deadline) {
            sleepMs(200);
            m = slots(node);
        }
        assertTrue(ok.test(m), node + ": " + what + ": " + m);
        return m;
    }

    @Test
    @Order(1)
    void everyStandbyStreamsThroughItsSlotAndTheStandbysHoldNoWal() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        List<String> standbys = cluster.nodes().stream().filter(n -> !n.equals(p)).sorted().toList();
        awaitSlots(p, "one active slot per standby, none for itself", m -> m.keySet().equals(
                Set.of(slotOf(standbys.get(0)), slotOf(standbys.get(1))))
                && standbys.stream().allMatch(s -> m.get(slotOf(s)).startsWith("active ")));
        for (String s : standbys) {
            awaitSlots(s, "the other two nodes' slots, holding no WAL", m -> m.keySet().equals(
                    Set.of(slotOf(p), slotOf(standbys.get(0).equals(s) ? standbys.get(1) : standbys.get(0))))
                    && m.values().stream().allMatch(v -> v.equals("inactive none")));
        }
    }

    @Test
    @Order(2)
    void aStandbyAwayWhileThePrimaryWritesFindsItsWalKeptAndStreamsAgainWithoutACopy() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        String away = cluster.nodes().stream().filter(n -> !n.equals(p)).sorted().findFirst().orElseThrow();
        cluster.stop(away); // vigild's planned stop: its standby shut down cleanly
        String held = awaitSlots(p, "the absent standby's slot inactive, holding WAL", m -> m.getOrDefault(slotOf(away), "")
                .startsWith("inactive ") && !m.get(slotOf(away)).endsWith("none")).get(slotOf(away));
        fillAndCheckpoint(p); // WAL moves on: new segments, checkpoints that would recycle what no slot holds
        assertEquals(held, slots(p).get(slotOf(away)), "the slot still holds the WAL from where the standby stopped");
        double back = vigil.testkit.VigilCluster.monoNowMs();
        cluster.startNode(away);
        assertEquals(p, pg.awaitPrimaryWithStandbys(SETTLE), "the standby streams again");
        awaitSlots(p, "the returned standby's slot active again", m -> m.getOrDefault(slotOf(away), "").startsWith("active "));
        assertTrue(cluster.events(away).stream().noneMatch(e -> e.monoMs() > back && e.is("pg") && e.field("reason")
                        .filter(r -> r.equals("CLONE") || r.equals("RECLONE") || r.startsWith("REWIND")).isPresent()),
                "caught up from the kept WAL: no copy, no rewind");
    }

    @Test
    @Order(3)
    void afterASwitchoverTheNewPrimarysSlotsAreInUse() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        String to = cluster.nodes().stream().filter(n -> !n.equals(p)).sorted().findFirst().orElseThrow();
        // the previous case wrote 4 WAL segments while this standby was away: the switchover waits for it to replay them
        awaitLagAtMost(p, to, 256 * 1024, SETTLE);
        cluster.vigilctl(p, "switchover", "--to", to, "--wait").orThrow("vigilctl switchover --to " + to);
        assertEquals(to, pg.awaitPrimaryWithStandbys(SETTLE));
        List<String> standbys = cluster.nodes().stream().filter(n -> !n.equals(to)).toList();
        awaitSlots(to, "the new primary's slots in use by both standbys", m -> standbys.stream()
                .allMatch(s -> m.getOrDefault(slotOf(s), "").startsWith("active ")) && !m.containsKey(slotOf(to)));
        awaitSlots(p, "the old primary, now a standby, holds no WAL for the others", m -> !m.isEmpty()
                && m.values().stream().allMatch(v -> v.equals("inactive none")));
        assertNotEquals(p, to);
    }

    /**
     * A standby away for longer than its slot may hold WAL ({@code max_slot_wal_keep_size}, made tiny here by ALTER
     * SYSTEM on the primary, {@code wal_keep_size} 0): PostgreSQL invalidates the slot and recycles the WAL; the
     * primary's vigild makes the slot again; the standby, back, cannot stream, asks the primary as its WAL receiver
     * would, hears that the WAL is removed, and is copied anew (RECLONE, the cause named), then streams through its
     * slot again.
     */
    @Test
    @Order(4)
    void aStandbyAwayPastItsSlotsLimitIsCopiedAnewAndItsSlotMadeAgain() {
        String p = pg.awaitPrimaryWithStandbys(SETTLE);
        String away = cluster.nodes().stream().filter(n -> !n.equals(p)).sorted().findFirst().orElseThrow();
        try {
            for (String sql : List.of("ALTER SYSTEM SET wal_keep_size = 0", "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'",
                    "SELECT pg_reload_conf()")) {
                pg.psql(p, sql).orThrow(sql + " on " + p);
            }
            // A restartpoint first, so its control file names the primary's timeline: a standby whose control file
            // still names an older one (the old primary of a switchover) is rewound when it comes back, and a rewind
            // that needs WAL the primary removed leaves a standby that never becomes consistent (test 5 shows that
            // case; this one is about the standby that streams no more).
            pg.psql(p, "checkpoint").orThrow("checkpoint on " + p);
            awaitTimeline(away, pg.psql(p, "select timeline_id from pg_control_checkpoint()").orThrow("timeline of " + p)
                    .output().strip());
            cluster.stop(away);
            fillAndCheckpoint(p);
            double back = vigil.testkit.VigilCluster.monoNowMs();
            cluster.startNode(away);
            java.util.Optional<vigil.testkit.LogEvent> reclone = awaitReclone(away, back, Duration.ofSeconds(60));
            assertTrue(reclone.isPresent(), away + " never re-cloned: " + cluster.events(away).stream()
                    .filter(e -> e.monoMs() > back && e.is("pg")).toList());
            assertTrue(String.valueOf(reclone.get().fields()).contains("removed WAL this standby needs: 58P01"),
                    reclone.get().toString());
            assertEquals(p, pg.awaitPrimaryWithStandbys(SETTLE), "the copy streams");
            awaitSlots(p, "its slot made again and in use", m -> m.getOrDefault(slotOf(away), "").startsWith("active "));
            assertTrue(cluster.events(p).stream().anyMatch(e -> e.monoMs() > back - 60_000 && e.is("pg_slots")
                    && e.field("reason").filter("SLOT_INVALIDATED"::equals).isPresent()), "the primary said why it made the slot again");
        } finally {
            for (String sql : List.of("ALTER SYSTEM RESET wal_keep_size", "ALTER SYSTEM RESET max_slot_wal_keep_size",
                    "SELECT pg_reload_conf()")) {
                pg.psql(p, sql);
            }
        }
    }

    /**
     * The primary's node crashes and a standby is promoted; the new primary then writes and checkpoints with no WAL
     * kept ({@code wal_keep_size} 0, a tiny {@code max_slot_wal_keep_size}). The old primary comes back: it was
     * writable, so it is rewound, and its replay must begin before the fork, at WAL the new primary removed. PostgreSQL
     * refuses connections until it is consistent, which it never becomes (before, STANDBY_FAILING for good): its vigild
     * reads where replay waits (the startup process's title, or pg_rewind's backup_label), asks the primary as the WAL
     * receiver would, hears 58P01, and copies it anew; then it streams.
     */
    @Test
    @Order(5)
    void aRewoundOldPrimaryWhoseWalTheNewPrimaryRemovedIsCopiedAnew() {
        String old = pg.awaitPrimaryWithStandbys(SETTLE);
        cluster.awaitStable(SETTLE);
        List<String> survivors = cluster.nodes().stream().filter(n -> !n.equals(old)).toList();
        cluster.isolate(old);
        cluster.kill9Vigild(old);
        rig.killAll(rig.ns(old));
        String q = pg.awaitPrimaryWithStandbys(SETTLE, survivors);
        try {
            for (String sql : List.of("ALTER SYSTEM SET wal_keep_size = 0", "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'",
                    "SELECT pg_reload_conf()")) {
                pg.psql(q, sql).orThrow(sql + " on " + q);
            }
            fillAndCheckpoint(q);
            rig.linkUp(old);
            double back = vigil.testkit.VigilCluster.monoNowMs();
            cluster.startNode(old);
            java.util.Optional<vigil.testkit.LogEvent> reclone = awaitReclone(old, back, Duration.ofSeconds(90));
            List<String> seen = cluster.events(old).stream().filter(e -> e.monoMs() > back && e.is("pg"))
                    .map(e -> e.field("reason").orElse("") + ": " + e.field("cause").orElse("")).toList();
            assertTrue(reclone.isPresent(), old + " never re-cloned: " + seen);
            assertTrue(seen.stream().anyMatch(r -> r.startsWith("REWIND")), "it was rewound first: " + seen);
            List<String> starts = cluster.events(old).stream().filter(e -> e.monoMs() > back && e.is("pg_action_done")
                    && e.field("action").filter(x -> x.startsWith("StartStandby")).isPresent())
                    .map(e -> e.field("outcome").orElse("") + " " + e.field("duration_ms").orElse("")).toList();
            assertTrue(!starts.isEmpty() && starts.stream().allMatch(x -> x.startsWith("OK ")),
                    "the start after the rewind ends once its replay waits for WAL it does not have, not after 45 s: " + starts);
            assertTrue(String.valueOf(reclone.get().fields()).contains("not yet consistent")
                    && String.valueOf(reclone.get().fields()).contains("removed WAL this standby needs: 58P01"),
                    reclone.get().toString());
            assertEquals(q, pg.awaitPrimaryWithStandbys(SETTLE), "the copy streams from the new primary");
            System.out.printf("rewound old primary %s: copied anew %.1f s after its vigild came back, streaming from %s"
                    + " %.1f s after%n", old, (reclone.get().monoMs() - back) / 1000, q,
                    (vigil.testkit.VigilCluster.monoNowMs() - back) / 1000);
        } finally {
            for (String sql : List.of("ALTER SYSTEM RESET wal_keep_size", "ALTER SYSTEM RESET max_slot_wal_keep_size",
                    "SELECT pg_reload_conf()")) {
                pg.psql(q, sql);
            }
        }
    }

    /** New segments and checkpoints on the primary {@code p}: what no slot or wal_keep_size holds is recycled. */
    private void fillAndCheckpoint(String p) {
        for (int i = 0; i < 4; i++) {
            pg.psql(p, "create table if not exists slot_fill (x int); insert into slot_fill select generate_series(1, 20000);"
                    + " select pg_switch_wal(); checkpoint").orThrow("write and checkpoint on " + p);
        }
    }

    /** {@code node}'s first RECLONE decision after {@code after} (its monotonic ms), polled until {@code limit}. */
    private java.util.Optional<vigil.testkit.LogEvent> awaitReclone(String node, double after, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        java.util.Optional<vigil.testkit.LogEvent> reclone = java.util.Optional.empty();
        while (reclone.isEmpty() && System.nanoTime() < deadline) {
            sleepMs(200);
            reclone = cluster.events(node).stream().filter(e -> e.monoMs() > after && e.is("pg")
                    && e.field("reason").filter("RECLONE"::equals).isPresent()).findFirst();
        }
        return reclone;
    }

    /** Restartpoints on {@code node} (CHECKPOINT on a standby) until its control file names {@code timeline}. */
    private void awaitTimeline(String node, String timeline) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String seen = "";
        while (System.nanoTime() < deadline) {
            pg.psql(node, "checkpoint");
            seen = pg.psql(node, "select timeline_id from pg_control_checkpoint()").output().strip();
            if (seen.equals(timeline)) return;
            sleepMs(200);
        }
        throw new AssertionError(node + "'s control file names timeline " + seen + ", not the primary's " + timeline);
    }
}
