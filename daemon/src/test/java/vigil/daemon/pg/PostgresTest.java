package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.daemon.pg.CommandResult.Failure;
import vigil.daemon.pg.Postgres.DataDirState;

/** The driver's refusals and its order of steps, against fake PostgreSQL programs ({@link FakeBin}). */
class PostgresTest {
    private static final String A = "7000000000000000001";
    private static final String B = "7000000000000000002";
    private static final Upstream SOURCE = new Upstream("127.0.0.1", 5998);

    @TempDir
    Path root;
    FakeBin fake;
    Path data;
    Path setAside;

    @BeforeEach
    void setUp() {
        fake = new FakeBin(root);
        data = fake.data;
        setAside = root.resolve("data.vigil-old");
    }

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void dataDirectoryStates() throws Exception {
        assertEquals(DataDirState.EMPTY, fake.pg.dataDirState(), "missing");
        Files.createDirectory(data);
        assertEquals(DataDirState.EMPTY, fake.pg.dataDirState(), "empty");
        Files.writeString(data.resolve("notes.txt"), "x");
        assertEquals(DataDirState.FOREIGN_FILES, fake.pg.dataDirState());
        Files.writeString(data.resolve("PG_VERSION"), "15\n");
        assertEquals(DataDirState.CLUSTER, fake.pg.dataDirState());
    }

    @Test
    void noInitdbUnlessTheCallerAllowsIt() {
        CommandResult r = fake.pg.initPrimary(false);
        assertEquals(Failure.DATA_MISSING, r.failure(), r.toString());
        assertTrue(r.outputTail().contains("may not create one"), r.outputTail());
        assertEquals(List.of(), fake.ran(), "nothing ran");
        assertFalse(Files.exists(data), "not even the directory was created");
    }

    @Test
    void filesThatAreNotAClusterAreNeitherInitialisedNorReplaced() throws Exception {
        Files.createDirectories(data);
        Files.writeString(data.resolve("precious"), "x");
        assertEquals(Failure.FOREIGN_SYSTEM, fake.pg.initPrimary(true).failure());
        fake.set("source-sysid", A);
        assertEquals(Failure.FOREIGN_SYSTEM, fake.pg.cloneFrom(SOURCE, 0).failure());
        assertEquals(Failure.FOREIGN_SYSTEM, fake.pg.rewind(SOURCE, 0).failure());
        assertEquals(Failure.FOREIGN_SYSTEM, fake.pg.start().failure());
        assertEquals(List.of(), fake.ran());
        assertEquals("x", Files.readString(data.resolve("precious")));
    }

    @Test
    void startWithoutAClusterRunsNothing() {
        assertEquals(Failure.DATA_MISSING, fake.pg.start().failure());
        assertEquals(List.of(), fake.ran());
    }

    @Test
    void controlDataIsEmptyWithoutAClusterAndParsedWithOne() {
        assertTrue(fake.pg.controlData().isEmpty());
        FakeBin.cluster(data, A, 3);
        ControlData c = fake.pg.controlData().orElseThrow();
        assertEquals(Long.parseUnsignedLong(A), c.systemId());
        assertEquals(3, c.checkpointTimeline());
        assertEquals(List.of("pg_controldata"), fake.ran());
    }

    @Test
    void aCloneOfAnotherSystemIsRefusedBeforeAnythingIsCopied() throws Exception {
        FakeBin.cluster(data, A, 1);
        fake.set("source-sysid", B);
        CommandResult r = fake.pg.cloneFrom(SOURCE, 0); // not known: the local cluster's identifier is expected
        assertEquals(Failure.FOREIGN_SYSTEM, r.failure(), r.toString());
        assertEquals(List.of("pg_controldata", "psql"), fake.ran(), "asked both, copied nothing");
        assertEquals(A, Files.readString(data.resolve("fake-sysid")).strip());
        assertFalse(Files.exists(setAside));

        r = fake.pg.cloneFrom(SOURCE, Long.parseUnsignedLong(B)); // the local cluster is not the expected system
        assertEquals(Failure.FOREIGN_SYSTEM, r.failure(), r.toString());
        assertTrue(r.outputTail().contains("the local cluster is system " + A), r.outputTail());
        assertFalse(fake.ran().contains("pg_basebackup"));
    }

    @Test
    void aCloneKeepsTheOldDirectoryAsideUntilDiscarded() throws Exception {
        FakeBin.cluster(data, A, 1);
        Files.writeString(data.resolve("old-row"), "commit 41");
        fake.set("source-sysid", A);
        FakeBin.require(fake.pg.cloneFrom(SOURCE, Long.parseUnsignedLong(A)));
        assertTrue(fake.pg.setAsideExists());
        assertEquals("commit 41", Files.readString(setAside.resolve("old-row")), "the old directory is kept whole");
        assertFalse(Files.exists(data.resolve("old-row")));
        assertFalse(Files.exists(data.resolve("standby.signal")), "the copy is not yet a standby");
        // the last pg_controldata reads the copy's checkpoint for the rejoin mark (vigil.rejoined)
        assertEquals(List.of("pg_controldata", "psql", "pg_basebackup", "pg_controldata", "pg_controldata"), fake.ran());
        assertTrue(fake.pg.rejoinedAt(fake.pg.controlData().orElseThrow()), "the copy is marked as rejoined");

        // a second clone replaces the older set-aside copy only once the new copy is complete
        Files.writeString(data.resolve("second"), "x");
        fake.set("basebackup-fails", "pg_basebackup: error: connection to server at \"127.0.0.1\", port 5998 failed: Connection refused");
        CommandResult failed = fake.pg.cloneFrom(SOURCE, 0);
        assertEquals(Failure.TRANSIENT, failed.failure(), failed.toString());
        assertEquals("commit 41", Files.readString(setAside.resolve("old-row")), "a failed copy replaces nothing");
        assertTrue(Files.exists(data.resolve("second")));
        assertFalse(Files.exists(root.resolve("data.vigil-clone")), "the partial copy is removed");
        Files.delete(fake.bin.resolve("basebackup-fails"));
        FakeBin.require(fake.pg.cloneFrom(SOURCE, 0));
        assertTrue(Files.exists(setAside.resolve("second")));

        CommandResult discard = fake.pg.discardSetAside();
        assertTrue(discard.ok());
        assertFalse(fake.pg.setAsideExists());
        assertEquals("delete-tree", discard.argv().get(0), "reported to the command log");
        assertTrue(fake.commands.contains(discard));
    }

    @Test
    void aCloneIntoAnEmptyDirectoryKeepsAnOlderSetAsideCopy() throws Exception {
        FakeBin.cluster(setAside, A, 1);
        Files.writeString(setAside.resolve("old-row"), "commit 41");
        Files.createDirectory(data);
        fake.set("source-sysid", A);
        FakeBin.require(fake.pg.cloneFrom(SOURCE, 0));
        assertEquals("commit 41", Files.readString(setAside.resolve("old-row")), "may be the only copy of that data");
        assertEquals(DataDirState.CLUSTER, fake.pg.dataDirState());
    }

    @Test
    void cancellingACloneKillsTheCopyAndLeavesTheDataDirectoryAsItWas() throws Exception {
        FakeBin.cluster(data, A, 1);
        fake.set("source-sysid", A);
        fake.set("basebackup-hangs", "");
        AtomicReference<CommandResult> result = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread action = new Thread(() -> {
            result.set(fake.pg.cloneFrom(SOURCE, 0));
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        action.start();
        PgFixture.await(() -> fake.exists("basebackup-started"), b -> b, Duration.ofSeconds(10), "pg_basebackup running");
        long t0 = System.nanoTime();
        action.interrupt();
        action.join(10_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(action.isAlive());
        assertEquals(Failure.CANCELLED, result.get().failure(), result.get().toString());
        assertTrue(ms < 5_000, "cancelled after " + ms + " ms");
        assertTrue(stillInterrupted.get(), "the interrupt is not swallowed");
        assertEquals("pg_basebackup", fake.ran().get(fake.ran().size() - 1), "nothing ran after the cancelled copy");
        assertFalse(Files.exists(root.resolve("data.vigil-clone")));
        assertFalse(Files.exists(setAside));
        assertEquals(A, Files.readString(data.resolve("fake-sysid")).strip());
    }

    @Test
    void onAnInterruptedThreadNothingStarts() {
        FakeBin.cluster(data, A, 1);
        fake.set("source-sysid", A);
        Thread.currentThread().interrupt();
        assertEquals(Failure.CANCELLED, fake.pg.rewind(SOURCE, 0).failure());
        assertEquals(Failure.CANCELLED, fake.pg.cloneFrom(SOURCE, 0).failure());
        assertEquals(Failure.CANCELLED, fake.pg.start().failure());
        assertEquals(Failure.CANCELLED, fake.pg.checkpoint().failure());
        assertTrue(Thread.currentThread().isInterrupted());
        assertFalse(fake.commands.isEmpty());
        assertTrue(fake.commands.stream().allMatch(r -> r.failure() == Failure.CANCELLED
                && r.exitCode() == CommandRunner.NOT_STARTED), "none was even started: " + fake.commands);
        assertFalse(fake.exists("basebackup-started"));
    }

    @Test
    void aRewindFromAnotherSystemIsRefused() {
        FakeBin.cluster(data, A, 1);
        fake.set("source-sysid", B);
        CommandResult r = fake.pg.rewind(SOURCE, 0);
        assertEquals(Failure.FOREIGN_SYSTEM, r.failure(), r.toString());
        r = fake.pg.rewind(SOURCE, Long.parseUnsignedLong(B));
        assertEquals(Failure.FOREIGN_SYSTEM, r.failure(), r.toString());
        assertFalse(fake.ran().contains("pg_rewind"));
    }

    @Test
    void aRewriteLeftUnfinishedIsNeverStartedOrRewoundAgainOnlyCloned() throws Exception {
        FakeBin.cluster(data, A, 1);
        fake.set("source-sysid", A);
        fake.set("source-tli", "2");
        fake.set("source-history", "1\t0/3000000\tno recovery target specified\n");
        fake.set("rewind-output", """
                pg_rewind: servers diverged at WAL location 0/3000000 on timeline 1
                pg_rewind: rewinding from last common checkpoint at 0/2000060 on timeline 1
                pg_rewind: reading source file list
                pg_rewind: reading target file list
                pg_rewind: reading WAL in target
                pg_rewind: need to copy 52 MB (total source directory size is 70 MB)
                pg_rewind: error: could not fetch remote file "base/5/16384": server closed the connection unexpectedly
                """);
        fake.set("rewind-exit", "1");
        CommandResult r = fake.pg.rewind(SOURCE, 0);
        assertEquals(Failure.REWIND_IMPOSSIBLE, r.failure(), r.toString());
        assertTrue(Files.exists(root.resolve("data.vigil-rewinding")));
        int ran = fake.ran().size();
        assertEquals(Failure.REWIND_IMPOSSIBLE, fake.pg.start().failure(), "a half-rewritten directory is not started");
        assertEquals(Failure.REWIND_IMPOSSIBLE, fake.pg.rewind(SOURCE, 0).failure());
        assertEquals(ran, fake.ran().size(), "and nothing ran for either");
        FakeBin.require(fake.pg.cloneFrom(SOURCE, 0));
        assertFalse(Files.exists(root.resolve("data.vigil-rewinding")), "the clone replaced it");
    }

    @Test
    void aFailureBeforeTheRewriteIsTransientAndLeavesNoMark() {
        FakeBin.cluster(data, A, 1);
        fake.set("source-sysid", A);
        fake.set("rewind-output", "pg_rewind: error: connection to server at \"127.0.0.1\", port 5998 failed: Connection refused\n"
                + "\tIs the server running on that host and accepting TCP/IP connections?\n");
        fake.set("rewind-exit", "1");
        assertEquals(Failure.TRANSIENT, fake.pg.rewind(SOURCE, 0).failure());
        assertFalse(Files.exists(root.resolve("data.vigil-rewinding")));
    }

    @Test
    void noRewindRequiredIsCheckedAgainstTheSourcesLiveTimelineAndHistory() throws Exception {
        FakeBin.cluster(data, A, 1);
        fake.set("source-sysid", A);
        fake.set("source-tli", "2"); // promoted, but its control file still says 1
        fake.set("source-history", "1\t0/3000000\tno recovery target specified\n");
        fake.set("rewind-output", "pg_rewind: source and target cluster are on the same timeline\npg_rewind: no rewind required\n");
        CommandResult r = fake.pg.rewind(SOURCE, 0);
        assertEquals(Failure.TRANSIENT, r.failure(), r.toString());
        assertEquals(0, r.exitCode());
        assertTrue(r.outputTail().contains("CHECKPOINT on the source"), r.outputTail());

        // both on timeline 2, from two different promotions
        Files.writeString(data.resolve("fake-tli"), "2\n");
        Files.createDirectories(data.resolve("pg_wal"));
        Files.writeString(data.resolve("pg_wal/00000002.history"), "1\t0/2800000\tno recovery target specified\n");
        r = fake.pg.rewind(SOURCE, 0);
        assertEquals(Failure.REWIND_IMPOSSIBLE, r.failure(), r.toString());

        // the same timeline 2: truly nothing to do
        Files.writeString(data.resolve("pg_wal/00000002.history"), "1\t0/3000000\tno recovery target specified\n");
        FakeBin.require(fake.pg.rewind(SOURCE, 0));
    }
}
