package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.daemon.pg.PgFixture.require;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One primary n1 and one standby n2 (real PostgreSQL 15) walked through a failover and the old primary's
 * return: the steps build on each other, in order, on one fixture (to keep the cost of initdb and clone once).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private PgFixture fx;
    private PgFixture.Node n1;
    private PgFixture.Node n2;

    @BeforeAll
    void cluster() throws IOException {
        fx = new PgFixture();
        try {
            List<PgFixture.Node> nodes = fx.primaryWithStandby();
            n1 = nodes.get(0);
            n2 = nodes.get(1);
        } catch (RuntimeException | IOException | Error e) {
            fx.close();
            throw e;
        }
    }

    @AfterAll
    void cleanUp() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    @Order(1)
    void primaryReportsItselfAndItsLsnAdvancesWithWrites() throws SQLException {
        PgState before = n1.probe.probe();
        assertTrue(before.reachable(), before.toString());
        assertEquals(PgRole.PRIMARY, before.role());
        assertEquals(1, before.timeline());
        assertTrue(before.currentLsn() > 0, before.toString());
        n1.execute("CREATE TABLE t (id int PRIMARY KEY, origin text)");
        n1.execute("INSERT INTO t SELECT g, 'n1' FROM generate_series(1, 1000) g");
        PgState after = n1.probe.probe();
        assertTrue(after.currentLsn() > before.currentLsn(), before + " -> " + after);
        assertEquals(0, after.receiveLsn());
    }

    @Test
    @Order(2)
    void standbyStreamsAndCatchesUp() throws SQLException {
        n1.execute("INSERT INTO t SELECT g, 'n1' FROM generate_series(1001, 2000) g");
        long target = n1.probe.probe().currentLsn();
        PgState s = n2.awaitState(st -> st.reachable() && st.receiveLsn() >= target && st.replayLsn() >= target,
                WAIT, "n2 received and replayed " + Lsn.format(target));
        assertEquals(PgRole.STANDBY, s.role());
        assertEquals(1, s.timeline());
        assertTrue(s.walReceiverStreaming(), s.toString());
        assertEquals(n1.upstream(), s.walSender(), "the WAL receiver names its server as the conninfo vigil wrote: " + s);
        assertTrue(s.positionKnown(), s.toString());
        assertTrue(s.position() >= target, s.toString());
        assertEquals(List.of(), n2.probe.replicas().orElseThrow());
        ReplicaRow row = onlyReplica(n1, "n2");
        assertEquals("streaming", row.state());
        assertEquals("async", row.syncState());
        assertTrue(row.sentLsn() >= target, row.toString());
        assertEquals(2000, count(n2, "SELECT count(*) FROM t"));
        CommandResult refused = n2.pg.rewind(n1.upstream(), 0);
        assertFalse(refused.ok());
        assertTrue(refused.outputTail().contains("stop it before pg_rewind"), refused.outputTail());
        assertFalse(n2.pg.cloneFrom(n1.upstream(), 0).ok(), "no clone over a running server");
        readsAsPgControldata(n1, ControlData.ClusterState.IN_PRODUCTION);
        readsAsPgControldata(n2, ControlData.ClusterState.IN_ARCHIVE_RECOVERY);
    }

    @Test
    @Order(3)
    void aRunningStandbyDetachesAndFollowsAgainWithoutARestart() throws SQLException {
        long pid = n2.pg.postmasterPid().orElseThrow();
        CommandResult detached = n2.pg.repoint(null);
        require(detached, "detach n2");
        // Detaching returns once the WAL receiver is gone: nothing more can reach (or be acknowledged by) n2.
        assertEquals(List.of(), onlyRows(n1), "n1 has no walsender for n2 any more");
        n1.execute("INSERT INTO t VALUES (2100, 'while detached')");
        PgState off = n2.probe.probe();
        assertEquals(PgRole.STANDBY, off.role());
        assertFalse(off.walReceiverStreaming(), off.toString());
        assertNull(off.walSender(), off.toString());
        require(n2.pg.repoint(n1.upstream()), "follow n1 again");
        long target = n1.probe.probe().currentLsn();
        n2.awaitState(st -> st.reachable() && st.walReceiverStreaming() && st.replayLsn() >= target, WAIT,
                "n2 streams from n1 again and replays " + Lsn.format(target));
        assertEquals(pid, n2.pg.postmasterPid().orElseThrow(), "the same postmaster: re-pointed, not restarted");
        assertEquals(1, count(n2, "SELECT count(*) FROM t WHERE id = 2100"));
    }

    /** n1's walsenders as pg_stat_replication shows them (a detached standby's is gone within moments). */
    private static List<ReplicaRow> onlyRows(PgFixture.Node primary) {
        return PgFixture.await(primary.probe::replicas, r -> r.isPresent() && r.get().isEmpty(), WAIT,
                "no walsender on " + primary.name).orElseThrow();
    }

    @Test
    @Order(4)
    void quorumSynchronousStandbyNames() throws SQLException, IOException {
        require(n1.pg.setSynchronousStandbyNames("ANY 1 (n2)"), "set synchronous_standby_names");
        PgFixture.await(n1.probe::replicas, r -> r.isPresent() && r.get().stream().anyMatch(row -> "quorum".equals(row.syncState())),
                WAIT, "n2 sync_state quorum");
        PgState s = n1.probe.probe();
        assertEquals("ANY 1 (n2)", s.synchronousStandbyNames());
        assertEquals("on", s.synchronousCommit());
        assertTrue(Files.readString(n1.settings.dataDir().resolve("vigil.conf")).contains("synchronous_commit = on"));
        n1.execute("INSERT INTO t VALUES (2001, 'sync')"); // commits: the quorum standby acknowledges
        require(n1.pg.setSynchronousStandbyNames(""), "clear synchronous_standby_names");
        n1.awaitState(st -> st.reachable() && "".equals(st.synchronousStandbyNames()), WAIT, "asynchronous again");
    }

    /**
     * A standby of nobody (the recorded primary whose server stopped before its promotion): started again, it replays
     * its own WAL, streams from no one and stays in recovery, to be promoted from there (next test).
     */
    @Test
    @Order(5)
    void aStandbyOfNobodyStartsInRecoveryAndStreamsFromNoOne() throws IOException {
        long held = n2.probe.probe().position();
        require(n2.pg.stop(StopMode.IMMEDIATE), "crash n2");
        n2.pg.configureStandby(null);
        require(n2.pg.start(), "start n2 as a standby of nobody");
        PgState s = n2.awaitState(st -> st.reachable(), WAIT, "n2 answers");
        assertEquals(PgRole.STANDBY, s.role(), "in recovery, not a primary on the timeline it replays: " + s);
        assertEquals(1, s.timeline());
        assertFalse(s.walReceiverStreaming(), s.toString());
        assertTrue(Files.exists(n2.settings.dataDir().resolve("standby.signal")));
        assertTrue(Files.readString(n2.settings.dataDir().resolve("vigil.conf")).contains("primary_conninfo = ''"),
                "no upstream in vigil.conf");
        assertEquals(List.of(), onlyRows(n1), "n1 has no walsender for n2");
        assertTrue(n2.probe.probe().position() >= held, "everything it held is still there");
    }

    @Test
    @Order(6)
    void promoteMakesTheStandbyAPrimaryOnANewTimeline() throws IOException {
        long standbyPosition = n2.probe.probe().position();
        long t0 = System.nanoTime();
        require(n2.pg.promote("ANY 1 (n1)"), "promote n2");
        System.out.printf("[measure] promote (reload + pg_promote wait) %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        CommandResult promoted = fx.commands.stream().filter(r -> r.argv().stream().anyMatch(a -> a.contains("pg_promote")))
                .reduce((a, b) -> b).orElseThrow();
        assertEquals("pgjdbc", promoted.argv().get(0), "pg_promote over the driver's own connection, no psql: " + promoted);
        PgState s = n2.awaitState(st -> st.reachable() && st.role() == PgRole.PRIMARY, WAIT, "n2 primary");
        CommandResult again = n2.pg.promote(null);
        assertEquals(CommandResult.Failure.OTHER, again.failure(), again.toString());
        assertTrue(again.outputTail().contains("recovery is not in progress"), "the server's own error: " + again);
        assertEquals(2, s.timeline());
        assertEquals("ANY 1 (n1)", s.synchronousStandbyNames(), "in effect from the first commit on");
        String history = Files.readString(n2.settings.dataDir().resolve("pg_wal/00000002.history"));
        long switchpoint = Lsn.parse(history.split("\t")[1]);
        assertEquals(java.util.Optional.of(new ForkPoint(1, switchpoint)), s.forkPoint(), history);
        assertTrue(switchpoint >= standbyPosition, "timeline 2 forks off at or after what the standby held: " + history);
        assertFalse(Files.exists(n2.settings.dataDir().resolve("standby.signal")));
        require(n2.pg.setSynchronousStandbyNames(""), "n2 asynchronous again (n1 is not its standby yet)");
        n2.awaitState(st -> "".equals(st.synchronousStandbyNames()), WAIT, "n2 asynchronous");
        t0 = System.nanoTime();
        require(n2.pg.checkpoint(), "checkpoint n2");
        System.out.printf("[measure] checkpoint after promote %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertEquals(2, n2.pg.controlData().orElseThrow().checkpointTimeline(), "the new timeline is in the control file");
        readsAsPgControldata(n2, ControlData.ClusterState.IN_PRODUCTION);
    }

    @Test
    @Order(7)
    void oldPrimaryRewindsAndFollowsTheNewOne() throws Exception {
        n1.execute("INSERT INTO t VALUES (9999, 'diverged')"); // n1 still thinks it is primary: its timeline 1 diverges
        n2.execute("INSERT INTO t VALUES (3000, 'n2')");
        require(n1.pg.stop(StopMode.IMMEDIATE), "crash n1"); // pg_rewind must finish its crash recovery first
        long t0 = System.nanoTime();
        require(n1.pg.rewind(n2.upstream(), n2.probe.probe().systemId()), "rewind n1 from n2");
        System.out.printf("[measure] rewind %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        n1.pg.configureStandby(n2.upstream());
        require(n1.pg.start(), "start n1 as standby");
        n2.execute("INSERT INTO t VALUES (3001, 'n2')");
        long target = n2.probe.probe().currentLsn();
        PgState s = n1.awaitState(st -> st.reachable() && st.replayLsn() >= target, WAIT, "n1 replayed n2's writes");
        assertEquals(PgRole.STANDBY, s.role());
        assertEquals(2, s.timeline());
        assertTrue(s.walReceiverStreaming());
        assertEquals("streaming", onlyReplica(n2, "n1").state());
        assertEquals(0, count(n1, "SELECT count(*) FROM t WHERE origin = 'diverged'"));
        assertEquals(2, count(n1, "SELECT count(*) FROM t WHERE id IN (3000, 3001)"));
        String conf = Files.readString(n1.settings.dataDir().resolve("vigil.conf"));
        assertTrue(conf.contains("port = " + n1.settings.port()), conf); // its own vigil.conf survived the rewind
    }

    @Test
    @Order(8)
    void passwordAppearsInNoArgvOutputOrConfig() throws IOException {
        assertFalse(fx.commands.isEmpty());
        for (CommandResult r : fx.commands) {
            assertTrue(r.argv().stream().noneMatch(a -> a.contains(fx.password)), r.argv().toString());
            assertFalse(r.outputTail().contains(fx.password), r.outputTail());
        }
        for (Path proc : listProc()) { // every process's argv while both servers stream (walreceiver, walsender)
            try {
                String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
                assertFalse(cmdline.contains(fx.password), proc + ": " + cmdline.replace('\0', ' '));
            } catch (IOException e) {
                // the process ended meanwhile
            }
        }
        for (PgFixture.Node n : List.of(n1, n2)) {
            assertFalse(Files.readString(n.settings.dataDir().resolve("vigil.conf")).contains(fx.password));
            assertFalse(Files.readString(n.settings.dataDir().resolve("postgresql.conf")).contains(fx.password));
            assertFalse(Files.readString(n.settings.dataDir().resolve("postmaster.log")).contains(fx.password));
        }
    }

    @Test
    @Order(9)
    void stopFastAndImmediate() {
        long pid = n1.pg.postmasterPid().orElseThrow();
        require(n1.pg.stop(StopMode.IMMEDIATE), "stop n1 immediate");
        assertFalse(Postgres.alive(pid), "postmaster " + pid + " still running");
        PgState s = n1.probe.probe();
        assertFalse(s.reachable());
        assertEquals(PgState.Failure.REFUSED, s.failure());
        assertTrue(s.error().startsWith("refused"), s.error());
        require(n2.pg.stop(StopMode.FAST), "stop n2 fast");
        assertTrue(n2.pg.postmasterPid().isEmpty(), "a clean stop removes postmaster.pid");
        CommandResult again = n2.pg.stop(StopMode.FAST);
        assertTrue(again.ok(), "stopping a stopped server succeeds");
        assertTrue(again.argv().isEmpty(), "and runs nothing");
        readsAsPgControldata(n1, ControlData.ClusterState.IN_ARCHIVE_RECOVERY); // a standby since order 7, killed
        readsAsPgControldata(n2, ControlData.ClusterState.SHUT_DOWN);
    }

    /**
     * vigild's own read of the control file ({@link ControlFile}) gives what pg_controldata says of the same file,
     * and the driver's {@code controlData} runs no command for it. A running server may rewrite the file between
     * the two reads, so they are compared until they agree (5 s at most).
     */
    private void readsAsPgControldata(PgFixture.Node n, ControlData.ClusterState expected) {
        Path dir = n.settings.dataDir();
        PgCommands commands = new PgCommands(n.settings, r -> { });
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            ControlData file = ControlFile.read(dir).orElseThrow(() -> new AssertionError("pg_control of " + dir + " not read"));
            PgCommands.Answer<ControlData> command = commands.controlDataCommand(dir);
            require(command.result(), "pg_controldata " + dir);
            assertFalse(command.result().argv().isEmpty(), "the command ran");
            if (file.equals(command.value()) || System.nanoTime() > deadline) {
                assertEquals(command.value(), file, "pg_controldata and vigild's read of " + dir);
                assertEquals(expected, file.state(), file.toString());
                break;
            }
        }
        int before = fx.commands.size();
        assertEquals(expected, n.pg.controlData().orElseThrow().state());
        assertEquals(before, fx.commands.size(), "Postgres.controlData read the file and ran no command");
    }

    @Test
    @Order(10)
    void failedCloneLeavesTheDataDirectoryAsItWas() throws IOException {
        Path data = n2.settings.dataDir();
        String before = Files.readString(data.resolve("vigil.conf"));
        CommandResult r = n2.pg.cloneFrom(new Upstream("127.0.0.1", PgFixture.freePort()), 0); // nobody listens there
        assertFalse(r.ok());
        assertEquals(CommandResult.Failure.TRANSIENT, r.failure(), r.toString());
        assertTrue(n2.pg.dataDirInitialised());
        assertEquals(before, Files.readString(data.resolve("vigil.conf")));
        assertFalse(Files.exists(data.resolveSibling("data.vigil-clone")), "the partial clone is removed");
        assertFalse(Files.exists(data.resolveSibling("data.vigil-pgpass")), "the temporary password file is removed");
    }

    private static List<Path> listProc() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            return s.filter(p -> p.getFileName().toString().matches("\\d+")).toList();
        }
    }

    private static ReplicaRow onlyReplica(PgFixture.Node primary, String name) {
        List<ReplicaRow> rows = primary.probe.replicas().orElseThrow();
        assertEquals(1, rows.size(), rows.toString());
        ReplicaRow row = rows.get(0);
        assertEquals(name, row.applicationName());
        return row;
    }

    private static long count(PgFixture.Node n, String sql) throws SQLException {
        try (Connection c = n.connect(); var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
