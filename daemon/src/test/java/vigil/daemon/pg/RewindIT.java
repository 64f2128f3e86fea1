package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.daemon.pg.PgFixture.require;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import vigil.daemon.pg.CommandResult.Failure;

/**
 * pg_rewind and clone against real PostgreSQL 15, where they must refuse or fail in a way the core can act on:
 * an old primary n1 diverges after n2's promotion and keeps working long enough to recycle the WAL pg_rewind would
 * need; n3 is another system. In order, on one fixture.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RewindIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private PgFixture fx;
    private PgFixture.Node n1;
    private PgFixture.Node n2;
    private PgFixture.Node n3;
    private long system;

    @BeforeAll
    void cluster() throws IOException {
        fx = new PgFixture();
        try {
            List<PgFixture.Node> nodes = fx.primaryWithStandby();
            n1 = nodes.get(0);
            n2 = nodes.get(1);
            n3 = fx.node("n3");
            require(n3.pg.initPrimary(true), "initPrimary n3 (another system)");
            require(n3.pg.start(), "start n3");
            system = n1.probe.probe().systemId();
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
    void anOldPrimaryThatRecycledItsWalCannotBeRewound() throws SQLException {
        n1.execute("CREATE TABLE t (id int, origin text)");
        // enough dirty pages on n2 that the checkpoint after its promotion is slow (it is spread over minutes)
        n1.execute("INSERT INTO t SELECT g, 'n1' FROM generate_series(1, 300000) g");
        long target = n1.probe.probe().currentLsn();
        n2.awaitState(s -> s.replayLsn() >= target, WAIT, "n2 replayed n1's writes");
        require(n2.pg.promote(), "promote n2");
        n2.awaitState(s -> s.role() == PgRole.PRIMARY, WAIT, "n2 primary");

        // n1 does not know: it goes on writing, and recycles the WAL from before the fork
        n1.execute("ALTER SYSTEM SET wal_keep_size = 0");
        n1.execute("ALTER SYSTEM SET max_wal_size = '32MB'");
        n1.execute("ALTER SYSTEM SET min_wal_size = '32MB'");
        n1.execute("SELECT pg_reload_conf()");
        for (int i = 0; i < 5; i++) {
            n1.execute("INSERT INTO t VALUES (-" + i + ", 'diverged')");
            n1.execute("SELECT pg_switch_wal()");
            n1.execute("CHECKPOINT");
        }
        require(n1.pg.stop(StopMode.FAST), "stop n1");
    }

    @Test
    @Order(2)
    void noRewindRequiredIsNotBelievedWhileTheSourcesControlFileLags() {
        ControlData source = n2.pg.controlData().orElseThrow();
        org.junit.jupiter.api.Assumptions.assumeTrue(source.checkpointTimeline() == 1,
                "n2's first checkpoint on timeline 2 completed already; nothing to show: " + source);
        CommandResult r = n1.pg.rewind(n2.upstream(), system);
        System.out.println("[observed] pg_rewind against a source whose control file lags: " + r.outputTail());
        assertEquals(Failure.TRANSIENT, r.failure(), r.toString());
        assertTrue(r.outputTail().contains("no rewind required"), "pg_rewind itself claimed success: " + r.outputTail());
    }

    @Test
    @Order(3)
    void thenPgRewindProvesItCannotRepairTheDivergence() throws IOException {
        require(n2.pg.checkpoint(), "checkpoint n2");
        ControlData before = n1.pg.controlData().orElseThrow();
        CommandResult r = n1.pg.rewind(n2.upstream(), system);
        System.out.println("[observed] pg_rewind of a diverged old primary without its old WAL:\n" + r.outputTail());
        assertEquals(Failure.REWIND_IMPOSSIBLE, r.failure(), r.toString());
        assertTrue(r.outputTail().contains("could not find previous WAL record"), r.outputTail());
        assertEquals(before, n1.pg.controlData().orElseThrow(), "the target was not touched");
        assertFalse(Files.exists(sibling(n1, ".vigil-rewinding")), "it failed before rewriting anything");
    }

    @Test
    @Order(4)
    void anotherSystemIsRefusedWithNothingTouched() throws IOException {
        ControlData before = n1.pg.controlData().orElseThrow();
        int commands = fx.commands.size();
        CommandResult fromOther = n1.pg.rewind(n3.upstream(), system);
        assertEquals(Failure.FOREIGN_SYSTEM, fromOther.failure(), fromOther.toString());
        CommandResult wrongLocal = n1.pg.rewind(n2.upstream(), system + 1);
        assertEquals(Failure.FOREIGN_SYSTEM, wrongLocal.failure(), wrongLocal.toString());
        CommandResult cloneOther = n1.pg.cloneFrom(n3.upstream(), 0);
        assertEquals(Failure.FOREIGN_SYSTEM, cloneOther.failure(), cloneOther.toString());
        assertTrue(cloneOther.outputTail().contains("is system " + Long.toUnsignedString(n3.probe.probe().systemId())),
                cloneOther.outputTail());
        assertTrue(fx.commands.subList(commands, fx.commands.size()).stream()
                .noneMatch(c -> c.argv().stream().anyMatch(a -> a.endsWith("pg_rewind") || a.endsWith("pg_basebackup"))),
                "neither pg_rewind nor pg_basebackup ran");
        assertEquals(before, n1.pg.controlData().orElseThrow());
        assertFalse(n1.pg.setAsideExists());
    }

    @Test
    @Order(5)
    void aReCloneKeepsTheDivergedDirectoryAsideUntilTheStandbyStreams() throws IOException, SQLException {
        long diverged = n1.pg.controlData().orElseThrow().checkpointLsn();
        require(n1.pg.cloneFrom(n2.upstream(), system), "clone n1 from n2");
        assertTrue(n1.pg.setAsideExists());
        Path old = sibling(n1, ".vigil-old");
        assertTrue(Files.isRegularFile(old.resolve("PG_VERSION")), "the old directory is kept whole");
        n1.pg.configureStandby(n2.upstream());
        require(n1.pg.start(), "start n1 as n2's standby");
        n2.execute("INSERT INTO t VALUES (1000001, 'n2')");
        long target = n2.probe.probe().currentLsn();
        PgState s = n1.awaitState(st -> st.reachable() && st.walReceiverStreaming() && st.replayLsn() >= target, WAIT,
                "n1 streams from n2");
        assertEquals(2, s.timeline());
        assertEquals(system, s.systemId());
        require(n1.pg.discardSetAside(), "discard the set-aside copy");
        assertFalse(Files.exists(old));
        assertTrue(diverged > 0);
    }

    @Test
    @Order(6)
    void anUnreachableSourceIsTransient() {
        require(n1.pg.stop(StopMode.FAST), "stop n1");
        require(n2.pg.stop(StopMode.FAST), "stop n2");
        CommandResult r = n1.pg.rewind(n2.upstream(), system);
        assertEquals(Failure.TRANSIENT, r.failure(), r.toString());
        CommandResult c = n1.pg.cloneFrom(n2.upstream(), system);
        assertEquals(Failure.TRANSIENT, c.failure(), c.toString());
        assertTrue(n1.pg.dataDirInitialised());
    }

    private static Path sibling(PgFixture.Node n, String suffix) {
        Path data = n.settings.dataDir();
        return data.resolveSibling(data.getFileName() + suffix);
    }
}
